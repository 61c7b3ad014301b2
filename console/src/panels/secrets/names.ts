import type { Schemas } from "../../api/client";

/** The two app secrets every project has (API.md "App secrets"), in the order the page shows them. */
export const SECRET_NAMES = ["secure_key", "service_key"] as const;
export type SecretName = (typeof SECRET_NAMES)[number];
export type SecretInfo = Schemas["SecretInfo"];

export function isSecretName(name: string): name is SecretName {
  return (SECRET_NAMES as readonly string[]).includes(name);
}

/** An imported secure key: printable ASCII, 16 to 128 characters, as VK issues them. */
export const IMPORTABLE_KEY = /^[\x20-\x7e]{16,128}$/;
