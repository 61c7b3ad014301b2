// What the panel's parts share: the key types and states, the filter, expiry choices and
// the shown-once secret of an issued key.
import type { Key, Schemas } from "../../api/client";

export type KeyType = "opaque" | "jwt" | "hmac";
export type KeyStatus = Key["status"];
export const KEY_TYPES: readonly KeyType[] = ["opaque", "jwt", "hmac"];
export const KEY_STATUSES: readonly KeyStatus[] = ["active", "disabled", "expired", "revoked"];
export const PAGE_SIZES = [50, 100] as const;
export type PageSize = (typeof PAGE_SIZES)[number];

/** The list's query filters, as GET /v1/projects/{pid}/keys takes them. */
export interface KeyFilter {
  type?: KeyType | undefined;
  status?: KeyStatus | undefined;
  owner_id?: string | undefined;
  unused_days?: number | undefined;
}

export type Issued = Schemas["KeyIssued"];

/** The secret part of an issued key: one value (opaque, JWT) or a token and its secret (HMAC). */
export type IssuedSecret = { kind: "key"; key: string } | { kind: "hmac"; token: string; secret: string };

export function issuedSecret(issued: Issued): IssuedSecret {
  const secret = issued.secret as Record<string, string | undefined>;
  if (secret.token !== undefined && secret.secret !== undefined) {
    return { kind: "hmac", token: secret.token, secret: secret.secret };
  }
  return { kind: "key", key: secret.key ?? "" };
}

/** Grace periods offered for a reroll, in seconds. */
export const GRACE_CHOICES = [0, 3600, 86400, 604800] as const;

/** An `<input type="datetime-local">` value (the person's time zone) as RFC 3339 UTC. */
export function localToRfc3339(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** An RFC 3339 timestamp as an `<input type="datetime-local">` value in the person's time zone. */
export function rfc3339ToLocal(value: string | null | undefined): string {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
