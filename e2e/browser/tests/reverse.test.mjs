// "Connect a wallet to find your domains" on the login page: the page asks
// the wallet for its account, Sigil's POST /login/reverse lists the domains
// that point back to it, and choosing one signs in with it.
//
// The first test runs against Sigil's real endpoint and registry. The others
// pin the page's behaviour for answers the test registry cannot give (many
// domains, none, an outage) by answering /login/reverse in the browser.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { alertText, expectConsentPage, finishRedirectLogin, shortAddress, startRedirectLogin } from '../lib/flows.mjs';
import { setup } from '../lib/harness.mjs';

let world;
before(async () => { world = await setup(); }, { timeout: 180_000 });
after(async () => { await world?.close(); });

async function open(t, contextOptions = {}) {
  const client = await world.client();
  const ctx = await world.context(t, contextOptions);
  await world.openRP(ctx.page, client);
  await startRedirectLogin(world, ctx.page);
  return ctx;
}

/** stubReverse answers POST /login/reverse with status and body, recording requests. */
async function stubReverse(context, status, body) {
  const seen = [];
  await context.route(`${world.issuer}/login/reverse`, (route) => {
    seen.push(route.request().postDataJSON());
    return route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
  });
  return seen;
}

const findButton = (page) => page.getByRole('button', { name: 'Connect a wallet to find your domains' });

test('connect a wallet: Sigil lists the domains pointing back to it; choosing one signs in', { timeout: 90_000 }, async (t) => {
  const { page, wallet } = await open(t);
  const reverse = page.waitForResponse((r) => r.url() === `${world.issuer}/login/reverse`);
  await findButton(page).click();
  const resp = await reverse;
  assert.deepEqual(resp.request().postDataJSON(), { flow: new URL(page.url()).searchParams.get('flow'), address: world.keys.alice.address });
  const body = await resp.json();
  assert.equal(resp.status(), 200, `POST /login/reverse: ${JSON.stringify(body)}`);
  assert.deepEqual(body, { domains: ['alice.crypto'] });

  await page.getByRole('heading', { name: `Your domain (${shortAddress(world.keys.alice.address)})` }).waitFor();
  await page.getByRole('button', { name: 'Continue as alice.crypto' }).click();
  const res = await finishRedirectLogin(world, page);
  assert.equal(res.error, undefined, `loginCallback rejected: ${res.error}`);
  assert.equal(res.value.idToken.sub, 'alice.crypto');
  assert.equal(wallet.signed.length, 1);
});

test('the page lists several domains as buttons; the chosen one fills the field and continues', { timeout: 90_000 }, async (t) => {
  const { context, page, wallet } = await open(t);
  const seen = await stubReverse(context, 200, { domains: ['wonderland.crypto', 'alice.crypto'] });
  await findButton(page).click();
  await page.getByRole('heading', { name: `Your domains (${shortAddress(world.keys.alice.address)})` }).waitFor();
  await page.getByRole('status').filter({ hasText: '2 domains found. Choose one to continue.' }).waitFor();
  const choices = page.locator('#found-list button');
  assert.deepEqual(await choices.allInnerTexts(), ['wonderland.crypto\nContinue →', 'alice.crypto\nContinue →']);
  assert.equal(seen.length, 1);
  assert.equal(seen[0].address, world.keys.alice.address);

  await page.getByRole('button', { name: 'Continue as alice.crypto' }).click();
  await expectConsentPage(page, world.issuer);
  // The wallet connected to find the domains signed; it was not chosen twice.
  assert.deepEqual(wallet.requests.map((r) => r.method), ['eth_requestAccounts', 'eth_requestAccounts', 'personal_sign']);
  const res = await finishRedirectLogin(world, page);
  assert.equal(res.error, undefined, `loginCallback rejected: ${res.error}`);
});

test('no domain points back: the page says so and typing the domain still works', { timeout: 90_000 }, async (t) => {
  const { context, page } = await open(t);
  await stubReverse(context, 200, { domains: [] });
  await findButton(page).click();
  await page.getByRole('heading', { name: `No domain found for ${shortAddress(world.keys.alice.address)}` }).waitFor();
  await page.getByText('No domain points back to this account (its reverse record is not set). Type your domain above instead.').waitFor();
  await page.getByRole('textbox', { name: 'Your domain' }).fill('alice.crypto');
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  const res = await finishRedirectLogin(world, page);
  assert.equal(res.error, undefined, `loginCallback rejected: ${res.error}`);
});

test('the lookup fails: a visible error with Sigil\'s explanation', { timeout: 60_000 }, async (t) => {
  const { context, page } = await open(t);
  await stubReverse(context, 503, {
    error: 'temporarily_unavailable',
    error_description: 'The authorization server is currently unable to handle the request. The domains of the address could not be looked up right now; try again in a moment.',
  });
  await findButton(page).click();
  assert.equal(
    await alertText(page),
    'The authorization server is currently unable to handle the request. The domains of the address could not be looked up right now; try again in a moment. Error code: temporarily_unavailable',
  );
  assert.ok(await findButton(page).isEnabled());
  assert.ok(await page.locator('#found').isHidden());
});

test('the person declines the connection: a visible error, nothing is looked up', { timeout: 60_000 }, async (t) => {
  const { context, page, wallet } = await open(t);
  const seen = await stubReverse(context, 200, { domains: ['alice.crypto'] });
  wallet.mode = 'decline-connect';
  await findButton(page).click();
  assert.equal(
    await alertText(page),
    'You declined the connection request. Press “Connect a wallet to find your domains” to try again, or type your domain. Error code: user_rejected (4001)',
  );
  assert.equal(seen.length, 0);
});

test('two wallets: the person chooses which one to connect, and that one signs', { timeout: 90_000 }, async (t) => {
  const { context, page, wallet } = await open(t, { wallets: 2 });
  await stubReverse(context, 200, { domains: ['alice.crypto'] });
  await findButton(page).click();
  await page.getByRole('heading', { name: 'Choose your wallet' }).waitFor();
  await page.getByText('Choose the wallet to connect. Sigil lists the domains that point back to its account.').waitFor();
  assert.ok(await page.getByText('Step 2 of 3').isHidden());
  await page.getByRole('button', { name: 'Other Wallet' }).click();
  await page.getByRole('button', { name: 'Continue as alice.crypto' }).click();
  await expectConsentPage(page, world.issuer);
  assert.deepEqual(wallet.requests.map((r) => `${r.wallet} ${r.method}`), ['w2 eth_requestAccounts', 'w2 eth_requestAccounts', 'w2 personal_sign']);
});
