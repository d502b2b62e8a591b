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
  await page.getByRole('button', { name: 'Continue', exact: true }).click();

  // The development wallet is the only one announced, so the page may sign
  // with it directly, or list it to choose from.
  const consent = expectConsentPage(page, sigil.issuer).then(() => 'consent');
  consent.catch(() => {});
  const devWallet = page.getByRole('button', { name: 'Sigil development wallet' });
  const choice = devWallet.waitFor().then(() => 'choice');
  choice.catch(() => {});
  const first = await Promise.race([consent, choice]);
  if (first === 'choice') {
    assert.equal(await page.locator('#wallet-list li').count(), 1, 'only the development wallet is listed');
    await devWallet.click();
    await consent;
  }

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
  const tokens = await shownJSON(page, 'Token response');
  assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  assert.equal(await page.locator('#error').innerText(), '');
  // The code is gone from the address bar.
  assert.equal(new URL(page.url()).search, '');
  await shot(page, 'demo-callback.png');

  assert.deepEqual(consoleErrors, [], 'browser console errors');
  assert.deepEqual(cspViolations, [], 'Content-Security-Policy violations');
  assertNoOutsideRequests(outside);
});
