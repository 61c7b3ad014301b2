// The typed API client: openapi-fetch over the types generated from the service's own
// OpenAPI document (src/api/schema.d.ts), so a path, body or field the contract does not
// have fails `tsc`. The person's token is added here and nowhere is it stored but memory.
import createClient from "openapi-fetch";
import { session } from "../auth/session";
import { ApiProblem } from "./problem";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Project = Schemas["Project"];
export type Member = Schemas["Member"];
export type Key = Schemas["Key"];
export type Template = Schemas["Template"];
export type KeyRequest = Schemas["KeyRequest"];
export type Webhook = Schemas["Webhook"];
export type Delivery = Schemas["Delivery"];
export type AuditEvent = Schemas["AuditEvent"];
export type Role = Schemas["Role"];
export type ProjectNode = Schemas["Node"];
export type Identity = Schemas["Identity"];
export type KeyPolicy = Schemas["KeyPolicyView"];
export type PolicyBreach = Schemas["PolicyBreach"];

export const api = createClient<paths>({ baseUrl: globalThis.location?.origin ?? "" });

api.use({
  onRequest({ request }) {
    const current = session.peek();
    if (current) request.headers.set("Authorization", `Bearer ${current.token}`);
    return request;
  },
});

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a call, or its problem thrown as an ApiProblem (204 gives undefined). */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw new ApiProblem(response.status, error);
  return data as T;
}

/** Every page of a cursor-paged list (for lists a person reads whole: members, roles, nodes). */
export async function allPages<T>(
  page: (cursor: string | undefined) => Promise<FetchResult<{ items: T[]; next_cursor?: string | null }>>,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const result = await unwrap(page(cursor));
    items.push(...result.items);
    if (!result.next_cursor) return items;
    cursor = result.next_cursor;
  }
}
