// @uauth/js redirect flows against Sigil: login() + loginCallback() in both
// response modes, user() reading userinfo from the app's origin, and
// RP-initiated logout through the end_session_endpoint.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  allow, assertNoOutsideRequests, backAtRP, enterDomain, expectConsentPage, settle, startRedirectLogin,
} from '../lib/flows.mjs';
import { setup } from '../lib/harness.mjs';

let world;
before(async () => { world = await setup(); }, { timeout: 180_000 });
after(async () => { await world?.close(); });

/**
 * signInByRedirect runs login() with username alice.crypto, signs in and
 * allows on Sigil, and waits for the callback. It returns the authorization
 * request @uauth/js sent and the callback URL.
 */
async function signInByRedirect(page, loginOptions = {}, consent = {}) {
  const authRequest = page.waitForRequest((r) => r.url().startsWith(`${world.issuer}/oauth2/auth?`));
  const back = backAtRP(world, page);
  await startRedirectLogin(world, page, { username: 'alice.crypto', ...loginOptions });
  // The app sent login_hint: the domain is filled in.
  assert.equal(await page.getByRole('textbox', { name: 'Your domain' }).inputValue(), 'alice.crypto');
  await enterDomain(page, null);
  await expectConsentPage(page, world.issuer);
  await allow(page, consent);
  await back;
  return { auth: new URL((await authRequest).url()), callback: new URL(page.url()) };
}

for (const responseMode of ['fragment', 'query']) {
  test(`login() + loginCallback() with response_mode ${responseMode}`, { timeout: 90_000 }, async (t) => {
    const client = await world.client();
    const { page, wallet, outside } = await world.context(t);
    await world.openRP(page, client, { responseMode });
    const { auth, callback } = await signInByRedirect(page, { state: { returnTo: '/dashboard' } });

    // The authorization request is @uauth/js's, unchanged.
    const q = auth.searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('response_mode'), responseMode);
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.equal(q.get('login_hint'), 'alice.crypto');
    assert.equal(q.get('prompt'), 'login');
    assert.equal(q.get('max_age'), '300000');
    assert.equal(q.get('package_name'), '@uauth/js');
    assert.equal(q.get('package_version'), '3.0.1');
    assert.equal(q.get('client_id'), client.client_id);

    // The resolution library looked for a WebFinger record of alice.crypto
    // (answered locally: none, so the fallback issuer, Sigil, is used).
    assert.ok(outside.seen.some((s) => s.endsWith('/resolve/supported_tlds')), `resolution requests: ${outside.seen}`);
    assert.ok(outside.seen.some((s) => s.endsWith('/resolve/chains/eth/rpc')), `resolution requests: ${outside.seen}`);

    // The authorization response comes back in the requested mode.
    const params = responseMode === 'fragment' ? new URLSearchParams(callback.hash.slice(1)) : callback.searchParams;
    assert.match(params.get('code') ?? '', /./, `no code in ${callback}`);
    assert.equal(params.get('state'), q.get('state'));
    assert.equal(params.get('iss'), world.issuer);
    if (responseMode === 'fragment') assert.equal(callback.search, '');
    else assert.equal(callback.hash, '');

    const res = await settle(page.evaluate(() => window.rp.loginCallback()));
    assert.equal(res.error, undefined, `loginCallback rejected: ${res.error}`);
    assert.deepEqual(res.value.state, { returnTo: '/dashboard' });
    assert.equal(res.value.idToken.sub, 'alice.crypto');
    assert.equal(res.value.idToken.wallet_address, world.keys.alice.address);
    assert.equal(res.value.idToken.eip4361_message, wallet.signed[0]);
    await page.getByText('Signed in as alice.crypto').waitFor();
    assertNoOutsideRequests(outside);
  });
}

