// The keys that belong to an identity (GET keys?identity_id=), a page at a time.
import { api, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { Loading, More, ProblemBanner } from "../../ui/components";
import { usePages } from "../../ui/usePages";
import { StatusBadge } from "../keys/KeysTable";
import { RemainingCell } from "../limits/LimitsView";
import { identitiesText } from "./messages";

export function IdentityKeys(props: { pid: string; identityId: string; version: number }) {
  const t = useT(identitiesText);
  const { pid, identityId } = props;
  const keys = usePages(
    (cursor) =>
      unwrap(api.GET("/v1/projects/{pid}/keys", { params: { path: { pid }, query: { identity_id: identityId, limit: 50, cursor } } })),
    [pid, identityId, props.version],
  );
  return (
    <section aria-labelledby="identity-keys">
      <h3 id="identity-keys">{t("keys")}</h3>
      <ProblemBanner problem={keys.problem ?? keys.more.problem} />
      {!keys.items && !keys.problem && <Loading />}
      {keys.items?.length === 0 && <p class="muted">{t("noKeys")}</p>}
      {keys.items && keys.items.length > 0 && (
        <table aria-labelledby="identity-keys">
          <thead>
            <tr>
              <th scope="col">{t("keyName")}</th>
              <th scope="col">{t("keyStatus")}</th>
              <th scope="col">{t("keyHint")}</th>
              <th scope="col">{t("keyCredits")}</th>
            </tr>
          </thead>
          <tbody>
            {keys.items.map((key) => (
              <tr key={key.id} data-key-id={key.id}>
                <td>{key.name}</td>
                <td>
                  <StatusBadge status={key.status} />
                </td>
                <td>
                  <code>{key.hint}</code>
                </td>
                <td>
                  <RemainingCell credits={key.credits} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <More cursor={keys.cursor} busy={keys.more.busy} onMore={() => keys.cursor && void keys.more.run(keys.cursor)} />
    </section>
  );
}
