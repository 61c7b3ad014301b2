// Helpers of the key policy and key restrictions tests: the project's policy set over the
// API, a leak reported as a scanner would, and verification from a given address.
import { type APIRequestContext, type Page, expect } from "@playwright/test";
import type { KeysProject } from "./keys.support";
import { keyRow } from "./keys.support";

export interface Policy {
  max_lifetime_days?: number | null;
  require_expiry?: boolean;
  allowed_types?: string[] | null;
  forbid_wildcard_permissions?: boolean;
  require_ip_allowlist?: boolean;
  leak_action?: "revoke" | "disable" | "notify";
}

/** Replaces the project's key policy over the API (rules left out are off). */
export async function putPolicy(p: KeysProject, policy: Policy): Promise<void> {
  await p.api.call("PUT", `/v1/projects/${p.pid}/key-policy`, policy);
}

/** Reports `secrets` as found in public, as any scanner would (no authentication): 202. */
export async function reportLeak(request: APIRequestContext, secrets: string[]): Promise<void> {
  const response = await request.post("/v1/leaks/report", {
    data: { keys: secrets, source_url: "https://gist.example.com/leaked.env", reporter: "browser test" },
  });
  expect(response.status(), await response.text()).toBe(202);
}

/** What the project's servers hear for `key` used from `clientIp` (VALID, IP_NOT_ALLOWED, DISABLED, ...). */
export async function verifyFrom(request: APIRequestContext, p: KeysProject, key: string, clientIp?: string): Promise<string> {
  const response = await request.post("/v1/keys/verify", {
    headers: { Authorization: `Bearer ${p.serviceKey}` },
    data: { key, ...(clientIp && { client_ip: clientIp }) },
  });
  expect(response.status()).toBe(200);
  return (await response.json()).code as string;
}

/** Opens a key's details dialog from its row of the keys table. */
export async function openDetails(page: Page, name: string) {
  await keyRow(page, name).getByRole("button", { name, exact: true }).click();
  return page.getByRole("dialog", { name: `Key ${name}`, exact: true });
}
