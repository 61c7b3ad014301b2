import { expect, test } from "@playwright/test";
import { openPanel, seedKey, seedRole } from "./ops.support";
import { apiAs, expectAccessible, panelShot, person, seedProject, serviceKey, signIn } from "./support";

const PAGE = 50; // the panel's page size

test("changes and reveals appear newest first with actor and action; filters narrow; Load more pages back", async ({ page, request }) => {
  const owner = person("owner");
  const developer = person("dev");
  const api = await apiAs(request, owner);
  const project = await seedProject(api, "Shop backend");
  const roleId = await seedRole(api, project.id);
  await api.call("PUT", `/v1/projects/${project.id}/members/${developer}`, { role: "developer" });
  const key = await seedKey(api, project.id, roleId, "checkout-prod");
  await api.call("DELETE", `/v1/projects/${project.id}/keys/${key.id}`);
  const service = await serviceKey(api, project.id);
  const template = await api.call("POST", `/v1/projects/${project.id}/key-templates`, {
    name: "Partner access",
    role_id: roleId,
    type: "opaque",
  });
  const devApi = await apiAs(request, developer);
  await devApi.call("POST", `/v1/projects/${project.id}/key-requests`, { template_id: template.id, justification: "Checkout integration" });
  // Enough newer events to push the ones above to the second page.
  for (let batch = 0; batch < PAGE / 10; batch += 1) {
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => api.call("POST", `/v1/projects/${project.id}/nodes`, { name: `edge-${batch * 10 + i}`, kind: "output" })),
    );
  }

  await signIn(page, owner);
  await openPanel(page, project.name, "Audit");
  const rows = page.getByTestId("audit-event");
  await expect(rows).toHaveCount(PAGE);
  await expect(rows.first()).toContainText("node.created");
  await expect(rows.filter({ hasText: "key.revoked" })).toHaveCount(0);
  await page.getByRole("button", { name: "Load more" }).click();
  await expect(page.getByRole("button", { name: "Load more" })).toHaveCount(0);
  const revoked = rows.filter({ hasText: "key.revoked" });
  await expect(revoked).toHaveCount(1);
  await expect(revoked).toContainText(owner);
  await expect(revoked).toContainText(key.id);
  await expect(rows.filter({ hasText: "key.created" })).toContainText(owner);
  const reveal = rows.filter({ hasText: "secret.revealed" });
  await expect(reveal).toContainText("service_key");
  await expect(page.locator("body")).not.toContainText(service);
  await expect(page.locator("body")).not.toContainText(key.secret);
  // Newest first: the revocation is above the creation.
  const actions = await rows.locator("td:nth-child(3)").allTextContents();
  expect(actions.indexOf("key.revoked")).toBeLessThan(actions.indexOf("key.created"));
  expect(actions.at(-1)).toBe("project.created");

  // Filters narrow the loaded events.
  await page.getByLabel("Action").selectOption("key.revoked");
  await expect(rows).toHaveCount(1);
  await expect(page.getByTestId("audit-count")).toContainText(/1 of \d+ loaded events shown/);
  await page.getByLabel("Action").selectOption("");
  await page.getByLabel("Actor contains").fill(developer);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("key_request.created");
  await expect(rows.first()).toContainText(template.id);
  await page.getByLabel("Actor contains").fill("nobody-at-all");
  await expect(page.getByText("No loaded event matches the filters.")).toBeVisible();
  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(rows.filter({ hasText: "node.created" })).toHaveCount(PAGE);
  await expectAccessible(page);
});

test("a developer has no Audit or Webhooks tab, and the API refuses them the audit log", async ({ page, request }) => {
  const owner = person("owner");
  const developer = person("dev");
  const api = await apiAs(request, owner);
  const project = await seedProject(api, "Mobile app");
  await api.call("PUT", `/v1/projects/${project.id}/members/${developer}`, { role: "developer" });
  await signIn(page, developer);
  await page.getByRole("link", { name: project.name }).click();
  const tabs = page.getByRole("navigation", { name: project.name });
  await expect(tabs.getByRole("link", { name: "Usage" })).toBeVisible();
  await expect(tabs.getByRole("link", { name: "Audit" })).toHaveCount(0);
  await expect(tabs.getByRole("link", { name: "Webhooks" })).toHaveCount(0);
  const devApi = await apiAs(request, developer);
  const refused = await request.get(`/v1/projects/${project.id}/audit-events`, { headers: { Authorization: `Bearer ${devApi.token}` } });
  expect(refused.status()).toBe(403);
});

test("the audit log of a project in use (screenshot)", async ({ page, request }) => {
  const owner = person("owner");
  const api = await apiAs(request, owner);
  const project = await seedProject(api, "Shop backend");
  const roleId = await seedRole(api, project.id, "Order service", ["orders:read", "orders:write"]);
  await api.call("POST", `/v1/projects/${project.id}/nodes`, { name: "checkout-api", kind: "input" });
  const key = await seedKey(api, project.id, roleId, "checkout-prod");
  await seedKey(api, project.id, roleId, "checkout-staging");
  await api.call("DELETE", `/v1/projects/${project.id}/keys/${key.id}`);
  await serviceKey(api, project.id);
  await signIn(page, owner);
  await openPanel(page, project.name, "Audit");
  await expect(page.getByTestId("audit-event").first()).toContainText("secret.revealed");
  await panelShot(page, "audit");
  await page.getByLabel("Language").selectOption("ru");
  await expect(page.getByRole("heading", { name: "Журнал аудита" })).toBeVisible();
  await expect(page.getByRole("columnheader", { name: "Кто выполнил" })).toBeVisible();
  // The count in its Russian plural form, whatever events seeding wrote (one page of them).
  const written = (await api.call("GET", `/v1/projects/${project.id}/audit-events?limit=50`)).items.length as number;
  await expect(page.getByTestId("audit-count")).toHaveText(`Показано ${written} ${russianEvents(written)}`);
});

/** "событие" in the form Russian uses after `count` (1 событие, 3 события, 7 событий). */
function russianEvents(count: number): string {
  const forms = { one: "событие", few: "события", many: "событий", other: "события" } as const;
  return forms[new Intl.PluralRules("ru").select(count) as keyof typeof forms];
}
