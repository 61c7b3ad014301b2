// The project's key policy: set in Settings by an owner, read by everyone else; a key that
// breaks it is refused where it is made (the create dialog, a request's approval) with each
// rule named; the report lists the keys made before, to disable or revoke from there.
import { expect, test } from "@playwright/test";
import { keyOf, keyRow, seedKey, seedKeysProject, verifyCode } from "./keys.support";
import { openTab } from "./settings.support";
import { apiAs, expectAccessible, panelShot, person, signIn } from "./support";
import { addMember, openTemplates, seedProjectWithRole, seedTemplate } from "./templates.support";

test("an owner sets the policy; the report lists older keys to disable or revoke; a new key that breaks it is refused by rule", async ({
  page,
  request,
}) => {
  const p = await seedKeysProject(request);
  const legacy = await seedKey(p, { name: "Legacy cron" });
  const batch = await seedKey(p, { name: "Old batch job", type: "hmac" });
  await p.api.call("POST", `/v1/projects/${p.pid}/keys`, {
    name: "Office gateway",
    type: "opaque",
    role_id: p.roleId,
    ttl_seconds: 30 * 86400,
    ip_allowlist: ["203.0.113.0/24"],
  });
  await signIn(page, p.owner);
  await openTab(page, p.name, "Settings");

  const section = page.getByRole("region", { name: "Key policy" });
  const form = section.getByRole("form", { name: "Key policy" });
  await form.getByLabel("Maximum lifetime in days").fill("90");
  await form.getByLabel("Keys must have an IP allowlist").check();
  await form.getByLabel("HMAC").uncheck();
  await form.getByLabel("Opaque").uncheck();
  await form.getByLabel("JWT").uncheck();
  // No type at all would refuse every key: the console says so before the service does.
  await expect(form.getByRole("alert")).toHaveText("Allow at least one type.");
  await expect(form.getByRole("button", { name: "Save policy" })).toBeDisabled();
  await form.getByLabel("Opaque").check();
  await form.getByLabel("JWT").check();
  await form.getByLabel("When a key is found in public").selectOption({ label: "Disable it" });
  await form.getByRole("button", { name: "Save policy" }).click();
  await expect(form.getByRole("status")).toHaveText("Saved.");
  expect(await p.api.call("GET", `/v1/projects/${p.pid}/key-policy`)).toEqual({
    max_lifetime_days: 90,
    require_expiry: false,
    allowed_types: ["opaque", "jwt"],
    forbid_wildcard_permissions: false,
    require_ip_allowlist: true,
    leak_action: "disable",
  });

  // The keys made before the policy: each with the rules it breaks, in words.
  const report = section.getByRole("region", { name: "Keys that break the policy" });
  const legacyRow = report.getByRole("row", { name: /Legacy cron/ });
  const batchRow = report.getByRole("row", { name: /Old batch job/ });
  await expect(legacyRow.locator(".badge.rule")).toHaveText(["Lifetime too long", "No IP allowlist"]);
  await expect(batchRow.locator(".badge.rule")).toHaveText(["Lifetime too long", "Type not allowed", "No IP allowlist"]);
  await expect(legacyRow).toContainText(p.owner);
  await expect(report.getByRole("row", { name: /Office gateway/ })).toHaveCount(0);
  await panelShot(page, "key-policy");
  await expectAccessible(page);

  await report.getByRole("button", { name: "Disable Legacy cron" }).click();
  await expect(legacyRow.locator(".badge.disabled")).toHaveText("disabled");
  await expect(report.getByRole("button", { name: "Disable Legacy cron" })).toHaveCount(0);
  expect((await keyOf(p, legacy.key.id)).status).toBe("disabled");
  await expect.poll(() => verifyCode(request, p, legacy.secret.key ?? ""), { timeout: 15_000, intervals: [500] }).toBe("DISABLED");

  await report.getByRole("button", { name: "Revoke Old batch job" }).click();
  const confirm = page.getByRole("dialog", { name: "Revoke key" });
  await expect(confirm).toContainText("Old batch job");
  await confirm.getByRole("button", { name: "Revoke" }).click();
  await expect(confirm).toHaveCount(0);
  await expect(batchRow).toHaveCount(0);
  await expect(report.getByRole("status")).toHaveText("“Old batch job” was revoked.");
  expect((await keyOf(p, batch.key.id)).status).toBe("revoked");

  await report.getByRole("button", { name: "Open Legacy cron" }).click();
  const details = page.getByRole("dialog", { name: "Key Legacy cron" });
  await expect(details.getByTestId("key-status")).toHaveText("disabled");
  await expect(details).toContainText(legacy.key.id);
  await details.getByRole("button", { name: "Close" }).click();

  // A new key that breaks the policy: refused where it is made, each rule named.
  await page.getByRole("navigation", { name: p.name }).getByRole("link", { name: "API keys" }).click();
  await page.getByRole("button", { name: "Create key" }).click();
  const create = page.getByRole("dialog", { name: "Create an API key" });
  await create.getByLabel("Name", { exact: true }).fill("New worker");
  await create.getByRole("button", { name: "Create key" }).click();
  const refusal = create.getByRole("alert");
  await expect(refusal).toHaveAttribute("data-code", "policy_violation");
  await expect(refusal).toContainText("The project's key policy refuses this key");
  await expect(refusal.locator("li[data-field='max_lifetime_days']")).toContainText("Lifetime too long");
  await expect(refusal.locator("li[data-field='max_lifetime_days']")).toContainText("keys must expire within 90 days");
  await expect(refusal.locator("li[data-field='require_ip_allowlist']")).toContainText("No IP allowlist");
  await refusal.scrollIntoViewIfNeeded();
  await panelShot(page, "api-keys-policy-refusal");
  await expectAccessible(page);

  await create.getByLabel("In 30 days").check();
  await create.getByLabel("IP allowlist").fill("203.0.113.0/24");
  await create.getByRole("button", { name: "Create key" }).click();
  await page.getByRole("dialog", { name: "Key created" }).getByRole("button", { name: "Done" }).click();
  await expect(keyRow(page, "New worker").locator(".badge")).toHaveText("active");
});

