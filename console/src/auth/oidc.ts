// Deployed sign-in: OIDC authorization code with PKCE by oidc-client-ts, loaded only here.
// Its state (PKCE verifier, nonce) is kept in sessionStorage for the redirect; the user
// (tokens) only in memory.
import type { UserManager } from "oidc-client-ts";
import type { ConsoleConfig } from "./config";
import { type Session, sessionOf } from "./session";

type OidcConfig = Extract<ConsoleConfig, { auth: "oidc" }>;
let manager: Promise<UserManager> | undefined;

function callbackUrl(popup: boolean): string {
  return `${location.origin}${import.meta.env.BASE_URL}callback${popup ? "?popup=1" : ""}`;
}

export function oidcManager(config: OidcConfig): Promise<UserManager> {
  manager ??= import("oidc-client-ts").then(
    ({ UserManager, WebStorageStateStore, InMemoryWebStorage }) =>
      new UserManager({
        authority: config.issuer,
        client_id: config.client_id,
        redirect_uri: callbackUrl(false),
        popup_redirect_uri: callbackUrl(true),
        post_logout_redirect_uri: `${location.origin}${import.meta.env.BASE_URL}`,
        response_type: "code",
        scope: config.scope ?? "openid profile",
        stateStore: new WebStorageStateStore({ store: sessionStorage }),
        userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
        automaticSilentRenew: false,
      }),
  );
  return manager;
}

function toSession(user: { access_token: string; expires_in?: number }): Session {
  return sessionOf(user.access_token, user.expires_in ?? 300);
}

/** Leaves for the issuer's sign-in page; the person comes back to /console/callback. */
export async function oidcSignIn(config: OidcConfig): Promise<void> {
  const users = await oidcManager(config);
  await users.signinRedirect({ url_state: location.pathname });
}

/** Finishes a sign-in on /console/callback: the session, and where the person was going. */
export async function oidcCallback(config: OidcConfig): Promise<{ session: Session; returnTo: string } | null> {
  const users = await oidcManager(config);
  if (new URLSearchParams(location.search).has("popup")) {
    await users.signinPopupCallback();
    return null;
  }
  const user = await users.signinRedirectCallback();
  return { session: toSession(user), returnTo: user.url_state ?? import.meta.env.BASE_URL };
}

/** Step-up (RFC 9470): the issuer asks the person to sign in again, in a popup, so the page keeps its state. */
export async function oidcReauthenticate(config: OidcConfig): Promise<Session> {
  const users = await oidcManager(config);
  const user = await users.signinPopup({ max_age: 0, prompt: "login" });
  return toSession(user);
}

export async function oidcSignOut(config: OidcConfig): Promise<void> {
  const users = await oidcManager(config);
  await users.signoutRedirect();
}
