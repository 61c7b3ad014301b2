// Approving (with a note, an optional key expiry and IP allowlist) or denying (with a
// reason) a request. The project's key policy may refuse the key an approval would issue:
// the refusal names each rule, and the request stays pending.
import { useState } from "preact/hooks";
import { api, type KeyRequest, unwrap } from "../../api/client";
import { idempotencyHeaders, useIdempotencyScope } from "../../api/idempotency";
import { ApiProblem } from "../../api/problem";
import { useT } from "../../i18n";
import { Dialog, ProblemBanner } from "../../ui/components";
import { useAction } from "../../ui/hooks";
import { common } from "../../ui/messages";
import { IpAllowlistField } from "../policy/IpAllowlistField";
import { isAllowlistField, parseAllowlist } from "../policy/model";
import { templatesText } from "./messages";

interface DecideProps {
  pid: string;
  request: KeyRequest;
  templateName: string;
  onClose: () => void;
  onDecided: () => void;
  /** The request was decided meanwhile (409): the queue should look again. */
  onStale: () => void;
}

/** Runs a decision; a 409 (someone decided it first) also tells the queue, then fails as usual. */
async function decide(props: DecideProps, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (error instanceof ApiProblem && error.status === 409) props.onStale();
    throw error;
  }
  props.onDecided();
}

export function ApproveDialog(props: DecideProps) {
  const t = useT(templatesText);
  const tc = useT(common);
  const who = props.request.requester_id;
  const [note, setNote] = useState("");
  const [expires, setExpires] = useState("");
  const [allowlist, setAllowlist] = useState("");
  const scope = useIdempotencyScope();
  const approve = useAction(() =>
    decide(props, async () => {
      // datetime-local is the person's local time; the service takes UTC.
      const body = {
        note: note || null,
        expires_at: expires ? new Date(expires).toISOString() : null,
        ip_allowlist: parseAllowlist(allowlist).entries,
      };
      const path = { pid: props.pid, request_id: props.request.id };
      const header = await idempotencyHeaders(scope, `approve ${props.request.id}`, body);
      await unwrap(api.POST("/v1/projects/{pid}/key-requests/{request_id}/approve", { params: { path, header }, body }));
    }),
  );
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
        <IpAllowlistField value={allowlist} onChange={setAllowlist} problem={approve.problem} />
        <ProblemBanner problem={approve.problem} shownAtFields={isAllowlistField} />
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
  const scope = useIdempotencyScope();
  const deny = useAction(() =>
    decide(props, async () => {
      const body = { reason: reason || null };
      const path = { pid: props.pid, request_id: props.request.id };
      const header = await idempotencyHeaders(scope, `deny ${props.request.id}`, body);
      await unwrap(api.POST("/v1/projects/{pid}/key-requests/{request_id}/deny", { params: { path, header }, body }));
    }),
  );
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
