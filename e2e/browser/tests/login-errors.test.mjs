// What a person sees when signing in goes wrong, and that the page lets
// them recover: a wallet that does not own the domain, a signature by
// another key, an unregistered domain, a declined signature, and flows
// that belong to another browser, do not exist or are finished.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { alertText, backAtRP, enterDomain, finishRedirectLogin, shortAddress, startRedirectLogin } from '../lib/flows.mjs';
import { setup } from '../lib/harness.mjs';

let world;
before(async () => { world = await setup(); }, { timeout: 180_000 });
after(async () => { await world?.close(); });

/** open starts a redirect login from the app; the browser is on Sigil's login page. */
async function open(t, contextOptions = {}, loginOptions = {}) {
  const client = await world.client();
  const ctx = await world.context(t, contextOptions);
  await world.openRP(ctx.page, client);
  await startRedirectLogin(world, ctx.page, loginOptions);
  return { ...ctx, client };
}

test('a wallet that does not own the domain: the page names the owner; the right key then succeeds', { timeout: 90_000 }, async (t) => {
  const { page, wallet } = await open(t, { key: 'stranger' });
  const alice = world.keys.alice.address;
  const stranger = world.keys.stranger.address;
  await enterDomain(page, 'alice.crypto');

  const text = await alertText(page);
  assert.equal(
    text,
    `This wallet (${shortAddress(stranger)}) does not own alice.crypto; switch to the owner account ${shortAddress(alice)} and try again. Error code: wrong_account`,
  );
  // The sign step names the owner in full, and nothing was signed.
  await page.getByRole('heading', { name: 'Step 3 of 3 Sign the message' }).waitFor();
  assert.equal(await page.locator('#step-sign [data-show="owner"]').innerText(), alice);
  assert.equal(wallet.signed.length, 0);

  wallet.use('alice');
  await page.getByRole('button', { name: 'Try again' }).click();
  const res = await finishRedirectLogin(world, page);
  assert.equal(res.error, undefined, `loginCallback rejected: ${res.error}`);
  assert.equal(res.value.idToken.sub, 'alice.crypto');
  assert.equal(res.value.idToken.wallet_address, alice);
});

test('a signature by another key than the owner: Sigil refuses it, visibly', { timeout: 90_000 }, async (t) => {
  const { page, wallet } = await open(t);
  wallet.signWith = 'stranger';
  await enterDomain(page, 'alice.crypto');
  const text = await alertText(page);
  assert.equal(
    text,
    `The signature is not of the current sign-in message by ${world.keys.alice.address}, the owner of alice.crypto; sign the latest message POST /login/challenge returned, with that wallet. Error code: request_unauthorized`,
  );
  assert.equal(wallet.signed.length, 1);

  // The same page recovers with a fresh message.
  wallet.signWith = null;
  await page.getByRole('button', { name: 'Try again' }).click();
  const res = await finishRedirectLogin(world, page);
  assert.equal(res.error, undefined, `loginCallback rejected: ${res.error}`);
  assert.equal(wallet.signed.length, 2);
  assert.notEqual(wallet.signed[0], wallet.signed[1], 'the retry signed the same message again');
});

test('an unregistered domain: a visible error, and the person can correct it', { timeout: 90_000 }, async (t) => {
  const { page, wallet } = await open(t);
  await enterDomain(page, 'nobody.crypto');
  assert.equal(await alertText(page), 'The domain nobody.crypto is not registered; check the spelling. Error code: not_found');
  const input = page.getByRole('textbox', { name: 'Your domain' });
  assert.equal(await input.getAttribute('aria-invalid'), 'true');
  assert.ok(await input.isVisible(), 'the domain step is no longer shown');
  assert.deepEqual(wallet.requests, [], 'the wallet was asked although the domain is unknown');

  await enterDomain(page, 'alice.crypto');
  const res = await finishRedirectLogin(world, page);
  assert.equal(res.error, undefined, `loginCallback rejected: ${res.error}`);
  assert.equal(res.value.idToken.sub, 'alice.crypto');
});

