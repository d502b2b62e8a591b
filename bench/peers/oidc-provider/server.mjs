// server.mjs runs node oidc-provider as the certified peer that bench/
// measures Sigil against: one confidential client (client_secret_basic) with
// the client_credentials grant, and token introspection, on the in-memory
// adapter oidc-provider uses when none is configured (nothing is durable).
//
// Usage: node server.mjs PORT [CLIENT_ID CLIENT_SECRET]
//
// It listens on 127.0.0.1:PORT only and prints one line "ready <issuer>" on
// stdout once it accepts connections; bench/run waits for that line.
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error('usage: node server.mjs PORT [CLIENT_ID CLIENT_SECRET]');
  process.exit(2);
}
const clientId = process.argv[3] || 'bench-peer';
const clientSecret = process.argv[4] || 'bench-peer-secret-0123456789abcdef';
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    // The same registration Sigil's client_credentials clients have: no
    // redirect URIs, no response types, one scope.
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    scope: 'api',
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  scopes: ['openid', 'offline_access', 'api'],
  features: {
    clientCredentials: { enabled: true },
    introspection: {
      enabled: true,
      // The benchmark's only client introspects the tokens it was issued;
      // saying so explicitly also silences the "should change" warning of
      // the default policy.
      allowedPolicy: async (ctx, client, token) => token.clientId === client.clientId,
    },
    // The development login UI is not used; turning it off keeps the
    // start-up free of its warning.
    devInteractions: { enabled: false },
  },
  // Cookie keys are only needed by interactions, unused here, but set so
  // that oidc-provider does not warn about its defaults.
  cookies: { keys: ['bench-cookie-key-0123456789abcdef'] },
});
// Requests come over plain HTTP on loopback; nothing is proxied.
provider.proxy = false;

const server = createServer(provider.callback());
server.keepAliveTimeout = 90_000;
server.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});

// Stop cleanly on the signals bench/run sends.
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
