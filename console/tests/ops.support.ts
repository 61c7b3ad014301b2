// Helpers of the webhooks, usage and audit tests: seeding keys over the API, a tiny
// webhook receiver, and Standard Webhooks signature checks as a receiver would do them.
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { type IncomingHttpHeaders, createServer } from "node:http";
import { crc32 } from "node:zlib";
import type { AddressInfo } from "node:net";
import type { Page } from "@playwright/test";
import type { Api } from "./support";

/** A role with the given permissions, created over the API; its id. */
export async function seedRole(api: Api, pid: string, name = "Order service", permissions = ["orders:read"]): Promise<string> {
  return (await api.call("POST", `/v1/projects/${pid}/roles`, { name, permissions })).id as string;
}

/** An opaque key of the caller's, created over the API: its id and its secret. */
export async function seedKey(api: Api, pid: string, roleId: string, name = `key-${randomUUID().slice(0, 6)}`): Promise<{ id: string; secret: string }> {
  const issued = await api.call("POST", `/v1/projects/${pid}/keys`, { name, type: "opaque", role_id: roleId });
  return { id: issued.key.id as string, secret: issued.secret.key as string };
}

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** The status the receiver answers from now on. */
  answer: (status: number) => void;
  close: () => Promise<void>;
}

/** An HTTP endpoint on 127.0.0.1 (a random port) that records every request it gets. */
export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  let status = 200;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      response.writeHead(status, { "Content-Type": "text/plain" }).end(status < 300 ? "ok" : "failing on purpose");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/keywarden`,
    received,
    answer: (next) => {
      status = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Whether one of the `webhook-signature` header's signatures is `v1,` + base64
 * HMAC-SHA256 of `id.timestamp.body` keyed with the base64 after `whsec_` (Standard Webhooks).
 */
export function signedWith(delivery: Received, secret: string): boolean {
  const id = String(delivery.headers["webhook-id"]);
  const timestamp = String(delivery.headers["webhook-timestamp"]);
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = Buffer.from(createHmac("sha256", key).update(`${id}.${timestamp}.${delivery.body}`).digest("base64"));
  return String(delivery.headers["webhook-signature"] ?? "")
    .split(" ")
    .filter((s) => s.startsWith("v1,"))
    .map((s) => Buffer.from(s.slice(3)))
    .some((given) => given.length === expected.length && timingSafeEqual(given, expected));
}

/** From the projects list, opens a project and one of its tabs, as a person clicks. */
export async function openPanel(page: Page, projectName: string, tab: string): Promise<void> {
  await page.getByRole("link", { name: projectName }).click();
  await page.getByRole("navigation", { name: projectName }).getByRole("link", { name: tab, exact: true }).click();
}

export function escaped(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A well-formed opaque key (right checksum) that the service never issued: NOT_FOUND, not MALFORMED. */
export function unknownOpaqueKey(): string {
  const body = Array.from({ length: 28 }, () => BASE62[Math.floor(Math.random() * 62)]).join("");
  let crc = crc32(Buffer.from(body));
  let digits = "";
  for (let i = 0; i < 6; i += 1) {
    digits = BASE62[crc % 62] + digits;
    crc = Math.floor(crc / 62);
  }
  return `kw_${body}${digits}`;
}
