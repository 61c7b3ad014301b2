// The keys that break the project's key policy, to act on: open one (its details dialog),
// disable it, or revoke it after a confirmation. The report's pages may hold fewer items
// than asked (a page checks a bounded number of keys), so each load follows the cursor
// until it has a page's worth or has read a few pages; "Check more keys" goes on from there.
import { useId, useState } from "preact/hooks";
import { allPages, api, type Key, type PolicyBreach, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { ConfirmDialog, Loading, More, ProblemBanner, Time } from "../../ui/components";
import { useAction, useLoad } from "../../ui/hooks";
import { policyRules } from "../../ui/messages";
import { usePages } from "../../ui/usePages";
import { KeyDetailsDialog } from "../keys/KeyDetailsDialog";
import { keysText } from "../keys/messages";
import { policyText } from "./messages";

const PAGE = 50;
/** Report pages read at most per load (each checks a few hundred keys). */
const MAX_READS = 10;

async function loadBreaches(pid: string, cursor: string | undefined): Promise<{ items: PolicyBreach[]; next_cursor: string | null }> {
  const items: PolicyBreach[] = [];
  let next = cursor;
  for (let read = 0; read < MAX_READS; read += 1) {
    const query = { limit: PAGE, ...(next && { cursor: next }) };
    const page = await unwrap(api.GET("/v1/projects/{pid}/key-policy/report", { params: { path: { pid }, query } }));
    items.push(...page.items);
    next = page.next_cursor ?? undefined;
    if (!next || items.length >= PAGE) break;
  }
  return { items, next_cursor: next ?? null };
}

export function PolicyReport(props: { pid: string; version: number }) {
  const t = useT(policyText);
  const { pid } = props;
  const titleId = useId();
  const report = usePages((cursor) => loadBreaches(pid, cursor), [pid, props.version]);
  // Names for the owners' column and the details dialog (the first 100 identities, as the keys panel).
  const names = useLoad(async () => {
    const [roles, identities] = await Promise.all([
      allPages((cursor) => api.GET("/v1/projects/{pid}/roles", { params: { path: { pid }, query: { limit: 100, cursor } } })),
      unwrap(api.GET("/v1/projects/{pid}/identities", { params: { path: { pid }, query: { limit: 100 } } })),
    ]);
    return {
      roles: new Map(roles.map((role) => [role.id, role.name])),
      identities: new Map(identities.items.map((identity) => [identity.id, identity.external_id])),
    };
  }, [pid]);
  // What was done here to listed keys: a revoked key leaves the list, a disabled one says so.
  const [done, setDone] = useState<ReadonlyMap<string, "disabled" | "revoked">>(new Map());
  const mark = (keyId: string, what: "disabled" | "revoked") => setDone((previous) => new Map(previous).set(keyId, what));
  const [revoking, setRevoking] = useState<PolicyBreach | null>(null);
  const [lastRevoked, setLastRevoked] = useState<string | null>(null);
  const [opened, setOpened] = useState<Key | null>(null);
  const path = (keyId: string) => ({ pid, key_id: keyId });
  const open = useAction(async (keyId: string) => {
    setOpened(await unwrap(api.GET("/v1/projects/{pid}/keys/{key_id}", { params: { path: path(keyId) } })));
  });
  const disable = useAction(async (keyId: string) => {
    await unwrap(api.PATCH("/v1/projects/{pid}/keys/{key_id}", { params: { path: path(keyId) }, body: { enabled: false } }));
    mark(keyId, "disabled");
  });
  const revoke = useAction(async (breach: PolicyBreach) => {
    await unwrap(api.DELETE("/v1/projects/{pid}/keys/{key_id}", { params: { path: path(breach.key_id) } }));
    mark(breach.key_id, "revoked");
    setLastRevoked(breach.name);
    setRevoking(null);
  });
  const items = report.items?.filter((breach) => done.get(breach.key_id) !== "revoked");
  return (
    <section aria-labelledby={titleId}>
      <h3 id={titleId}>{t("reportTitle")}</h3>
      <p class="muted">{t("reportIntro")}</p>
      <ProblemBanner problem={report.problem ?? open.problem ?? disable.problem} />
      {lastRevoked && (
        <p class="muted" role="status">
          {t("revoked", { name: lastRevoked })}
        </p>
      )}
      {!items ? (
        !report.problem && <Loading />
      ) : items.length === 0 ? (
        <p class="muted">{t(report.cursor ? "reportPartial" : "reportEmpty")}</p>
      ) : (
        <BreachTable
          items={items}
          identityNames={names.data?.identities}
          done={done}
          busy={open.busy || disable.busy}
          onOpen={(breach) => void open.run(breach.key_id)}
          onDisable={(breach) => void disable.run(breach.key_id)}
          onRevoke={(breach) => {
            revoke.clear();
            setRevoking(breach);
          }}
        />
      )}
      <More cursor={report.cursor} busy={report.more.busy} onMore={() => report.cursor && void report.more.run(report.cursor)} label={t("loadMore")} />
      <ProblemBanner problem={report.more.problem} />
      {revoking && (
        <ConfirmDialog
          title={t("revokeTitle")}
          text={<p>{t("revokeText", { name: revoking.name })}</p>}
          confirmLabel={t("revoke")}
          busy={revoke.busy}
          problem={revoke.problem}
          onConfirm={() => void revoke.run(revoking)}
          onClose={() => setRevoking(null)}
        />
      )}
      {opened && (
        <KeyDetailsDialog
          pid={pid}
          value={opened}
          roleNames={names.data?.roles ?? new Map()}
          identityNames={names.data?.identities ?? new Map()}
          canManage
          onChanged={() => {
            // Its state is read again with the report (which does not say it): forget what was done here.
            setDone((previous) => {
              const next = new Map(previous);
              next.delete(opened.id);
              return next;
            });
            report.reload();
          }}
          onClose={() => setOpened(null)}
        />
      )}
    </section>
  );
}

function BreachTable(props: {
  items: PolicyBreach[];
  identityNames: ReadonlyMap<string, string> | undefined;
  done: ReadonlyMap<string, "disabled" | "revoked">;
  busy: boolean;
  onOpen: (breach: PolicyBreach) => void;
  onDisable: (breach: PolicyBreach) => void;
  onRevoke: (breach: PolicyBreach) => void;
}) {
  const t = useT(policyText);
  const tk = useT(keysText);
  const rules = useT(policyRules);
  return (
    <table aria-label={t("reportTitle")}>
      <thead>
        <tr>
          <th scope="col">{t("keyName")}</th>
          <th scope="col">{t("type")}</th>
          <th scope="col">{t("holder")}</th>
          <th scope="col">{t("rules")}</th>
          <th scope="col">{t("created")}</th>
          <th scope="col">{t("actions")}</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((breach) => (
          <tr key={breach.key_id} data-key-id={breach.key_id}>
            <td>
              {breach.name}
              {(props.done.get(breach.key_id) === "disabled" || breach.status === "disabled") && (
                <span class="badge disabled">{t("disabledNow")}</span>
              )}
            </td>
            <td>{tk(`type.${breach.type}`)}</td>
            <td>
              {breach.identity_id ? (
                <>
                  <span class="muted">{t("identity")}: </span>
                  {props.identityNames?.get(breach.identity_id) ?? breach.identity_id}
                </>
              ) : (
                breach.owner_id
              )}
            </td>
            <td>
              <ul class="policy-rules">
                {breach.rules.map((rule) => (
                  <li key={rule}>
                    <span class="badge rule" title={rule}>
                      {rules(rule)}
                    </span>
                  </li>
                ))}
              </ul>
            </td>
            <td>
              <Time value={breach.created_at} />
            </td>
            <td>
              <div class="row-actions">
                <button type="button" aria-label={t("openNamed", { name: breach.name })} disabled={props.busy} onClick={() => props.onOpen(breach)}>
                  {t("open")}
                </button>
                {props.done.get(breach.key_id) !== "disabled" && breach.status !== "disabled" && (
                  <button type="button" aria-label={t("disableNamed", { name: breach.name })} disabled={props.busy} onClick={() => props.onDisable(breach)}>
                    {t("disable")}
                  </button>
                )}
                <button type="button" aria-label={t("revokeNamed", { name: breach.name })} onClick={() => props.onRevoke(breach)}>
                  {t("revoke")}
                </button>
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
