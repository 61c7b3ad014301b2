import type { Webhook } from "../../api/client";

export type EventType = Webhook["events"][number];

/** The contract's events, in the order a person reads them. */
export const EVENTS = [
  "key.created",
  "key.revoked",
  "key.rerolled",
  "key.disabled",
  "key.enabled",
  "key.exposed",
  "key.expiring",
  "key.credits_low",
  "key.credits_exhausted",
  "key.rate_limited",
  "key_request.created",
  "key_request.approved",
  "key_request.denied",
  "key_request.cancelled",
  "identity.created",
  "identity.updated",
  "identity.deleted",
  "identity.credits_low",
  "identity.credits_exhausted",
  "identity.rate_limited",
  "secret.rotated",
] as const satisfies readonly EventType[];

// An event the contract adds without a place here fails tsc (a person could not subscribe to it).
type AllListed = [Exclude<EventType, (typeof EVENTS)[number]>] extends [never] ? true : never;
export const allListed: AllListed = true;
