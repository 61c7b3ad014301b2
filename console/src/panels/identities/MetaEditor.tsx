// Metadata as key/value pairs. Values are text; a value that was not text (a number, an
// object set over the API) is kept as it was unless the person edits it.
import type { Schemas } from "../../api/client";
import { useT } from "../../i18n";
import { identitiesText } from "./messages";

export interface MetaRow {
  key: string;
  text: string;
  /** The value as the API had it, sent back while `text` is unchanged. */
  original?: unknown;
}

const shown = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

export function metaRows(meta: Record<string, unknown>): MetaRow[] {
  return Object.entries(meta).map(([key, value]) => ({ key, text: shown(value), original: value }));
}

// The contract's `meta` is an object with no declared properties, which openapi-typescript
// types as an object whose every value is `undefined`; any JSON value is what it takes.
type ApiMeta = Schemas["IdentityCreate"]["meta"];

export function toMeta(rows: MetaRow[]): ApiMeta {
  const meta: Record<string, unknown> = {};
  for (const row of rows) {
    if (!row.key.trim()) continue;
    meta[row.key.trim()] = row.original !== undefined && shown(row.original) === row.text ? row.original : row.text;
  }
  return meta as ApiMeta;
}

export function MetaEditor(props: { rows: MetaRow[]; onChange: (rows: MetaRow[]) => void }) {
  const t = useT(identitiesText);
  const { rows, onChange } = props;
  const change = (index: number, part: Partial<MetaRow>) => onChange(rows.map((row, i) => (i === index ? { ...row, ...part } : row)));
  return (
    <fieldset class="limits-group">
      <legend>{t("meta")}</legend>
      <p class="muted small">{t("metaHelp")}</p>
      {rows.map((row, index) => (
        <fieldset key={index} class="limits-row">
          <legend class="sr-only">{t("metaPair", { n: index + 1 })}</legend>
          <label>
            {t("metaKey")}
            <input required maxLength={64} value={row.key} onInput={(e) => change(index, { key: e.currentTarget.value })} />
          </label>
          <label>
            {t("metaValue")}
            <input value={row.text} onInput={(e) => change(index, { text: e.currentTarget.value })} />
          </label>
          <button type="button" aria-label={t("removeMeta", { n: index + 1 })} onClick={() => onChange(rows.filter((_, i) => i !== index))}>
            ×
          </button>
        </fieldset>
      ))}
      {rows.length < 50 && (
        <button type="button" onClick={() => onChange([...rows, { key: "", text: "" }])}>
          {t("addMeta")}
        </button>
      )}
    </fieldset>
  );
}
