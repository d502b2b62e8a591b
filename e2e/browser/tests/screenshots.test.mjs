// The pages as people see them: every state of the login and consent pages
// and the error pages, rendered in Chromium. With UPDATE_SCREENSHOTS=1 the
// PNGs under docs/screenshots/ are rewritten (look at them before
// committing); otherwise each state is only rendered and checked: the
// expected text is visible and nothing overflows the window sideways.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { alertText, enterDomain, expectConsentPage, startRedirectLogin } from '../lib/flows.mjs';
import { setup } from '../lib/harness.mjs';
import { prepare, shot } from '../lib/screenshots.mjs';

let world;
before(async () => {
  world = await setup();
  await prepare();
}, { timeout: 180_000 });
after(async () => { await world?.close(); });

/** open starts a login from the app with the given scope. */
async function open(t, { scope = 'openid wallet email:optional profile:optional', contextOptions = {}, clientOptions = {} } = {}) {
  const client = await world.client({ client_name: 'Acme Notes', client_uri: 'https://notes.acme.example/', ...clientOptions });
  const ctx = await world.context(t, contextOptions);
  await world.openRP(ctx.page, client, { scope });
  await startRedirectLogin(world, ctx.page);
  return ctx;
}

test('login: domain entry', { timeout: 60_000 }, async (t) => {
  const { page } = await open(t);
  await page.getByRole('heading', { name: 'Step 1 of 3 Enter your domain' }).waitFor();
  await page.getByRole('button', { name: 'Connect a wallet to find your domains' }).waitFor();
  await shot(page, 'login-domain.png');
});

test('login: domain entry on a phone', { timeout: 60_000 }, async (t) => {
  const { page } = await open(t, { contextOptions: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } });
  await page.getByRole('heading', { name: 'Step 1 of 3 Enter your domain' }).waitFor();
  await shot(page, 'login-domain-mobile.png');
});

test('login: wallet choice with two wallets announced', { timeout: 60_000 }, async (t) => {
  const { page } = await open(t, { contextOptions: { wallets: 2 } });
  await enterDomain(page, 'alice.crypto');
  await page.getByRole('heading', { name: 'Step 2 of 3 Choose your wallet' }).waitFor();
  await page.getByRole('button', { name: 'Test Wallet' }).waitFor();
  await page.getByRole('button', { name: 'Other Wallet' }).waitFor();
  await shot(page, 'login-wallet-choice.png');
});

test('login: waiting for the signature', { timeout: 60_000 }, async (t) => {
  const { page, wallet } = await open(t);
  const held = wallet.hold();
  await enterDomain(page, 'alice.crypto');
  await held;
  await page.getByText('Waiting for your wallet… Sign the message in Test Wallet.').waitFor();
  await page.getByRole('heading', { name: 'Step 3 of 3 Sign the message' }).waitFor();
  await shot(page, 'login-waiting-for-signature.png');
  wallet.release('decline');
});

test('login: domains found for the connected wallet', { timeout: 60_000 }, async (t) => {
  const { context, page } = await open(t);
  await context.route(`${world.issuer}/login/reverse`, (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ domains: ['alice.crypto', 'wonderland.crypto'] }) }));
  await page.getByRole('button', { name: 'Connect a wallet to find your domains' }).click();
  await page.getByRole('button', { name: 'Continue as wonderland.crypto' }).waitFor();
  await shot(page, 'login-domains-found.png');
});

test('consent with optional scopes', { timeout: 60_000 }, async (t) => {
  const { page } = await open(t, {
    scope: 'openid wallet email:optional profile:optional',
    clientOptions: { policy_uri: 'https://notes.acme.example/privacy', tos_uri: 'https://notes.acme.example/terms' },
  });
  await enterDomain(page, 'alice.crypto');
  await expectConsentPage(page, world.issuer);
  await page.getByRole('checkbox', { name: 'See the email address recorded on your domain' }).waitFor();
  await shot(page, 'consent.png');
});

test('error: wrong wallet', { timeout: 60_000 }, async (t) => {
  const { page } = await open(t, { contextOptions: { key: 'stranger' } });
  await enterDomain(page, 'alice.crypto');
  assert.match(await alertText(page), /does not own alice\.crypto/);
  await shot(page, 'error-wrong-wallet.png');
});

test('error: unregistered domain', { timeout: 60_000 }, async (t) => {
  const { page } = await open(t);
  await enterDomain(page, 'nobody.crypto');
  assert.match(await alertText(page), /nobody\.crypto is not registered/);
  await shot(page, 'error-unregistered-domain.png');
});

test('error: declined signature', { timeout: 60_000 }, async (t) => {
  const { page, wallet } = await open(t);
  wallet.decline();
  await enterDomain(page, 'alice.crypto');
  assert.match(await alertText(page), /You declined the signature request/);
  await shot(page, 'error-declined-signature.png');
});

test('error page: a flow of another browser', { timeout: 60_000 }, async (t) => {
  const { page } = await open(t);
  const other = await world.context(t);
  await other.page.goto(page.url());
  await other.page.getByRole('heading', { name: 'Sign-in could not continue' }).waitFor();
  await shot(other.page, 'error-foreign-flow.png');
});

test('error page: an unknown or expired flow', { timeout: 60_000 }, async (t) => {
  const { page } = await world.context(t);
  await page.goto(`${world.issuer}/login?flow=2P4hGexpiredOrUnknownFlow0000000`);
  await page.getByRole('heading', { name: 'Sign-in could not continue' }).waitFor();
  await shot(page, 'error-unknown-flow.png');
});
