import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { apiAs, expectAccessible, panelShot, person, serviceKey } from "./support";
import {
  addMember,
  keyTile,
  openTemplates,
  parseDotenv,
  personPage,
  seedProjectWithRole,
  seedTemplate,
  tile,
} from "./templates.support";

test("two people at once: an admin makes a template, a developer requests, the admin approves, the developer claims once", async ({
  browser,
  request,
}) => {
  const admin = person("admin");
  const developer = person("dev");
  const owner = await apiAs(request, admin);
  const seeded = await seedProjectWithRole(owner, "Checkout platform");
  const node = await owner.call("POST", `/v1/projects/${seeded.pid}/nodes`, { name: "payments-gw-eu", kind: "input" });
  await addMember(owner, seeded.pid, developer, "developer");

  // A: the admin creates the template in the editor, placeholders inserted with the buttons.
  const a = await personPage(browser, admin, seeded.projectName);
  await a.getByRole("button", { name: "New template" }).click();
  const editor = a.getByRole("dialog", { name: "New key template" });
  await editor.getByLabel("Name", { exact: true }).fill("Payments sandbox");
  await editor.getByLabel("Description").first().fill("Keys for the payments sandbox API");
  await editor.getByLabel("Role").selectOption({ label: "Payments service" });
  await editor.getByLabel("Key lifetime (empty: never expires)").fill("30");
  await editor.getByRole("button", { name: "Add field" }).click();
  const first = editor.getByRole("group", { name: "Field 1" });
  await first.getByLabel("Name").fill("project_id"); // typed in lower case, kept in capitals
  await expect(first.getByLabel("Name")).toHaveValue("PROJECT_ID");
  await first.getByRole("button", { name: "Insert project id" }).click();
  await expect(first.getByLabel("Value")).toHaveValue("{{project.id}}");
  await editor.getByRole("button", { name: "Add field" }).click();
  const second = editor.getByRole("group", { name: "Field 2" });
  await second.getByLabel("Name").fill("GATEWAY_URL");
  await second.getByLabel("Description").fill("Where the gateway node listens");
  const value = second.getByLabel("Value");
  await value.fill("https://gw.example.com/nodes/?region=eu");
  // The cursor after "/nodes/": the node id goes there, not at the end.
  await value.evaluate((input: HTMLInputElement) => input.setSelectionRange(29, 29));
  await second.getByLabel("Node").selectOption({ label: "payments-gw-eu (input)" });
  await second.getByRole("button", { name: "Insert node id" }).click();
  await expect(value).toHaveValue(`https://gw.example.com/nodes/{{node:${node.id}}}?region=eu`);
  await expectAccessible(a);
  await editor.getByRole("button", { name: "Create template" }).click();
  await expect(editor).toBeHidden();
  const adminTile = tile(a, "Payments sandbox");
  await expect(adminTile).toContainText("Payments service");
  await expect(adminTile).toContainText("30 days");
  await expect(adminTile).toContainText("By an admin");
  await expect(adminTile.getByText("GATEWAY_URL")).toBeVisible();

  // B: the developer requests a key from the tile.
  const b = await personPage(browser, developer, seeded.projectName);
  await expect(b.getByRole("button", { name: "New template" })).toHaveCount(0);
  await keyTile(b, "Payments sandbox").getByRole("button", { name: "Request a key" }).click();
  await b.getByLabel("Why do you need it? (optional)").fill("Integration tests of the checkout flow");
  await b.getByRole("button", { name: "Send request" }).click();
  await expect(keyTile(b, "Payments sandbox")).toContainText("Waiting for approval");

  // A: the request shows in the queue after a refresh; the admin approves it with a note.
  const queue = a.getByRole("region", { name: "Requests awaiting approval" });
  await queue.getByRole("button", { name: "Refresh" }).click();
  const row = queue.getByRole("row", { name: new RegExp(developer) });
  await expect(row).toContainText("Payments sandbox");
  await expect(row).toContainText("Integration tests of the checkout flow");
  await expectAccessible(a);
  await row.getByRole("button", { name: "Approve" }).click();
  const approve = a.getByRole("dialog", { name: `Approve the request of ${developer}` });
  await approve.getByLabel("Note to the requester (optional)").fill("Sandbox only, please");
  await approve.getByRole("button", { name: "Approve" }).click();
  await expect(approve).toBeHidden();
  await expect(queue.getByText("No requests are waiting.")).toBeVisible();
  await expect(queue.getByRole("table").getByRole("row", { name: new RegExp(developer) })).toContainText("approved");

  // B: the tile turns to "approved" by itself (it looks again while a request waits).
  const mine = keyTile(b, "Payments sandbox");
  await expect(mine).toContainText("Approved: your key is ready");
  await expect(mine).toContainText("Sandbox only, please");
  await mine.getByRole("button", { name: "Claim the key" }).click();
  const claim = b.getByRole("dialog", { name: "Your key: Payments sandbox" });
  const key = (await claim.getByTestId("claimed-key").textContent()) ?? "";
  expect(key).toMatch(/^kw_[0-9A-Za-z]+$/);
  await expect(claim.getByTestId("info-PROJECT_ID")).toHaveText(seeded.pid);
  // The service resolves a node placeholder to the node's name.
  await expect(claim.getByTestId("info-GATEWAY_URL")).toHaveText("https://gw.example.com/nodes/payments-gw-eu?region=eu");
  await expectAccessible(b);
  await panelShot(b, "claimed-key");
  const [download] = await Promise.all([b.waitForEvent("download"), claim.getByRole("button", { name: "Download .env" }).click()]);
  expect(download.suggestedFilename()).toBe("payments-sandbox.env");
  const dotenv = parseDotenv(await readFile(await download.path(), "utf8"));
  expect(dotenv).toEqual({ PROJECT_ID: seeded.pid, GATEWAY_URL: "https://gw.example.com/nodes/payments-gw-eu?region=eu" });

  // The project's servers accept the key, as the developer's.
  const verified = await request.post("/v1/keys/verify", {
    headers: { Authorization: `Bearer ${await serviceKey(owner, seeded.pid)}` },
    data: { key },
  });
  expect(await verified.json()).toMatchObject({ valid: true, code: "VALID", owner_id: developer, project_id: seeded.pid });

  // Closed, the secrets are gone; the tile says claimed and offers no second claim.
  await claim.getByRole("button", { name: "I have saved it, close" }).click();
  await expect(claim).toBeHidden();
  await expect(b.getByText(key)).toHaveCount(0);
  await expect(mine).toContainText("Claimed");
  await expect(mine.getByRole("button", { name: "Claim the key" })).toHaveCount(0);
  const dev = await apiAs(request, developer);
  const requests = await dev.call("GET", `/v1/projects/${seeded.pid}/key-requests`);
  const again = await request.post(`/v1/projects/${seeded.pid}/key-requests/${requests.items[0].id}/claim`, {
    headers: { Authorization: `Bearer ${dev.token}` },
  });
  expect(again.status()).toBe(409);
  await a.context().close();
  await b.context().close();
});

