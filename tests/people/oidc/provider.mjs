// An OpenID provider for the single sign-on tests: oidc-provider with one confidential
// client, PKCE required, and a few people whose claims include email, name and groups.
//
// Started by tests/people/conftest.py with, in the environment:
//   OIDC_PORT           the port to listen on (127.0.0.1)
//   OIDC_CLIENT_ID      the client's id
//   OIDC_CLIENT_SECRET  its secret
//   OIDC_REDIRECT_URIS  the callback URLs it may use, comma-separated
//   OIDC_JWKS           the signing keys, a private JWK Set (JSON), so that tests can
//                       sign tokens as the provider would
//   OIDC_AUTH_METHOD    how the client authenticates at the token endpoint, the only
//                       way the provider offers: client_secret_basic (default) or
//                       client_secret_post
//
// Signing in is oidc-provider's development form (any password): a test fills it by
// following the flow with an HTTP client, or in a browser.
import Provider from 'oidc-provider';

const people = {
  'erin@example.com': { name: 'Erin Engineer', groups: ['eng'] },
  'rita@example.com': { name: 'Rita Release', groups: ['release'] },
  'ada@example.com': { name: 'Ada Admin', groups: ['ops', 'eng'] },
  'nobody@example.com': { name: 'No Body', groups: [] },
};

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) {
    console.error(`provider.mjs: ${name} is not set`);
    process.exit(2);
  }
  return value;
};

const port = Number(env('OIDC_PORT'));
const authMethod = env('OIDC_AUTH_METHOD', 'client_secret_basic');
const issuer = `http://127.0.0.1:${port}`;

const configuration = {
  clients: [
    {
      client_id: env('OIDC_CLIENT_ID'),
      client_secret: env('OIDC_CLIENT_SECRET'),
      redirect_uris: env('OIDC_REDIRECT_URIS').split(','),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: authMethod,
    },
  ],
  clientAuthMethods: [authMethod],
  jwks: JSON.parse(env('OIDC_JWKS')),
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  // The ID token carries only what no access token can fetch: email, name and groups
  // come from the userinfo endpoint, as with many providers.
  conformIdTokenClaims: true,
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['premiere-test-provider-cookie-key'] },
  async findAccount(ctx, id) {
    const person = people[id];
    if (!person) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: id,
          email_verified: true,
          name: person.name,
          groups: person.groups,
        };
      },
    };
  },
};

const provider = new Provider(issuer, configuration);
const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`provider.mjs: listening on ${issuer}`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
