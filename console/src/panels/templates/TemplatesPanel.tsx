// "Templates and requests": template tiles with each member's key tile, and for owners and
// admins the queue of requests to decide.
import { useState } from "preact/hooks";
import { useT } from "../../i18n";
import { Loading, ProblemBanner } from "../../ui/components";
import { useLoad } from "../../ui/hooks";
import type { PanelProps } from "../types";
import { ClaimResult } from "./ClaimResult";
import { type Claimed, loadCatalogue } from "./data";
import { templatesText } from "./messages";
import { RequestsQueue } from "./RequestsQueue";
import { TemplateEditor } from "./TemplateEditor";
import { TemplateTiles } from "./TemplateTiles";
import { useDecisionWatch } from "./useDecisionWatch";
import "./templates.css";

/** A claimed key, shown once: held here, beside the tiles, so that reloading them cannot lose it. */
interface ClaimShown {
  templateName: string;
  claimed: Claimed;
}

export default function TemplatesPanel(props: PanelProps) {
  const t = useT(templatesText);
  const pid = props.project.id;
  const catalogue = useLoad(() => loadCatalogue(pid), [pid]);
  const [creating, setCreating] = useState(false);
  const [shown, setShown] = useState<ClaimShown | null>(null);
  const waiting =
    catalogue.data?.templates.flatMap((tpl) => (tpl.my_request?.status === "pending" ? [tpl.my_request.id] : [])) ?? [];
  useDecisionWatch(pid, props.me, waiting, catalogue.reload, shown !== null);

  const claimResult = shown && (
    <ClaimResult templateName={shown.templateName} claimed={shown.claimed} onClose={() => setShown(null)} />
  );
  if (!catalogue.data) {
    return (
      <>
        {catalogue.problem ? <ProblemBanner problem={catalogue.problem} /> : <Loading />}
        {claimResult}
      </>
    );
  }
  const { templates, roles } = catalogue.data;
  return (
    <>
      <div class="panel-head">
        <h2>{t("title")}</h2>
        <div class="row-actions">
          <button type="button" aria-label={t("refreshTemplates")} onClick={catalogue.reload}>
            {t("refresh")}
          </button>
          {props.can("manage_config") && (
            <button type="button" class="primary" onClick={() => setCreating(true)}>
              {t("create")}
            </button>
          )}
        </div>
      </div>
      {props.can("request_keys") && <p class="muted">{t("intro")}</p>}
      <ProblemBanner problem={catalogue.problem} />
      <TemplateTiles
        panel={props}
        templates={templates}
        roles={roles}
        onChanged={catalogue.reload}
        onClaimed={(templateName, claimed) => setShown({ templateName, claimed })}
      />
      {props.can("decide_requests") && <RequestsQueue pid={pid} me={props.me} templates={templates} />}
      {creating && (
        <TemplateEditor
          pid={pid}
          roles={roles}
          mayAutoApprove={props.can("decide_requests")}
          onClose={() => setCreating(false)}
          onSaved={() => {
            setCreating(false);
            catalogue.reload();
          }}
        />
      )}
      {claimResult}
    </>
  );
}
