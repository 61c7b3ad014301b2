// The API keys panel as owners, admins and developers use it; every secret the console
// shows is checked against the verification endpoint, as the project's servers would.
import { type Page, expect, test } from "@playwright/test";
import {
  addMember,
  keyOf,
  keyRow,
  keysTable,
  openKeys,
  rowNames,
  seedKey,
  seedKeysProject,
  verifyCode,
} from "./keys.support";
import { addRateLimit, fillCredits } from "./identities.support";
import { expectAccessible, panelShot, person } from "./support";

/** Fills the create dialog (left open) and submits it. */
async function createKey(page: Page, fields: { type: "Opaque" | "JWT" | "HMAC"; name: string; owner?: string; expiry?: string; date?: string }) {
  await page.getByRole("button", { name: "Create key" }).click();
  const dialog = page.getByRole("dialog", { name: "Create an API key" });
  await dialog.getByLabel("Type").selectOption({ label: fields.type });
  await dialog.getByLabel("Name").fill(fields.name);
  if (fields.owner !== undefined) await dialog.getByLabel("Owner", { exact: true }).fill(fields.owner);
  if (fields.expiry) await dialog.getByLabel(fields.expiry).check();
  if (fields.date) await dialog.getByLabel("Expires at").fill(fields.date);
  await dialog.getByRole("button", { name: "Create key" }).click();
  return dialog;
}

/** The shown-once dialog's values, then closes it; afterwards no element on the page holds them. */
async function takeSecretsAndClose(page: Page, testIds: string[]): Promise<string[]> {
  const dialog = page.getByRole("dialog", { name: "Key created" });
  await expect(dialog.getByRole("note")).toContainText("shown once");
  const values: string[] = [];
  for (const id of testIds) values.push((await dialog.getByTestId(id).textContent()) ?? "");
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toHaveCount(0);
  const html = await page.content();
  for (const value of values) {
    expect(value.length).toBeGreaterThan(20);
    expect(html).not.toContain(value);
  }
  return values;
}

