// A real OIDC provider for the console's sign-in tests: panva's oidc-provider (the
// OpenID-certified Node implementation) on 127.0.0.1, with its development login form
// (any user name, any password). It issues JWT access tokens for the audience
// "keywarden" carrying `auth_time` (when the person last signed in, for step-up) and
// `groups` (people whose name starts with "admin" are system administrators).
// A person's first token says they signed in ten minutes ago, as if they had been at
// work a while, so that the first sensitive action asks for step-up without the test
// waiting; tokens from later sign-ins carry the real time.
//
//   node tests/oidc/provider.mjs <port> <console origin>
import { createServer } from "node:http";
import Provider from "oidc-provider";

const [port, consoleOrigin] = [Number(process.argv[2]), process.argv[3]];
const issuer = `http://127.0.0.1:${port}`;
const callback = `${consoleOrigin}/console/callback`;

const STALE_SECONDS = 600;
const signedInBefore = new Set();

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: "keywarden-console",
      token_endpoint_auth_method: "none", // a public client: PKCE, no secret
      grant_types: ["authorization_code"],
      response_types: ["code"],
      redirect_uris: [callback, `${callback}?popup=1`],
      post_logout_redirect_uris: [`${consoleOrigin}/console/`],
    },
  ],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => "urn:keywarden:api",
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        audience: "keywarden",
        scope: "openid profile",
        accessTokenFormat: "jwt",
        accessTokenTTL: 3600,
        jwt: { sign: { alg: "RS256" } },
      }),
    },
  },
  // Consent is implied for the console: its grant is made at the first sign-in.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid profile");
    grant.addResourceScope("urn:keywarden:api", "openid profile");
    await grant.save();
    return grant;
  },
  async findAccount(_ctx, sub) {
    return { accountId: sub, claims: async () => ({ sub }) };
  },
  async extraTokenClaims(ctx, token) {
    const code = ctx.oidc.entities.AuthorizationCode;
    const first = !signedInBefore.has(token.accountId);
    signedInBefore.add(token.accountId);
    return {
      auth_time: code?.authTime === undefined ? undefined : code.authTime - (first ? STALE_SECONDS : 0),
      groups: token.accountId?.startsWith("admin") ? ["keywarden-admins"] : [],
    };
  },
});
provider.proxy = false;

createServer(provider.callback()).listen(port, "127.0.0.1", () => {
  console.log(`oidc provider ready at ${issuer}`);
});
