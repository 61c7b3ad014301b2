import { defineConfig } from "@playwright/test";

// The browser tests: Debian's Chromium (Playwright's own download is unreachable here)
// against the local stack, which this config starts on its own port (PORT below) and
// stops afterwards. Screenshots of each panel go to test-results/screenshots/.
const port = Number(process.env.KEYWARDEN_CONSOLE_TEST_PORT ?? 8791);
export const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: "tests",
  testIgnore: ["oidc/**"], // playwright.oidc.config.ts runs those, against a stack of their own
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [["list"]],
  outputDir: "test-results/artifacts",
  use: {
    baseURL,
    locale: "en-US",
    timezoneId: "UTC",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox"],
    },
  },
  // The 1,000-key test runs alone, after the others: its seeding keeps the embedded
  // DynamoDB (one request at a time) busy for minutes, which would slow every other test's
  // requests, and their load would blur its page timings.
  projects: [
    { name: "panels", testIgnore: ["oidc/**", "keys-scale.spec.ts"] },
    { name: "scale", testMatch: "keys-scale.spec.ts", dependencies: ["panels"] },
  ],
  webServer: {
    command: ".venv/bin/python -m devstack",
    cwd: "..",
    url: `${baseURL}/v1/health`,
    env: { PORT: String(port), KEYWARDEN_WEBHOOK_RETRY_SCHEDULE: "1,1,1" },
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "ignore",
    stderr: "pipe",
  },
});
