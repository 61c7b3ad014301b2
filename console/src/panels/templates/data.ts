// What the panel reads and how it names things: templates with roles, lifetimes, file names.
import { allPages, api, type Role, type Schemas, type Template } from "../../api/client";
import type { Translate } from "../../i18n";
import type { templatesText } from "./messages";

export type KeyType = Template["type"];
export type RequestStatus = Schemas["KeyRequest"]["status"];
export type Claimed = Schemas["Claimed"];
export type InfoField = Schemas["InfoField"];
export type T = Translate<keyof (typeof templatesText)["en"] & string>;

export const KEY_TYPES: readonly KeyType[] = ["opaque", "jwt", "hmac"];

export interface Catalogue {
  templates: Template[];
  roles: Role[];
}

/** The project's templates (each with the caller's `my_request`) and its roles, read whole. */
export async function loadCatalogue(pid: string): Promise<Catalogue> {
  const [templates, roles] = await Promise.all([
    allPages((cursor) =>
      api.GET("/v1/projects/{pid}/key-templates", { params: { path: { pid }, query: { limit: 100, cursor } } }),
    ),
    allPages((cursor) => api.GET("/v1/projects/{pid}/roles", { params: { path: { pid }, query: { limit: 100, cursor } } })),
  ]);
  return { templates, roles };
}

export const UNITS = [
  ["days", 86_400],
  ["hours", 3_600],
  ["minutes", 60],
  ["seconds", 1],
] as const;
export type Unit = (typeof UNITS)[number][0];

/** A lifetime in seconds in the largest unit that divides it ({amount: 30, unit: "days"}); exact: 90 s stays 90 s. */
export function splitTtl(seconds: number | null): { amount: string; unit: Unit } {
  if (!seconds) return { amount: "", unit: "days" };
  const [unit, size] = UNITS.find(([, size]) => seconds % size === 0) ?? ["seconds", 1];
  return { amount: String(seconds / size), unit };
}

export function joinTtl(amount: string, unit: Unit): number | null {
  const value = Number(amount);
  if (!amount.trim() || !Number.isFinite(value) || value <= 0) return null;
  const size = UNITS.find(([name]) => name === unit)?.[1] ?? 1;
  return Math.round(value * size);
}

export function ttlText(t: T, seconds: number | null): string {
  if (!seconds) return t("never");
  const { amount, unit } = splitTtl(seconds);
  return t(`ttl.${unit}`, { count: Number(amount) });
}

/** A file name for a template's .env ("Payments sandbox" -> "payments-sandbox.env"). */
export function envFileName(templateName: string): string {
  const slug = templateName
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "");
  return `${slug || "key"}.env`;
}