test('user() with the claim cache off reads userinfo from the app origin', { timeout: 90_000 }, async (t) => {
  const client = await world.client();
  const { page, outside } = await world.context(t);
  await world.openRP(page, client, { scope: 'openid wallet email profile', cacheOptions: { userinfo: false } });
  await signInByRedirect(page);
  const login = await settle(page.evaluate(() => window.rp.loginCallback()));
  assert.equal(login.error, undefined, `loginCallback rejected: ${login.error}`);

  const userinfoRequest = page.waitForRequest((r) => r.url() === `${world.issuer}/userinfo` && r.method() === 'GET');
  const userinfoResponse = page.waitForResponse((r) => r.url() === `${world.issuer}/userinfo` && r.request().method() === 'GET');
  const res = await settle(page.evaluate(() => window.rp.user()));
  assert.equal(res.error, undefined, `user() rejected: ${res.error}`);

  // @uauth/js sends the bare access token under the Basic scheme.
  const req = await userinfoRequest;
  assert.equal(req.headers().authorization, `Basic ${login.value.accessToken}`);
  assert.equal(req.headers().origin, world.rp.origin);
  const resp = await userinfoResponse;
  assert.equal(resp.status(), 200);
  assert.equal(resp.headers()['access-control-allow-origin'], world.rp.origin);

  assert.equal(res.value.sub, 'alice.crypto');
  assert.equal(res.value.wallet_address, world.keys.alice.address);
  assert.equal(res.value.wallet_type_hint, 'web3');
  assert.equal(res.value.email, 'alice@example.com');
  assert.equal(res.value.name, 'Alice Liddell');
  assertNoOutsideRequests(outside);
});

test('logout() with rpInitiatedLogout ends the Sigil session and hands back state', { timeout: 90_000 }, async (t) => {
  const client = await world.client();
  const { context, page, outside } = await world.context(t);
  await world.openRP(page, client, { rpInitiatedLogout: true });
  await signInByRedirect(page, {}, { remember: true });
  const login = await settle(page.evaluate(() => window.rp.loginCallback()));
  assert.equal(login.error, undefined, `loginCallback rejected: ${login.error}`);

  // With the Sigil session and remembered consent, prompt=none succeeds
  // without showing Sigil's pages.
  let back = backAtRP(world, page);
  await page.evaluate(() => window.rp.login({ username: 'alice.crypto', prompt: 'none' }));
  await back;
  const silent = await settle(page.evaluate(() => window.rp.loginCallback()));
  assert.equal(silent.error, undefined, `prompt=none before logout: ${silent.error}`);

  // RP-initiated logout: @uauth/js sends the browser to end_session_endpoint.
  const discovery = await (await fetch(`${world.issuer}/.well-known/openid-configuration`)).json();
  assert.equal(discovery.end_session_endpoint, `${world.issuer}/oauth2/sessions/logout`);
  const endSession = page.waitForResponse((r) => r.url().startsWith(`${discovery.end_session_endpoint}?`));
  const loggedOut = backAtRP(world, page, '/logged-out');
  await page.evaluate(() => window.rp.logout({ state: { bye: 'alice' } }));
  const resp = await endSession;
  const q = new URL(resp.url()).searchParams;
  assert.equal(q.get('id_token_hint'), silent.value.idToken.__raw);
  assert.equal(q.get('post_logout_redirect_uri'), world.rp.url('/logged-out'));
  assert.equal(resp.status(), 303);
  const location = new URL(resp.headers().location);
  assert.equal(location.origin + location.pathname, world.rp.url('/logged-out'));
  assert.equal(location.searchParams.get('state'), q.get('state'));

  // The app reads state back.
  await loggedOut;
  const state = await settle(page.evaluate(() => window.rp.logoutCallback()));
  assert.equal(state.error, undefined, `logoutCallback rejected: ${state.error}`);
  assert.deepEqual(state.value, { bye: 'alice' });
  await page.getByText('Signed out').waitFor();
  assert.equal((await context.cookies(world.issuer)).find((c) => c.name === 'sigil_session'), undefined, 'the sigil_session cookie survived logout');

  // Sigil's session is gone: prompt=none now fails with login_required.
  back = backAtRP(world, page);
  await page.evaluate(() => window.rp.login({ username: 'alice.crypto', prompt: 'none' }));
  await back;
  const after = await settle(page.evaluate(() => window.rp.loginCallback()));
  assert.match(after.error ?? '', /login_required: /, `prompt=none after logout: ${JSON.stringify(after.value ?? after.error)}`);
  assertNoOutsideRequests(outside);
});
