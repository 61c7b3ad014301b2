// Creating a key (owners, admins): type, name, description, owner (a member or an
// identity), role, expiry, IP allowlist and optional limits; then its secret, shown once in
// the same dialog.
import { useState } from "preact/hooks";
import { idempotencyHeaders, useIdempotencyScope } from "../../api/idempotency";
import { api, type Identity, type Role, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { Dialog, ProblemBanner } from "../../ui/components";
import { useAction } from "../../ui/hooks";
import { common } from "../../ui/messages";
import { CreditsEditor, RateLimitsEditor } from "../limits/LimitsEditor";
import { limitsText } from "../limits/messages";
import { NO_CREDITS, type RateLimitRow, toCredits, toRateLimits } from "../limits/model";
import { IpAllowlistField } from "../policy/IpAllowlistField";
import { isAllowlistField, parseAllowlist } from "../policy/model";
import { IssuedSecretView } from "./IssuedSecretView";
import { type KeyOwner, KeyOwnerFields } from "./KeyOwnerFields";
import { keysText } from "./messages";
import { type IssuedSecret, issuedSecret, KEY_TYPES, type KeyType, localToRfc3339 } from "./model";

type ExpiryChoice = "none" | "30" | "90" | "date";
const DAY = 86400;

export function CreateKeyDialog(props: {
  pid: string;
  me: string;
  roles: Role[];
  identities: Identity[];
  onCreated: () => void;
  onClose: () => void;
}) {
  const t = useT(keysText);
  const [issued, setIssued] = useState<IssuedSecret | null>(null);
  if (issued) {
    return (
      <Dialog title={t("createdTitle")} onClose={props.onClose} keepOnEscape>
        <IssuedSecretView secret={issued} />
        <div class="actions">
          <button type="button" class="primary" onClick={props.onClose}>
            {t("done")}
          </button>
        </div>
      </Dialog>
    );
  }
  return (
    <Dialog title={t("createTitle")} onClose={props.onClose} wide>
      <CreateKeyForm
        {...props}
        onIssued={(secret) => {
          setIssued(secret);
          props.onCreated();
        }}
      />
    </Dialog>
  );
}

function CreateKeyForm(props: {
  pid: string;
  me: string;
  roles: Role[];
  identities: Identity[];
  onIssued: (secret: IssuedSecret) => void;
  onClose: () => void;
}) {
  const t = useT(keysText);
  const tc = useT(common);
  const tl = useT(limitsText);
  const [type, setType] = useState<KeyType>("opaque");
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [owner, setOwner] = useState<KeyOwner>({ kind: "member", userId: props.me });
  const [rates, setRates] = useState<RateLimitRow[]>([]);
  const [credits, setCredits] = useState(NO_CREDITS);
  const [chosenRole, setRoleId] = useState("");
  const roleId = chosenRole || props.roles[0]?.id || "";
  const [expiry, setExpiry] = useState<ExpiryChoice>("none");
  const [date, setDate] = useState("");
  const [allowlist, setAllowlist] = useState("");
  const scope = useIdempotencyScope();
  const create = useAction(async () => {
    const body = {
      type,
      name,
      description,
      role_id: roleId,
      meta: {},
      ratelimits: toRateLimits(rates),
      credits: toCredits(credits),
      ip_allowlist: parseAllowlist(allowlist).entries,
      ...(owner.kind === "member" && owner.userId.trim() && { owner_id: owner.userId.trim() }),
      ...(owner.kind === "identity" && { identity_id: owner.identityId }),
      ...(expiry === "30" && { ttl_seconds: 30 * DAY }),
      ...(expiry === "90" && { ttl_seconds: 90 * DAY }),
      ...(expiry === "date" && { expires_at: localToRfc3339(date) ?? date }),
    };
    const header = await idempotencyHeaders(scope, "create key", body);
    const issued = await unwrap(api.POST("/v1/projects/{pid}/keys", { params: { path: { pid: props.pid }, header }, body }));
    props.onIssued(issuedSecret(issued));
  });
  if (props.roles.length === 0) {
    return (
      <>
        <p class="warning">{t("noRoles")}</p>
        <div class="actions">
          <button type="button" onClick={props.onClose}>
            {tc("close")}
          </button>
        </div>
      </>
    );
  }
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        if (!create.busy) void create.run();
      }}
    >
      <label>
        {t("type")}
        <select value={type} onChange={(e) => setType(e.currentTarget.value as KeyType)} aria-describedby="key-type-help">
          {KEY_TYPES.map((value) => (
            <option key={value} value={value}>
              {t(`type.${value}`)}
            </option>
          ))}
        </select>
      </label>
      <p id="key-type-help" class="muted keys-help">
        {t("typeHelp")}
      </p>
      <label>
        {t("name")}
        <input required maxLength={128} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        {t("description")}
        <input maxLength={1024} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </label>
      <KeyOwnerFields value={owner} identities={props.identities} onChange={setOwner} />
      <label>
        {t("role")}
        <select value={roleId} onChange={(e) => setRoleId(e.currentTarget.value)}>
          {props.roles.map((role) => (
            <option key={role.id} value={role.id}>
              {role.name}
            </option>
          ))}
        </select>
      </label>
      <fieldset class="keys-expiry">
        <legend>{t("expiry")}</legend>
        {(["none", "30", "90", "date"] as const).map((choice) => (
          <label key={choice} class="inline">
            <input type="radio" name="expiry" checked={expiry === choice} onChange={() => setExpiry(choice)} />
            {t(choice === "none" ? "expiryNone" : choice === "date" ? "expiryDate" : `expiry${choice}`)}
          </label>
        ))}
        {expiry === "date" && (
          <label>
            {t("expiryAt")}
            <input type="datetime-local" required value={date} onInput={(e) => setDate(e.currentTarget.value)} />
          </label>
        )}
      </fieldset>
      <IpAllowlistField value={allowlist} onChange={setAllowlist} problem={create.problem} />
      <details class="keys-limits">
        <summary>{tl("limits")}</summary>
        <p class="muted keys-help">{tl("limitsHelp")}</p>
        <RateLimitsEditor rows={rates} onChange={setRates} />
        <CreditsEditor value={credits} onChange={setCredits} />
      </details>
      <ProblemBanner problem={create.problem} shownAtFields={isAllowlistField} />
      <div class="actions">
        <button type="button" onClick={props.onClose}>
          {tc("cancel")}
        </button>
        <button type="submit" class="primary" disabled={create.busy}>
          {t("create")}
        </button>
      </div>
    </form>
  );
}
