import { type APIRequestContext, expect, test } from "@playwright/test";
import { openPanel, seedKey, seedRole, unknownOpaqueKey } from "./ops.support";
import { type Api, apiAs, expectAccessible, panelShot, person, seedProject, serviceKey, signIn } from "./support";

async function verify(request: APIRequestContext, service: string, key: string): Promise<string> {
  const answer = await request.post("/v1/keys/verify", { headers: { Authorization: `Bearer ${service}` }, data: { key } });
  expect(answer.status()).toBe(200);
  return (await answer.json()).code as string;
}

/** Runs the rollup until the project's totals hold what the test counted (counts flush within a second). */
async function rolledUp(request: APIRequestContext, api: Api, pid: string, totals: { valid: number; invalid: number }) {
  await expect
    .poll(async () => {
      await request.post("/v1/dev/jobs/usage-rollup");
      return (await api.call("GET", `/v1/projects/${pid}/usage?granularity=hour`)).totals;
    })
    .toEqual(totals);
}

test("verifications show up by period, outcome code and key, with a chart and no CSP violation", async ({ page, request }) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content[- ]Security[- ]Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  page.on("pageerror", (error) => violations.push(error.message));
  const owner = person("owner");
  const api = await apiAs(request, owner);
  const project = await seedProject(api, "Shop backend");
  const roleId = await seedRole(api, project.id);
  const prod = await seedKey(api, project.id, roleId, "checkout-prod");
  const old = await seedKey(api, project.id, roleId, "checkout-legacy");
  await api.call("DELETE", `/v1/projects/${project.id}/keys/${old.id}`);
  const service = await serviceKey(api, project.id);
  for (let i = 0; i < 4; i += 1) expect(await verify(request, service, prod.secret)).toBe("VALID");
  expect(await verify(request, service, old.secret)).toBe("REVOKED");
  for (let i = 0; i < 2; i += 1) expect(await verify(request, service, unknownOpaqueKey())).toBe("NOT_FOUND");
  await rolledUp(request, api, project.id, { valid: 4, invalid: 3 });

  await signIn(page, owner);
  await openPanel(page, project.name, "Usage");
  const totals = page.getByTestId("usage-totals");
  await expect(totals.getByTestId("total-valid")).toHaveText("4");
  await expect(totals.getByTestId("total-invalid")).toHaveText("3");
  await expect(totals.getByTestId("total-all")).toHaveText("7");
  const byCode = page.getByRole("table", { name: "By outcome" });
  await expect(byCode.getByRole("row", { name: "VALID" })).toContainText("4");
  await expect(byCode.getByRole("row", { name: "NOT_FOUND" })).toContainText("2");
  await expect(byCode.getByRole("row", { name: "REVOKED" })).toContainText("1");
  const chart = page.getByRole("img", { name: /Valid and invalid verifications per day.*4 valid, 3 invalid/ });
  await expect(chart.locator("canvas")).toHaveCount(1);
  // The chart's numbers as a table: a row for each day with verifications (one, or two if
  // they crossed a UTC midnight), adding up to the totals.
  const days = (await api.call("GET", `/v1/projects/${project.id}/usage?granularity=day`)).series.filter(
    (point: { valid: number; invalid: number }) => point.valid + point.invalid > 0,
  );
  const perPeriod = page.getByRole("table", { name: "Per period" });
  await expect(perPeriod.getByRole("row")).toHaveCount(1 + days.length);
  const validPerDay = await perPeriod.locator("tbody tr td:nth-of-type(1)").allTextContents();
  expect(validPerDay.map(Number).reduce((a, b) => a + b, 0)).toBe(4);

  for (const granularity of ["Monthly", "Hourly"]) {
    await page.getByLabel(granularity).check();
    await expect(page.getByRole("img", { name: /4 valid, 3 invalid/ })).toBeVisible();
    await expect(totals.getByTestId("total-valid")).toHaveText("4");
    await expect(totals.getByTestId("total-invalid")).toHaveText("3");
  }
  await expect(page.getByRole("img", { name: /per hour/ }).locator("canvas")).toHaveCount(1);
  await expectAccessible(page);
  await panelShot(page, "usage");

  // One key's usage: only its own verifications.
  await page.getByLabel("Daily").check();
  await page.getByLabel("Key").selectOption({ label: `checkout-prod (kw_...${prod.secret.slice(-4)})` });
  await expect(totals.getByTestId("total-valid")).toHaveText("4");
  await expect(totals.getByTestId("total-invalid")).toHaveText("0");
  await expect(byCode.getByRole("row")).toHaveCount(2);
  await page.getByLabel("Key").selectOption({ label: `checkout-legacy (kw_...${old.secret.slice(-4)})` });
  await expect(totals.getByTestId("total-valid")).toHaveText("0");
  await expect(byCode.getByRole("row", { name: "REVOKED" })).toContainText("1");

  // A range before any verification: zeros, and the tables say so.
  await page.getByLabel("Key").selectOption("");
  await page.getByLabel("From (UTC)").fill("2025-01-01");
  await page.getByLabel("To (UTC, inclusive)").fill("2025-01-31");
  await expect(totals.getByTestId("total-all")).toHaveText("0");
  await expect(page.getByText("No verifications in this range.")).toBeVisible();
  expect(violations).toEqual([]);
});

test("refusals by a rate limit and by exhausted credits are counted under their own readable names", async ({ page, request }) => {
  const owner = person("owner");
  const api = await apiAs(request, owner);
  const project = await seedProject(api);
  const roleId = await seedRole(api, project.id);
  const limited = await api.call("POST", `/v1/projects/${project.id}/keys`, {
    name: "limited",
    type: "opaque",
    role_id: roleId,
    ratelimits: [{ name: "requests", limit: 1, duration_seconds: 86400 }],
  });
  const metered = await api.call("POST", `/v1/projects/${project.id}/keys`, { name: "metered", type: "opaque", role_id: roleId, credits: { remaining: 1 } });
  const service = await serviceKey(api, project.id);
  expect(await verify(request, service, limited.secret.key)).toBe("VALID");
  expect(await verify(request, service, limited.secret.key)).toBe("RATE_LIMITED");
  expect(await verify(request, service, metered.secret.key)).toBe("VALID");
  expect(await verify(request, service, metered.secret.key)).toBe("USAGE_EXCEEDED");
  await rolledUp(request, api, project.id, { valid: 2, invalid: 2 });

  await signIn(page, owner);
  await openPanel(page, project.name, "Usage");
  const byCode = page.getByRole("table", { name: "By outcome" });
  await expect(byCode.getByRole("rowheader", { name: "Rate limited RATE_LIMITED" })).toBeVisible();
  await expect(byCode.getByRole("row", { name: "RATE_LIMITED" })).toContainText("1");
  await expect(byCode.getByRole("rowheader", { name: "Out of credits USAGE_EXCEEDED" })).toBeVisible();
  await expect(byCode.getByRole("row", { name: "USAGE_EXCEEDED" })).toContainText("1");
  await expect(page.getByRole("table", { name: "Per period" }).getByRole("columnheader", { name: "Rate limited" })).toBeVisible();
  await expectAccessible(page);
});
