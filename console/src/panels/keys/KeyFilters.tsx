// The filters above the table: type and status apply at once; owner id and "unused for N
// days" apply with Enter or the Apply button (so typing does not reload on every letter).
import { useState } from "preact/hooks";
import { useT } from "../../i18n";
import { keysText } from "./messages";
import { KEY_STATUSES, KEY_TYPES, type KeyFilter, type KeyStatus, type KeyType } from "./model";

export function KeyFilters(props: { value: KeyFilter; ownerFilter: boolean; onChange: (next: KeyFilter) => void }) {
  const t = useT(keysText);
  const { value, onChange } = props;
  const [owner, setOwner] = useState(value.owner_id ?? "");
  const [unused, setUnused] = useState(value.unused_days ? String(value.unused_days) : "");
  const apply = () => {
    const days = Number.parseInt(unused, 10);
    onChange({
      ...value,
      owner_id: props.ownerFilter && owner.trim() ? owner.trim() : undefined,
      unused_days: Number.isFinite(days) && days > 0 ? days : undefined,
    });
  };
  return (
    <form
      class="filters"
      aria-label={t("filters")}
      onSubmit={(event) => {
        event.preventDefault();
        apply();
      }}
    >
      <label>
        {t("type")}
        <select
          value={value.type ?? ""}
          onChange={(e) => onChange({ ...value, type: (e.currentTarget.value || undefined) as KeyType | undefined })}
        >
          <option value="">{t("any")}</option>
          {KEY_TYPES.map((type) => (
            <option key={type} value={type}>
              {t(`type.${type}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("status")}
        <select
          value={value.status ?? ""}
          onChange={(e) => onChange({ ...value, status: (e.currentTarget.value || undefined) as KeyStatus | undefined })}
        >
          <option value="">{t("any")}</option>
          {KEY_STATUSES.map((status) => (
            <option key={status} value={status}>
              {t(`status.${status}`)}
            </option>
          ))}
        </select>
      </label>
      {props.ownerFilter && (
        <label>
          {t("ownerId")}
          <input value={owner} onInput={(e) => setOwner(e.currentTarget.value)} autoComplete="off" />
        </label>
      )}
      <label>
        {t("unusedDays")}
        <input
          type="number"
          min={1}
          max={36500}
          inputMode="numeric"
          value={unused}
          onInput={(e) => setUnused(e.currentTarget.value)}
          class="keys-days"
        />
      </label>
      <button type="submit">{t("apply")}</button>
      <button
        type="button"
        class="link"
        onClick={() => {
          setOwner("");
          setUnused("");
          onChange({});
        }}
      >
        {t("clear")}
      </button>
    </form>
  );
}