test('a declined signature: a visible error, then signing succeeds', { timeout: 90_000 }, async (t) => {
  const { page, wallet } = await open(t);
  wallet.decline();
  await enterDomain(page, 'alice.crypto');
  assert.equal(await alertText(page), 'You declined the signature request. Press “Try again” to sign. Error code: user_rejected (4001)');
  assert.equal(wallet.signed.length, 0);

  wallet.sign();
  await page.getByRole('button', { name: 'Try again' }).click();
  const res = await finishRedirectLogin(world, page);
  assert.equal(res.error, undefined, `loginCallback rejected: ${res.error}`);
});

test('a flow opened in another browser: an error page, no way back to the app', { timeout: 90_000 }, async (t) => {
  const { page } = await open(t);
  const loginURL = page.url();
  const other = await world.context(t);
  const resp = await other.page.goto(loginURL);
  assert.equal(resp.status(), 403);
  await other.page.getByRole('heading', { level: 1, name: 'Sign-in could not continue' }).waitFor();
  const body = await other.page.locator('main').innerText();
  // What happened and what to do come first; the code, status and the
  // specification's text are small print for support.
  const hint = body.indexOf('This sign-in flow belongs to another browser (or cookies are blocked); start again from the application.');
  const support = body.indexOf('Details for support: request_forbidden · HTTP 403 Forbidden');
  const spec = body.indexOf('The request is not allowed.');
  assert.ok(hint >= 0 && hint < support && support < spec, `hint at ${hint}, support at ${support}, spec text at ${spec}:\n${body}`);
  assert.match(body, /request [0-9a-f]{16}/, 'the request id is shown for support');
  assert.equal(await other.page.locator(`a[href^="${world.rp.origin}"]`).count(), 0, 'the error page links to the app');
  // The flow still works in its own browser.
  await enterDomain(page, 'alice.crypto');
  const res = await finishRedirectLogin(world, page);
  assert.equal(res.error, undefined, `loginCallback rejected: ${res.error}`);
});

test('Back after signing in, and an old login link: the sign-in is finished, with a way back to the app', { timeout: 90_000 }, async (t) => {
  const { page } = await open(t);
  const loginURL = page.url();
  await enterDomain(page, 'alice.crypto');
  const res = await finishRedirectLogin(world, page);
  assert.equal(res.error, undefined, `loginCallback rejected: ${res.error}`);

  // The Back button from the app lands on the finished flow's consent page.
  await page.goBack();
  await page.waitForURL((u) => u.origin === world.issuer && u.pathname === '/consent');
  await page.getByRole('heading', { level: 1, name: 'This sign-in is already finished' }).waitFor();
  const main = await page.locator('main').innerText();
  assert.match(main, /You signed in to Test RP as alice\.crypto\./);
  assert.doesNotMatch(main, /invalid_request|missing a required parameter/);
  // Test RP registered no client_uri: the way back is its redirect URI's origin.
  const back = page.getByRole('link', { name: 'Back to Test RP' });
  assert.equal(await back.getAttribute('href'), `${world.rp.origin}/`);

  // The finished flow's login page says the same.
  const resp = await page.goto(loginURL);
  assert.equal(resp.status(), 200);
  await page.getByRole('heading', { level: 1, name: 'This sign-in is already finished' }).waitFor();
  await back.click();
  await page.waitForURL((u) => u.origin === world.rp.origin);
});

test('an unknown flow: an error page that says why', { timeout: 90_000 }, async (t) => {
  const { page } = await world.context(t);
  const resp = await page.goto(`${world.issuer}/login?flow=no-such-flow`);
  assert.equal(resp.status(), 404);
  await page.getByRole('heading', { level: 1, name: 'Sign-in could not continue' }).waitFor();
  assert.match(await page.locator('main').innerText(), /There is no sign-in flow 'no-such-flow'; start again from the application\./);
});

test('a declined sign-in: coming back says so and leads back to the app', { timeout: 90_000 }, async (t) => {
  const { page } = await open(t, {}, {});
  await enterDomain(page, 'alice.crypto');
  await page.waitForURL((u) => u.pathname === '/consent');
  const consentURL = page.url();
  const back = backAtRP(world, page);
  await page.getByRole('button', { name: 'Deny', exact: true }).click();
  await back;
  await page.goto(consentURL);
  await page.getByRole('heading', { level: 1, name: 'You declined this sign-in' }).waitFor();
  await page.getByRole('link', { name: 'Back to Test RP' }).waitFor();
});
