import { expect, test } from "@playwright/test";
import { openTab, seedKey, seedRole, statusOf } from "./settings.support";
import { apiAs, expectAccessible, panelShot, person, seedProject, signIn } from "./support";

test("the owner renames the project and adds, re-roles and removes a member", async ({ page, request }) => {
  const owner = person("owner");
  const api = await apiAs(request, owner);
  const project = await seedProject(api);
  const pid = project.id;
  await signIn(page, owner);
  await openTab(page, project.name, "Settings");

  const renamed = `${project.name} (prod)`;
  const save = page.getByRole("button", { name: "Save changes" });
  await expect(save).toBeDisabled();
  await page.getByLabel("Name", { exact: true }).fill(renamed);
  await page.getByLabel("Description", { exact: true }).fill("Orders and payments of the shop");
  await save.click();
  await expect(page.getByTestId("project-name")).toHaveText(renamed);
  await expect(page.getByRole("status")).toHaveText("Saved.");
  const stored = await api.call("GET", `/v1/projects/${pid}`);
  expect([stored.name, stored.description]).toEqual([renamed, "Orders and payments of the shop"]);

  const dev = person("dev");
  const members = page.getByRole("region", { name: "Members" });
  const add = members.getByRole("form", { name: "Add member" });
  await add.getByLabel("User").fill(dev);
  await add.getByLabel("Role").selectOption("developer");
  await add.getByRole("button", { name: "Add member" }).click();
  const roleOfDev = members.getByLabel(`Role of ${dev}`);
  await expect(roleOfDev).toHaveValue("developer");
  const roleOf = async (sub: string) =>
    ((await api.call("GET", `/v1/projects/${pid}/members`)).items as { user_id: string; role: string }[]).find((m) => m.user_id === sub)?.role;
  expect(await roleOf(dev)).toBe("developer");

  await roleOfDev.selectOption("editor");
  await expect(members.getByRole("status")).toContainText(`${dev} is now editor`);
  await expect.poll(() => roleOf(dev)).toBe("editor");

  await members.getByRole("button", { name: `Remove ${dev}` }).click();
  const dialog = page.getByRole("dialog", { name: `Remove ${dev}?` });
  await dialog.getByRole("button", { name: "Remove" }).click();
  await expect(dialog).toBeHidden();
  await expect(members.getByRole("cell", { name: dev })).toHaveCount(0);
  expect(await roleOf(dev)).toBeUndefined();
});

test("a viewer sees settings read-only; an admin may not touch the owner", async ({ page, request }) => {
  const owner = person("owner");
  const viewer = person("viewer");
  const admin = person("admin");
  const api = await apiAs(request, owner);
  const project = await seedProject(api);
  const pid = project.id;
  await seedRole(api, pid, "Order service", ["orders:read"]);
  await api.call("POST", `/v1/projects/${pid}/nodes`, { name: "Orders API", kind: "output" });
  await api.call("PUT", `/v1/projects/${pid}/members/${viewer}`, { role: "viewer" });
  await api.call("PUT", `/v1/projects/${pid}/members/${admin}`, { role: "admin" });

  await signIn(page, viewer);
  await openTab(page, project.name, "Settings");
  const panel = page.getByRole("region", { name: "Settings" });
  await expect(panel.getByRole("cell", { name: "Order service" })).toBeVisible();
  await expect(panel.getByRole("cell", { name: "Orders API" })).toBeVisible();
  await expect(panel.getByRole("cell", { name: owner })).toBeVisible();
  // Nothing to change; the one button is the viewer's own way out.
  await expect(panel.getByRole("button")).toHaveText(["Leave project"]);
  await expect(panel.getByRole("textbox")).toHaveCount(0);
  await expect(panel.getByRole("combobox")).toHaveCount(0);

  await signIn(page, admin);
  await openTab(page, project.name, "Settings");
  const members = page.getByRole("region", { name: "Members" });
  await expect(members.getByLabel(`Role of ${viewer}`)).toBeVisible();
  // The owner's row has no controls for an admin, and "owner" is not offered.
  await expect(members.getByLabel(`Role of ${owner}`)).toHaveCount(0);
  await expect(members.getByRole("button", { name: `Remove ${owner}` })).toHaveCount(0);
  const add = members.getByRole("form", { name: "Add member" });
  const addRole = add.getByLabel("Role");
  await expect(addRole.locator("option")).toHaveText(["admin", "editor", "developer", "viewer"]);
  await expect(page.getByRole("button", { name: "Delete project" })).toHaveCount(0);
  // Changing the owner through the add form: the service refuses, and the console says so.
  await add.getByLabel("User").fill(owner);
  await addRole.selectOption("viewer");
  await add.getByRole("button", { name: "Add member" }).click();
  const problem = members.locator('.problem[data-code="forbidden"]');
  await expect(problem).toContainText("only an owner may change or remove an owner");
  const ownerRow = (await api.call("GET", `/v1/projects/${pid}/members`)).items.find((m: { user_id: string }) => m.user_id === owner);
  expect(ownerRow.role).toBe("owner");
});

