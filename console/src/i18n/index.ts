// Message catalogs without a library: each panel defines its English messages and their
// Russian translation with `messages(en, ru)`, and TypeScript refuses a catalog whose
// Russian side misses or adds a key. `{name}` placeholders are filled from params; a
// message with `|` holds plural forms (English: one|other; Russian: one|few|many|other),
// picked by Intl.PluralRules from the `count` param.
import { signal } from "@preact/signals";

export type Lang = "en" | "ru";
export const LANGS: readonly Lang[] = ["en", "ru"];
const STORAGE_KEY = "keywarden.lang"; // a preference, not a secret

export const lang = signal<Lang>(initialLang());

function initialLang(): Lang {
  const saved = stored();
  if (saved === "en" || saved === "ru") return saved;
  return globalThis.navigator?.language?.toLowerCase().startsWith("ru") ? "ru" : "en";
}

/** The saved language; null where the browser blocks site storage (then it throws). */
function stored(): string | null {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
}

export function setLang(next: Lang): void {
  lang.value = next;
  document.documentElement.lang = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Site storage blocked: the choice lasts until the page is left.
  }
}

export interface Catalog<K extends string> {
  en: Record<K, string>;
  ru: Record<K, string>;
}

export function messages<const E extends Record<string, string>>(
  en: E,
  ru: { [K in keyof E]: string },
): Catalog<keyof E & string> {
  return { en, ru } as Catalog<keyof E & string>;
}

export type Params = Record<string, string | number>;
export type Translate<K extends string> = (key: K, params?: Params) => string;

const PLURAL_ORDER: Record<Lang, Intl.LDMLPluralRule[]> = {
  en: ["one", "other"],
  ru: ["one", "few", "many", "other"],
};

/** The translate function of a catalog, in the current language (components re-render on change). */
export function useT<K extends string>(catalog: Catalog<K>): Translate<K> {
  const current = lang.value;
  return (key, params) => format(catalog[current][key] ?? key, current, params);
}

export function format(template: string, current: Lang, params?: Params): string {
  let text = template;
  if (text.includes("|") && params && typeof params.count === "number") {
    const forms = text.split("|");
    const category = new Intl.PluralRules(current).select(params.count);
    const index = PLURAL_ORDER[current].indexOf(category);
    text = forms[index >= 0 && index < forms.length ? index : forms.length - 1] ?? text;
  }
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** A timestamp (RFC 3339) in the person's language and time zone; "—" for none. */
export function formatTime(value: string | null | undefined): string {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(lang.value, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

export function formatNumber(value: number): string {
  return new Intl.NumberFormat(lang.value).format(value);
}
