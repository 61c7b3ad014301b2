import { expect, test } from "@playwright/test";
import { expectAccessible, person, signIn } from "./support";

test("/ redirects to the console, which asks a stranger to sign in", async ({ page }) => {
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  await expect(page).toHaveURL(/\/console\/$/);
  await expect(page.getByRole("heading", { name: "Sign in to Keywarden" })).toBeVisible();
  await expectAccessible(page);
});

test("the console is served with a strict CSP and no CORS", async ({ request }) => {
  const index = await request.get("/console/");
  expect(index.headers()["content-security-policy"]).toContain("script-src 'self'");
  expect(index.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(index.headers()["access-control-allow-origin"]).toBeUndefined();
  const deepLink = await request.get("/console/projects/p_123/keys");
  expect(deepLink.status()).toBe(200);
  expect(await deepLink.text()).toContain('<div id="app">');
  const missing = await request.get("/console/assets/nothing-here.js");
  expect(missing.status()).toBe(404);
  expect(missing.headers()["content-type"]).toContain("application/problem+json");
  const escape = await request.get("/console/..%2F..%2Fapp.py");
  expect(escape.status()).toBe(404);
});

test("a person signs in, creates a project and lands on its panels; Russian is one switch away", async ({ page }) => {
  const owner = person("owner");
  await signIn(page, owner);
  await page.getByRole("button", { name: "Create project" }).click();
  await page.getByLabel("Name").fill("Shop backend");
  await page.getByRole("dialog").getByRole("button", { name: "Create project" }).click();
  await expect(page.getByTestId("project-name")).toHaveText("Shop backend");
  await expect(page.getByTestId("my-role")).toContainText("owner");
  await expect(page.getByRole("link", { name: "Access keys" })).toBeVisible();
  // The token lives in memory: nothing in the browser's storage but the language.
  const stored = await page.evaluate(() => ({
    local: Object.keys(localStorage),
    session: Object.keys(sessionStorage),
    cookies: document.cookie,
  }));
  expect(stored).toEqual({ local: [], session: [], cookies: "" });
  await page.getByLabel("Language").selectOption("ru");
  await expect(page.getByRole("link", { name: "Ключи доступа" })).toBeVisible();
  await expect(page.getByTestId("my-role")).toContainText("владелец");
  await page.getByLabel("Язык").selectOption("en");
  await page.getByRole("navigation", { name: "Projects" }).getByRole("link", { name: "Projects" }).click();
  await expect(page.getByRole("link", { name: "Shop backend" })).toBeVisible();
  // The token lives in memory only: a reload asks the person to sign in again.
  await page.reload();
  await expect(page.getByRole("heading", { name: "Sign in to Keywarden" })).toBeVisible();
});

test("when the session ends, the console asks to sign in again and carries on where the person was", async ({ page }) => {
  const owner = person("owner");
  await signIn(page, owner);
  await page.getByRole("button", { name: "Create project" }).click();
  await page.getByLabel("Name").fill("Ledger");
  await page.getByRole("dialog").getByRole("button", { name: "Create project" }).click();
  await expect(page.getByTestId("project-name")).toHaveText("Ledger");
  // The next call finds the token expired, as the service answers an expired token.
  let refused = 0;
  await page.route("**/v1/projects/*/members*", async (route) => {
    if (refused++ > 0) return route.continue();
    await route.fulfill({
      status: 401,
      contentType: "application/problem+json",
      body: JSON.stringify({ type: "urn:keywarden:problem:unauthenticated", title: "Unauthenticated", status: 401, detail: "the token has expired", code: "unauthenticated" }),
    });
  });
  await page.getByRole("link", { name: "Settings" }).click();
  const dialog = page.getByRole("dialog", { name: "Your session has ended" });
  await expect(dialog).toBeVisible();
  await expectAccessible(page);
  await dialog.getByRole("button", { name: "Sign in again" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("region", { name: "Members" })).toContainText(owner);
  expect(refused).toBeGreaterThan(1);
});
