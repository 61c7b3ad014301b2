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
  // The cursor after "/nodes/": the node's name goes there, not at the end.
  await value.evaluate((input: HTMLInputElement) => input.setSelectionRange(29, 29));
  await second.getByLabel("Node").selectOption({ label: "payments-gw-eu (input)" });
  await second.getByRole("button", { name: "Insert node name" }).click();
  await expect(value).toHaveValue(`https://gw.example.com/nodes/{{node:${node.id}.name}}?region=eu`);
  await editor.getByRole("button", { name: "Add field" }).click();
  const third = editor.getByRole("group", { name: "Field 3" });
  await third.getByLabel("Name").fill("GATEWAY_NODE");
  await third.getByLabel("Node").selectOption({ label: "payments-gw-eu (input)" });
  await third.getByRole("button", { name: "Insert node id" }).click();
  await expect(third.getByLabel("Value")).toHaveValue(`{{node:${node.id}}}`);
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
  await queue.getByRole("button", { name: "Refresh requests" }).click();
  const row = queue.getByRole("row", { name: new RegExp(developer) });
  await expect(row).toContainText("Payments sandbox");
  await expect(row).toContainText("Integration tests of the checkout flow");
  await expectAccessible(a);
  await row.getByRole("button", { name: "Approve" }).click();
  const approve = a.getByRole("dialog", { name: `Approve the request of ${developer}` });
  await approve.getByLabel("Note to the requester (optional)").fill("Sandbox only, please");
  // A key expiry in the past is refused; corrected in the same dialog, the approval goes
  // through (a corrected body is a new change, not a reused Idempotency-Key).
  const expiresAt = approve.getByLabel("Key expires at (optional; empty: the template's lifetime)");
  await expiresAt.fill("2020-01-01T10:00");
  await approve.getByRole("button", { name: "Approve" }).click();
  await expect(approve.getByRole("alert")).toHaveAttribute("data-code", "validation_failed");
  await expect(approve.getByRole("alert")).toContainText("expires_at");
  const day = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
  await expiresAt.fill(`${day}T10:00`);
  await approve.getByRole("button", { name: "Approve" }).click();
  await expect(approve).toBeHidden();
  await expect(queue.getByText("No requests are waiting.")).toBeVisible();
  const history = queue.getByRole("table", { name: "Recent decisions" });
  await expect(history.getByRole("row", { name: new RegExp(developer) })).toContainText("approved");

  // B: the tile turns to "approved" by itself (it looks again while a request waits, less
  // and less often: 4 s, then 8 s, 16 s...).
  const mine = keyTile(b, "Payments sandbox");
  await expect(mine).toContainText("Approved: your key is ready", { timeout: 30_000 });
  await expect(mine).toContainText("Sandbox only, please");
  await mine.getByRole("button", { name: "Claim the key" }).click();
  const claim = b.getByRole("dialog", { name: "Your key: Payments sandbox" });
  const key = (await claim.getByTestId("claimed-key").textContent()) ?? "";
  expect(key).toMatch(/^kw_[0-9A-Za-z]+$/);
  await expect(claim.getByTestId("info-PROJECT_ID")).toHaveText(seeded.pid);
  // The service resolves {{node:<id>.name}} to the node's name and {{node:<id>}} to its id.
  await expect(claim.getByTestId("info-GATEWAY_URL")).toHaveText("https://gw.example.com/nodes/payments-gw-eu?region=eu");
  await expect(claim.getByTestId("info-GATEWAY_NODE")).toHaveText(node.id);
  await expectAccessible(b);
  await panelShot(b, "claimed-key");
  const [download] = await Promise.all([b.waitForEvent("download"), claim.getByRole("button", { name: "Download .env" }).click()]);
  expect(download.suggestedFilename()).toBe("payments-sandbox.env");
  const dotenv = parseDotenv(await readFile(await download.path(), "utf8"));
  expect(dotenv).toEqual({
    PROJECT_ID: seeded.pid,
    GATEWAY_URL: "https://gw.example.com/nodes/payments-gw-eu?region=eu",
    GATEWAY_NODE: node.id,
  });

  // The project's servers accept the key, as the developer's.
  const verified = await request.post("/v1/keys/verify", {
    headers: { Authorization: `Bearer ${await serviceKey(owner, seeded.pid)}` },
    data: { key },
  });
  expect(await verified.json()).toMatchObject({ valid: true, code: "VALID", owner_id: developer, project_id: seeded.pid });
  const issued = await owner.call("GET", `/v1/projects/${seeded.pid}/keys?owner_id=${encodeURIComponent(developer)}`);
  expect(issued.items[0].expires_at).toMatch(new RegExp(`^${day}T10:00`));

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
  await b.getByRole("button", { name: "Refresh templates" }).click();
  await expect(mine).toContainText("Denied");
  await expect(mine).toContainText("Reason: Production keys go through the release checklist");
  await mine.getByRole("button", { name: "Request again" }).click();
  await b.getByRole("button", { name: "Send request" }).click();
  await expect(mine).toContainText("Waiting for approval");
  await a.context().close();
  await b.context().close();
});

