// A project's webhook endpoints (owners, admins): add, change, disable and re-enable,
// rotate the signing secret, delete, and read each endpoint's delivery log.
import { useState } from "preact/hooks";
import { api, type Webhook, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { ConfirmDialog, Loading, More, ProblemBanner } from "../../ui/components";
import { useAction } from "../../ui/hooks";
import { usePages } from "../../ui/usePages";
import type { PanelProps } from "../types";
import { DeliveryLog } from "./DeliveryLog";
import { EndpointTable } from "./EndpointTable";
import { webhooksText } from "./messages";
import { RotateDialog, SecretShown } from "./SecretDialogs";
import { WebhookForm } from "./WebhookForm";
import "./webhooks.css";

type Open =
  | { kind: "create" }
  | { kind: "edit"; webhook: Webhook }
  | { kind: "rotate"; webhook: Webhook }
  | { kind: "delete"; webhook: Webhook }
  | { kind: "secret"; title: "createdTitle" | "rotatedTitle"; secret: string; until?: string }
  | null;

export default function WebhooksPanel({ project }: PanelProps) {
  const t = useT(webhooksText);
  const pid = project.id;
  const [open, setOpen] = useState<Open>(null);
  const [logOf, setLogOf] = useState<Webhook | null>(null);
  const list = usePages(
    (cursor) => unwrap(api.GET("/v1/projects/{pid}/webhooks", { params: { path: { pid }, query: { limit: 50, cursor } } })),
    [pid],
  );
  const setEnabled = useAction(async (webhook: Webhook, enabled: boolean) => {
    await unwrap(api.PATCH("/v1/projects/{pid}/webhooks/{webhook_id}", { params: { path: { pid, webhook_id: webhook.id } }, body: { enabled } }));
    list.reload();
  });
  const remove = useAction(async (webhook: Webhook) => {
    await unwrap(api.DELETE("/v1/projects/{pid}/webhooks/{webhook_id}", { params: { path: { pid, webhook_id: webhook.id } } }));
    if (logOf?.id === webhook.id) setLogOf(null);
    setOpen(null);
    list.reload();
  });
  const close = () => {
    remove.clear();
    setOpen(null);
  };

  return (
    <div class="webhooks">
      <div class="panel-head">
        <h2>{t("title")}</h2>
        <button type="button" class="primary" onClick={() => setOpen({ kind: "create" })}>
          {t("add")}
        </button>
      </div>
      <p class="muted">{t("intro")}</p>
      <ProblemBanner problem={list.problem ?? setEnabled.problem ?? list.more.problem} />
      {!list.items && !list.problem && <Loading />}
      {list.items?.length === 0 && <p class="muted">{t("empty")}</p>}
      {list.items && list.items.length > 0 && (
        <EndpointTable
          items={list.items}
          busy={setEnabled.busy}
          onLog={setLogOf}
          onEdit={(webhook) => setOpen({ kind: "edit", webhook })}
          onEnabled={(webhook, enabled) => void setEnabled.run(webhook, enabled)}
          onRotate={(webhook) => setOpen({ kind: "rotate", webhook })}
          onDelete={(webhook) => setOpen({ kind: "delete", webhook })}
        />
      )}
      <More cursor={list.cursor} busy={list.more.busy} onMore={() => list.cursor && void list.more.run(list.cursor)} />
      {logOf && <DeliveryLog key={logOf.id} pid={pid} webhook={logOf} onClose={() => setLogOf(null)} />}

      {(open?.kind === "create" || open?.kind === "edit") && (
        <WebhookForm
          pid={pid}
          editing={open.kind === "edit" ? open.webhook : undefined}
          onClose={close}
          onCreated={(created) => {
            setOpen({ kind: "secret", title: "createdTitle", secret: created.secret });
            list.reload();
          }}
          onSaved={(saved) => {
            setOpen(null);
            if (logOf?.id === saved.id) setLogOf(saved);
            list.reload();
          }}
        />
      )}
      {open?.kind === "rotate" && (
        <RotateDialog
          pid={pid}
          webhook={open.webhook}
          onClose={close}
          onRotated={(rotated) => {
            setOpen({ kind: "secret", title: "rotatedTitle", secret: rotated.secret, until: rotated.previous_valid_until });
            list.reload();
          }}
        />
      )}
      {open?.kind === "delete" && (
        <ConfirmDialog
          title={t("deleteConfirmTitle")}
          text={<p>{t("deleteConfirmText", { url: open.webhook.url })}</p>}
          confirmLabel={t("delete")}
          busy={remove.busy}
          problem={remove.problem}
          onConfirm={() => void remove.run(open.webhook)}
          onClose={close}
        />
      )}
      {open?.kind === "secret" && <SecretShown title={t(open.title)} secret={open.secret} until={open.until} onClose={close} />}
    </div>
  );
}
