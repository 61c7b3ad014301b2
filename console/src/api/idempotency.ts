// Idempotency-Key for the changes a person makes in a dialog (the contract: a repeat with
// the same key and body within 24 h returns the first answer; the same key with another
// body is 422 idempotency_key_reused). The key is the dialog's scope, made when it opens,
// joined with a digest of the request: a double click or a retry after a lost answer sends
// the same key and is answered once, a corrected form (another body) gets another key, and
// the same change made again in a new dialog is a new change.
import { useState } from "preact/hooks";

/** A scope per dialog (per mount): pass it to `idempotencyHeaders` for each call made from there. */
export function useIdempotencyScope(): string {
  const [scope] = useState(() => globalThis.crypto.randomUUID());
  return scope;
}

/** The `Idempotency-Key` header for a call with `body` (and `what` names the operation) in `scope`. */
export async function idempotencyHeaders(
  scope: string,
  what: string,
  body?: unknown,
): Promise<{ "Idempotency-Key": string }> {
  const text = `${what}\n${JSON.stringify(body ?? null)}`;
  const digest = await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  const hex = Array.from(new Uint8Array(digest).slice(0, 12), (b) => b.toString(16).padStart(2, "0")).join("");
  return { "Idempotency-Key": `${scope}.${hex}` };
}
