// Signing in again without leaving the page, for two reasons:
// - RFC 9470 step-up, the seeds' "confirm the action": a sensitive call answered 401
//   `step_up_required` needs a recent sign-in;
// - the session ended: a call answered 401 `unauthenticated` while someone is signed in
//   (the token expired).
// Either way StepUpDialog asks the person to sign in again, and the call is repeated once.
// A 401 means the service did nothing, so repeating is safe.
import { signal } from "@preact/signals";
import { ApiProblem } from "../api/problem";
import { session } from "./session";

export type ConfirmationReason = "step_up" | "expired";

interface PendingConfirmation {
  reason: ConfirmationReason;
  resolve: () => void;
  reject: (reason: Error) => void;
}

export const pendingConfirmation = signal<PendingConfirmation | null>(null);
let inFlight: Promise<void> | null = null;

export class ConfirmationCancelled extends Error {
  constructor() {
    super("cancelled");
    this.name = "ConfirmationCancelled";
  }
}

/** Opens the confirmation dialog (once, however many calls ask); resolves when the person has signed in again. */
export function confirmIdentity(reason: ConfirmationReason = "step_up"): Promise<void> {
  inFlight ??= new Promise<void>((resolve, reject) => {
    pendingConfirmation.value = { reason, resolve, reject };
  }).finally(() => {
    inFlight = null;
  });
  return inFlight;
}

function reasonToSignInAgain(error: unknown): ConfirmationReason | null {
  if (!(error instanceof ApiProblem)) return null;
  if (error.code === "step_up_required") return "step_up";
  if (error.code === "unauthenticated" && session.peek() !== null) return "expired";
  return null;
}

/** Runs a call; after a step-up or an ended session, has the person sign in again and runs it once more. */
export async function withSignIn<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const reason = reasonToSignInAgain(error);
    if (reason === null) throw error;
    await confirmIdentity(reason);
    return call();
  }
}

/** The same, named for sensitive calls (reveal, rotate, sign), where step-up is expected. */
export const withStepUp = withSignIn;
