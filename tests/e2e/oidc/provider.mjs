// The OpenID Connect provider the browser tests sign in through: oidc-provider (a certified
// OpenID Provider implementation, pinned in package.json), on the loopback address only.
//
//   node provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI
//
// One confidential client (the app: authorization code flow, PKCE S256, client_secret_basic),
// whose redirect URI is also its post-logout redirect URI (Streamlit's st.logout sends it there).
// Sign-in and consent are the provider's own interaction pages (devInteractions): its login form
// takes any login and password and names the account by the login; only the accounts below
// exist, and only they receive tokens. The groups claim comes with the "groups" scope and, like
// name and email, goes into the ID token (Streamlit's st.user is the ID token's claims).
// Prints "oidc-provider listening on ISSUER" once it accepts connections.

import { generateKeyPairSync, randomBytes } from 'node:crypto';

import Provider from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
if (!port || !clientId || !clientSecret || !redirectUri) {
  console.error('usage: node provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

// The test accounts: the login is the account id.
const ACCOUNTS = {
  'nurse.nightingale': {
    name: 'Florence Nightingale',
    email: 'florence.nightingale@clinic.test',
    groups: ['ketamine-nurses'],
  },
  'lead.seacole': {
    name: 'Mary Seacole',
    email: 'mary.seacole@clinic.test',
    groups: ['ketamine-leads', 'ketamine-nurses'],
  },
};

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [{ ...signingKey, use: 'sig', alg: 'RS256', kid: 'e2e-signing-key' }] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  conformIdTokenClaims: false, // the scopes' claims in the ID token too, not only at userinfo
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) {
      return undefined;
    }
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...account, email_verified: true };
      },
    };
  },
});
provider.proxy = false;

const server = provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
