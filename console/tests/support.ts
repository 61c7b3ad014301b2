// What every browser test shares: unique people, signing in through the console's form,
// seeding through the HTTP API (as another system would), axe, and panel screenshots.
import AxeBuilder from "@axe-core/playwright";
import { type APIRequestContext, type Page, expect } from "@playwright/test";
import { randomUUID } from "node:crypto";

/** A user id no other test uses (tests run in parallel against one stack). */
export function person(role: string): string {
  return `${role}-${randomUUID().slice(0, 8)}`;
}

/**
 * Signs in through the local stack's sign-in form, as a person would. `authAgeSeconds`
 * over the stack's step-up age (300 s) makes sensitive actions ask for confirmation.
 */
export async function signIn(
  page: Page,
  sub: string,
  options: { groups?: string[]; authAgeSeconds?: number } = {},
): Promise<void> {
  await page.goto("/console/");
  await page.getByLabel(/User id/).fill(sub);
  if (options.groups?.length) await page.getByLabel(/Groups/).fill(options.groups.join(","));
  if (options.authAgeSeconds) await page.getByLabel(/seconds ago/).fill(String(options.authAgeSeconds));
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("signed-in-as")).toContainText(sub);
}

export interface Api {
  token: string;
  call<T = any>(method: string, path: string, body?: unknown): Promise<T>;
}

/** The HTTP API as `sub` (a token of the embedded issuer), for seeding and for checks. */
export async function apiAs(request: APIRequestContext, sub: string, groups: string[] = []): Promise<Api> {
  const issued = await request.post("/v1/dev/token", { data: { sub, groups } });
  expect(issued.status()).toBe(200);
  const token = (await issued.json()).access_token as string;
  return {
    token,
    async call(method, path, body) {
      const response = await request.fetch(path, {
        method,
        headers: { Authorization: `Bearer ${token}` },
        data: body === undefined ? undefined : body,
      });
      expect(response.status(), `${method} ${path}: ${await response.text()}`).toBeLessThan(300);
      return response.status() === 204 ? undefined : await response.json();
    },
  };
}

/** A project owned by `owner`, created over the API; its id. */
export async function seedProject(api: Api, name = `Project ${randomUUID().slice(0, 6)}`): Promise<{ id: string; name: string }> {
  return api.call("POST", "/v1/projects", { name, description: "seeded by a browser test" });
}

/** The service key of a project (as its servers hold it), revealed over the API (fresh token: step-up passes). */
export async function serviceKey(api: Api, pid: string): Promise<string> {
  return (await api.call("POST", `/v1/projects/${pid}/secrets/service_key/reveal`)).value as string;
}

/** axe-core over the page as it is: no serious or critical WCAG 2 A/AA violation. */
export async function expectAccessible(page: Page): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    serious.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
  ).toEqual([]);
}

/** Keeps a screenshot of a panel as a test artifact (test-results/screenshots/<name>.png). */
export async function panelShot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}
