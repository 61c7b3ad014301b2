// How people sign in, as /console/config.json says: the local stack's embedded issuer
// (a sign-in form), or, deployed, an OIDC provider (authorization code with PKCE).
export type ConsoleConfig =
  | { auth: "local" }
  | { auth: "oidc"; issuer: string; client_id: string; scope?: string; admin_group?: string };

let loaded: Promise<ConsoleConfig> | undefined;

export function consoleConfig(): Promise<ConsoleConfig> {
  loaded ??= fetch(`${import.meta.env.BASE_URL}config.json`, { cache: "no-store" }).then(async (response) => {
    if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
    return (await response.json()) as ConsoleConfig;
  });
  return loaded;
}
