// One endpoint's delivery log: each delivery with its attempts, and Retry for a failed one.
// It refreshes itself while an attempt is due soon (useDeliveries).
import { api, type Delivery, type Webhook, unwrap } from "../../api/client";
import { idempotencyHeaders, useIdempotencyScope } from "../../api/idempotency";
import { lang, useT } from "../../i18n";
import { More, ProblemBanner, Time } from "../../ui/components";
import { useAction } from "../../ui/hooks";
import { webhooksText } from "./messages";
import { useDeliveries } from "./useDeliveries";

export function DeliveryLog(props: { pid: string; webhook: Webhook; onClose: () => void }) {
  const t = useT(webhooksText);
  const log = useDeliveries(props.pid, props.webhook.id);
  const scope = useIdempotencyScope();
  const retry = useAction(async (delivery: Delivery) => {
    // The attempt count tells a repeat of this retry (same key) from a later one (a new key).
    const header = await idempotencyHeaders(scope, "retry delivery", { id: delivery.id, attempts: delivery.attempt_count });
    await unwrap(
      api.POST("/v1/projects/{pid}/webhooks/{webhook_id}/deliveries/{delivery_id}/retry", {
        params: { path: { pid: props.pid, webhook_id: props.webhook.id, delivery_id: delivery.id }, header },
      }),
    );
    log.refresh();
  });
  return (
    <section class="card delivery-log" aria-labelledby="delivery-log-title">
      <div class="panel-head">
        <h3 id="delivery-log-title">{t("logTitle", { url: props.webhook.url })}</h3>
        <div class="row-actions">
          <button type="button" onClick={log.refresh}>
            {t("refresh")}
          </button>
          <button type="button" onClick={props.onClose}>
            {t("closeLog")}
          </button>
        </div>
      </div>
      <ProblemBanner problem={log.problem ?? retry.problem ?? log.more.problem} />
      {log.items && log.items.length === 0 && <p class="muted">{t("logEmpty")}</p>}
      {log.items && log.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("event")}</th>
              <th scope="col">{t("status")}</th>
              <th scope="col">{t("created")}</th>
              <th scope="col">{t("attempts")}</th>
              <th scope="col">{t("nextRetry")}</th>
              <th scope="col">
                <span class="sr-only">{t("actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {log.items.map((delivery) => (
              <tr key={delivery.id} data-testid="delivery">
                <td>
                  <code>{delivery.event_type}</code>
                  <div class="muted mono small">{delivery.message_id}</div>
                </td>
                <td>
                  <span class={`badge delivery-${delivery.status}`} data-testid="delivery-status">
                    {t(`status.${delivery.status}`)}
                  </span>
                </td>
                <td>
                  <Time value={delivery.created_at} />
                </td>
                <td>
                  <Attempts delivery={delivery} />
                </td>
                <td>{delivery.status === "pending" ? <Time value={delivery.next_attempt_at} /> : <span class="muted">—</span>}</td>
                <td>
                  {delivery.status === "failed" && (
                    <button type="button" disabled={retry.busy} onClick={() => void retry.run(delivery)}>
                      {t("retry")}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <More cursor={log.cursor} busy={log.more.busy} onMore={() => log.cursor && void log.more.run(log.cursor)} />
    </section>
  );
}

function Attempts({ delivery }: { delivery: Delivery }) {
  const t = useT(webhooksText);
  if (delivery.attempts.length === 0) return <span class="muted">{t("noAttempts")}</span>;
  return (
    <ol class="attempts" reversed>
      {delivery.attempts.map((attempt) => (
        <li key={attempt.at} data-testid="attempt">
          <SecondsTime value={attempt.at} />{" "}
          <span class={`badge delivery-${attempt.status}`}>{t(`status.${attempt.status}`)}</span>{" "}
          {attempt.response_code !== null && <span>{t("responseStatus", { code: attempt.response_code })}</span>}
          {attempt.error && <span class="attempt-error"> {attempt.error}</span>}{" "}
          <span class="muted">{t("duration", { ms: attempt.duration_ms })}</span>
        </li>
      ))}
    </ol>
  );
}

/** Attempts come seconds apart: their times show the seconds. */
function SecondsTime({ value }: { value: string }) {
  const format = new Intl.DateTimeFormat(lang.value, { dateStyle: "medium", timeStyle: "medium" });
  return <time dateTime={value}>{format.format(new Date(value))}</time>;
}