test("roles are created, edited and deleted; a role a key uses is refused with 409", async ({ page, request }) => {
  const owner = person("owner");
  const api = await apiAs(request, owner);
  const project = await seedProject(api, `Shop mini app ${owner.slice(-4)}`);
  const pid = project.id;
  await api.call("PATCH", `/v1/projects/${pid}`, { description: "Orders, payments and delivery of the VK mini app" });
  const billing = await seedRole(api, pid, "Billing", ["billing.*", "invoices:read"], "Payment workers");
  await seedKey(api, pid, billing, "billing-worker");
  await api.call("PUT", `/v1/projects/${pid}/members/${person("maria")}`, { role: "admin" });
  await api.call("PUT", `/v1/projects/${pid}/members/${person("ivan")}`, { role: "developer" });
  await api.call("POST", `/v1/projects/${pid}/nodes`, { name: "Payments gateway", kind: "input" });
  await signIn(page, owner);
  await openTab(page, project.name, "Settings");
  const roles = page.getByRole("region", { name: "Roles" });

  // Create: a bad permission is caught as typed; a blank name is the server's 422.
  await roles.getByRole("button", { name: "New role" }).click();
  let dialog = page.getByRole("dialog", { name: "New role" });
  await dialog.getByLabel("Name").fill("   ");
  await dialog.getByLabel("Permissions, one per line").fill("orders:read\nOrders:Write");
  await expect(dialog.getByRole("alert")).toHaveText("Not a valid permission: Orders:Write");
  await expect(dialog.getByRole("button", { name: "Create" })).toBeDisabled();
  await dialog.getByLabel("Permissions, one per line").fill("orders:read\norders:list");
  const createRole = () => page.waitForRequest((r) => r.method() === "POST" && r.url().endsWith(`/v1/projects/${pid}/roles`));
  let posted = createRole();
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog.locator('.problem[data-code="validation_failed"]')).toBeVisible();
  const refusedKey = (await posted).headers()["idempotency-key"];
  await dialog.getByLabel("Name").fill("Order reader");
  await dialog.getByLabel("Description").fill("Read-only access to orders");
  posted = createRole();
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog).toBeHidden();
  // Each create carries an Idempotency-Key; the corrected form is another request, another key.
  const createdKey = (await posted).headers()["idempotency-key"];
  expect(refusedKey).toBeTruthy();
  expect(createdKey).toBeTruthy();
  expect(createdKey).not.toBe(refusedKey);
  const row = roles.getByRole("row", { name: /Order reader/ });
  await expect(row.locator("code")).toHaveText(["orders:read", "orders:list"]);

  // Edit.
  await roles.getByRole("button", { name: "Edit Order reader" }).click();
  dialog = page.getByRole("dialog", { name: "Edit role Order reader" });
  await dialog.getByLabel("Permissions, one per line").fill("orders:read\norders:list\norders:export");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  await expect(row.locator("code")).toHaveText(["orders:read", "orders:list", "orders:export"]);
  const listed = (await api.call("GET", `/v1/projects/${pid}/roles`)).items as { name: string; permissions: string[] }[];
  expect(listed.find((r) => r.name === "Order reader")?.permissions).toEqual(["orders:read", "orders:list", "orders:export"]);

  await expectAccessible(page);
  await panelShot(page, "settings");

  // Delete the role a key uses: 409, said plainly; the role stays.
  await roles.getByRole("button", { name: "Delete Billing" }).click();
  dialog = page.getByRole("dialog", { name: "Delete role Billing?" });
  await dialog.getByRole("button", { name: "Delete" }).click();
  await expect(dialog.locator('.problem[data-code="conflict"]')).toBeVisible();
  await expect(dialog.getByTestId("role-in-use")).toContainText("Keys or templates still use this role");
  await expectAccessible(page);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  expect(await statusOf(request, api, "GET", `/v1/projects/${pid}/roles/${billing}`)).toBe(200);

  // Delete an unused role.
  await roles.getByRole("button", { name: "Delete Order reader" }).click();
  dialog = page.getByRole("dialog", { name: "Delete role Order reader?" });
  await dialog.getByRole("button", { name: "Delete" }).click();
  await expect(dialog).toBeHidden();
  await expect(roles.getByRole("cell", { name: "Order reader" })).toHaveCount(0);
  const left = (await api.call("GET", `/v1/projects/${pid}/roles`)).items as { name: string }[];
  expect(left.map((r) => r.name)).toEqual(["Billing"]);
});

