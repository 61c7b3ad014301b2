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

/** A network failure or an answer that is no problem document, as a problem. */
export function asProblem(error: unknown): ApiProblem {
  if (error instanceof ApiProblem) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ApiProblem(0, { title: "The service could not be reached", detail: message, code: "network_error" });
}
