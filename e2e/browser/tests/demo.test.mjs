// The newcomer's first experience: `sigil serve --dev` and its demo relying
// party at /demo, signed in with the development wallet that the login page
// itself carries (no test wallet is injected here). --dev generates the
// wallet key (dev-wallet.key in the data dir), a registry in which that
// wallet owns alice.crypto, and the public client sigil-demo.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Wallet } from 'ethers';
import { chromium } from 'playwright-core';
import { allow, assertNoOutsideRequests, expectConsentPage, expectLoginPage, navigatedTo } from '../lib/flows.mjs';
import { CHROMIUM, CHROMIUM_ARGS, VIEWPORT, guardContext } from '../lib/harness.mjs';
import { prepare, shot } from '../lib/screenshots.mjs';
import { buildSigil, startSigil } from '../lib/sigil.mjs';

let tmp;
let sigil;
let browser;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'sigil-browser-bin-'));
  const bin = await buildSigil(tmp);
  // No --domains: under --dev Sigil serves its own demo registry.
  sigil = await startSigil({ bin, domains: null, extraArgs: ['--dev'] });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  await prepare();
}, { timeout: 180_000 });
after(async () => {
  await browser?.close();
  await sigil?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** devWalletAddress is the address of the key --dev wrote into the data dir. */
async function devWalletAddress() {
  const key = (await readFile(path.join(sigil.dataDir, 'dev-wallet.key'), 'utf8')).trim();
  return new Wallet(key.startsWith('0x') ? key : `0x${key}`).address;
}

/**
 * shownJSON parses the JSON that the callback page shows under the heading
 * title (its <pre> region, named by that heading).
 */
async function shownJSON(page, title) {
  const region = page.locator('pre.json').and(page.getByRole('region', { name: title }));
  await region.waitFor();
  return JSON.parse(await region.innerText());
}

test('sigil serve --dev: /demo signs in as alice.crypto with the development wallet', { timeout: 90_000 }, async (t) => {
  const address = await devWalletAddress();
  assert.match(sigil.logs(), new RegExp(`dev wallet: +${address}`), 'the banner names the development wallet');

  // A plain browser: no wallet of the test, only the guard that keeps
  // every request on this machine (nothing is answered for the outside).
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'en-US', timezoneId: 'UTC' });
  const { outside, consoleErrors, cspViolations } = await guardContext(t, context, { logs: () => sigil.logs() });
  const page = await context.newPage();

  await page.goto(`${sigil.issuer}/demo`);
  await page.getByRole('heading', { level: 1, name: 'Sigil demo application' }).waitFor();
  assert.equal(await page.getByRole('textbox', { name: 'Domain to sign in with' }).inputValue(), 'alice.crypto');
  const signIn = page.getByRole('button', { name: 'Sign in with alice.crypto' });
  await signIn.waitFor();
  await shot(page, 'demo.png');

  const authRequest = page.waitForRequest((r) => r.url().startsWith(`${sigil.issuer}/oauth2/auth?`));
  await signIn.click();
  const auth = new URL((await authRequest).url()).searchParams;
  assert.equal(auth.get('client_id'), 'sigil-demo');
  assert.equal(auth.get('redirect_uri'), `${sigil.issuer}/demo/callback`);
  assert.equal(auth.get('code_challenge_method'), 'S256');
  assert.equal(auth.get('login_hint'), 'alice.crypto');

  // Sigil's login page, with the development wallet box.
  await expectLoginPage(page, sigil.issuer);
  const box = page.getByRole('complementary', { name: /^Development wallet/ });
  await box.waitFor();
  assert.match(await box.getByRole('heading').innerText(), /for local testing only, never use with real funds/);
  await page.locator('#devwallet-address').filter({ hasText: address }).waitFor();
  assert.equal(await page.getByRole('textbox', { name: 'Your domain' }).inputValue(), 'alice.crypto');
  // Focus starts in the domain field.
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'domain');
  await page.getByRole('button', { name: 'Continue', exact: true }).click();

  // The real steps: the development wallet is listed as a choice (it is
  // the only wallet) and nothing is signed before the person chooses it.
  await page.getByRole('heading', { name: 'Step 2 of 3 Choose your wallet' }).waitFor();
  const devWallet = page.getByRole('button', { name: 'Sigil development wallet' });
  await devWallet.waitFor();
  assert.equal(await page.locator('#wallet-list li').count(), 1, 'only the development wallet is listed');
  assert.match(page.url(), /\/login\?flow=/);
  await shot(page, 'demo-wallet-choice.png');
  await devWallet.click();

  // It asks in the page, as a wallet's pop-up does: declining first...
  await page.getByRole('heading', { name: 'Step 3 of 3 Sign the message' }).waitFor();
  const prompt = page.getByRole('dialog', { name: 'Signature request' });
  await prompt.waitFor();
  assert.match(await prompt.locator('pre').innerText(), /Request ID: /);
  assert.equal(await page.locator('#sign').innerText(), 'Waiting for your wallet…');
  assert.ok(await page.locator('#sign').isDisabled());
  await shot(page, 'demo-signature-request.png', { fullPage: false });
  await prompt.getByRole('button', { name: 'Decline' }).click();
  await page.locator('#error').getByText('You declined the signature request.').waitFor();
  assert.match(page.url(), /\/login\?flow=/);

  // ...then signing.
  await page.getByRole('button', { name: 'Try again' }).click();
  await prompt.getByRole('button', { name: 'Sign', exact: true }).click();
  await expectConsentPage(page, sigil.issuer);
  // The demo asks for everything the demo domain's records can fill.
  for (const name of ['email:optional', 'profile:optional', 'social:optional']) {
    await page.locator(`input[name="scope"][value="${name}"]`).waitFor();
  }
  await shot(page, 'demo-consent.png');

  const back = navigatedTo(page, (u) => u.origin === sigil.issuer && u.pathname === '/demo/callback');
  await allow(page);
  await back;

  // The callback page exchanges the code and shows what it got.
  await page.getByRole('status').filter({ hasText: 'Signed in as alice.crypto.' }).waitFor();
  const claims = await shownJSON(page, 'ID token claims');
  // Who signed in is in view first, not below the fold of the box.
  assert.deepEqual(Object.keys(claims).slice(0, 2), ['sub', 'wallet_address']);
  assert.equal(claims.sub, 'alice.crypto');
  assert.equal(claims.iss, sigil.issuer);
  assert.equal(claims.aud === 'sigil-demo' || (Array.isArray(claims.aud) && claims.aud.includes('sigil-demo')), true, `aud ${JSON.stringify(claims.aud)}`);
  assert.equal(claims.wallet_address, address);
  await page.getByText('The nonce claim matches the one this demo sent.').waitFor();
  const userinfo = await shownJSON(page, 'UserInfo response');
  assert.equal(userinfo.sub, 'alice.crypto');
  assert.equal(userinfo.wallet_address, address);
  // The demo domain's records fill every claim the demo asked for.
  const expected = {
    email: 'alice@example.com',
    email_verified: false,
    name: 'Alice Liddell',
    picture: `${sigil.issuer}/static/img/demo-avatar.svg`,
    website: 'https://example.com/alice',
    location: 'Oxford, England',
    bio: 'Curious. Follows white rabbits.',
    phone_number: '+44 20 7946 0958',
    twitter: 'alice',
    discord: 'alice.liddell',
    telegram: 'alice_liddell',
    reddit: 'alice_liddell',
    youtube: 'aliceliddell',
  };
  for (const [claim, value] of Object.entries(expected)) {
    assert.deepEqual(claims[claim], value, `ID token claim ${claim}`);
    assert.deepEqual(userinfo[claim], value, `UserInfo claim ${claim}`);
  }
  // The avatar is served by Sigil itself.
  assert.equal((await page.request.get(claims.picture)).status(), 200);
  const tokens = await shownJSON(page, 'Token response');
  assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  assert.equal(await page.locator('#error').innerText(), '');
  // The code is gone from the address bar.
  assert.equal(new URL(page.url()).search, '');
  await shot(page, 'demo-callback.png');

  // A reload shows the same result and says the sign-in already finished;
  // never state_mismatch.
  await page.reload();
  await page.getByText('This sign-in already finished.').waitFor();
  assert.equal(await page.locator('#error').innerText(), '');
  assert.equal((await shownJSON(page, 'ID token claims')).sub, 'alice.crypto');
  await page.getByRole('status').filter({ hasText: 'Signed in as alice.crypto.' }).waitFor();
  await shot(page, 'demo-callback-reloaded.png');

  // Back after signing in: Sigil's consent page of the finished flow says
  // so and leads back to the demo (its client_uri).
  await page.goBack();
  await page.waitForURL((u) => u.pathname === '/consent');
  await page.getByRole('heading', { level: 1, name: 'This sign-in is already finished' }).waitFor();
  assert.match(await page.locator('main').innerText(), /You signed in to Sigil demo as alice\.crypto\./);
  const backLink = page.getByRole('link', { name: 'Back to Sigil demo' });
  assert.equal(await backLink.getAttribute('href'), `${sigil.issuer}/demo`);
  await shot(page, 'flow-finished.png');
  await backLink.click();
  await page.getByRole('heading', { level: 1, name: 'Sigil demo application' }).waitFor();

  // "Sign in again" on the result page starts a new sign-in.
  await page.goto(`${sigil.issuer}/demo/callback`);
  await page.getByText('This sign-in already finished.').waitFor();
  const again = page.waitForRequest((r) => r.url().startsWith(`${sigil.issuer}/oauth2/auth?`));
  await page.getByRole('button', { name: 'Sign in again' }).click();
  const second = new URL((await again).url()).searchParams;
  assert.equal(second.get('login_hint'), 'alice.crypto');
  assert.notEqual(second.get('state'), auth.get('state'));

  assert.deepEqual(consoleErrors, [], 'browser console errors');
  assert.deepEqual(cspViolations, [], 'Content-Security-Policy violations');
  assertNoOutsideRequests(outside);
});