test("nodes are added and deleted", async ({ page, request }) => {
  const owner = person("owner");
  const api = await apiAs(request, owner);
  const project = await seedProject(api);
  const pid = project.id;
  await signIn(page, owner);
  await openTab(page, project.name, "Settings");
  const nodes = page.getByRole("region", { name: "Nodes" });
  await expect(nodes.getByText("No nodes yet.")).toBeVisible();
  const addNode = async () => {
    const posted = page.waitForRequest((r) => r.method() === "POST" && r.url().endsWith(`/v1/projects/${pid}/nodes`));
    await nodes.getByLabel("Node name").fill("Payments API");
    await nodes.getByLabel("Kind").selectOption("output");
    await nodes.getByRole("button", { name: "Add node" }).click();
    await expect(nodes.getByLabel("Node name")).toHaveValue("");
    return (await posted).headers()["idempotency-key"];
  };
  const firstKey = await addNode();
  const rows = nodes.getByRole("row", { name: /Payments API/ });
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("output");
  const listed = (await api.call("GET", `/v1/projects/${pid}/nodes`)).items as { id: string; name: string; kind: string }[];
  expect(listed.map((n) => [n.name, n.kind])).toEqual([["Payments API", "output"]]);
  await expect(rows.first().locator("code")).toHaveText(listed[0]!.id);

  // The same form, the same values again: a second node (a new Idempotency-Key), not a replay of the first.
  const secondKey = await addNode();
  expect(firstKey).toBeTruthy();
  expect(secondKey).not.toBe(firstKey);
  await expect(rows).toHaveCount(2);
  expect((await api.call("GET", `/v1/projects/${pid}/nodes`)).items).toHaveLength(2);

  for (const left of [1, 0]) {
    await nodes.getByRole("button", { name: "Delete Payments API" }).first().click();
    const dialog = page.getByRole("dialog", { name: "Delete node Payments API?" });
    await dialog.getByRole("button", { name: "Delete" }).click();
    await expect(dialog).toBeHidden();
    await expect(rows).toHaveCount(left);
  }
  await expect(nodes.getByText("No nodes yet.")).toBeVisible();
  expect((await api.call("GET", `/v1/projects/${pid}/nodes`)).items).toEqual([]);
});

