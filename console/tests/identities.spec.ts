// Identities (the platform's customers) as admins manage them, their keys' limits and
// credits as the verification endpoint applies them, and who may see the panel.
import { expect, test } from "@playwright/test";
import { addRateLimit, fillCredits, identitiesTable, identityRow, openTab, seedIdentity, verifyAnswer } from "./identities.support";
import { addMember, keyOf, keyRow, seedKeysProject, verifyCode } from "./keys.support";
import { expectAccessible, panelShot, person, signIn } from "./support";

test("an admin creates an identity with limits, sets its credits, issues it a limited key that runs out of its rate limit, and deleting the identity revokes the key", async ({ page, request }) => {
  const p = await seedKeysProject(request, `Platform ${person("p")}`);
  const admin = person("admin");
  await addMember(p, admin, "admin");
  await seedIdentity(p, { external_id: "cus_1001" });
  await signIn(page, admin);
  await page.getByRole("link", { name: p.name }).click();
  await openTab(page, p.name, "Identities");

  // Create: metadata, a shared rate limit, and credits refilled monthly.
  await page.getByRole("button", { name: "Create identity" }).click();
  const create = page.getByRole("dialog", { name: "Create an identity" });
  await create.getByLabel("External id", { exact: true }).fill("cus_4242");
  await create.getByRole("button", { name: "Add a pair" }).click();
  const pair = create.getByRole("group", { name: "Metadata pair 1" });
  await pair.getByLabel("Key", { exact: true }).fill("plan");
  await pair.getByLabel("Value", { exact: true }).fill("pro");
  await addRateLimit(create, 1, { name: "requests", requests: 1000, per: 1, unit: "hours" });
  await fillCredits(create, { balance: 500, refill: "Every month", refillTo: 500, day: 1, notifyBelow: 50 });
  await expectAccessible(page);
  await create.getByRole("button", { name: "Create identity" }).click();

  // Its details open: the limits and the credits, then a new balance set and credits added.
  let details = page.getByRole("dialog", { name: "Identity cus_4242" });
  await expect(details.getByTestId("rate-limits").first()).toContainText("requests: 1,000 per 1 hour");
  await expect(details.getByTestId("credits-remaining")).toHaveText("500");
  await expect(details).toContainText("back to 500 on day 1 of every month");
  await expect(details).toContainText("plan");
  await details.getByLabel("Amount", { exact: true }).fill("750");
  await details.getByRole("button", { name: "Set balance" }).click();
  await expect(details.getByText("Now 750 remaining.")).toBeVisible();
  await expect(details.getByTestId("credits-remaining")).toHaveText("750");
  await details.getByLabel("Amount", { exact: true }).fill("25");
  await details.getByRole("button", { name: "Add credits" }).click();
  await expect(details.getByTestId("credits-remaining")).toHaveText("775");
  await expect(details.getByText("No keys belong to this identity.")).toBeVisible();
  await expectAccessible(page);
  await panelShot(page, "identity-details");
  await details.getByRole("button", { name: "Close" }).click();

  // Listed, and found by its external id.
  await expect(identityRow(page, "cus_4242")).toContainText("775");
  await expect(identityRow(page, "cus_1001")).toContainText("∞");
  await panelShot(page, "identities");
  const search = page.getByRole("search", { name: "Find identities" });
  await search.getByLabel("External id").fill("cus_4242");
  await search.getByRole("button", { name: "Find" }).click();
  await expect(identitiesTable(page).locator("tbody tr")).toHaveCount(1);
  await expect(identityRow(page, "cus_4242")).toBeVisible();
  await search.getByLabel("External id").fill("cus_none");
  await search.getByRole("button", { name: "Find" }).click();
  await expect(page.getByText("No identity has the external id cus_none.")).toBeVisible();
  await search.getByRole("button", { name: "Show all" }).click();
  await expect(identitiesTable(page).locator("tbody tr")).toHaveCount(2);

  // A key for the identity, with a limit and credits of its own, from the keys panel.
  await openTab(page, p.name, "API keys");
  await page.getByRole("button", { name: "Create key" }).click();
  const dialog = page.getByRole("dialog", { name: "Create an API key" });
  await dialog.getByLabel("Name", { exact: true }).fill("cus_4242 production");
  await dialog.getByLabel("An identity", { exact: true }).check();
  await dialog.getByRole("combobox", { name: "Identity", exact: true }).selectOption({ label: "cus_4242" });
  await dialog.getByText("Limits", { exact: true }).click();
  await addRateLimit(dialog, 1, { name: "burst", requests: 2, per: 1, unit: "days" });
  await fillCredits(dialog, { balance: 100 });
  await expectAccessible(page);
  await dialog.getByRole("button", { name: "Create key" }).click();
  const shown = page.getByRole("dialog", { name: "Key created" });
  const secret = (await shown.getByTestId("secret-key").textContent()) ?? "";
  await shown.getByRole("button", { name: "Done" }).click();
  const row = keyRow(page, "cus_4242 production");
  await expect(row).toContainText("cus_4242");
  await expect(row.locator("td.keys-num")).toHaveText("100");

  await row.getByRole("button", { name: "cus_4242 production" }).click();
  let keyDetails = page.getByRole("dialog", { name: "Key cus_4242 production" });
  await expect(keyDetails.getByTestId("key-owner")).toContainText("cus_4242");
  await expect(keyDetails.getByTestId("rate-limits")).toContainText("burst: 2 per 1 day");
  await expect(keyDetails.getByTestId("credits-remaining")).toHaveText("100");
  await panelShot(page, "api-key-limits");
  await keyDetails.getByRole("button", { name: "Close" }).click();

  // The servers verify it until its own limit refuses; each accepted verification spent a credit.
  const codes: string[] = [];
  for (let i = 0; i < 5 && codes.at(-1) !== "RATE_LIMITED"; i += 1) codes.push((await verifyAnswer(request, p, secret)).code);
  expect(codes).toEqual(["VALID", "VALID", "RATE_LIMITED"]);
  const keyId = (await row.getAttribute("data-key-id")) ?? "";
  expect((await keyOf(p, keyId)) as unknown as { credits: { remaining: number } }).toMatchObject({ credits: { remaining: 98 } });
  await openTab(page, p.name, "Identities");
  await openTab(page, p.name, "API keys");
  await expect(row.locator("td.keys-num")).toHaveText("98");
  await row.getByRole("button", { name: "cus_4242 production" }).click();
  keyDetails = page.getByRole("dialog", { name: "Key cus_4242 production" });
  await expect(keyDetails.getByTestId("credits-remaining")).toHaveText("98");
  await keyDetails.getByLabel("Amount", { exact: true }).fill("10");
  await keyDetails.getByRole("button", { name: "Add credits" }).click();
  await expect(keyDetails.getByTestId("credits-remaining")).toHaveText("108");
  await keyDetails.getByRole("button", { name: "Close" }).click();

  // Deleting the identity says its keys are revoked, and revokes them.
  await openTab(page, p.name, "Identities");
  await identityRow(page, "cus_4242").getByRole("button", { name: "cus_4242" }).click();
  details = page.getByRole("dialog", { name: "Identity cus_4242" });
  await expect(details.getByRole("table", { name: "Keys" })).toContainText("cus_4242 production");
  await details.getByRole("button", { name: "Delete identity" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete identity" });
  await expect(confirm).toContainText("Every key that belongs to it is revoked");
  await expectAccessible(page);
  await confirm.getByRole("button", { name: "Delete identity" }).click();
  await expect(details).toHaveCount(0);
  await expect(identityRow(page, "cus_4242")).toHaveCount(0);
  await openTab(page, p.name, "API keys");
  await expect(keyRow(page, "cus_4242 production").locator(".badge")).toHaveText("revoked");
  await expect.poll(() => verifyCode(request, p, secret), { timeout: 15_000, intervals: [500] }).toBe("REVOKED");
});

test("a developer has no identities panel, not even by its address", async ({ page, request }) => {
  const p = await seedKeysProject(request);
  const dev = person("dev");
  await addMember(p, dev, "developer");
  await seedIdentity(p, { external_id: "cus_hidden" });
  await signIn(page, dev);
  await page.getByRole("link", { name: p.name }).click();
  const tabs = page.getByRole("navigation", { name: p.name });
  await expect(tabs.getByRole("link", { name: "API keys" })).toBeVisible();
  await expect(tabs.getByRole("link", { name: "Identities" })).toHaveCount(0);
  // A link followed in the page (a reload would sign the person out: the token lives in memory).
  await page.evaluate((url) => {
    history.pushState(null, "", url);
    dispatchEvent(new PopStateEvent("popstate"));
  }, `/console/projects/${p.pid}/identities`);
  await expect(page.getByRole("alert")).toHaveText("Your role in this project does not allow this.");
  await expect(page.getByText("cus_hidden")).toHaveCount(0);
});
