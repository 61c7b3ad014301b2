// The member's key tile on a template: request a key, wait, claim it once.
import { useState } from "preact/hooks";
import { api, type Template, unwrap } from "../../api/client";
import { idempotencyHeaders, useIdempotencyScope } from "../../api/idempotency";
import { useT } from "../../i18n";
import { Dialog, ProblemBanner, Time } from "../../ui/components";
import { useAction, useLoad } from "../../ui/hooks";
import { common } from "../../ui/messages";
import type { Claimed } from "./data";
import { templatesText } from "./messages";

export function KeyTile(props: {
  pid: string;
  template: Template;
  onChanged: () => void;
  /** The claim's result, shown once by the panel (this tile reloads with the catalogue). */
  onClaimed: (claimed: Claimed) => void;
}) {
  const t = useT(templatesText);
  const { pid, template } = props;
  const mine = template.my_request;
  const [requesting, setRequesting] = useState(false);
  const scope = useIdempotencyScope();
  // The reason of a denial, the note and claim deadline of an approval: only the request has them.
  const details = useLoad(
    () =>
      mine && (mine.status === "denied" || mine.status === "approved")
        ? unwrap(api.GET("/v1/projects/{pid}/key-requests/{request_id}", { params: { path: { pid, request_id: mine.id } } }))
        : Promise.resolve(null),
    [pid, mine?.id, mine?.status],
  );
  const cancel = useAction(async (requestId: string) => {
    const path = { pid, request_id: requestId };
    const header = await idempotencyHeaders(scope, `cancel ${requestId}`);
    await unwrap(api.POST("/v1/projects/{pid}/key-requests/{request_id}/cancel", { params: { path, header } }));
    props.onChanged();
  });
  const claim = useAction(async (requestId: string) => {
    const result = await unwrap(
      api.POST("/v1/projects/{pid}/key-requests/{request_id}/claim", { params: { path: { pid, request_id: requestId } } }),
    );
    props.onClaimed(result);
    props.onChanged();
  });
  const request = details.data;

  const requestButton = (label: string) => (
    <button type="button" class="primary" onClick={() => setRequesting(true)}>
      {label}
    </button>
  );

  let body;
  if (!mine) {
    body = requestButton(t("requestKey"));
  } else {
    switch (mine.status) {
      case "pending":
        body = (
          <>
            <p>
              <span class="badge pending">{t("waiting")}</span>
            </p>
            <div class="row-actions">
              <button type="button" disabled={cancel.busy} onClick={() => void cancel.run(mine.id)}>
                {t("cancelRequest")}
              </button>
              <button type="button" class="link" onClick={props.onChanged}>
                {t("refresh")}
              </button>
            </div>
          </>
        );
        break;
      case "approved":
        body = (
          <>
            <p>
              <span class="badge approved">{t("approved")}</span>
            </p>
            {request?.note && <p>{t("note", { note: request.note })}</p>}
            {request && (
              <p class="muted">
                {t("claimBy")} <Time value={request.expires_at} />
              </p>
            )}
            <button type="button" class="primary" disabled={claim.busy} onClick={() => void claim.run(mine.id)}>
              {t("claim")}
            </button>
          </>
        );
        break;
      case "claimed":
        body = (
          <>
            <p>
              <span class="badge active">{t("claimed")}</span>
            </p>
            <p class="muted">{t("claimedText")}</p>
          </>
        );
        break;
      case "denied":
        body = (
          <>
            <p>
              <span class="badge denied">{t("denied")}</span>
            </p>
            {request && <p data-testid="deny-reason">{request.reason ? t("reason", { reason: request.reason }) : t("noReason")}</p>}
            {requestButton(t("requestAgain"))}
          </>
        );
        break;
      default:
        body = (
          <>
            <p>
              <span class="badge">{mine.status === "expired" ? t("expired") : t("cancelled")}</span>
            </p>
            {requestButton(t("requestAgain"))}
          </>
        );
    }
  }

  return (
    <div class="key-tile" role="group" aria-label={t("myKey")}>
      <h4>{t("myKey")}</h4>
      {body}
      <ProblemBanner problem={details.problem ?? cancel.problem ?? claim.problem} />
      {requesting && (
        <RequestDialog
          pid={pid}
          template={template}
          onClose={() => setRequesting(false)}
          onSent={() => {
            setRequesting(false);
            props.onChanged();
          }}
        />
      )}
    </div>
  );
}

function RequestDialog(props: { pid: string; template: Template; onClose: () => void; onSent: () => void }) {
  const t = useT(templatesText);
  const tc = useT(common);
  const [justification, setJustification] = useState("");
  const scope = useIdempotencyScope();
  const send = useAction(async () => {
    const body = { template_id: props.template.id, justification };
    const header = await idempotencyHeaders(scope, "request-key", body);
    await unwrap(api.POST("/v1/projects/{pid}/key-requests", { params: { path: { pid: props.pid }, header }, body }));
    props.onSent();
  });
  return (
    <Dialog title={t("requestTitle", { name: props.template.name })} onClose={props.onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void send.run();
        }}
      >
        <label>
          {t("justification")}
          <textarea
            rows={3}
            maxLength={1024}
            value={justification}
            onInput={(e) => setJustification(e.currentTarget.value)}
          />
        </label>
        <ProblemBanner problem={send.problem} />
        <div class="actions">
          <button type="button" onClick={props.onClose}>
            {tc("cancel")}
          </button>
          <button type="submit" class="primary" disabled={send.busy}>
            {t("sendRequest")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
