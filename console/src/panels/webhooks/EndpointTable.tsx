// The endpoints table: URL, events, state, and each endpoint's actions.
import type { Webhook } from "../../api/client";
import { formatTime, useT } from "../../i18n";
import { webhooksText } from "./messages";

export function EndpointTable(props: {
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
                <span class="badge active" data-testid="webhook-state">
                  {t("enabled")}
                </span>
              ) : (
                <span class="badge revoked" data-testid="webhook-state">
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