test("a denied request shows its reason on the requester's tile, who may ask again", async ({ browser, request }) => {
  const admin = person("admin");
  const developer = person("dev");
  const owner = await apiAs(request, admin);
  const seeded = await seedProjectWithRole(owner, "Loyalty program");
  await addMember(owner, seeded.pid, developer, "developer");
  const template = await seedTemplate(owner, seeded, { name: "Production payouts", type: "jwt" });
  const dev = await apiAs(request, developer);
  await dev.call("POST", `/v1/projects/${seeded.pid}/key-requests`, { template_id: template.id, justification: "Hotfix" });

  const b = await personPage(browser, developer, seeded.projectName);
  await expect(keyTile(b, "Production payouts")).toContainText("Waiting for approval");
  const a = await personPage(browser, admin, seeded.projectName);
  const queue = a.getByRole("region", { name: "Requests awaiting approval" });
  await queue.getByRole("row", { name: new RegExp(developer) }).getByRole("button", { name: "Deny" }).click();
  const deny = a.getByRole("dialog", { name: `Deny the request of ${developer}` });
  await deny.getByLabel("Reason (shown to the requester)").fill("Production keys go through the release checklist");
  await deny.getByRole("button", { name: "Deny" }).click();
  await expect(deny).toBeHidden();

  const mine = keyTile(b, "Production payouts");
  await b.getByRole("button", { name: "Refresh", exact: true }).first().click();
  await expect(mine).toContainText("Denied");
  await expect(mine).toContainText("Reason: Production keys go through the release checklist");
  await mine.getByRole("button", { name: "Request again" }).click();
  await b.getByRole("button", { name: "Send request" }).click();
  await expect(mine).toContainText("Waiting for approval");
  await a.context().close();
  await b.context().close();
});

