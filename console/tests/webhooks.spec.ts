import { expect, test } from "@playwright/test";
import { escaped, openPanel, type Receiver, seedKey, seedRole, signedWith, startReceiver } from "./ops.support";
import { apiAs, expectAccessible, panelShot, person, seedProject, signIn } from "./support";

/** The console's Idempotency-Key: the dialog's scope (a UUID) and a digest of the request. */
const IDEMPOTENCY_KEY = /^[0-9a-f-]{36}\.[0-9a-f]{24}$/;

let receiver: Receiver;
test.beforeEach(async () => {
  receiver = await startReceiver();
});
test.afterEach(async () => {
  await receiver.close();
});

test("an endpoint added in the console gets signed deliveries; a failed one is retried from its log", async ({ page, request }) => {
  const owner = person("owner");
  const api = await apiAs(request, owner);
  const project = await seedProject(api, "Shop backend");
  const roleId = await seedRole(api, project.id);
  await signIn(page, owner);
  await openPanel(page, project.name, "Webhooks");
  await expect(page.getByText("No endpoints yet")).toBeVisible();

  await page.getByRole("button", { name: "Add endpoint" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Endpoint URL").fill(receiver.url);
  await expect(dialog.getByRole("checkbox")).toHaveCount(21);
  await dialog.getByRole("checkbox", { name: /^key\.created/ }).check();
  // The description is one line (the contract refuses control characters): a pasted line break does not get in.
  await dialog.getByLabel("Description").fill("Order service:\nprovisions");
  await expect(dialog.getByLabel("Description")).toHaveValue(/^[^\n]+$/);
  await dialog.getByLabel("Description").fill("Order service: provisions customer accounts");
  const posted = page.waitForRequest((r) => r.method() === "POST" && new URL(r.url()).pathname === `/v1/projects/${project.id}/webhooks`);
  await dialog.getByRole("button", { name: "Add endpoint" }).click();
  expect((await posted).headers()["idempotency-key"]).toMatch(IDEMPOTENCY_KEY);
  const shown = dialog.getByTestId("webhook-secret");
  await expect(shown).toHaveText(/^whsec_[A-Za-z0-9+/=]{40,}$/);
  await expect(dialog.getByText(/shown once/)).toBeVisible();
  const secret = (await shown.textContent()) ?? "";
  await expectAccessible(page);
  // Shown once: Escape does not close it by accident, only Done does.
  await page.keyboard.press("Escape");
  await expect(shown).toBeVisible();
  await page.keyboard.press("Escape"); // Chromium closes a dialog on a second Escape unless it opens again
  await page.keyboard.press("Escape");
  await expect(shown).toBeVisible();
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(page.getByText(secret)).toHaveCount(0);
  const row = page.getByRole("row", { name: escaped(receiver.url) });
  await expect(row).toContainText("key.created");
  await expect(row.getByTestId("webhook-state")).toHaveText("Enabled");

  // Another system issues a key: the endpoint hears of it, signed with the secret shown once.
  const issued = await seedKey(api, project.id, roleId, "checkout-prod");
  await request.post("/v1/dev/jobs/webhook-dispatch");
  await expect.poll(() => receiver.received.length).toBe(1);
  const [first] = receiver.received;
  expect(JSON.parse(first?.body ?? "{}")).toMatchObject({ type: "key.created", data: { id: issued.id } });
  expect(first?.body).not.toContain(issued.secret);
  expect(signedWith(first!, secret)).toBe(true);
  expect(signedWith(first!, `whsec_${Buffer.alloc(32, 7).toString("base64")}`)).toBe(false);

  await row.getByRole("button", { name: "Deliveries" }).click();
  const log = page.getByRole("region", { name: /Deliveries to/ });
  const newest = log.getByTestId("delivery").first();
  await expect(newest).toContainText("key.created");
  await expect(newest.getByTestId("delivery-status")).toHaveText("succeeded");
  await expect(newest.getByTestId("attempt")).toContainText("HTTP 200");

  // The receiver fails: every attempt is logged until the delivery gives up.
  receiver.answer(500);
  await seedKey(api, project.id, roleId, "checkout-staging");
  await request.post("/v1/dev/jobs/webhook-dispatch");
  await expect(async () => {
    await log.getByRole("button", { name: "Refresh" }).click();
    await expect(log.getByTestId("delivery")).toHaveCount(2, { timeout: 1000 });
  }).toPass();
  await expect(newest.getByTestId("delivery-status")).toHaveText("failed", { timeout: 30_000 });
  await expect(newest.getByTestId("attempt").first()).toContainText("HTTP 500");
  const failedAttempts = await newest.getByTestId("attempt").count();
  expect(failedAttempts).toBeGreaterThan(1);

  // It recovers; Retry sends the same message once more, and it succeeds.
  receiver.answer(200);
  const before = receiver.received.length;
  const retryPosted = page.waitForRequest((r) => r.method() === "POST" && r.url().endsWith("/retry"));
  await newest.getByRole("button", { name: "Retry" }).click();
  expect((await retryPosted).headers()["idempotency-key"]).toMatch(IDEMPOTENCY_KEY);
  await expect(newest.getByTestId("delivery-status")).toHaveText("succeeded", { timeout: 15_000 });
  await expect(newest.getByTestId("attempt")).toHaveCount(failedAttempts + 1);
  await expect(newest.getByTestId("attempt").first()).toContainText("HTTP 200");
  const retried = receiver.received.slice(before);
  expect(retried).toHaveLength(1);
  expect(retried[0]?.headers["webhook-id"]).toBe(receiver.received[1]?.headers["webhook-id"]);
  expect(signedWith(retried[0]!, secret)).toBe(true);
  await expect(log.getByRole("button", { name: "Retry" })).toHaveCount(0);

  await expectAccessible(page);
  await panelShot(page, "webhooks");
});

test("an endpoint is edited, its secret rotated, disabled, re-enabled and deleted", async ({ page, request }) => {
  const owner = person("owner");
  const api = await apiAs(request, owner);
  const project = await seedProject(api, "Billing");
  const roleId = await seedRole(api, project.id);
  const created = await api.call("POST", `/v1/projects/${project.id}/webhooks`, {
    url: receiver.url,
    events: ["key.created"],
    description: "Billing sync",
  });
  const webhookPath = `/v1/projects/${project.id}/webhooks/${created.webhook.id}`;
  await signIn(page, owner);
  await openPanel(page, project.name, "Webhooks");
  const row = page.getByRole("row", { name: escaped(receiver.url) });

  await row.getByRole("button", { name: "Edit" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByRole("checkbox", { name: /^key\.created/ })).toBeChecked();
  await dialog.getByRole("checkbox", { name: /^key\.revoked/ }).check();
  await dialog.getByLabel("Description").fill("Billing sync (keys)");
  await dialog.getByRole("button", { name: "Save changes" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(row).toContainText("key.revoked");
  await expect(row).toContainText("Billing sync (keys)");
  expect((await api.call("GET", webhookPath)).events).toEqual(["key.created", "key.revoked"]);

  // Rotating asks first, then shows the new secret once; deliveries are signed with it.
  await row.getByRole("button", { name: "Rotate secret" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Rotate secret" }).click();
  const shown = page.getByRole("dialog").getByTestId("webhook-secret");
  await expect(shown).toHaveText(/^whsec_/);
  const rotated = (await shown.textContent()) ?? "";
  expect(rotated).not.toBe(created.secret);
  await page.getByRole("dialog").getByRole("button", { name: "Done" }).click();
  await expect(page.getByText(rotated)).toHaveCount(0);
  await expect(row).toContainText("Previous secret valid until");
  await seedKey(api, project.id, roleId);
  await request.post("/v1/dev/jobs/webhook-dispatch");
  await expect.poll(() => receiver.received.length).toBe(1);
  expect(signedWith(receiver.received[0]!, rotated)).toBe(true);
  expect(signedWith(receiver.received[0]!, created.secret)).toBe(true); // the grace period

  await row.getByRole("button", { name: "Disable" }).click();
  await expect(row.getByTestId("webhook-state")).toHaveText("Disabled");
  expect((await api.call("GET", webhookPath)).enabled).toBe(false);
  await row.getByRole("button", { name: "Re-enable" }).click();
  await expect(row.getByTestId("webhook-state")).toHaveText("Enabled");
  expect((await api.call("GET", webhookPath)).enabled).toBe(true);

  await row.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("dialog")).toContainText(receiver.url);
  await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
  await expect(page.getByText("No endpoints yet")).toBeVisible();
  const gone = await request.get(webhookPath, { headers: { Authorization: `Bearer ${api.token}` } });
  expect(gone.status()).toBe(404);
});

test("the delivery log keeps the pages loaded with Load more while it refreshes itself", async ({ page, request }) => {
  const owner = person("owner");
  const api = await apiAs(request, owner);
  const project = await seedProject(api, "Partner portal");
  const roleId = await seedRole(api, project.id);
  await api.call("POST", `/v1/projects/${project.id}/webhooks`, { url: receiver.url, events: ["key.created"] });
  // One delivery more than the log's first page (25).
  for (let batch = 0; batch < 2; batch += 1) {
    await Promise.all(Array.from({ length: 13 }, (_, i) => seedKey(api, project.id, roleId, `partner-${batch * 13 + i}`)));
  }
  await request.post("/v1/dev/jobs/webhook-dispatch");
  await expect.poll(() => receiver.received.length).toBe(26);
  await signIn(page, owner);
  await openPanel(page, project.name, "Webhooks");
  await page.getByRole("row", { name: escaped(receiver.url) }).getByRole("button", { name: "Deliveries" }).click();
  const log = page.getByRole("region", { name: /Deliveries to/ });
  const rows = log.getByTestId("delivery");
  await expect(rows).toHaveCount(25);
  await log.getByRole("button", { name: "Load more" }).click();
  await expect(rows).toHaveCount(26);
  await expect(log.getByRole("button", { name: "Load more" })).toHaveCount(0);

  // A new delivery fails and is retried: Refresh brings it in on top, and the log follows its
  // attempts by itself until it gives up, keeping every page loaded.
  receiver.answer(500);
  await seedKey(api, project.id, roleId, "partner-canary");
  await request.post("/v1/dev/jobs/webhook-dispatch");
  await expect.poll(() => receiver.received.length, { intervals: [100] }).toBeGreaterThan(26);
  await log.getByRole("button", { name: "Refresh" }).click();
  await expect(rows).toHaveCount(27);
  const newest = rows.first();
  await expect(newest.getByTestId("delivery-status")).toHaveText("pending");
  await expect(newest.getByTestId("delivery-status")).toHaveText("failed", { timeout: 30_000 });
  await expect(newest.getByTestId("attempt")).toHaveCount(4);
  await expect(rows).toHaveCount(27);
  await expect(rows.filter({ hasText: "failed" })).toHaveCount(1);
});
