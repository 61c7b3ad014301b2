// RFC 9470 step-up, as the seeds' "confirm the action": when a sensitive call answers
// 401 step_up_required, the console asks the person to sign in again (StepUpDialog) and
// then repeats the call once.
import { signal } from "@preact/signals";
import { ApiProblem } from "../api/problem";

interface PendingConfirmation {
  resolve: () => void;
  reject: (reason: Error) => void;
}

export const pendingConfirmation = signal<PendingConfirmation | null>(null);

export class ConfirmationCancelled extends Error {
  constructor() {
    super("cancelled");
  }
}

/** Opens the confirmation dialog; resolves once the person has signed in again. */
export function confirmIdentity(): Promise<void> {
  return new Promise((resolve, reject) => {
    pendingConfirmation.value = { resolve, reject };
  });
}

/** Runs a sensitive call; after a step_up_required answer, confirms the person and runs it again. */
export async function withStepUp<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof ApiProblem) || error.code !== "step_up_required") throw error;
    await confirmIdentity();
    return call();
  }
}
