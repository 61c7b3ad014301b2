// Seeding, navigation and form filling for the identities tests (and the key dialog's limits).
import { type APIRequestContext, type Locator, type Page, expect } from "@playwright/test";
import type { KeysProject } from "./keys.support";

export interface SeededIdentity {
  id: string;
  external_id: string;
  credits: { remaining: number } | null;
}

export async function seedIdentity(p: KeysProject, body: { external_id: string; ratelimits?: unknown[]; credits?: unknown }): Promise<SeededIdentity> {
  return p.api.call("POST", `/v1/projects/${p.pid}/identities`, body);
}

/** Opens a tab of the project page that is already on screen. */
export async function openTab(page: Page, projectName: string, tab: string): Promise<void> {
  await page.getByRole("navigation", { name: projectName }).getByRole("link", { name: tab, exact: true }).click();
  await expect(page.getByRole("heading", { name: tab, level: 2 })).toBeVisible();
}

export function identitiesTable(page: Page): Locator {
  return page.getByRole("table", { name: "Identities" });
}

export function identityRow(page: Page, externalId: string): Locator {
  return identitiesTable(page).getByRole("row").filter({ has: page.getByRole("button", { name: externalId, exact: true }) });
}

/** Adds a rate limit row to the editor in `scope` and fills it ("2 requests per 1 days"). */
export async function addRateLimit(scope: Locator, n: number, limit: { name: string; requests: number; per: number; unit: string }): Promise<void> {
  await scope.getByRole("button", { name: "Add a rate limit" }).click();
  const row = scope.getByRole("group", { name: `Rate limit ${n}`, exact: true });
  await row.getByLabel("Name", { exact: true }).fill(limit.name);
  await row.getByLabel("Requests", { exact: true }).fill(String(limit.requests));
  await row.getByLabel("Per", { exact: true }).fill(String(limit.per));
  await row.getByRole("combobox", { name: "Unit", exact: true }).selectOption({ label: limit.unit });
}

/** Turns credits on in the editor in `scope` and fills what is given. */
export async function fillCredits(
  scope: Locator,
  credits: { balance: number; refill?: "Every day" | "Every month"; refillTo?: number; day?: number; notifyBelow?: number },
): Promise<void> {
  await scope.getByLabel("Limit with credits", { exact: true }).check();
  await scope.getByLabel("Balance", { exact: true }).fill(String(credits.balance));
  if (credits.refill) {
    await scope.getByRole("combobox", { name: "Refill", exact: true }).selectOption({ label: credits.refill });
    await scope.getByLabel("Refill to", { exact: true }).fill(String(credits.refillTo ?? credits.balance));
  }
  if (credits.day !== undefined) await scope.getByLabel("Day of the month", { exact: true }).fill(String(credits.day));
  if (credits.notifyBelow !== undefined) await scope.getByLabel("Notify below", { exact: true }).fill(String(credits.notifyBelow));
}

/** The whole answer of POST /v1/keys/verify for `key`, as the project's servers get it. */
export async function verifyAnswer(request: APIRequestContext, p: KeysProject, key: string): Promise<{ code: string; credits?: { remaining: number } }> {
  const response = await request.post("/v1/keys/verify", { headers: { Authorization: `Bearer ${p.serviceKey}` }, data: { key } });
  expect(response.status()).toBe(200);
  return response.json();
}
