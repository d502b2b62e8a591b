// openid-client (panva's certified relying-party library, pinned in
// package.json) against Sigil, as a second real client beside go-oidc and
// @uauth/js: the code flow with PKCE through Sigil's pages in Chromium
// (the test wallet signs), refresh, userinfo, introspection and revocation
// with a confidential client, RP-initiated logout, and OpenID Connect
// Back-Channel Logout 1.0 with a receiver here that validates each
// logout_token as section 2.6 of that specification says.

import assert from 'node:assert/strict';
import http from 'node:http';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import * as client from 'openid-client';
import { allow, assertNoOutsideRequests, enterDomain, expectConsentPage, expectLoginPage, navigatedTo } from '../lib/flows.mjs';
import { setup } from '../lib/harness.mjs';

// The logout tokens are verified with jose, the JOSE library openid-client
// itself is built on (resolved from openid-client's own directory, so it is
// the version the lock file pins for it).
const jose = await import(pathToFileURL(createRequire(import.meta.resolve('openid-client')).resolve('jose')).href);

/** BACKCHANNEL_EVENT is the member of events that makes a JWT a logout token (section 2.4). */
const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

let world;
let rp;
before(async () => {
  world = await setup();
  rp = await startReceiver();
}, { timeout: 180_000 });
after(async () => {
  await rp?.close();
  await world?.close();
});

/**
 * startReceiver starts the relying party's own loopback server: the
 * redirect URI (/callback), the post-logout redirect URI (/logged-out),
 * and the back-channel logout endpoint (/backchannel), which validates each
 * logout token it receives with the validator set by expectLogoutTokens.
 */
function startReceiver() {
  const state = { received: [], validate: null };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://127.0.0.1');
    if (req.method === 'POST' && u.pathname === '/backchannel') {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', async () => {
        const entry = { contentType: req.headers['content-type'], body };
        try {
          // Section 2.5: the token comes as the logout_token form parameter.
          assert.match(req.headers['content-type'] ?? '', /^application\/x-www-form-urlencoded/);
          const token = new URLSearchParams(body).get('logout_token');
          assert.ok(token, `no logout_token in ${body}`);
          entry.result = await state.validate(token);
          // Section 2.8: 200 for a valid token, and no caching.
          res.writeHead(200, { 'Cache-Control': 'no-store' });
          res.end();
        } catch (err) {
          entry.error = err;
          res.writeHead(400, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
          res.end(JSON.stringify({ error: 'invalid_request', error_description: String(err.message).split('\n')[0] }));
        } finally {
          // Recorded once validated: a test that sees the entry reads its
          // result or error (pushed before, a slow key fetch once let the
          // test read an entry with neither).
          state.received.push(entry);
        }
      });
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>RP</title><p>${u.pathname}</p>`);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const origin = `http://127.0.0.1:${server.address().port}`;
      resolve({
        origin,
        url: (p) => origin + p,
        state,
        close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
      });
    });
  });
}

/**
 * validateLogoutToken checks a logout token as OpenID Connect Back-Channel
 * Logout 1.0 section 2.6 says: a JWS (never alg none) with typ logout+jwt
 * (section 2.4), signed by a key of the OP's JWKS; iss the issuer, aud
 * containing client_id, iat, exp in the future, jti; events with the
 * back-channel-logout member holding a JSON object; sid, sub or both (sid
 * when the client registered backchannel_logout_session_required); and
 * never a nonce. seen holds the jti values already received (replay,
 * section 2.6 step 10). It returns the claims.
 */
async function validateLogoutToken(token, { issuer, clientId, keys, sessionRequired = false, seen = new Set() }) {
  const { payload, protectedHeader } = await jose.jwtVerify(token, keys, {
    issuer,
    audience: clientId,
    typ: 'logout+jwt',
    requiredClaims: ['iat', 'exp', 'jti', 'events'],
  });
  if (protectedHeader.alg === 'none') throw new Error('a logout token signed with alg none');
  const event = payload.events?.[BACKCHANNEL_EVENT];
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw new Error(`events ${JSON.stringify(payload.events)} lacks the ${BACKCHANNEL_EVENT} member with an object value`);
  }
  if (payload.sid === undefined && payload.sub === undefined) throw new Error('the logout token has neither sid nor sub');
  if (sessionRequired && typeof payload.sid !== 'string') throw new Error('backchannel_logout_session_required, but the logout token has no sid');
  if ('nonce' in payload) throw new Error('a logout token must not contain a nonce (section 2.4)');
  if (seen.has(payload.jti)) throw new Error(`jti ${payload.jti} was received before (replay)`);
  seen.add(payload.jti);
  return payload;
}