test("a viewer reads the policy; an approval it refuses names the rule, and goes through with an allowlist", async ({ page, request }) => {
  const admin = person("admin");
  const developer = person("dev");
  const viewer = person("viewer");
  const owner = await apiAs(request, admin);
  const seeded = await seedProjectWithRole(owner, `Payments ${admin.slice(-4)}`);
  await addMember(owner, seeded.pid, developer, "developer");
  await addMember(owner, seeded.pid, viewer, "viewer");
  const template = await seedTemplate(owner, seeded, { name: "Payments sandbox", ttl_seconds: 30 * 86400 });
  await owner.call("PUT", `/v1/projects/${seeded.pid}/key-policy`, { require_ip_allowlist: true, leak_action: "notify" });
  const dev = await apiAs(request, developer);
  const asked = await dev.call("POST", `/v1/projects/${seeded.pid}/key-requests`, { template_id: template.id, justification: "Load tests" });

  // A viewer reads the policy: no form, no report.
  await signIn(page, viewer);
  await openTab(page, seeded.projectName, "Settings");
  const facts = page.getByRole("region", { name: "Key policy" }).getByTestId("key-policy-facts");
  await expect(facts).toContainText("Keys must have an IP allowlistYes");
  await expect(facts).toContainText("When a key is found in publicOnly notify (audit and webhook)");
  await expect(facts).toContainText("Maximum lifetime in daysNo limit");
  await expect(page.getByRole("region", { name: "Keys that break the policy" })).toHaveCount(0);
  await expect(page.getByRole("form", { name: "Key policy" })).toHaveCount(0);

  // The admin approves: without an allowlist the policy refuses; a bad entry is shown at its line.
  await openTemplates(page, admin, seeded.projectName);
  const queue = page.getByRole("region", { name: "Requests awaiting approval" });
  await queue.getByRole("row", { name: new RegExp(developer) }).getByRole("button", { name: "Approve" }).click();
  const approve = page.getByRole("dialog", { name: `Approve the request of ${developer}` });
  await approve.getByRole("button", { name: "Approve" }).click();
  await expect(approve.getByRole("alert")).toHaveAttribute("data-code", "policy_violation");
  await expect(approve.getByRole("alert").locator("li[data-field='require_ip_allowlist']")).toHaveText(
    "No IP allowlist (require_ip_allowlist): keys must have an IP allowlist",
  );
  await panelShot(page, "approve-policy-refusal");
  await expectAccessible(page);
  await approve.getByLabel("IP allowlist").fill("198.51.100.0/24\n10.0.0.1/8");
  await approve.getByRole("button", { name: "Approve" }).click();
  await expect(approve.getByRole("alert")).toHaveAttribute("data-code", "validation_failed");
  await expect(approve.getByTestId("allowlist-errors")).toHaveText("Line 2 (10.0.0.1/8): has host bits set; the network is 10.0.0.0/8");
  expect((await owner.call("GET", `/v1/projects/${seeded.pid}/key-requests/${asked.id}`)).status).toBe("pending");
  await approve.getByLabel("IP allowlist").fill("198.51.100.0/24\n10.0.0.0/8");
  await approve.getByRole("button", { name: "Approve" }).click();
  await expect(approve).toBeHidden();
  const decided = await owner.call("GET", `/v1/projects/${seeded.pid}/key-requests/${asked.id}`);
  expect(decided.status).toBe("approved");
  expect((await owner.call("GET", `/v1/projects/${seeded.pid}/keys/${decided.key_id}`)).ip_allowlist).toEqual(["198.51.100.0/24", "10.0.0.0/8"]);
});
