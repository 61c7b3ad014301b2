// Rotating an endpoint's signing secret, and showing a signing secret just issued (once).
import { api, type Webhook, unwrap } from "../../api/client";
import { idempotencyHeaders, useIdempotencyScope } from "../../api/idempotency";
import { formatTime, useT } from "../../i18n";
import { ConfirmDialog, Dialog, SecretValue } from "../../ui/components";
import { useAction } from "../../ui/hooks";
import { webhooksText } from "./messages";

export interface Rotated {
  secret: string;
  previous_valid_until: string;
}

/** Asks before rotating; the new secret goes to `onRotated` (to be shown once). */
export function RotateDialog(props: { pid: string; webhook: Webhook; onClose: () => void; onRotated: (rotated: Rotated) => void }) {
  const t = useT(webhooksText);
  const scope = useIdempotencyScope();
  const rotate = useAction(async () => {
    const header = await idempotencyHeaders(scope, "rotate webhook secret", { id: props.webhook.id });
    const path = { pid: props.pid, webhook_id: props.webhook.id };
    props.onRotated(await unwrap(api.POST("/v1/projects/{pid}/webhooks/{webhook_id}/rotate-secret", { params: { path, header } })));
  });
  return (
    <ConfirmDialog
      title={t("rotateConfirmTitle")}
      text={<p>{t("rotateConfirmText")}</p>}
      confirmLabel={t("rotate")}
      busy={rotate.busy}
      problem={rotate.problem}
      onConfirm={() => void rotate.run()}
      onClose={props.onClose}
    />
  );
}

/** A signing secret just issued: shown once, gone when the dialog closes (Done, not Escape). */
export function SecretShown(props: { title: string; secret: string; until?: string | undefined; onClose: () => void }) {
  const t = useT(webhooksText);
  return (
    <Dialog title={props.title} onClose={props.onClose} keepOnEscape>
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