/**
 * configFor discovers Sigil with openid-client for a registered client.
 * Sigil runs on loopback http here, which openid-client only allows when
 * told to.
 */
async function configFor(registered) {
  return client.discovery(
    new URL(world.issuer),
    registered.client_id,
    { id_token_signed_response_alg: 'RS256' },
    client.ClientSecretBasic(registered.client_secret),
    { execute: [client.allowInsecureRequests] },
  );
}

/** confidentialClient registers a client_secret_basic client whose URIs are the receiver's. */
async function confidentialClient(metadata = {}) {
  return world.sigil.createClient({
    client_name: 'openid-client RP',
    redirect_uris: [rp.url('/callback')],
    post_logout_redirect_uris: [rp.url('/logged-out')],
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: 'openid wallet email profile offline_access',
    ...metadata,
  });
}

/**
 * signIn has openid-client build an authorization request (PKCE S256,
 * state, nonce), sends the browser there, signs in as alice.crypto with
 * the test wallet, allows, and lets openid-client redeem the callback. It
 * returns the token response and the request's checks.
 */
async function signIn(page, config, { remember = false, extra = {} } = {}) {
  const codeVerifier = client.randomPKCECodeVerifier();
  const checks = { pkceCodeVerifier: codeVerifier, expectedState: client.randomState(), expectedNonce: client.randomNonce() };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: rp.url('/callback'),
    // offline_access with prompt=consent (OpenID Connect Core 11) asks
    // for the refresh token.
    scope: 'openid wallet email profile offline_access',
    prompt: 'consent',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state: checks.expectedState,
    nonce: checks.expectedNonce,
    ...extra,
  });
  const back = navigatedTo(page, (u) => u.origin === rp.origin && u.pathname === '/callback');
  back.catch(() => {});
  await page.goto(url.href);
  await expectLoginPage(page, world.issuer);
  await enterDomain(page, 'alice.crypto');
  await expectConsentPage(page, world.issuer);
  await allow(page, { remember });
  await back;
  const tokens = await client.authorizationCodeGrant(config, new URL(page.url()), { ...checks, idTokenExpected: true });
  return { tokens, checks };
}

/** discovery is Sigil's metadata as openid-client read it. */
const metadata = (config) => config.serverMetadata();

