import { expect, test } from "@playwright/test";
import { openTab, serviceKeyStatus } from "./settings.support";
import { apiAs, expectAccessible, panelShot, person, seedProject, serviceKey, signIn } from "./support";

async function secretValue(api: Awaited<ReturnType<typeof apiAs>>, pid: string, name: string): Promise<string> {
  return (await api.call("POST", `/v1/projects/${pid}/secrets/${name}/reveal`)).value as string;
}

test("Show asks to sign in again (step-up), then shows the value until the person leaves", async ({ page, request }) => {
  const owner = person("owner");
  const api = await apiAs(request, owner);
  const project = await seedProject(api, `Shop mini app ${owner.slice(-4)}`);
  const pid = project.id;
  const hints = (await api.call("GET", `/v1/projects/${pid}/secrets`)).items as { name: string; hint: string }[];
  await signIn(page, owner, { authAgeSeconds: 600 });
  await openTab(page, project.name, "Access keys");

  const card = page.getByRole("region", { name: "Secure key" });
  await expect(card.getByTestId("secure_key-hint")).toHaveText(`••••${hints.find((h) => h.name === "secure_key")?.hint}`);
  const serviceCard = page.getByRole("region", { name: "Service key" });
  await expect(serviceCard.getByRole("note")).toContainText("Never put it in a mini app, a browser");
  await expectAccessible(page);
  await panelShot(page, "access-keys");

  await card.getByRole("button", { name: "Show" }).click();
  const ask = page.getByRole("dialog", { name: "Show the secure key?" });
  await ask.getByRole("button", { name: "View" }).click();
  const stepUp = page.getByRole("dialog", { name: "Confirm it's you" });
  await expect(stepUp).toBeVisible();
  await expect(card.getByTestId("secure_key-value")).toHaveCount(0);
  await expectAccessible(page);
  await stepUp.getByRole("button", { name: "Sign in again" }).click();
  await expect(stepUp).toBeHidden();
  await expect(ask).toBeHidden();
  const shown = card.getByTestId("secure_key-value");
  await expect(shown).toHaveText(await secretValue(api, pid, "secure_key"));
  await expect(card.getByRole("button", { name: "Copy" })).toBeVisible();
  await expectAccessible(page);
  await panelShot(page, "access-keys-revealed");

  // Leaving the tab drops the value from the page; coming back shows the hint again.
  const tabs = page.getByRole("navigation", { name: project.name });
  await tabs.getByRole("link", { name: "Settings" }).click();
  await expect(page.getByRole("region", { name: "Members" })).toBeVisible();
  await tabs.getByRole("link", { name: "Access keys" }).click();
  await expect(card.getByTestId("secure_key-hint")).toBeVisible();
  await expect(page.getByTestId("secure_key-value")).toHaveCount(0);
  expect(await page.content()).not.toContain(await secretValue(api, pid, "secure_key"));
});

