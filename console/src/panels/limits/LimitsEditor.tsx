// Editing a holder's limits (a key's or an identity's): rate limits as rows ("100 requests
// per 1 minute"), and credits with an optional refill and a low-balance notice.
import { useId } from "preact/hooks";
import { useT } from "../../i18n";
import { limitsText } from "./messages";
import { type CreditsForm, NEW_RATE_LIMIT, type RateLimitRow, UNITS, type Unit } from "./model";
import "./limits.css";

const MAX_RATE_LIMITS = 10;
const NAME_PATTERN = "[a-z0-9_.\\-]{1,64}";

export function RateLimitsEditor(props: { rows: RateLimitRow[]; onChange: (rows: RateLimitRow[]) => void }) {
  const t = useT(limitsText);
  const { rows, onChange } = props;
  const change = (index: number, part: Partial<RateLimitRow>) =>
    onChange(rows.map((row, i) => (i === index ? { ...row, ...part } : row)));
  return (
    <fieldset class="limits-group">
      <legend>{t("rateLimits")}</legend>
      {rows.length === 0 && <p class="muted small">{t("noRateLimits")}</p>}
      {rows.map((row, index) => (
        <fieldset key={index} class="limits-row">
          <legend class="sr-only">{t("rateLimit", { n: index + 1 })}</legend>
          <label>
            {t("name")}
            <input required pattern={NAME_PATTERN} maxLength={64} value={row.name} onInput={(e) => change(index, { name: e.currentTarget.value })} />
          </label>
          <label>
            {t("limit")}
            <input type="number" required min={1} max={1_000_000_000} value={row.limit} onInput={(e) => change(index, { limit: e.currentTarget.value })} />
          </label>
          <label>
            {t("per")}
            <input type="number" required min={1} value={row.per} onInput={(e) => change(index, { per: e.currentTarget.value })} />
          </label>
          <label>
            {t("unit")}
            <select value={row.unit} onChange={(e) => change(index, { unit: e.currentTarget.value as Unit })}>
              {UNITS.map((unit) => (
                <option key={unit} value={unit}>
                  {t(`unit.${unit}`)}
                </option>
              ))}
            </select>
          </label>
          <button type="button" aria-label={t("removeRateLimit", { n: index + 1 })} onClick={() => onChange(rows.filter((_, i) => i !== index))}>
            ×
          </button>
        </fieldset>
      ))}
      {rows.length < MAX_RATE_LIMITS && (
        <button type="button" onClick={() => onChange([...rows, NEW_RATE_LIMIT])}>
          {t("addRateLimit")}
        </button>
      )}
    </fieldset>
  );
}

export function CreditsEditor(props: { value: CreditsForm; onChange: (value: CreditsForm) => void }) {
  const t = useT(limitsText);
  const { value, onChange } = props;
  const notifyHelp = useId();
  const set = (part: Partial<CreditsForm>) => onChange({ ...value, ...part });
  return (
    <fieldset class="limits-group">
      <legend>{t("credits")}</legend>
      <label class="inline">
        <input type="checkbox" checked={value.enabled} onChange={(e) => set({ enabled: e.currentTarget.checked })} />
        {t("useCredits")}
      </label>
      {value.enabled && (
        <div class="limits-credits">
          <label>
            {t("startingBalance")}
            <input type="number" required min={0} value={value.remaining} onInput={(e) => set({ remaining: e.currentTarget.value })} />
          </label>
          <label>
            {t("refill")}
            <select value={value.refill} onChange={(e) => set({ refill: e.currentTarget.value as CreditsForm["refill"] })}>
              {(["none", "day", "month"] as const).map((choice) => (
                <option key={choice} value={choice}>
                  {t(`refill.${choice}`)}
                </option>
              ))}
            </select>
          </label>
          {value.refill !== "none" && (
            <label>
              {t("refillAmount")}
              <input type="number" required min={0} value={value.amount} onInput={(e) => set({ amount: e.currentTarget.value })} />
            </label>
          )}
          {value.refill === "month" && (
            <label>
              {t("refillDay")}
              <input type="number" min={1} max={31} value={value.dayOfMonth} onInput={(e) => set({ dayOfMonth: e.currentTarget.value })} />
            </label>
          )}
          <label>
            {t("notifyBelow")}
            <input type="number" min={0} value={value.notifyBelow} aria-describedby={notifyHelp} onInput={(e) => set({ notifyBelow: e.currentTarget.value })} />
          </label>
          <p id={notifyHelp} class="muted small limits-help">
            {t("notifyBelowHelp")}
          </p>
        </div>
      )}
    </fieldset>
  );
}