test('code flow, userinfo, refresh, introspection and revocation', { timeout: 90_000 }, async (t) => {
  const registered = await confidentialClient();
  const config = await configFor(registered);
  const { page, wallet, outside } = await world.context(t);

  const { tokens } = await signIn(page, config);
  // authorizationCodeGrant has checked the iss parameter (RFC 9207), the
  // state, PKCE, and the ID token: signature against the JWKS, iss, aud,
  // exp, iat, nonce, at_hash.
  const claims = tokens.claims();
  assert.equal(claims.sub, 'alice.crypto');
  assert.equal(claims.iss, world.issuer);
  assert.equal(claims.aud, registered.client_id);
  assert.equal(claims.wallet_address, world.keys.alice.address);
  assert.equal(claims.eip4361_message, wallet.signed[0]);
  assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  assert.ok(tokens.expiresIn() > 0);
  assert.ok(tokens.refresh_token, 'no refresh token for a client registered for the refresh_token grant');

  // Userinfo: openid-client checks that sub matches the ID token's.
  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  assert.equal(info.sub, 'alice.crypto');
  assert.equal(info.email, 'alice@example.com');
  assert.equal(info.name, 'Alice Liddell');

  // Refresh: a new access token, a new refresh token (rotation) and an ID
  // token of the same sign-in (OpenID Connect Core 12.2).
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  assert.notEqual(refreshed.access_token, tokens.access_token);
  assert.ok(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token, 'the refresh token was not rotated');
  const again = refreshed.claims();
  assert.equal(again.sub, claims.sub);
  assert.equal(again.auth_time, claims.auth_time);
  assert.equal(again.sid, claims.sid);
  // Introspection (RFC 7662) by the confidential client.
  assert.ok(metadata(config).introspection_endpoint, 'discovery has no introspection_endpoint');
  const active = await client.tokenIntrospection(config, refreshed.access_token);
  assert.equal(active.active, true);
  assert.equal(active.sub, 'alice.crypto');
  assert.equal(active.client_id, registered.client_id);
  assert.equal(active.token_type, 'Bearer');
  assert.ok(active.exp > Date.now() / 1000);
  assert.match(active.scope ?? '', /\bopenid\b/);

  // Revocation (RFC 7009), then introspection says inactive and userinfo
  // refuses the token.
  await client.tokenRevocation(config, refreshed.access_token);
  const inactive = await client.tokenIntrospection(config, refreshed.access_token);
  assert.deepEqual(inactive, { active: false });
  await assert.rejects(client.fetchUserInfo(config, refreshed.access_token, claims.sub));

  // The used refresh token is dead, and presenting it again revokes its
  // successor too (RFC 9700 section 4.14.2).
  await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token), (err) => err.error === 'invalid_grant');
  await assert.rejects(client.refreshTokenGrant(config, refreshed.refresh_token), (err) => err.error === 'invalid_grant');
  assertNoOutsideRequests(outside);
});

test('RP-initiated logout ends the session: prompt=none then answers login_required', { timeout: 90_000 }, async (t) => {
  const registered = await confidentialClient();
  const config = await configFor(registered);
  const { context, page, outside } = await world.context(t);
  const { tokens } = await signIn(page, config, { remember: true });

  const state = client.randomState();
  const endSession = client.buildEndSessionUrl(config, {
    id_token_hint: tokens.id_token,
    post_logout_redirect_uri: rp.url('/logged-out'),
    state,
  });
  assert.equal(endSession.origin + endSession.pathname, `${world.issuer}/oauth2/sessions/logout`);
  const loggedOut = navigatedTo(page, (u) => u.origin === rp.origin && u.pathname === '/logged-out');
  await page.goto(endSession.href);
  await loggedOut;
  assert.equal(new URL(page.url()).searchParams.get('state'), state);
  assert.equal((await context.cookies(world.issuer)).find((c) => c.name === 'sigil_session'), undefined, 'the sigil_session cookie survived logout');

  // The session is over: a silent request fails, and openid-client reports
  // the OP's error.
  const checks = { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: client.randomState() };
  const silent = client.buildAuthorizationUrl(config, {
    redirect_uri: rp.url('/callback'),
    scope: 'openid wallet',
    code_challenge: await client.calculatePKCECodeChallenge(checks.pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: checks.expectedState,
    prompt: 'none',
  });
  const back = navigatedTo(page, (u) => u.origin === rp.origin && u.pathname === '/callback');
  await page.goto(silent.href);
  await back;
  await assert.rejects(
    client.authorizationCodeGrant(config, new URL(page.url()), checks),
    (err) => err instanceof client.AuthorizationResponseError && err.error === 'login_required',
  );
  assertNoOutsideRequests(outside);
});

test('the back-channel receiver refuses the logout tokens the specification forbids', async () => {
  // Tokens signed here with a key of a local JWKS, to show that each rule
  // of validateLogoutToken can fail (the real tokens come from Sigil below).
  const { privateKey, publicKey } = await jose.generateKeyPair('RS256');
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const keys = jose.createLocalJWKSet({ keys: [jwk] });
  const issuer = 'https://op.example';
  const opts = { issuer, clientId: 'rp-1', keys };
  const now = Math.floor(Date.now() / 1000);
  const good = { iss: issuer, aud: 'rp-1', iat: now, exp: now + 120, jti: 'j1', sub: 'alice.crypto', sid: 's1', events: { [BACKCHANNEL_EVENT]: {} } };
  const sign = (claims, header = {}) => new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'logout+jwt', ...header }).sign(privateKey);
  const without = (k) => Object.fromEntries(Object.entries(good).filter(([key]) => key !== k));

  assert.equal((await validateLogoutToken(await sign(good), opts)).sid, 's1');
  const bad = {
    'typ JWT': sign(good, { typ: 'JWT' }),
    'another issuer': sign({ ...good, iss: 'https://evil.example' }),
    'another audience': sign({ ...good, aud: 'rp-2' }),
    'expired': sign({ ...good, exp: now - 600, iat: now - 1200 }),
    'no jti': sign(without('jti')),
    'no events': sign(without('events')),
    'another event': sign({ ...good, events: { 'http://schemas.openid.net/event/other': {} } }),
    'neither sid nor sub': sign(Object.fromEntries(Object.entries(good).filter(([k]) => k !== 'sid' && k !== 'sub'))),
    'a nonce': sign({ ...good, nonce: 'n-0123456789' }),
    'unsigned (alg none)': Promise.resolve(`${Buffer.from('{"alg":"none","typ":"logout+jwt"}').toString('base64url')}.${Buffer.from(JSON.stringify(good)).toString('base64url')}.`),
  };
  for (const [what, token] of Object.entries(bad)) {
    await assert.rejects(validateLogoutToken(await token, opts), `a logout token with ${what} was accepted`);
  }
  await assert.rejects(validateLogoutToken(await sign({ ...good, jti: 'j2', sid: undefined }), { ...opts, sessionRequired: true }), 'sid missing although required');
  const seen = new Set();
  const once = await sign({ ...good, jti: 'j3' });
  await validateLogoutToken(once, { ...opts, seen });
  await assert.rejects(validateLogoutToken(once, { ...opts, seen }), 'a replayed jti was accepted');
  // A token signed by a key outside the JWKS.
  const other = await jose.generateKeyPair('RS256');
  const forged = await new jose.SignJWT(good).setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'logout+jwt' }).sign(other.privateKey);
  await assert.rejects(validateLogoutToken(forged, opts), 'a token signed by another key was accepted');
});

