// A project's webhook endpoints (owners, admins): add, change, disable and re-enable,
// rotate the signing secret, delete, and read each endpoint's delivery log.
import { useState } from "preact/hooks";
import { api, type Webhook, unwrap } from "../../api/client";
import { formatTime, useT } from "../../i18n";
import { ConfirmDialog, Dialog, Loading, More, ProblemBanner, SecretValue } from "../../ui/components";
import { useAction } from "../../ui/hooks";
import type { PanelProps } from "../types";
import { DeliveryLog } from "./DeliveryLog";
import { webhooksText } from "./messages";
import { usePages } from "../../ui/usePages";
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
  const rotate = useAction(async (webhook: Webhook) => {
    const rotated = await unwrap(
      api.POST("/v1/projects/{pid}/webhooks/{webhook_id}/rotate-secret", { params: { path: { pid, webhook_id: webhook.id } } }),
    );
    setOpen({ kind: "secret", title: "rotatedTitle", secret: rotated.secret, until: rotated.previous_valid_until });
    list.reload();
  });
  const remove = useAction(async (webhook: Webhook) => {
    await unwrap(api.DELETE("/v1/projects/{pid}/webhooks/{webhook_id}", { params: { path: { pid, webhook_id: webhook.id } } }));
    if (logOf?.id === webhook.id) setLogOf(null);
    setOpen(null);
    list.reload();
  });
  const close = () => {
    rotate.clear();
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
        <ConfirmDialog
          title={t("rotateConfirmTitle")}
          text={<p>{t("rotateConfirmText")}</p>}
          confirmLabel={t("rotate")}
          busy={rotate.busy}
          problem={rotate.problem}
          onConfirm={() => void rotate.run(open.webhook)}
          onClose={close}
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

function EndpointTable(props: {
  items: Webhook[];
  busy: boolean;
  onLog: (webhook: Webhook) => void;
  onEdit: (webhook: Webhook) => void;
  onEnabled: (webhook: Webhook, enabled: boolean) => void;
  onRotate: (webhook: Webhook) => void;
  onDelete: (webhook: Webhook) => void;
}) {
  const t = useT(webhooksText);
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{t("url")}</th>
          <th scope="col">{t("events")}</th>
          <th scope="col">{t("state")}</th>
          <th scope="col">{t("actions")}</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((webhook) => (
          <tr key={webhook.id}>
            <td>
              <code class="webhook-url">{webhook.url}</code>
              {webhook.description && <div class="muted">{webhook.description}</div>}
              {webhook.previous_secret_valid_until && (
                <div class="muted small">{t("previousSecret", { until: formatTime(webhook.previous_secret_valid_until) })}</div>
              )}
            </td>
            <td>
              <ul class="event-list">
                {webhook.events.map((event) => (
                  <li key={event}>
                    <code>{event}</code>
                  </li>
                ))}
              </ul>
            </td>
            <td>
              {webhook.enabled ? (
                <span class="badge active">{t("enabled")}</span>
              ) : (
                <span class="badge revoked">
                  {webhook.disabled_reason ? t("disabledBecause", { reason: webhook.disabled_reason }) : t("disabled")}
                </span>
              )}
            </td>
            <td>
              <div class="row-actions" role="group" aria-label={t("endpointActions", { url: webhook.url })}>
                <button type="button" onClick={() => props.onLog(webhook)}>
                  {t("deliveries")}
                </button>
                <button type="button" onClick={() => props.onEdit(webhook)}>
                  {t("edit")}
                </button>
                <button type="button" disabled={props.busy} onClick={() => props.onEnabled(webhook, !webhook.enabled)}>
                  {webhook.enabled ? t("disable") : t("enable")}
                </button>
                <button type="button" onClick={() => props.onRotate(webhook)}>
                  {t("rotate")}
                </button>
                <button type="button" class="danger" onClick={() => props.onDelete(webhook)}>
                  {t("delete")}
                </button>
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A signing secret just issued: shown once, gone when the dialog closes. */
function SecretShown(props: { title: string; secret: string; until?: string | undefined; onClose: () => void }) {
  const t = useT(webhooksText);
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <SecretValue label={t("secret")} value={props.secret} once testId="webhook-secret" />
      <p>{t("secretHelp")}</p>
      {props.until && <p class="muted">{t("rotatedHelp", { until: formatTime(props.until) })}</p>}
      <div class="actions">
        <button type="button" class="primary" onClick={props.onClose}>
          {t("done")}
        </button>
      </div>
    </Dialog>
  );
}
