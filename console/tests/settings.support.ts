// Helpers of the settings and access keys tests: opening a project's tab as a person would
// (the token lives in memory, so no page.goto after signing in), and raw API answers.
import { type APIRequestContext, type Page, expect } from "@playwright/test";
import type { Api } from "./support";

/** From the projects list, opens a project and one of its tabs by clicking, as a person does. */
export async function openTab(page: Page, projectName: string, tab: string): Promise<void> {
  await page.getByRole("link", { name: projectName, exact: true }).click();
  await expect(page.getByTestId("project-name")).toHaveText(projectName);
  await page.getByRole("navigation", { name: projectName }).getByRole("link", { name: tab, exact: true }).click();
  await expect(page.getByRole("navigation", { name: projectName }).getByRole("link", { name: tab, exact: true })).toHaveAttribute(
    "aria-current",
    "page",
  );
}

/** The status of an API call as `api`'s person, whatever it is (support's `call` wants success). */
export async function statusOf(request: APIRequestContext, api: Api, method: string, path: string): Promise<number> {
  const response = await request.fetch(path, { method, headers: { Authorization: `Bearer ${api.token}` } });
  return response.status();
}

/** How POST /v1/keys/verify answers a project's service key (200 when it authenticates, 401 when not). */
export async function serviceKeyStatus(request: APIRequestContext, serviceKey: string): Promise<number> {
  const response = await request.post("/v1/keys/verify", {
    headers: { Authorization: `Bearer ${serviceKey}` },
    data: { key: "kw_notakey" },
  });
  return response.status();
}

/** A project role created over the API; its id. */
export async function seedRole(api: Api, pid: string, name: string, permissions: string[], description = ""): Promise<string> {
  return (await api.call("POST", `/v1/projects/${pid}/roles`, { name, description, permissions })).id as string;
}

/** An opaque key of the caller's with the given role, created over the API (it puts the role in use). */
export async function seedKey(api: Api, pid: string, roleId: string, name: string): Promise<void> {
  await api.call("POST", `/v1/projects/${pid}/keys`, { name, type: "opaque", role_id: roleId });
}
