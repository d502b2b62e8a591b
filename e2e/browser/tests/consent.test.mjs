// The consent page: optional scopes the person may decline, and denying.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { allow, enterDomain, expectConsentPage, popupLogin, settle } from '../lib/flows.mjs';
import { setup } from '../lib/harness.mjs';

let world;
before(async () => { world = await setup(); }, { timeout: 180_000 });
after(async () => { await world?.close(); });

const scopeSet = (s) => new Set(String(s).split(' ').filter(Boolean));

/** consentWith signs in as alice in the popup and does decide(popup) at consent. */
const consentWith = (decide) => async (popup) => {
  await enterDomain(popup, 'alice.crypto');
  await expectConsentPage(popup, world.issuer);
  await decide(popup);
};

test('declining an optional scope: the token lacks it and the app gets no email', { timeout: 90_000 }, async (t) => {
  const client = await world.client({ scope: 'openid wallet email' });
  const ctx = await world.context(t);
  await world.openRP(ctx.page, client, { scope: 'openid wallet email:optional', cacheOptions: { userinfo: false } });

  const res = await popupLogin(world, ctx, {
    person: consentWith(async (popup) => {
      // What the person sees: required scopes checked and locked, email
      // checked but optional.
      const email = popup.getByRole('checkbox', { name: 'See the email address recorded on your domain' });
      const wallet = popup.getByRole('checkbox', { name: 'See the wallet address that owns your domain' });
      assert.ok(await email.isChecked());
      assert.ok(await email.isEnabled());
      assert.ok(await wallet.isChecked());
      assert.ok(await wallet.isDisabled());
      await popup.getByText('Optional: uncheck to keep this to yourself.').waitFor();
      await allow(popup, { uncheck: ['email:optional'] });
    }),
  });
  assert.equal(res.error, undefined, `loginWithPopup rejected: ${res.error}`);
  assert.deepEqual(scopeSet(res.token.body.scope), new Set(['openid', 'wallet']));
  assert.equal(res.value.idToken.email, undefined);
  assert.equal(res.value.idToken.email_verified, undefined);
  assert.equal(res.value.idToken.sub, 'alice.crypto');

  // userinfo agrees.
  const user = await settle(ctx.page.evaluate(() => window.rp.user()));
  assert.equal(user.error, undefined, `user() rejected: ${user.error}`);
  assert.equal(user.value.email, undefined);
  assert.equal(user.value.wallet_address, world.keys.alice.address);
});

test('keeping an optional scope: the token has it and the app gets the email', { timeout: 90_000 }, async (t) => {
  const client = await world.client({ scope: 'openid wallet email' });
  const ctx = await world.context(t);
  await world.openRP(ctx.page, client, { scope: 'openid wallet email:optional' });
  const res = await popupLogin(world, ctx, { person: consentWith((popup) => allow(popup)) });
  assert.equal(res.error, undefined, `loginWithPopup rejected: ${res.error}`);
  assert.deepEqual(scopeSet(res.token.body.scope), new Set(['openid', 'wallet', 'email']));
  assert.equal(res.value.idToken.email, 'alice@example.com');
});

test('denying: the app gets access_denied', { timeout: 90_000 }, async (t) => {
  const client = await world.client();
  const ctx = await world.context(t);
  await world.openRP(ctx.page, client);
  const res = await popupLogin(world, ctx, {
    person: consentWith((popup) => popup.getByRole('button', { name: 'Deny', exact: true }).click()),
  });
  assert.match(res.error ?? '', /access_denied: /, `loginWithPopup: ${JSON.stringify(res.value ?? res.error)}`);
});
