// The local stage's sign-in: a token from the embedded issuer (POST /v1/dev/token).
import { api, unwrap } from "../api/client";
import { type Session, sessionOf } from "./session";

export async function localToken(sub: string, groups: string[]): Promise<Session> {
  const issued = await unwrap(api.POST("/v1/dev/token", { body: { sub, groups, auth_age_seconds: 0 } }));
  return sessionOf(issued.access_token, issued.expires_in);
}
