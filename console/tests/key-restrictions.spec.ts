// Restraining a key from the API keys panel: disabling and enabling it, its IP allowlist
// (set at creation, edited in its details, a bad entry shown at its line), and a key found
// in public, marked Leaked and announced at the top of the panel. What the console shows is
// checked against the verification endpoint, as the project's servers would hear it.
import { expect, test } from "@playwright/test";
import { keyOf, keyRow, openKeys, rowNames, seedKey, seedKeysProject } from "./keys.support";
import { openDetails, putPolicy, reportLeak, verifyFrom } from "./restrictions.support";
import { expectAccessible, panelShot } from "./support";

test("an owner disables a key and enables it again; its status and verification follow", async ({ page, request }) => {
  const p = await seedKeysProject(request);
  const seeded = await seedKey(p, { name: "Nightly export" });
  await seedKey(p, { name: "Checkout service" });
  const secret = seeded.secret.key ?? "";
  await openKeys(page, p.owner, p.name);

  let details = await openDetails(page, "Nightly export");
  await details.getByRole("button", { name: "Disable key" }).click();
  await expect(details.getByTestId("key-status").locator(".badge")).toHaveText("disabled");
  await expect(details.getByRole("region", { name: "Disable or enable" })).toContainText("This key is disabled");
  expect((await keyOf(p, seeded.key.id)).status).toBe("disabled");
  // Caches may hold the verdict for KEYWARDEN_CACHE_TTL (5 s).
  await expect.poll(() => verifyFrom(request, p, secret), { timeout: 15_000, intervals: [500] }).toBe("DISABLED");
  await details.getByRole("button", { name: "Close" }).click();
  await expect(keyRow(page, "Nightly export").locator(".badge")).toHaveText("disabled");
  await expect(keyRow(page, "Nightly export").locator(".badge.disabled")).toBeVisible();
  await expect(keyRow(page, "Checkout service").locator(".badge")).toHaveText("active");
  await panelShot(page, "api-keys-disabled");
  await expectAccessible(page);

  // The status filter finds the disabled key.
  await page.getByRole("form", { name: "Filter keys" }).getByLabel("Status").selectOption({ label: "disabled" });
  await expect.poll(() => rowNames(page)).toEqual(["Nightly export"]);

  details = await openDetails(page, "Nightly export");
  await details.getByRole("button", { name: "Enable key" }).click();
  await expect(details.getByTestId("key-status").locator(".badge")).toHaveText("active");
  await expect(details.getByRole("button", { name: "Disable key" })).toBeVisible();
  expect((await keyOf(p, seeded.key.id)).status).toBe("active");
  await expect.poll(() => verifyFrom(request, p, secret), { timeout: 15_000, intervals: [500] }).toBe("VALID");
});