test("sigil serve --dev: the issuer's root URL says what the server is", { timeout: 60_000 }, async (t) => {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'en-US', timezoneId: 'UTC' });
  const { consoleErrors, cspViolations } = await guardContext(t, context, { logs: () => sigil.logs() });
  const page = await context.newPage();
  const resp = await page.goto(`${sigil.issuer}/`);
  assert.equal(resp.status(), 200);
  await page.getByRole('heading', { level: 1, name: 'Sigil' }).waitFor();
  assert.match(await page.locator('main').innerText(), /OpenID Connect provider/);
  assert.equal(await page.getByRole('link', { name: '/.well-known/openid-configuration' }).getAttribute('href'), `${sigil.issuer}/.well-known/openid-configuration`);
  assert.equal(await page.getByRole('link', { name: 'The demo application' }).getAttribute('href'), `${sigil.issuer}/demo`);
  await shot(page, 'home.png');

  // Other unknown paths stay JSON for API clients.
  const other = await page.request.get(`${sigil.issuer}/no-such-path`);
  assert.equal(other.status(), 404);
  assert.equal((await other.json()).error, 'not_found');
  assert.deepEqual(consoleErrors, [], 'browser console errors');
  assert.deepEqual(cspViolations, [], 'Content-Security-Policy violations');
});
