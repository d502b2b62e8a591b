// The person's own page, /account: signed in with the same wallet login
// (the session of an app's sign-in is reused; without one, the ordinary
// login page, and no consent for Sigil's own page), it lists the connected
// app and the live sessions; "Disconnect" revokes the app's consent and
// tokens, "Sign out everywhere" ends every session. Plain HTML forms under
// the strict CSP: no console error, no CSP violation (guardContext).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { allow, enterDomain, expectConsentPage, expectLoginPage, popupLogin } from '../lib/flows.mjs';
import { setup } from '../lib/harness.mjs';

let world;
before(async () => { world = await setup(); }, { timeout: 180_000 });
after(async () => { await world?.close(); });

test('account page: connected app, disconnect, sign out everywhere, sign in again', { timeout: 120_000 }, async (t) => {
  const client = await world.client({ client_name: 'Acme Notes' });
  const ctx = await world.context(t);
  const { page } = ctx;
  await world.openRP(page, client);
  const res = await popupLogin(world, ctx, {
    person: async (popup) => {
      await enterDomain(popup, 'alice.crypto');
      await expectConsentPage(popup, world.issuer);
      await allow(popup, { remember: true });
    },
  });
  assert.equal(res.error, undefined, `loginWithPopup rejected: ${res.error}`);
  const accessToken = res.token.body.access_token;
  const userinfo = () => fetch(`${world.issuer}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } }).then((r) => r.status);
  assert.equal(await userinfo(), 200);

  // The browser's session from the app's sign-in opens the page at once.
  await page.goto(`${world.issuer}/account`);
  await page.getByRole('heading', { level: 1, name: 'alice.crypto' }).waitFor();
  await page.getByRole('list', { name: 'Connected applications' }).getByText('Acme Notes').waitFor();
  await page.getByText('this browser').waitFor();
  const disconnect = page.getByRole('button', { name: 'Disconnect Acme Notes' });
  assert.equal(await disconnect.count(), 1);

  // Disconnect: the consent and the app's token are revoked.
  await disconnect.click();
  await page.getByText('The application was disconnected.').waitFor();
  assert.equal(new URL(page.url()).pathname, '/account');
  assert.equal(await userinfo(), 401);
  const app = page.getByRole('list', { name: 'Connected applications' }).getByRole('listitem');
  assert.match(await app.innerText(), /Asks each time\./);

  // Sign out everywhere.
  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await page.getByRole('heading', { level: 1, name: 'You are signed out.' }).waitFor();

  // Signed out: /account asks for the wallet again, and no consent page
  // follows (Sigil's own page is first-party).
  await page.goto(`${world.issuer}/account`);
  await expectLoginPage(page, world.issuer);
  await enterDomain(page, 'alice.crypto');
  await page.waitForURL((u) => u.origin === world.issuer && u.pathname === '/account');
  await page.getByRole('heading', { level: 1, name: 'alice.crypto' }).waitFor();
  assert.equal(await page.getByText('this browser').count(), 1);
});

test('account page: a forged form (no token) does nothing', { timeout: 120_000 }, async (t) => {
  const ctx = await world.context(t);
  const { page } = ctx;
  await page.goto(`${world.issuer}/account`);
  await expectLoginPage(page, world.issuer);
  await enterDomain(page, 'alice.crypto');
  await page.waitForURL((u) => u.origin === world.issuer && u.pathname === '/account');
  await page.getByRole('heading', { level: 1, name: 'alice.crypto' }).waitFor();
  const csrf = await page.locator('input[name="csrf"]').first().inputValue();

  // Another page posts "sign out everywhere" with the session cookie (on
  // loopback every port is the same site, so SameSite=Lax does not stop
  // it here) but cannot read Sigil's page for the token: a guess fails.
  // The guess differs from the token in its first character only (a fixed
  // 'x' would be the token itself when it starts with one, 1 run in 64).
  const guess = `${csrf[0] === 'x' ? 'y' : 'x'}${csrf.slice(1)}`;
  await page.goto(world.rp.url('/'));
  await page.evaluate(({ action, guess }) => {
    const f = document.createElement('form');
    f.method = 'post';
    f.action = action;
    const i = document.createElement('input');
    i.type = 'hidden';
    i.name = 'csrf';
    i.value = guess;
    f.append(i);
    document.body.append(f);
    f.submit();
  }, { action: `${world.issuer}/account/sessions/end`, guess });
  await page.waitForURL((u) => u.origin === world.issuer && u.pathname === '/account/sessions/end');
  await page.getByText("The form expired or was not sent by Sigil's account page; open /account again.").waitFor();

  // Still signed in.
  await page.goto(`${world.issuer}/account`);
  await page.getByRole('heading', { level: 1, name: 'alice.crypto' }).waitFor();
});
