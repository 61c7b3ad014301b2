// Approving (with a note and an optional key expiry) or denying (with a reason) a request.
import { useState } from "preact/hooks";
import { api, type KeyRequest, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { Dialog, ProblemBanner } from "../../ui/components";
import { useAction } from "../../ui/hooks";
import { common } from "../../ui/messages";
import { idempotencyKey } from "./data";
import { templatesText } from "./messages";

interface DecideProps {
  pid: string;
  request: KeyRequest;
  templateName: string;
  onClose: () => void;
  onDecided: () => void;
}

export function ApproveDialog(props: DecideProps) {
  const t = useT(templatesText);
  const tc = useT(common);
  const who = props.request.requester_id;
  const [note, setNote] = useState("");
  const [expires, setExpires] = useState("");
  const [key] = useState(idempotencyKey);
  const approve = useAction(async () => {
    await unwrap(
      api.POST("/v1/projects/{pid}/key-requests/{request_id}/approve", {
        params: { path: { pid: props.pid, request_id: props.request.id }, header: { "Idempotency-Key": key } },
        // datetime-local is the person's local time; the service takes UTC.
        body: { note: note || null, expires_at: expires ? new Date(expires).toISOString() : null },
      }),
    );
    props.onDecided();
  });
  return (
    <Dialog title={t("approveTitle", { who })} onClose={props.onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void approve.run();
        }}
      >
        <p>{t("approveText", { who, template: props.templateName })}</p>
        {props.request.justification && <blockquote>{props.request.justification}</blockquote>}
        <label>
          {t("approveNote")}
          <textarea rows={2} maxLength={1024} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        </label>
        <label>
          {t("expiresAt")}
          <input type="datetime-local" value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
        </label>
        <ProblemBanner problem={approve.problem} />
        <div class="actions">
          <button type="button" onClick={props.onClose}>
            {tc("cancel")}
          </button>
          <button type="submit" class="primary" disabled={approve.busy}>
            {t("approve")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function DenyDialog(props: DecideProps) {
  const t = useT(templatesText);
  const tc = useT(common);
  const [reason, setReason] = useState("");
  const [key] = useState(idempotencyKey);
  const deny = useAction(async () => {
    await unwrap(
      api.POST("/v1/projects/{pid}/key-requests/{request_id}/deny", {
        params: { path: { pid: props.pid, request_id: props.request.id }, header: { "Idempotency-Key": key } },
        body: { reason: reason || null },
      }),
    );
    props.onDecided();
  });
  return (
    <Dialog title={t("denyTitle", { who: props.request.requester_id })} onClose={props.onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void deny.run();
        }}
      >
        {props.request.justification && <blockquote>{props.request.justification}</blockquote>}
        <label>
          {t("denyReason")}
          <textarea rows={3} maxLength={1024} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
        </label>
        <ProblemBanner problem={deny.problem} />
        <div class="actions">
          <button type="button" onClick={props.onClose}>
            {tc("cancel")}
          </button>
          <button type="submit" class="danger" disabled={deny.busy}>
            {t("deny")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
