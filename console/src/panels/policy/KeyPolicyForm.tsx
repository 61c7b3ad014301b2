// The key policy as owners and admins change it: the whole policy is saved at once (PUT
// replaces it). Every type checked is sent as "every type" (null), so a type the service
// adds later is not refused by an old choice.
import { useId, useState } from "preact/hooks";
import { api, type KeyPolicy, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { ProblemBanner } from "../../ui/components";
import { useAction } from "../../ui/hooks";
import { keysText } from "../keys/messages";
import { KEY_TYPES, type KeyType } from "../keys/model";
import { policyText } from "./messages";
import { LEAK_ACTIONS, type LeakAction } from "./model";

interface Draft {
  /** The maximum lifetime as typed; empty: no limit. */
  days: string;
  requireExpiry: boolean;
  types: ReadonlySet<KeyType>;
  forbidWildcards: boolean;
  requireAllowlist: boolean;
  leakAction: LeakAction;
}

function draftOf(policy: KeyPolicy): Draft {
  return {
    days: policy.max_lifetime_days === null ? "" : String(policy.max_lifetime_days),
    requireExpiry: policy.require_expiry,
    types: new Set(policy.allowed_types ?? KEY_TYPES),
    forbidWildcards: policy.forbid_wildcard_permissions,
    requireAllowlist: policy.require_ip_allowlist,
    leakAction: policy.leak_action,
  };
}

function bodyOf(draft: Draft): KeyPolicy {
  return {
    max_lifetime_days: draft.days.trim() === "" ? null : Number(draft.days),
    require_expiry: draft.requireExpiry,
    allowed_types: draft.types.size === KEY_TYPES.length ? null : KEY_TYPES.filter((type) => draft.types.has(type)),
    forbid_wildcard_permissions: draft.forbidWildcards,
    require_ip_allowlist: draft.requireAllowlist,
    leak_action: draft.leakAction,
  };
}

export function KeyPolicyForm(props: { pid: string; value: KeyPolicy; onSaved: (policy: KeyPolicy) => void }) {
  const t = useT(policyText);
  const tk = useT(keysText);
  const [draft, setDraft] = useState(() => draftOf(props.value));
  const [saved, setSaved] = useState(false);
  const daysHelp = useId();
  const typesError = useId();
  const update = (patch: Partial<Draft>) => {
    setSaved(false);
    setDraft((previous) => ({ ...previous, ...patch }));
  };
  const save = useAction(async () => {
    const body = bodyOf(draft);
    const policy = await unwrap(api.PUT("/v1/projects/{pid}/key-policy", { params: { path: { pid: props.pid } }, body }));
    setSaved(true);
    props.onSaved(policy);
  });
  const noType = draft.types.size === 0;
  const toggleType = (type: KeyType, on: boolean) => {
    const types = new Set(draft.types);
    if (on) types.add(type);
    else types.delete(type);
    update({ types });
  };
  return (
    <form
      class="settings-form"
      aria-label={t("title")}
      onSubmit={(event) => {
        event.preventDefault();
        if (!noType) void save.run();
      }}
    >
      <label>
        {t("maxLifetime")}
        <input
          type="number"
          min={1}
          max={36500}
          inputMode="numeric"
          class="policy-days"
          value={draft.days}
          aria-describedby={daysHelp}
          onInput={(e) => update({ days: e.currentTarget.value })}
        />
      </label>
      <p id={daysHelp} class="muted policy-help">
        {t("maxLifetimeHelp")}
      </p>
      <label class="check">
        <input type="checkbox" checked={draft.requireExpiry} onChange={(e) => update({ requireExpiry: e.currentTarget.checked })} />
        {t("requireExpiry")}
      </label>
      <fieldset class="policy-types" aria-describedby={noType ? typesError : undefined}>
        <legend>{t("allowedTypes")}</legend>
        {KEY_TYPES.map((type) => (
          <label key={type} class="inline">
            <input type="checkbox" checked={draft.types.has(type)} onChange={(e) => toggleType(type, e.currentTarget.checked)} />
            {tk(`type.${type}`)}
          </label>
        ))}
        <p class="muted policy-help">{t("allowedTypesHelp")}</p>
        {noType && (
          <p id={typesError} class="field-error" role="alert">
            {t("pickType")}
          </p>
        )}
      </fieldset>
      <label class="check">
        <input type="checkbox" checked={draft.forbidWildcards} onChange={(e) => update({ forbidWildcards: e.currentTarget.checked })} />
        {t("forbidWildcards")}
      </label>
      <label class="check">
        <input type="checkbox" checked={draft.requireAllowlist} onChange={(e) => update({ requireAllowlist: e.currentTarget.checked })} />
        {t("requireAllowlist")}
      </label>
      <label>
        {t("leakAction")}
        <select value={draft.leakAction} onChange={(e) => update({ leakAction: e.currentTarget.value as LeakAction })}>
          {LEAK_ACTIONS.map((action) => (
            <option key={action} value={action}>
              {t(`leak.${action}`)}
            </option>
          ))}
        </select>
      </label>
      <ProblemBanner problem={save.problem} />
      <div class="actions">
        {saved && (
          <span class="muted" role="status">
            {t("saved")}
          </span>
        )}
        <button type="submit" class="primary" disabled={save.busy || noType}>
          {t("save")}
        </button>
      </div>
    </form>
  );
}
