// Seeding and navigation for the templates panel's tests.
import { type Browser, type Page, expect } from "@playwright/test";
import { type Api, signIn } from "./support";

export interface Seeded {
  pid: string;
  projectName: string;
  roleId: string;
}

/** A project of `owner` with a role that templates issue keys for. */
export async function seedProjectWithRole(owner: Api, projectName: string, roleName = "Payments service"): Promise<Seeded> {
  const project = await owner.call("POST", "/v1/projects", { name: projectName, description: "seeded by a browser test" });
  const role = await owner.call("POST", `/v1/projects/${project.id}/roles`, {
    name: roleName,
    description: "Reads and creates payments",
    permissions: ["payments:read", "payments:write"],
  });
  return { pid: project.id, projectName, roleId: role.id };
}

export async function addMember(owner: Api, pid: string, sub: string, role: string): Promise<void> {
  await owner.call("PUT", `/v1/projects/${pid}/members/${encodeURIComponent(sub)}`, { role });
}

export async function seedTemplate(
  owner: Api,
  seeded: Seeded,
  body: { name: string; description?: string; type?: string; ttl_seconds?: number | null; auto_approve?: boolean; info_fields?: unknown[] },
): Promise<{ id: string; name: string }> {
  return owner.call("POST", `/v1/projects/${seeded.pid}/key-templates`, {
    type: "opaque",
    role_id: seeded.roleId,
    info_fields: [],
    ...body,
  });
}

/** Signs `sub` in (in a context of its own) and opens the project's "Templates and requests" tab. */
export async function openTemplates(page: Page, sub: string, projectName: string): Promise<void> {
  await signIn(page, sub);
  await page.getByRole("link", { name: projectName }).click();
  await page.getByRole("link", { name: "Templates and requests" }).click();
  await expect(page.getByRole("heading", { name: "Key templates" })).toBeVisible();
}

/** A second person at the same time: a browser context of their own. */
export async function personPage(browser: Browser, sub: string, projectName: string): Promise<Page> {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await openTemplates(page, sub, projectName);
  return page;
}

/** The tile of a template (a list item named after it). */
export function tile(page: Page, templateName: string) {
  return page.getByRole("listitem", { name: templateName });
}

/** The member's own key tile inside a template tile. */
export function keyTile(page: Page, templateName: string) {
  return tile(page, templateName).getByRole("group", { name: "Your key" });
}

/** `NAME=value` lines of a .env file, unquoted. */
export function parseDotenv(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    const [, name = "", raw = ""] = match;
    values[name] = /^'.*'$/.test(raw) ? raw.slice(1, -1) : /^".*"$/.test(raw) ? JSON.parse(raw) : raw;
  }
  return values;
}