test("a developer cancels a request, gets an auto-approved key that stays on screen when a reload fails, cannot edit", async ({
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
  const claimButton = dashboards.getByRole("button", { name: "Claim the key" });
  await expect(claimButton).toBeVisible();

  // The claim reloads the templates, and that reload fails: the key, shown once, stays on
  // screen (Escape does not close it either), and the tiles stay with the problem beside them.
  let reloadFailed!: () => void;
  const failed = new Promise<void>((resolve) => (reloadFailed = resolve));
  const templatesList = (url: URL) => url.pathname.endsWith(`/v1/projects/${seeded.pid}/key-templates`);
  await page.route(templatesList, async (route) => {
    await route.fulfill({
      status: 503,
      contentType: "application/problem+json",
      body: JSON.stringify({ type: "urn:keywarden:problem:internal_error", title: "Down", status: 503, code: "internal_error" }),
    });
    reloadFailed();
  });
  await claimButton.click();
  const claim = page.getByRole("dialog", { name: "Your key: Dashboards read-only" });
  await failed;
  await page.keyboard.press("Escape");
  await expect(claim.getByTestId("claimed-key")).toHaveText(/^kw_/);
  await expect(claim.getByTestId("info-DASHBOARDS_PROJECT")).toHaveText(seeded.pid);
  await claim.getByRole("button", { name: "I have saved it, close" }).click();
  await expect(claim).toBeHidden();
  await expect(page.getByRole("alert")).toHaveAttribute("data-code", "internal_error");
  await expect(dashboards).toBeVisible();
  await page.unroute(templatesList);
  await page.getByRole("button", { name: "Refresh templates" }).click();
  await expect(dashboards).toContainText("Claimed");
  await expect(page.getByRole("alert")).toHaveCount(0);
});

test("an editor changes a template, its lifetime kept to the second, but not one that approves by itself", async ({
  page,
  request,
}) => {
  const admin = person("admin");
  const editor = person("editor");
  const owner = await apiAs(request, admin);
  const seeded = await seedProjectWithRole(owner, "Media uploads");
  await addMember(owner, seeded.pid, editor, "editor");
  const uploads = await seedTemplate(owner, seeded, { name: "Upload signer", ttl_seconds: 90 });
  await seedTemplate(owner, seeded, { name: "Thumbnails read-only", auto_approve: true });
  await openTemplates(page, editor, seeded.projectName);
  await expect(tile(page, "Thumbnails read-only").getByRole("button", { name: "Edit" })).toHaveCount(0);
  await expect(tile(page, "Upload signer")).toContainText("90 seconds");

  await tile(page, "Upload signer").getByRole("button", { name: "Edit" }).click();
  const dialog = page.getByRole("dialog", { name: "Edit template Upload signer" });
  await expect(dialog.getByLabel("Key lifetime (empty: never expires)")).toHaveValue("90");
  await expect(dialog.getByLabel("Unit")).toHaveValue("seconds");
  // The description is one line (the contract refuses control characters in it).
  const description = dialog.getByLabel("Description").first();
  expect(await description.evaluate((element) => element.tagName)).toBe("INPUT");
  await description.fill("Signs uploads to the media bucket");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  await expect(tile(page, "Upload signer")).toContainText("Signs uploads to the media bucket");
  const saved = await owner.call("GET", `/v1/projects/${seeded.pid}/key-templates/${uploads.id}`);
  expect(saved).toMatchObject({ description: "Signs uploads to the media bucket", ttl_seconds: 90, auto_approve: false });
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
  const annas = await ask("anna", payments.id, "Checkout integration tests");
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
  const pending = queue.getByRole("table", { name: "Requests awaiting approval" });
  const history = queue.getByRole("table", { name: "Recent decisions" });
  await expect(pending.getByRole("row")).toHaveCount(1 + 3);
  await expect(history.getByRole("row")).toHaveCount(1 + 2);
  await expect(history).toContainText("Use the load-test project");
  await expect(keyTile(page, "Payments sandbox")).toContainText("Waiting for approval");
  await expectAccessible(page);
  await panelShot(page, "requests-queue");

  // Requesters may not decide their own request: no buttons on it, and the service refuses it.
  const mineRow = pending.getByRole("row", { name: new RegExp(`${admin}.*Smoke tests`) });
  await expect(mineRow).toContainText("Your own request: another admin decides it.");
  await expect(mineRow.getByRole("button")).toHaveCount(0);
  const refused = await request.post(`/v1/projects/${seeded.pid}/key-requests/${own.id}/approve`, {
    headers: { Authorization: `Bearer ${owner.token}` },
    data: {},
  });
  expect(refused.status()).toBe(403);

  // A request withdrawn while the admin decides: the problem shows and the queue looks again.
  await pending.getByRole("row", { name: new RegExp(people.anna) }).getByRole("button", { name: "Deny" }).click();
  const deny = page.getByRole("dialog", { name: `Deny the request of ${people.anna}` });
  await as.anna.call("POST", `/v1/projects/${seeded.pid}/key-requests/${annas.id}/cancel`);
  await deny.getByRole("button", { name: "Deny" }).click();
  await expect(deny.getByRole("alert")).toHaveAttribute("data-code", "conflict");
  await deny.getByRole("button", { name: "Cancel" }).click();
  await expect(pending.getByRole("row")).toHaveCount(1 + 2);
  await expect(pending.getByRole("row", { name: new RegExp(people.anna) })).toHaveCount(0);

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