test("a new service key is shown once; the old one works during the grace period, and not without one", async ({ page, request }) => {
  const owner = person("owner");
  const api = await apiAs(request, owner);
  const project = await seedProject(api);
  const pid = project.id;
  const first = await serviceKey(api, pid);
  await signIn(page, owner);
  await openTab(page, project.name, "Access keys");
  const card = page.getByRole("region", { name: "Service key" });

  await card.getByRole("button", { name: "Create new" }).click();
  let dialog = page.getByRole("dialog", { name: "Create a new service key" });
  await expect(dialog.getByLabel(/Import an existing/)).toHaveCount(0);
  await dialog.getByLabel("The current value keeps working").selectOption({ label: "for 1 hour" });
  await expectAccessible(page);
  const rotation = page.waitForRequest((r) => r.method() === "POST" && r.url().endsWith("/secrets/service_key/rotate"));
  await dialog.getByRole("button", { name: "Change" }).click();
  expect((await rotation).headers()["idempotency-key"]).toMatch(/^[0-9a-f-]{36}\.[0-9a-f]{24}$/);
  const second = await dialog.getByTestId("service_key-new-value").textContent();
  expect(second).toMatch(/^kws_/);
  expect(second).not.toBe(first);
  expect(second).toBe(await serviceKey(api, pid));
  await expect(dialog.getByRole("note")).toContainText("shown once");
  await expect(dialog.getByTestId("previous-valid-until")).toContainText("The previous value keeps working until");
  expect(await serviceKeyStatus(request, first)).toBe(200);
  expect(await serviceKeyStatus(request, second!)).toBe(200);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText(second!)).toHaveCount(0);
  await expect(card.getByTestId("service_key-hint")).toHaveText(`••••${second!.slice(-4)}`);

  // No grace period, and the panel's reload of the secrets fails: the new value (the only
  // one that works now) stays on screen until the person closes it; Escape does not close it.
  await card.getByRole("button", { name: "Create new" }).click();
  dialog = page.getByRole("dialog", { name: "Create a new service key" });
  await dialog.getByLabel("The current value keeps working").selectOption({ label: "No: it stops at once" });
  const secretsList = (url: URL) => url.pathname === `/v1/projects/${pid}/secrets`;
  await page.route(
    secretsList,
    (route) =>
      route.request().method() === "GET"
        ? route.fulfill({
            status: 503,
            contentType: "application/problem+json",
            json: { title: "Service unavailable", status: 503, code: "unavailable", detail: "try again later" },
          })
        : route.fallback(),
  );
  await dialog.getByRole("button", { name: "Change" }).click();
  const newValue = dialog.getByTestId("service_key-new-value");
  await expect(newValue).toHaveText(/^kws_/);
  const third = await newValue.textContent();
  expect(third).not.toBe(second);
  await expect(dialog.getByTestId("previous-valid-until")).toHaveText("The previous value has stopped working.");
  await page.keyboard.press("Escape");
  await expect(newValue).toHaveText(third!);
  await expect(dialog).toBeVisible();
  // The service caches service keys for a few seconds (KEYWARDEN_CACHE_TTL).
  await expect.poll(() => serviceKeyStatus(request, second!), { timeout: 15_000 }).toBe(401);
  expect(await serviceKeyStatus(request, third!)).toBe(200);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();
  // The failed reload is said, and the cards stay (with the hint they had).
  const panel = page.getByRole("region", { name: "Access keys" });
  await expect(panel.locator('.problem[data-code="unavailable"]')).toBeVisible();
  await expect(card.getByTestId("service_key-hint")).toHaveText(`••••${second!.slice(-4)}`);
  await page.unroute(secretsList);
});

test("an existing secure key is imported; a malformed one is refused as typed", async ({ page, request }) => {
  const owner = person("owner");
  const api = await apiAs(request, owner);
  const project = await seedProject(api);
  const pid = project.id;
  await signIn(page, owner);
  await openTab(page, project.name, "Access keys");
  const card = page.getByRole("region", { name: "Secure key" });
  await card.getByRole("button", { name: "Create new" }).click();
  const dialog = page.getByRole("dialog", { name: "Create a new secure key" });
  await dialog.getByLabel(/Import an existing secure key/).check();
  const field = dialog.getByRole("textbox", { name: "Existing secure key" });
  await field.fill("too-short");
  await expect(dialog.getByRole("alert")).toContainText("16 to 128 printable ASCII");
  await expect(dialog.getByRole("button", { name: "Change" })).toBeDisabled();
  const imported = `VkSecure${person("k").slice(-8)}Xy7pQ2rT`;
  await field.fill(imported);
  await dialog.getByRole("button", { name: "Change" }).click();
  await expect(dialog.getByTestId("secure_key-new-value")).toHaveText(imported);
  expect(await secretValue(api, pid, "secure_key")).toBe(imported);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(card.getByTestId("secure_key-hint")).toHaveText(`••••${imported.slice(-4)}`);

  // VK's own words in Russian.
  await page.getByLabel("Language").selectOption("ru");
  const secure = page.getByRole("region", { name: "Защищённый ключ" });
  await expect(secure.getByRole("button", { name: "Показать" })).toBeVisible();
  await expect(secure.getByRole("button", { name: "Создать новый" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Сервисный ключ доступа" })).toBeVisible();
  await page.getByLabel("Язык").selectOption("en");
});

test("a developer does not see the Access keys tab", async ({ page, request }) => {
  const owner = person("owner");
  const dev = person("dev");
  const api = await apiAs(request, owner);
  const project = await seedProject(api);
  await api.call("PUT", `/v1/projects/${project.id}/members/${dev}`, { role: "developer" });
  await signIn(page, dev);
  await openTab(page, project.name, "Settings");
  const tabs = page.getByRole("navigation", { name: project.name });
  await expect(tabs.getByRole("link", { name: "API keys" })).toBeVisible();
  await expect(tabs.getByRole("link", { name: "Access keys" })).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Secure key" })).toHaveCount(0);
});