test('back-channel logout: RP-initiated logout sends a valid logout_token to the app', { timeout: 90_000 }, async (t) => {
  const discovery = await (await fetch(`${world.issuer}/.well-known/openid-configuration`)).json();
  if (discovery.backchannel_logout_supported !== true) {
    t.skip('discovery does not say backchannel_logout_supported yet');
    return;
  }
  assert.equal(discovery.backchannel_logout_session_supported, true);
  const registered = await confidentialClient({
    backchannel_logout_uri: rp.url('/backchannel'),
    backchannel_logout_session_required: true,
  });
  const config = await configFor(registered);
  const { page, outside } = await world.context(t);
  const { tokens } = await signIn(page, config);
  const idClaims = tokens.claims();
  assert.ok(idClaims.sid, 'the ID token has no sid although the client requires one');

  const keys = jose.createRemoteJWKSet(new URL(discovery.jwks_uri));
  const seen = new Set();
  rp.state.received.length = 0;
  rp.state.validate = (token) => validateLogoutToken(token, {
    issuer: world.issuer, clientId: registered.client_id, keys, sessionRequired: true, seen,
  });

  const loggedOut = navigatedTo(page, (u) => u.origin === rp.origin && u.pathname === '/logged-out');
  await page.goto(client.buildEndSessionUrl(config, {
    id_token_hint: tokens.id_token,
    post_logout_redirect_uri: rp.url('/logged-out'),
  }).href);
  await loggedOut;

  // Delivery never blocks the person's request, so wait for it.
  const deadline = Date.now() + 20_000;
  while (rp.state.received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(rp.state.received.length, 1, `logout tokens received: ${rp.state.received.length}`);
  const [delivery] = rp.state.received;
  assert.equal(delivery.error, undefined, `the logout token is not valid: ${delivery.error?.message}`);
  assert.equal(delivery.result.sid, idClaims.sid);
  assert.equal(delivery.result.sub, idClaims.sub);
  assert.ok(delivery.result.exp > delivery.result.iat);
  // Nothing more arrives (one delivery per session and client).
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(rp.state.received.length, 1, 'the logout token was delivered more than once');
  assertNoOutsideRequests(outside);
});
