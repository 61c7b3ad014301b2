// Who is signed in. The token lives in this module's memory only: never in localStorage
// (a reload asks the person to sign in again; deployed, the issuer's own session makes
// that one redirect).
import { signal } from "@preact/signals";

export interface Session {
  token: string;
  sub: string;
  groups: string[];
  /** When the token stops working (ms since the epoch). */
  expiresAt: number;
}

export const session = signal<Session | null>(null);

/** The claims of a JWT, read without checking it (the service checks it; the console only reads who). */
export function claimsOf(token: string): Record<string, unknown> {
  const part = token.split(".")[1];
  if (!part) return {};
  try {
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export function sessionOf(token: string, expiresIn: number): Session {
  const claims = claimsOf(token);
  const groups = Array.isArray(claims.groups) ? claims.groups.filter((g): g is string => typeof g === "string") : [];
  return {
    token,
    sub: typeof claims.sub === "string" ? claims.sub : "",
    groups,
    expiresAt: Date.now() + expiresIn * 1000,
  };
}
