// Changing what a key allows to change: name, description, expiry and IP allowlist (PATCH).
// The expiry and the allowlist are sent only when changed: the key policy judges those
// fields when they change, so a key made before a rule existed can still be renamed.
import { useId, useState } from "preact/hooks";
import { api, type Key, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { ProblemBanner } from "../../ui/components";
import { useAction } from "../../ui/hooks";
import { common } from "../../ui/messages";
import { IpAllowlistField } from "../policy/IpAllowlistField";
import { allowlistText, isAllowlistField, parseAllowlist } from "../policy/model";
import { keysText } from "./messages";
import { localToRfc3339, rfc3339ToLocal } from "./model";

export function KeyEditForm(props: { pid: string; value: Key; onSaved: (key: Key) => void }) {
  const t = useT(keysText);
  const tc = useT(common);
  const key = props.value;
  const [name, setName] = useState(key.name);
  const [description, setDescription] = useState(key.description);
  const helpId = useId();
  const [expires, setExpires] = useState(rfc3339ToLocal(key.expires_at));
  const [allowlist, setAllowlist] = useState(allowlistText(key.ip_allowlist));
  const save = useAction(async () => {
    // Empty removes the expiry; an untouched field is not sent (a reroll may have set it).
    const wanted = expires ? (localToRfc3339(expires) ?? expires) : null;
    const entries = parseAllowlist(allowlist).entries;
    const body = {
      name,
      description,
      ...(expires !== rfc3339ToLocal(key.expires_at) && { expires_at: wanted }),
      ...(entries.join("\n") !== key.ip_allowlist.join("\n") && { ip_allowlist: entries }),
    };
    const updated = await unwrap(
      api.PATCH("/v1/projects/{pid}/keys/{key_id}", { params: { path: { pid: props.pid, key_id: key.id } }, body }),
    );
    props.onSaved(updated);
  });
  return (
    <form
      class="card"
      aria-label={t("edit")}
      onSubmit={(event) => {
        event.preventDefault();
        void save.run();
      }}
    >
      <h3>{t("edit")}</h3>
      <label>
        {t("name")}
        <input required maxLength={128} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        {t("description")}
        <input maxLength={1024} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </label>
      <label>
        {t("expiryAt")}
        <input type="datetime-local" value={expires} aria-describedby={helpId} onInput={(e) => setExpires(e.currentTarget.value)} />
      </label>
      <p id={helpId} class="muted keys-help">
        {t("expiryEmpty")}
      </p>
      <IpAllowlistField value={allowlist} onChange={setAllowlist} problem={save.problem} />
      <ProblemBanner problem={save.problem} shownAtFields={isAllowlistField} />
      <div class="actions">
        <button type="submit" class="primary" disabled={save.busy}>
          {tc("save")}
        </button>
      </div>
    </form>
  );
}
