// RFC 9457 problems as the service answers them, and as the console shows them.
export interface FieldError {
  field: string;
  message: string;
}

export class ApiProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly errors: FieldError[];

  constructor(status: number, body: unknown) {
    const problem = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
    const title = typeof problem.title === "string" ? problem.title : `HTTP ${status}`;
    super(title);
    this.status = status;
    this.code = typeof problem.code === "string" ? problem.code : "unknown";
    this.detail = typeof problem.detail === "string" ? problem.detail : "";
    this.errors = Array.isArray(problem.errors) ? (problem.errors as FieldError[]) : [];
  }
}

/**
 * Anything a call threw, as a problem: fetch's TypeError is `network_error` (the service
 * could not be reached); a sign-in the person cancelled is `unauthenticated`; anything
 * else (an OIDC provider's refusal, say) is `client_error` with its message.
 */
export function asProblem(error: unknown): ApiProblem {
  if (error instanceof ApiProblem) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof TypeError) return new ApiProblem(0, { title: "network_error", detail: message, code: "network_error" });
  if (error instanceof Error && error.name === "ConfirmationCancelled") {
    return new ApiProblem(401, { title: "unauthenticated", detail: "", code: "unauthenticated" });
  }
  return new ApiProblem(0, { title: "client_error", detail: message, code: "client_error" });
}
