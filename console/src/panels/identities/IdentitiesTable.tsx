// One row per identity: its external id (opens the details), limits, credits left, created.
import type { Identity } from "../../api/client";
import { useT } from "../../i18n";
import { Time } from "../../ui/components";
import { RateLimitsView, RemainingCell } from "../limits/LimitsView";
import { identitiesText } from "./messages";

export function IdentitiesTable(props: { items: Identity[]; onOpen: (identity: Identity) => void }) {
  const t = useT(identitiesText);
  return (
    <table aria-label={t("title")} class="identities-table">
      <thead>
        <tr>
          <th scope="col">{t("externalId")}</th>
          <th scope="col">{t("rateLimits")}</th>
          <th scope="col">{t("credits")}</th>
          <th scope="col">{t("created")}</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((identity) => (
          <tr key={identity.id} data-identity-id={identity.id}>
            <td>
              <button type="button" class="link" onClick={() => props.onOpen(identity)}>
                {identity.external_id}
              </button>
            </td>
            <td>
              <RateLimitsView limits={identity.ratelimits} />
            </td>
            <td data-testid="identity-credits"><RemainingCell credits={identity.credits} /></td>
            <td>
              <Time value={identity.created_at} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
