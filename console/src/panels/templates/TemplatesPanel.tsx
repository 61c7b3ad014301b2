// "Templates and requests": template tiles with each member's key tile, and for owners and
// admins the queue of requests to decide.
import { useEffect, useState } from "preact/hooks";
import { useT } from "../../i18n";
import { Loading, ProblemBanner } from "../../ui/components";
import { useLoad } from "../../ui/hooks";
import type { PanelProps } from "../types";
import { loadCatalogue } from "./data";
import { templatesText } from "./messages";
import { RequestsQueue } from "./RequestsQueue";
import { TemplateEditor } from "./TemplateEditor";
import { TemplateTiles } from "./TemplateTiles";
import "./templates.css";

/** While one of the caller's requests waits for a decision, the tiles look again this often. */
const PENDING_POLL_MS = 4000;

export default function TemplatesPanel(props: PanelProps) {
  const t = useT(templatesText);
  const pid = props.project.id;
  const catalogue = useLoad(() => loadCatalogue(pid), [pid]);
  const [creating, setCreating] = useState(false);
  const waiting = catalogue.data?.templates.some((tpl) => tpl.my_request?.status === "pending") ?? false;
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(catalogue.reload, PENDING_POLL_MS);
    return () => clearInterval(timer);
  }, [waiting, catalogue.reload]);

  if (!catalogue.data) return catalogue.problem ? <ProblemBanner problem={catalogue.problem} /> : <Loading />;
  const { templates, roles } = catalogue.data;
  return (
    <>
      <div class="panel-head">
        <h2>{t("title")}</h2>
        <div class="row-actions">
          <button type="button" onClick={catalogue.reload}>
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
      <TemplateTiles panel={props} templates={templates} roles={roles} onChanged={catalogue.reload} />
      {props.can("decide_requests") && <RequestsQueue pid={pid} templates={templates} />}
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
    </>
  );
}
