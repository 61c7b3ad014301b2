import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// The deployed sign-in, tried for real: a local stack whose console signs people in with
// an OIDC provider (tests/oidc/provider.mjs: authorization code + PKCE, JWT access tokens)
// instead of the embedded issuer's form.
const port = Number(process.env.KEYWARDEN_CONSOLE_OIDC_TEST_PORT ?? 8795);
const issuerPort = port + 1;
const baseURL = `http://127.0.0.1:${port}`;
const issuer = `http://127.0.0.1:${issuerPort}`;

export default defineConfig({
  ...base,
  testDir: "tests/oidc",
  testIgnore: [],
  projects: [{ name: "oidc" }],
  outputDir: "test-results/artifacts-oidc",
  fullyParallel: false,
  workers: 1,
  use: { ...base.use, baseURL },
  webServer: [
    {
      command: `node tests/oidc/provider.mjs ${issuerPort} ${baseURL}`,
      url: `${issuer}/.well-known/openid-configuration`,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      command: ".venv/bin/python -m devstack",
      cwd: "..",
      url: `${baseURL}/v1/health`,
      env: {
        PORT: String(port),
        KEYWARDEN_OIDC_ISSUER: issuer,
        KEYWARDEN_OIDC_JWKS_URL: `${issuer}/jwks`,
        KEYWARDEN_OIDC_AUDIENCE: "keywarden",
        KEYWARDEN_CONSOLE_OIDC_CLIENT_ID: "keywarden-console",
      },
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: "ignore",
      stderr: "pipe",
    },
  ],
});
