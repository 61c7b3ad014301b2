// The admins' queue (decide_requests): pending requests to approve or deny, and the
// latest decisions.
import { useId, useState } from "preact/hooks";
import { allPages, api, type KeyRequest, type Template, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { ProblemBanner, Time } from "../../ui/components";
import { useLoad } from "../../ui/hooks";
import type { RequestStatus } from "./data";
import { ApproveDialog, DenyDialog } from "./DecideDialogs";
import { templatesText } from "./messages";

const HISTORY_SIZE = 10;
/** The statuses a request ends in (by a decision, the requester or the claim deadline). */
const DECIDED: readonly RequestStatus[] = ["approved", "claimed", "denied", "cancelled", "expired"];

async function loadQueue(pid: string): Promise<{ pending: KeyRequest[]; decided: KeyRequest[] }> {
  const list = (status: RequestStatus, limit: number, cursor?: string) =>
    api.GET("/v1/projects/{pid}/key-requests", { params: { path: { pid }, query: { status, limit, cursor } } });
  // Asked per status: however many requests wait, the decided ones are found.
  const [pending, ...decided] = await Promise.all([
    allPages((cursor) => list("pending", 100, cursor)),
    ...DECIDED.map(async (status) => (await unwrap(list(status, HISTORY_SIZE))).items),
  ]);
  const when = (r: KeyRequest) => r.decided_at ?? r.created_at;
  const latest = decided.flat().sort((a, b) => when(b).localeCompare(when(a)));
  return { pending, decided: latest.slice(0, HISTORY_SIZE) };
}

export function RequestsQueue(props: { pid: string; me: string; templates: Template[] }) {
  const t = useT(templatesText);
  const { pid } = props;
  const queue = useLoad(() => loadQueue(pid), [pid]);
  const [deciding, setDeciding] = useState<{ request: KeyRequest; verdict: "approve" | "deny" } | null>(null);
  const templateName = (id: string) => props.templates.find((tpl) => tpl.id === id)?.name ?? t("deletedTemplate");
  const decided = () => {
    setDeciding(null);
    queue.reload();
  };
  const titleId = useId();
  const Decide = deciding?.verdict === "approve" ? ApproveDialog : DenyDialog;
  return (
    <section class="requests-queue" aria-labelledby={titleId}>
      <div class="panel-head">
        <h2 id={titleId}>{t("queueTitle")}</h2>
        <button type="button" aria-label={t("refreshQueue")} disabled={queue.loading} onClick={queue.reload}>
          {t("refresh")}
        </button>
      </div>
      <ProblemBanner problem={queue.problem} />
      {queue.data &&
        (queue.data.pending.length === 0 ? (
          <p class="muted">{t("queueEmpty")}</p>
        ) : (
          <table aria-labelledby={titleId}>
            <thead>
              <tr>
                <th scope="col">{t("requester")}</th>
                <th scope="col">{t("template")}</th>
                <th scope="col">{t("justificationColumn")}</th>
                <th scope="col">{t("created")}</th>
                <th scope="col">{t("actions")}</th>
              </tr>
            </thead>
            <tbody>
              {queue.data.pending.map((request) => (
                <tr key={request.id}>
                  <td>{request.requester_id}</td>
                  <td>{templateName(request.template_id)}</td>
                  <td>{request.justification || <span class="muted">—</span>}</td>
                  <td>
                    <Time value={request.created_at} />
                  </td>
                  <td>
                    {request.requester_id === props.me ? (
                      // The service refuses a requester's own decision: another admin makes it.
                      <span class="muted">{t("ownRequest")}</span>
                    ) : (
                      <div class="row-actions">
                        <button type="button" class="primary" onClick={() => setDeciding({ request, verdict: "approve" })}>
                          {t("approve")}
                        </button>
                        <button type="button" onClick={() => setDeciding({ request, verdict: "deny" })}>
                          {t("deny")}
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      {queue.data && <History requests={queue.data.decided} templateName={templateName} />}
      {deciding && (
        <Decide
          pid={pid}
          request={deciding.request}
          templateName={templateName(deciding.request.template_id)}
          onClose={() => setDeciding(null)}
          onDecided={decided}
          onStale={queue.reload}
        />
      )}
    </section>
  );
}

function History(props: { requests: KeyRequest[]; templateName: (id: string) => string }) {
  const t = useT(templatesText);
  const titleId = useId();
  return (
    <>
      <h3 id={titleId}>{t("historyTitle")}</h3>
      {props.requests.length === 0 ? (
        <p class="muted">{t("historyEmpty")}</p>
      ) : (
        <table class="history" aria-labelledby={titleId}>
          <thead>
            <tr>
              <th scope="col">{t("requester")}</th>
              <th scope="col">{t("template")}</th>
              <th scope="col">{t("status")}</th>
              <th scope="col">{t("decidedBy")}</th>
              <th scope="col">{t("decidedAt")}</th>
            </tr>
          </thead>
          <tbody>
            {props.requests.map((request) => (
              <tr key={request.id}>
                <td>{request.requester_id}</td>
                <td>{props.templateName(request.template_id)}</td>
                <td>
                  <span class={`badge ${request.status}`}>{t(`status.${request.status}`)}</span>
                  {(request.reason || request.note) && <div class="muted">{request.reason || request.note}</div>}
                </td>
                <td>{request.decided_by ?? <span class="muted">—</span>}</td>
                <td>
                  <Time value={request.decided_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
