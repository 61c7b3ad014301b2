// The local stage's sign-in: a token from the embedded issuer (POST /v1/dev/token).
import { api, unwrap } from "../api/client";
import { type Session, sessionOf } from "./session";

/** A token for `sub`; `authAgeSeconds` backdates the sign-in (to try a step-up confirmation locally). */
export async function localToken(sub: string, groups: string[], authAgeSeconds = 0): Promise<Session> {
  const issued = await unwrap(
    api.POST("/v1/dev/token", { body: { sub, groups, auth_age_seconds: authAgeSeconds } }),
  );
  return sessionOf(issued.access_token, issued.expires_in);
}