test("a developer cancels a pending request, gets an auto-approved key at once, and cannot edit templates", async ({
  page,
  request,
}) => {
  const admin = person("admin");
  const developer = person("dev");
  const owner = await apiAs(request, admin);
  const seeded = await seedProjectWithRole(owner, "Analytics");
  await addMember(owner, seeded.pid, developer, "developer");
  await seedTemplate(owner, seeded, { name: "Warehouse export", type: "hmac" });
  await seedTemplate(owner, seeded, {
    name: "Dashboards read-only",
    auto_approve: true,
    ttl_seconds: 7_200,
    info_fields: [{ name: "DASHBOARDS_PROJECT", value: "{{project.id}}" }],
  });
  await openTemplates(page, developer, seeded.projectName);
  await expect(page.getByRole("button", { name: "New template" })).toHaveCount(0);
  await expect(tile(page, "Warehouse export").getByRole("button", { name: "Edit" })).toHaveCount(0);
  await expect(tile(page, "Warehouse export").getByRole("button", { name: "Delete" })).toHaveCount(0);

  const warehouse = keyTile(page, "Warehouse export");
  await warehouse.getByRole("button", { name: "Request a key" }).click();
  await page.getByRole("button", { name: "Send request" }).click();
  await expect(warehouse).toContainText("Waiting for approval");
  await warehouse.getByRole("button", { name: "Cancel request" }).click();
  await expect(warehouse).toContainText("Request cancelled");
  const dev = await apiAs(request, developer);
  const listed = await dev.call("GET", `/v1/projects/${seeded.pid}/key-requests`);
  expect(listed.items.map((r: { status: string }) => r.status)).toEqual(["cancelled"]);

  const dashboards = keyTile(page, "Dashboards read-only");
  await expect(tile(page, "Dashboards read-only")).toContainText("2 hours");
  await dashboards.getByRole("button", { name: "Request a key" }).click();
  await page.getByRole("button", { name: "Send request" }).click();
  await dashboards.getByRole("button", { name: "Claim the key" }).click();
  const claim = page.getByRole("dialog", { name: "Your key: Dashboards read-only" });
  await expect(claim.getByTestId("claimed-key")).toHaveText(/^kw_/);
  await expect(claim.getByTestId("info-DASHBOARDS_PROJECT")).toHaveText(seeded.pid);
  await claim.getByRole("button", { name: "I have saved it, close" }).click();
  await expect(dashboards).toContainText("Claimed");
});

test("a viewer sees the templates but cannot request a key", async ({ page, request }) => {
  const admin = person("admin");
  const viewer = person("viewer");
  const owner = await apiAs(request, admin);
  const seeded = await seedProjectWithRole(owner, "Partner portal");
  await addMember(owner, seeded.pid, viewer, "viewer");
  await seedTemplate(owner, seeded, { name: "Partner API", description: "Keys for partner integrations" });
  await openTemplates(page, viewer, seeded.projectName);
  const partner = tile(page, "Partner API");
  await expect(partner).toContainText("Keys for partner integrations");
  await expect(partner).toContainText("Your role cannot request keys.");
  await expect(partner.getByRole("button")).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Requests awaiting approval" })).toHaveCount(0);
});