test("an admin who lowers their own role loses its tabs; one who leaves goes back to the projects", async ({ page, request }) => {
  const owner = person("owner");
  const admin = person("admin");
  const leaver = person("admin");
  const api = await apiAs(request, owner);
  const project = await seedProject(api);
  const pid = project.id;
  await api.call("PUT", `/v1/projects/${pid}/members/${admin}`, { role: "admin" });
  await api.call("PUT", `/v1/projects/${pid}/members/${leaver}`, { role: "admin" });
  const roleOf = async (sub: string) =>
    ((await api.call("GET", `/v1/projects/${pid}/members`)).items as { user_id: string; role: string }[]).find((m) => m.user_id === sub)?.role;

  await signIn(page, admin);
  await openTab(page, project.name, "Settings");
  const tabs = page.getByRole("navigation", { name: project.name });
  await expect(tabs.getByRole("link", { name: "Access keys" })).toBeVisible();
  const members = page.getByRole("region", { name: "Members" });
  const mine = members.getByLabel(`Role of ${admin}`);
  // Changing one's own role asks first; cancelling keeps it.
  await mine.selectOption("viewer");
  let dialog = page.getByRole("dialog", { name: "Change your own role to viewer?" });
  await expectAccessible(page);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await expect(mine).toHaveValue("admin");
  expect(await roleOf(admin)).toBe("admin");
  await mine.selectOption("viewer");
  await dialog.getByRole("button", { name: "Change my role" }).click();
  await expect(dialog).toBeHidden();
  // The page follows the new role: no Access keys tab, no member controls.
  await expect(page.getByTestId("my-role")).toHaveText("Your role: viewer");
  await expect(tabs.getByRole("link", { name: "Access keys" })).toHaveCount(0);
  await expect(members.getByRole("combobox")).toHaveCount(0);
  await expect(members.getByRole("form", { name: "Add member" })).toHaveCount(0);
  await expect(members.getByRole("cell", { name: admin })).toBeVisible();
  expect(await roleOf(admin)).toBe("viewer");

  await signIn(page, leaver);
  await openTab(page, project.name, "Settings");
  await members.getByRole("button", { name: "Leave project" }).click();
  dialog = page.getByRole("dialog", { name: `Leave ${project.name}?` });
  await dialog.getByRole("button", { name: "Leave project" }).click();
  await expect(page).toHaveURL(/\/console\/$/);
  await expect(page.getByRole("heading", { name: "Projects", level: 1 })).toBeVisible();
  await expect(page.getByRole("link", { name: project.name, exact: true })).toHaveCount(0);
  expect(await roleOf(leaver)).toBeUndefined();

  // A viewer may leave too: the one button their Settings has.
  await signIn(page, admin);
  await openTab(page, project.name, "Settings");
  await members.getByRole("button", { name: "Leave project" }).click();
  await page.getByRole("dialog", { name: `Leave ${project.name}?` }).getByRole("button", { name: "Leave project" }).click();
  await expect(page).toHaveURL(/\/console\/$/);
  expect(await roleOf(admin)).toBeUndefined();
});

test("the owner deletes the project after typing its name exactly", async ({ page, request }) => {
  const owner = person("owner");
  const api = await apiAs(request, owner);
  const project = await seedProject(api);
  await signIn(page, owner);
  await openTab(page, project.name, "Settings");
  await page.getByRole("button", { name: "Delete project" }).click();
  const dialog = page.getByRole("dialog", { name: `Delete project ${project.name}?` });
  const confirm = dialog.getByRole("button", { name: "Delete project" });
  const typed = dialog.getByLabel(`Type ${project.name} to confirm`);
  await expect(confirm).toBeDisabled();
  await typed.fill(project.name.slice(0, -1));
  await expect(confirm).toBeDisabled();
  await typed.fill(`${project.name} `);
  await expect(confirm).toBeDisabled();
  await typed.fill(project.name);
  await expect(confirm).toBeEnabled();
  await expectAccessible(page);
  await confirm.click();
  await expect(page).toHaveURL(/\/console\/$/);
  await expect(page.getByRole("heading", { name: "Projects", level: 1 })).toBeVisible();
  await expect(page.getByRole("link", { name: project.name, exact: true })).toHaveCount(0);
  expect(await statusOf(request, api, "GET", `/v1/projects/${project.id}`)).toBe(404);
});