test("an IP allowlist set at creation is edited in the key's details; a bad entry is shown at its line", async ({ page, request }) => {
  const p = await seedKeysProject(request);
  await openKeys(page, p.owner, p.name);

  await page.getByRole("button", { name: "Create key" }).click();
  const create = page.getByRole("dialog", { name: "Create an API key" });
  await create.getByLabel("Name", { exact: true }).fill("Office gateway");
  // Blank lines and spaces around an entry do not count; the third entry has host bits set.
  await create.getByLabel("IP allowlist").fill("203.0.113.0/24\n\n  2001:db8::/32 \n198.51.100.7/24");
  await create.getByRole("button", { name: "Create key" }).click();
  await expect(create.getByRole("alert")).toHaveAttribute("data-code", "validation_failed");
  const createErrors = create.getByTestId("allowlist-errors");
  await expect(createErrors.locator("li")).toHaveText([
    "Line 4 (198.51.100.7/24): has host bits set; the network is 198.51.100.0/24",
  ]);
  await expect(create.getByLabel("IP allowlist")).toHaveAttribute("aria-invalid", "true");
  // Edited, the list no longer matches the lines the error named: the error goes.
  await create.getByLabel("IP allowlist").fill("203.0.113.0/24\n\n  2001:db8::/32 \n198.51.100.0/24");
  await expect(createErrors).toHaveCount(0);
  await create.getByRole("button", { name: "Create key" }).click();
  const shown = page.getByRole("dialog", { name: "Key created" });
  const secret = (await shown.getByTestId("secret-key").textContent()) ?? "";
  await shown.getByRole("button", { name: "Done" }).click();
  expect(await verifyFrom(request, p, secret, "203.0.113.9")).toBe("VALID");
  expect(await verifyFrom(request, p, secret, "192.0.2.1")).toBe("IP_NOT_ALLOWED");

  const details = await openDetails(page, "Office gateway");
  await expect(details.getByTestId("key-allowlist").locator("code")).toHaveText(["203.0.113.0/24", "2001:db8::/32", "198.51.100.0/24"]);
  const edit = details.getByRole("form", { name: "Edit" });
  const field = edit.getByLabel("IP allowlist");
  await expect(field).toHaveValue("203.0.113.0/24\n2001:db8::/32\n198.51.100.0/24");
  await field.fill("203.0.113.0/24\n10.1.2.3/8\nnot-an-address");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(edit.getByRole("alert")).toHaveAttribute("data-code", "validation_failed");
  // The service names the first entry at fault: it is shown at its line, not as a raw field path.
  await expect(edit.getByTestId("allowlist-errors").locator("li[data-line='2']")).toHaveText(
    "Line 2 (10.1.2.3/8): has host bits set; the network is 10.0.0.0/8",
  );
  await expect(edit.getByRole("alert")).not.toContainText("ip_allowlist[1]");
  await panelShot(page, "api-key-allowlist-error");
  await expectAccessible(page);
  const keyId = (await keyRow(page, "Office gateway").getAttribute("data-key-id")) ?? "";
  const kept = (await keyOf(p, keyId)) as { ip_allowlist?: string[] };
  expect(kept.ip_allowlist).toEqual(["203.0.113.0/24", "2001:db8::/32", "198.51.100.0/24"]);

  // Corrected: an address is kept as its /32 network; the details show the list as stored.
  await field.fill("10.0.0.0/8\n192.0.2.10");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(details.getByTestId("key-allowlist").locator("code")).toHaveText(["10.0.0.0/8", "192.0.2.10/32"]);
  await expect(details.getByRole("form", { name: "Edit" }).getByLabel("IP allowlist")).toHaveValue("10.0.0.0/8\n192.0.2.10/32");
  await expect.poll(() => verifyFrom(request, p, secret, "203.0.113.9"), { timeout: 15_000, intervals: [500] }).toBe("IP_NOT_ALLOWED");
  expect(await verifyFrom(request, p, secret, "10.20.30.40")).toBe("VALID");

  // Emptied: the key works from anywhere again.
  await details.getByRole("form", { name: "Edit" }).getByLabel("IP allowlist").fill("");
  await details.getByRole("form", { name: "Edit" }).getByRole("button", { name: "Save" }).click();
  await expect(details.getByTestId("key-allowlist")).toHaveText("anywhere");
});

test("a key reported in public is marked Leaked and announced with the project's leak action", async ({ page, request }) => {
  const p = await seedKeysProject(request);
  await putPolicy(p, { leak_action: "disable" });
  const leaked = await seedKey(p, { name: "Partner sync" });
  await seedKey(p, { name: "Checkout service" });
  await openKeys(page, p.owner, p.name);
  await expect(page.getByRole("region", { name: "Keys found in public" })).toHaveCount(0);

  // A scanner finds the key in a public gist and reports it (no sign-in): the project's leak
  // action (disable) is taken at once.
  await reportLeak(request, [leaked.secret.key ?? ""]);
  expect(await verifyFrom(request, p, leaked.secret.key ?? "")).toBe("DISABLED");
  await page.getByRole("link", { name: "Usage" }).click();
  await page.getByRole("link", { name: "API keys" }).click();

  const notice = page.getByRole("region", { name: "Keys found in public" });
  await expect(notice).toContainText("1 key in this list was found in public.");
  await expect(notice).toContainText("Each got the project's leak action when it was reported: disable (it answers DISABLED until enabled again).");
  await expect(notice).toContainText("Reroll each one to give its holder a new key, then revoke the leaked one.");
  const row = keyRow(page, "Partner sync");
  await expect(row.locator(".badge.leaked")).toContainText("Leaked");
  await expect(row.locator(".badge.disabled")).toHaveText("disabled");
  await expect(keyRow(page, "Checkout service").locator(".badge.leaked")).toHaveCount(0);
  await panelShot(page, "api-keys-leaked");
  await expectAccessible(page);

  // The notice names the key; its details say when it was found.
  await notice.getByRole("button", { name: "Partner sync" }).click();
  const details = page.getByRole("dialog", { name: "Key Partner sync" });
  const exposedAt = (await keyOf(p, leaked.key.id)) as { exposed_at?: string };
  expect(exposedAt.exposed_at).toBeTruthy();
  await expect(details.getByTestId("key-exposed").locator("time")).toHaveAttribute("datetime", exposedAt.exposed_at ?? "");
  await expect(details.getByTestId("key-status")).toContainText("Leaked");

  // Revoked, it no longer needs anyone's attention: the notice goes, the badge stays.
  await details.getByRole("button", { name: "Revoke" }).click();
  await page.getByRole("dialog", { name: "Revoke key" }).getByRole("button", { name: "Revoke" }).click();
  await details.getByRole("button", { name: "Close" }).click();
  await expect(row.locator(".badge").first()).toHaveText("revoked");
  await expect(notice).toHaveCount(0);
  await expect(row.locator(".badge.leaked")).toBeVisible();
});
