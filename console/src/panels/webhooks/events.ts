import type { Webhook } from "../../api/client";

export type EventType = Webhook["events"][number];

/** The contract's events, in the order a person reads them. */
export const EVENTS: readonly EventType[] = [
  "key.created",
  "key.revoked",
  "key.rerolled",
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
];
