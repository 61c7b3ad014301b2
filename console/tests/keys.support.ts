// Seeding, navigation and verification for the API keys panel's tests.
import { type APIRequestContext, type Page, expect } from "@playwright/test";
import { type Api, apiAs, person, serviceKey, signIn } from "./support";

export interface KeysProject {
  owner: string;
  api: Api;
  pid: string;
  name: string;
  roleId: string;
  roleName: string;
  serviceKey: string;
}

/** A project of a fresh owner with one role ("Payments service") that keys are issued for. */
export async function seedKeysProject(request: APIRequestContext, name = `Shop ${person("p")}`): Promise<KeysProject> {
  const owner = person("owner");
  const api = await apiAs(request, owner);
  const project = await api.call("POST", "/v1/projects", { name, description: "seeded by a browser test" });
  const role = await api.call("POST", `/v1/projects/${project.id}/roles`, {
    name: "Payments service",
    description: "Reads and creates payments",
    permissions: ["payments:read", "payments:write"],
  });
  return {
    owner,
    api,
    pid: project.id,
    name,
    roleId: role.id,
    roleName: role.name,
    serviceKey: await serviceKey(api, project.id),
  };
}

export interface SeededKey {
  key: { id: string; name: string; owner_id: string; expires_at: string | null; status: string };
  secret: { key?: string; token?: string; secret?: string };
}

export async function seedKey(p: KeysProject, body: { name: string; type?: string; owner_id?: string; ttl_seconds?: number }): Promise<SeededKey> {
  return p.api.call("POST", `/v1/projects/${p.pid}/keys`, { type: "opaque", role_id: p.roleId, ...body });
}

export async function addMember(p: KeysProject, sub: string, role: string): Promise<void> {
  await p.api.call("PUT", `/v1/projects/${p.pid}/members/${encodeURIComponent(sub)}`, { role });
}

/** What the project's servers hear from POST /v1/keys/verify for `key` (VALID, REVOKED, ...). */
export async function verifyCode(request: APIRequestContext, p: KeysProject, key: string): Promise<string> {
  const response = await request.post("/v1/keys/verify", {
    headers: { Authorization: `Bearer ${p.serviceKey}` },
    data: { key },
  });
  expect(response.status()).toBe(200);
  return (await response.json()).code as string;
}

/** Signs `sub` in and opens the project's "API keys" tab. */
export async function openKeys(page: Page, sub: string, projectName: string): Promise<void> {
  await signIn(page, sub);
  await page.getByRole("link", { name: projectName }).click();
  await page.getByRole("link", { name: "API keys" }).click();
  await expect(page.getByRole("heading", { name: "API keys", level: 2 })).toBeVisible();
}

/** The table of keys. */
export function keysTable(page: Page) {
  return page.getByRole("table", { name: "API keys" });
}

/** The table row of the key named `name`. */
export function keyRow(page: Page, name: string) {
  return keysTable(page).getByRole("row").filter({ has: page.getByRole("button", { name, exact: true }) });
}

/** The names in the table's rows, in order. */
export async function rowNames(page: Page): Promise<string[]> {
  return keysTable(page).locator("tbody tr td button.link").allInnerTexts();
}

/** A key's state as the API tells it (owner's token). */
export async function keyOf(p: KeysProject, keyId: string): Promise<SeededKey["key"]> {
  return p.api.call("GET", `/v1/projects/${p.pid}/keys/${keyId}`);
}