test("tiles in every state; an admin cannot approve their own request, edits and deletes templates", async ({
  browser,
  page,
  request,
}) => {
  const admin = person("admin");
  const owner = await apiAs(request, admin);
  const seeded = await seedProjectWithRole(owner, "Shop backend");
  const people = { anna: person("anna.petrova"), ivan: person("ivan.sokolov") };
  for (const sub of Object.values(people)) await addMember(owner, seeded.pid, sub, "developer");
  const payments = await seedTemplate(owner, seeded, {
    name: "Payments sandbox",
    description: "Sandbox keys for the payments API",
    ttl_seconds: 30 * 86_400,
    info_fields: [
      { name: "PROJECT_ID", value: "{{project.id}}" },
      { name: "PAYMENTS_URL", value: "https://sandbox.pay.example.com" },
    ],
  });
  const orders = await seedTemplate(owner, seeded, { name: "Orders webhook signer", type: "hmac", ttl_seconds: 90 * 86_400 });
  const catalog = await seedTemplate(owner, seeded, {
    name: "Catalog read-only",
    type: "jwt",
    auto_approve: true,
    ttl_seconds: 12 * 3_600,
  });
  await seedTemplate(owner, seeded, { name: "Legacy export", description: "Old CSV export, to be removed" });
  const as = { anna: await apiAs(request, people.anna), ivan: await apiAs(request, people.ivan) };
  const ask = (who: keyof typeof as, templateId: string, justification: string) =>
    as[who].call("POST", `/v1/projects/${seeded.pid}/key-requests`, { template_id: templateId, justification });
  await ask("anna", payments.id, "Checkout integration tests");
  await ask("ivan", orders.id, "Signing order webhooks for the ERP");
  const denied = await ask("ivan", payments.id, "Load testing");
  await owner.call("POST", `/v1/projects/${seeded.pid}/key-requests/${denied.id}/deny`, { reason: "Use the load-test project" });
  await ask("ivan", catalog.id, "Search indexer");
  const own = await owner.call("POST", `/v1/projects/${seeded.pid}/key-requests`, {
    template_id: payments.id,
    justification: "Smoke tests",
  });

  // Ivan's tiles, one in each state.
  const ivan = await personPage(browser, people.ivan, seeded.projectName);
  await expect(keyTile(ivan, "Payments sandbox")).toContainText("Reason: Use the load-test project");
  await expect(keyTile(ivan, "Orders webhook signer")).toContainText("Waiting for approval");
  await expect(keyTile(ivan, "Catalog read-only").getByRole("button", { name: "Claim the key" })).toBeVisible();
  await expect(keyTile(ivan, "Legacy export").getByRole("button", { name: "Request a key" })).toBeVisible();
  await expectAccessible(ivan);
  await panelShot(ivan, "templates");
  await ivan.context().close();

  // The admin's queue: three pending requests, two decisions.
  await openTemplates(page, admin, seeded.projectName);
  const queue = page.getByRole("region", { name: "Requests awaiting approval" });
  await expect(queue.getByRole("table").first().getByRole("row")).toHaveCount(1 + 3);
  await expect(queue.getByRole("table").last().getByRole("row")).toHaveCount(1 + 2);
  await expect(queue.getByRole("table").last()).toContainText("Use the load-test project");
  await expect(keyTile(page, "Payments sandbox")).toContainText("Waiting for approval");
  await expectAccessible(page);
  await panelShot(page, "requests-queue");

  // Requesters may not decide their own request: the service's problem shows.
  await queue.getByRole("row", { name: new RegExp(`${admin}.*Smoke tests`) }).getByRole("button", { name: "Approve" }).click();
  const approve = page.getByRole("dialog", { name: `Approve the request of ${admin}` });
  await approve.getByRole("button", { name: "Approve" }).click();
  await expect(approve.getByRole("alert")).toHaveAttribute("data-code", "forbidden");
  await approve.getByRole("button", { name: "Cancel" }).click();
  expect((await owner.call("GET", `/v1/projects/${seeded.pid}/key-requests/${own.id}`)).status).toBe("pending");

  // Edit: a typed placeholder of a node that does not exist is refused; a fixed one saves.
  await tile(page, "Payments sandbox").getByRole("button", { name: "Edit" }).click();
  const editor = page.getByRole("dialog", { name: "Edit template Payments sandbox" });
  await expect(editor.getByRole("group", { name: "Field 2" }).getByLabel("Value")).toHaveValue("https://sandbox.pay.example.com");
  await editor.getByRole("button", { name: "Add field" }).click();
  const third = editor.getByRole("group", { name: "Field 3" });
  await third.getByLabel("Name").fill("NODE");
  await third.getByLabel("Value").fill("{{node:nd_missing}}");
  await editor.getByRole("button", { name: "Save" }).click();
  await expect(editor.getByRole("alert")).toHaveAttribute("data-code", "validation_failed");
  await third.getByRole("button", { name: "Remove field" }).click();
  await editor.getByLabel("Description").first().fill("Sandbox keys for the payments API (EU region)");
  await editor.getByRole("button", { name: "Save" }).click();
  await expect(editor).toBeHidden();
  await expect(tile(page, "Payments sandbox")).toContainText("(EU region)");

  // Delete, after a confirmation.
  await tile(page, "Legacy export").getByRole("button", { name: "Delete" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete template Legacy export?" });
  await confirm.getByRole("button", { name: "Delete" }).click();
  await expect(tile(page, "Legacy export")).toHaveCount(0);
  const left = await owner.call("GET", `/v1/projects/${seeded.pid}/key-templates`);
  expect(left.items.map((t: { name: string }) => t.name).sort()).toEqual([
    "Catalog read-only",
    "Orders webhook signer",
    "Payments sandbox",
  ]);
});
