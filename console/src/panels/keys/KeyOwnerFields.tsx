// Whom a new key belongs to: a member (a user id; empty is the person creating it) or an
// identity, one of the platform's customers (chosen from the project's identities).
import { useId } from "preact/hooks";
import type { Identity } from "../../api/client";
import { useT } from "../../i18n";
import { keysText } from "./messages";

export type KeyOwner = { kind: "member"; userId: string } | { kind: "identity"; identityId: string };

export function KeyOwnerFields(props: { value: KeyOwner; identities: Identity[]; onChange: (owner: KeyOwner) => void }) {
  const t = useT(keysText);
  const { value, identities, onChange } = props;
  const helpId = useId();
  return (
    <fieldset class="keys-expiry">
      <legend>{t("belongsTo")}</legend>
      <label class="inline">
        <input type="radio" name="key-owner" checked={value.kind === "member"} onChange={() => onChange({ kind: "member", userId: "" })} />
        {t("ownerMember")}
      </label>
      <label class="inline">
        <input
          type="radio"
          name="key-owner"
          checked={value.kind === "identity"}
          onChange={() => onChange({ kind: "identity", identityId: identities[0]?.id ?? "" })}
        />
        {t("ownerIdentity")}
      </label>
      {value.kind === "member" ? (
        <>
          <label>
            {t("owner")}
            <input value={value.userId} onInput={(e) => onChange({ kind: "member", userId: e.currentTarget.value })} aria-describedby={helpId} autoComplete="off" />
          </label>
          <p id={helpId} class="muted keys-help">
            {t("ownerHelp")}
          </p>
        </>
      ) : identities.length === 0 ? (
        <p class="warning">{t("noIdentities")}</p>
      ) : (
        <>
          <label>
            {t("identity")}
            <select required value={value.identityId} aria-describedby={helpId} onChange={(e) => onChange({ kind: "identity", identityId: e.currentTarget.value })}>
              {identities.map((identity) => (
                <option key={identity.id} value={identity.id}>
                  {identity.external_id}
                </option>
              ))}
            </select>
          </label>
          <p id={helpId} class="muted keys-help">
            {t("identityHelp")}
          </p>
        </>
      )}
    </fieldset>
  );
}
