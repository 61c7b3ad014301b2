import { type Page, expect, test } from "@playwright/test";
import { randomUUID } from "node:crypto";
import { expectAccessible } from "../support";

// The provider's development login form takes any login and any password.
async function logInAtProvider(page: Page, login: string): Promise<void> {
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
}

test("a person signs in with the organization's OIDC provider and confirms a reveal in a popup", async ({ page }) => {
  const admin = `admin-${randomUUID().slice(0, 8)}`;
  const violations: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) violations.push(message.text());
  });

  await page.goto("/console/");
  await page.getByRole("button", { name: "Sign in with your organization" }).click();
  await expect(page).toHaveURL(/127\.0\.0\.1:\d+\/interaction\//);
  await logInAtProvider(page, admin);
  await expect(page.getByTestId("signed-in-as")).toContainText(admin);
  // Back where the person was going, with the PKCE state gone from sessionStorage.
  await expect(page).toHaveURL(/\/console\/$/);
  expect(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith("oidc.")))).toEqual([]);
  expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k !== "keywarden.lang"))).toEqual([]);

  await page.getByRole("link", { name: "Projects" }).first().click();
  await page.getByRole("button", { name: "Create project" }).click();
  await page.getByLabel("Name").fill("Payments");
  await page.getByRole("dialog").getByRole("button", { name: "Create project" }).click();
  await expect(page.getByTestId("my-role")).toContainText("owner");
  await expectAccessible(page);

  // The provider dates this first sign-in ten minutes back, beyond the step-up age (300 s):
  // revealing asks the person to sign in again.
  await page.getByRole("link", { name: "Access keys" }).click();
  const card = page.getByRole("region", { name: "Service key" });
  await card.getByRole("button", { name: "Show" }).click();
  await page.getByRole("dialog", { name: "Show the service key?" }).getByRole("button", { name: "View" }).click();
  const confirm = page.getByRole("dialog", { name: "Confirm it's you" });
  await expect(confirm).toBeVisible();
  const popupOpened = page.waitForEvent("popup");
  await confirm.getByRole("button", { name: "Sign in again" }).click();
  const popup = await popupOpened;
  await logInAtProvider(popup, admin);
  await popup.waitForEvent("close");
  await expect(card.getByTestId("service_key-value")).toContainText(/^kws_/);
  expect(violations).toEqual([]);
});