test("an admin creates a key of each type, sees each secret once, and a revoked key stops verifying", async ({ page, request }) => {
  const p = await seedKeysProject(request, "Shop backend");
  await openKeys(page, p.owner, p.name);
  await expect(page.getByText("No keys match.")).toBeVisible();

  await page.getByRole("button", { name: "Create key" }).click();
  await expect(page.getByRole("dialog", { name: "Create an API key" })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole("button", { name: "Cancel" }).click();

  await createKey(page, { type: "Opaque", name: "Checkout service", expiry: "In 90 days" });
  await expect(page.getByRole("dialog", { name: "Key created" }).getByTestId("secret-key")).toHaveText(/^kw_[0-9A-Za-z]+$/);
  await panelShot(page, "api-keys-secret");
  const [opaque = ""] = await takeSecretsAndClose(page, ["secret-key"]);
  expect(await verifyCode(request, p, opaque)).toBe("VALID");

  await createKey(page, { type: "JWT", name: "Mobile app (iOS)" });
  const [jwt = ""] = await takeSecretsAndClose(page, ["secret-key"]);
  expect(jwt.split(".")).toHaveLength(3);
  expect(await verifyCode(request, p, jwt)).toBe("VALID");

  await createKey(page, { type: "HMAC", name: "Partner webhook signer" });
  const [token = "", secret = ""] = await takeSecretsAndClose(page, ["secret-token", "secret-secret"]);
  expect(token).toMatch(/^kwh_/);
  expect(Buffer.from(secret, "base64")).toHaveLength(32);

  for (const [name, type] of [["Checkout service", "Opaque"], ["Mobile app (iOS)", "JWT"], ["Partner webhook signer", "HMAC"]]) {
    await expect(keyRow(page, name!)).toContainText(type!);
    await expect(keyRow(page, name!)).toContainText("active");
  }
  await expect(keyRow(page, "Checkout service")).toContainText(p.owner);
  await expect(keyRow(page, "Checkout service")).toContainText("Payments service");

  // Revoke the opaque key from its details.
  await keyRow(page, "Checkout service").getByRole("button", { name: "Checkout service" }).click();
  const details = page.getByRole("dialog", { name: "Key Checkout service" });
  await details.getByRole("button", { name: "Revoke" }).click();
  const confirm = page.getByRole("dialog", { name: "Revoke key" });
  await expect(confirm).toContainText("Checkout service");
  await confirm.getByRole("button", { name: "Revoke" }).click();
  await expect(confirm).toHaveCount(0);
  await expect(details.locator(".badge")).toHaveText("revoked");
  await expect(details.getByRole("button", { name: "Reroll" })).toHaveCount(0);
  await details.getByRole("button", { name: "Close" }).click();
  await expect(keyRow(page, "Checkout service")).toContainText("revoked");
  // Caches may hold the verdict for KEYWARDEN_CACHE_TTL (5 s).
  await expect.poll(() => verifyCode(request, p, opaque), { timeout: 15_000, intervals: [500] }).toBe("REVOKED");
  expect(await verifyCode(request, p, jwt)).toBe("VALID");
});

test("creating a key shows owner_not_permitted and validation problems", async ({ page, request }) => {
  const p = await seedKeysProject(request);
  const viewer = person("viewer");
  await addMember(p, viewer, "viewer");
  await openKeys(page, p.owner, p.name);

  const dialog = await createKey(page, { type: "Opaque", name: "For a viewer", owner: viewer });
  await expect(dialog.getByRole("alert")).toHaveAttribute("data-code", "owner_not_permitted");

  await dialog.getByLabel("Owner", { exact: true }).fill(p.owner);
  await dialog.getByLabel("On a date").check();
  await dialog.getByLabel("Expires at").fill("2020-01-01T10:00");
  await dialog.getByRole("button", { name: "Create key" }).click();
  await expect(dialog.getByRole("alert")).toHaveAttribute("data-code", "validation_failed");
  await expect(dialog.getByRole("alert")).toContainText("expires_at");

  const next = new Date(Date.UTC(new Date().getUTCFullYear() + 1, 2, 1, 12, 0));
  await dialog.getByLabel("Expires at").fill(`${next.getUTCFullYear()}-03-01T12:00`);
  await dialog.getByRole("button", { name: "Create key" }).click();
  await takeSecretsAndClose(page, ["secret-key"]);
  await expect(keyRow(page, "For a viewer").locator(`time[datetime="${next.getUTCFullYear()}-03-01T12:00:00Z"]`)).toBeVisible();
});

test("filters narrow the table by type, status, owner and idleness", async ({ page, request }) => {
  const p = await seedKeysProject(request, "Shop backend");
  const dev = person("dev");
  await addMember(p, dev, "developer");
  const checkout = await seedKey(p, { name: "Checkout service" });
  await seedKey(p, { name: "Mobile app (iOS)", type: "jwt", ttl_seconds: 90 * 86400 });
  await seedKey(p, { name: "Partner webhook signer", type: "hmac" });
  const legacy = await seedKey(p, { name: "Legacy cron job" });
  await p.api.call("DELETE", `/v1/projects/${p.pid}/keys/${legacy.key.id}`);
  await seedKey(p, { name: "Analytics exporter", type: "jwt", owner_id: dev });
  await seedKey(p, { name: "Warehouse sync", type: "hmac", ttl_seconds: 30 * 86400 });
  // The checkout service has called: the usage rollup records its last use.
  expect(await verifyCode(request, p, checkout.secret.key ?? "")).toBe("VALID");
  expect((await request.post("/v1/dev/jobs/usage-rollup")).status()).toBe(200);

  await openKeys(page, p.owner, p.name);
  const all = ["Checkout service", "Mobile app (iOS)", "Partner webhook signer", "Legacy cron job", "Analytics exporter", "Warehouse sync"];
  await expect.poll(() => rowNames(page).then((names) => names.sort())).toEqual([...all].sort());
  await expect(keyRow(page, "Checkout service").locator("time")).toHaveCount(2); // created, last used
  await expect(keyRow(page, "Legacy cron job")).toContainText("revoked");
  await panelShot(page, "api-keys");
  await expectAccessible(page);

  const filters = page.getByRole("form", { name: "Filter keys" });
  await filters.getByLabel("Type").selectOption({ label: "HMAC" });
  await expect.poll(() => rowNames(page).then((n) => n.sort())).toEqual(["Partner webhook signer", "Warehouse sync"]);
  await filters.getByLabel("Type").selectOption({ label: "Any" });
  await filters.getByLabel("Status").selectOption({ label: "revoked" });
  await expect.poll(() => rowNames(page)).toEqual(["Legacy cron job"]);
  await filters.getByRole("button", { name: "Clear filters" }).click();
  await filters.getByLabel("Owner id").fill(dev);
  await filters.getByLabel("Owner id").press("Enter");
  await expect.poll(() => rowNames(page)).toEqual(["Analytics exporter"]);
  await filters.getByRole("button", { name: "Clear filters" }).click();
  await filters.getByLabel("Unused for days").fill("1");
  await filters.getByRole("button", { name: "Apply" }).click();
  await expect.poll(() => rowNames(page).then((n) => n.sort())).toEqual(all.filter((n) => n !== "Checkout service").sort());
  await filters.getByRole("button", { name: "Clear filters" }).click();
  await expect.poll(() => rowNames(page).then((n) => n.length)).toBe(all.length);
});

test("an admin edits a key's name and expiry, and a reroll shows a new key that verifies", async ({ page, request }) => {
  const p = await seedKeysProject(request);
  const admin = person("admin");
  await addMember(p, admin, "admin");
  const seeded = await seedKey(p, { name: "Billing worker" });
  await openKeys(page, admin, p.name);

  await keyRow(page, "Billing worker").getByRole("button", { name: "Billing worker" }).click();
  let details = page.getByRole("dialog", { name: "Key Billing worker", exact: true });
  await expect(details).toContainText(seeded.key.id);
  const year = new Date().getUTCFullYear() + 1;
  await details.getByLabel("Name").fill("Billing worker (EU)");
  await details.getByLabel("Expires at").fill(`${year}-06-30T18:30`);
  await details.getByRole("button", { name: "Save" }).click();
  await expect(details).toHaveCount(0); // its title changed with the name
  details = page.getByRole("dialog", { name: "Key Billing worker (EU)" });
  await expect(details.getByRole("status")).toHaveText("Saved.");
  const edited = await keyOf(p, seeded.key.id);
  expect(edited.name).toBe("Billing worker (EU)");
  expect(edited.expires_at).toBe(`${year}-06-30T18:30:00Z`);

  // Reroll with an hour of grace: the new key verifies, the old one now expires within the hour.
  await details.getByLabel("Grace period for the old key").selectOption({ label: "1 hour" });
  const before = Date.now();
  await details.getByRole("button", { name: "Reroll" }).click();
  const rerolled = details.getByRole("region", { name: "Key rerolled" });
  await expect(rerolled.getByRole("note")).toContainText("shown once");
  const fresh = (await rerolled.getByTestId("secret-key").textContent()) ?? "";
  expect(fresh).not.toBe(seeded.secret.key);
  expect(await verifyCode(request, p, fresh)).toBe("VALID");
  expect(await verifyCode(request, p, seeded.secret.key ?? "")).toBe("VALID"); // still within its grace
  const old = await keyOf(p, seeded.key.id);
  const oldExpiry = Date.parse(old.expires_at ?? "");
  expect(oldExpiry).toBeGreaterThanOrEqual(before + 3600_000 - 5_000);
  expect(oldExpiry).toBeLessThanOrEqual(Date.now() + 3600_000 + 5_000);
  await expect(details.getByTestId("key-expires").locator("time")).toHaveAttribute("datetime", old.expires_at ?? "");
  await details.getByRole("button", { name: "Close" }).click();
  await expect(page.getByText(fresh)).toHaveCount(0);
  await expect(keysTable(page).getByRole("button", { name: "Billing worker (EU)" })).toHaveCount(2);
  const oldRow = keysTable(page).locator(`tr[data-key-id="${seeded.key.id}"]`);
  await expect(oldRow.locator(`time[datetime="${old.expires_at}"]`)).toBeVisible();
});

test("bulk delete revokes exactly the checked keys after a confirmation", async ({ page, request }) => {
  const p = await seedKeysProject(request);
  const names = ["Import job 1", "Import job 2", "Import job 3", "Import job 4", "Import job 5"];
  const seeded = new Map<string, string>();
  for (const name of names) seeded.set(name, (await seedKey(p, { name })).key.id);
  await openKeys(page, p.owner, p.name);
  await expect.poll(() => rowNames(page).then((n) => n.length)).toBe(5);

  const chosen = ["Import job 1", "Import job 3", "Import job 4"];
  for (const name of chosen) await page.getByRole("checkbox", { name: `Select ${name}` }).check();
  await expect(page.getByText("3 selected")).toBeVisible();
  await page.getByRole("button", { name: "Delete selected" }).click();
  let dialog = page.getByRole("dialog", { name: "Delete keys" });
  await expect(dialog).toContainText("3 keys will be deleted");
  await expectAccessible(page);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toHaveCount(0);
  for (const id of seeded.values()) expect((await keyOf(p, id)).status).toBe("active");

  await page.getByRole("button", { name: "Delete selected" }).click();
  dialog = page.getByRole("dialog", { name: "Delete keys" });
  await dialog.getByRole("button", { name: "Delete 3 keys" }).click();
  await expect(page.getByText("Deleted 3; not found 0.")).toBeVisible();
  await expect(page.getByText("0 selected")).toBeVisible();
  for (const name of names) {
    const status = chosen.includes(name) ? "revoked" : "active";
    await expect(keyRow(page, name).locator(".badge")).toHaveText(status);
    expect((await keyOf(p, seeded.get(name) ?? "")).status).toBe(status);
  }

  // "Select all" checks every row of the page.
  await page.getByRole("checkbox", { name: "Select all keys on this page" }).check();
  await expect(page.getByText("5 selected")).toBeVisible();
});

test("a developer sees only their own keys, read-only, with no bulk delete", async ({ page, request }) => {
  const p = await seedKeysProject(request);
  const dev = person("dev");
  await addMember(p, dev, "developer");
  await seedKey(p, { name: "Checkout service" });
  const mine = await seedKey(p, { name: "Dev laptop", owner_id: dev, type: "jwt" });
  await openKeys(page, dev, p.name);

  await expect(page.getByText("The keys you hold in this project.")).toBeVisible();
  await expect.poll(() => rowNames(page)).toEqual(["Dev laptop"]);
  await expect(page.getByRole("button", { name: "Create key" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Delete selected" })).toHaveCount(0);
  await expect(page.getByRole("checkbox")).toHaveCount(0);
  await expect(page.getByLabel("Owner id")).toHaveCount(0);
  await expectAccessible(page);

  await keyRow(page, "Dev laptop").getByRole("button", { name: "Dev laptop" }).click();
  const details = page.getByRole("dialog", { name: "Key Dev laptop" });
  await expect(details).toContainText(mine.key.id);
  await expect(details.getByRole("button", { name: "Revoke" })).toHaveCount(0);
  await expect(details.getByRole("button", { name: "Reroll" })).toHaveCount(0);
  await expect(details.getByRole("button", { name: "Save" })).toHaveCount(0);
});

test("a key's limits from the create dialog reach the API in its units, and the table shows the credits left", async ({ page, request }) => {
  const p = await seedKeysProject(request);
  await seedKey(p, { name: "Unlimited worker" });
  await openKeys(page, p.owner, p.name);
  await page.getByRole("button", { name: "Create key" }).click();
  const dialog = page.getByRole("dialog", { name: "Create an API key" });
  await dialog.getByLabel("Name", { exact: true }).fill("Metered worker");
  await dialog.getByText("Limits", { exact: true }).click();
  await addRateLimit(dialog, 1, { name: "scratch", requests: 1, per: 1, unit: "seconds" });
  await addRateLimit(dialog, 2, { name: "requests", requests: 30, per: 5, unit: "minutes" });
  await dialog.getByRole("button", { name: "Remove rate limit 1" }).click();
  await fillCredits(dialog, { balance: 200, refill: "Every day", refillTo: 150, notifyBelow: 20 });
  await dialog.getByRole("button", { name: "Create key" }).click();
  await page.getByRole("dialog", { name: "Key created" }).getByRole("button", { name: "Done" }).click();

  const row = keyRow(page, "Metered worker");
  await expect(row.locator("td.keys-num")).toHaveText("200");
  await expect(keyRow(page, "Unlimited worker").locator("td.keys-num")).toContainText("∞");
  const created = await p.api.call("GET", `/v1/projects/${p.pid}/keys/${await row.getAttribute("data-key-id")}`);
  expect(created.owner_id).toBe(p.owner);
  expect(created.ratelimits).toEqual([{ name: "requests", limit: 30, duration_seconds: 300, auto_apply: true }]);
  expect(created.credits).toEqual({ remaining: 200, refill: { amount: 150, interval: "day", day_of_month: null }, notify_below: 20 });

  await row.getByRole("button", { name: "Metered worker" }).click();
  const details = page.getByRole("dialog", { name: "Key Metered worker" });
  await expect(details.getByTestId("rate-limits")).toHaveText("requests: 30 per 5 minutes");
  await expect(details.getByTestId("key-credits")).toContainText("200 remaining · back to 150 every day · webhook below 20");
  await details.getByLabel("Amount", { exact: true }).fill("7");
  await details.getByRole("button", { name: "Set balance" }).click();
  await expect(details.getByTestId("credits-remaining")).toHaveText("7");
  await expectAccessible(page);
});
