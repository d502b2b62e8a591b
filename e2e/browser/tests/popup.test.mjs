// @uauth/js loginWithPopup() against Sigil: the popup shows Sigil's login
// and consent pages, the test wallet signs, and the app receives the user.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { allow, assertNoOutsideRequests, enterDomain, expectConsentPage, popupLogin } from '../lib/flows.mjs';
import { setup } from '../lib/harness.mjs';

let world;
before(async () => { world = await setup(); }, { timeout: 180_000 });
after(async () => { await world?.close(); });

test('loginWithPopup: alice signs in through the popup and the app receives her', { timeout: 90_000 }, async (t) => {
  const client = await world.client();
  const ctx = await world.context(t);
  const { page, wallet, outside } = ctx;
  await world.openRP(page, client);
  const alice = world.keys.alice.address;

  const res = await popupLogin(world, ctx, {
    person: async (popup) => {
      // What the person sees: the app's name, an empty domain field (the
      // app sent no login_hint) and what the app asks for.
      await popup.getByRole('heading', { level: 1, name: 'Sign in to Test RP' }).waitFor();
      assert.equal(await popup.getByRole('textbox', { name: 'Your domain' }).inputValue(), '');
      await popup.getByText('See the wallet address that owns your domain').waitFor();
      await enterDomain(popup, 'alice.crypto');
      await expectConsentPage(popup, world.issuer);
      await popup.getByText('Signing in as alice.crypto').waitFor();
      await popup.getByText(alice).waitFor();
      await allow(popup);
    },
  });
  assert.equal(res.error, undefined, `loginWithPopup rejected: ${res.error}`);
  const { idToken, scope } = res.value;

  // The wallet was asked once, for Sigil's message naming the owner and the domain.
  assert.equal(wallet.signed.length, 1);
  const message = wallet.signed[0];
  assert.match(message, new RegExp(`^127\\.0\\.0\\.1:\\d+ wants you to sign in with your Ethereum account:\\n${alice}\\n`));
  assert.match(message, /\nI consent to giving access to: openid wallet\n/);
  assert.match(message, /\nURI: uns:alice\.crypto\n/);
  assert.match(message, /\nRequest ID: [\w-]+$/);

  // What the app receives.
  assert.equal(idToken.sub, 'alice.crypto');
  assert.equal(idToken.iss, world.issuer);
  assert.equal(idToken.aud, client.client_id);
  assert.equal(idToken.acr, 'sig');
  assert.deepEqual(idToken.amr, ['swk', `v1.sig.ethereum.${alice}`]);
  assert.equal(idToken.wallet_address, alice);
  assert.equal(idToken.wallet_type_hint, 'web3');
  assert.equal(idToken.eip4361_message, message);
  assert.match(idToken.eip4361_signature, /^0x[0-9a-f]{130}$/);
  assert.equal(scope, 'openid wallet');
  assert.equal(res.token.status, 200);
  assert.equal(res.token.body.token_type.toLowerCase(), 'bearer');
  assert.equal(res.token.body.scope, 'openid wallet');
  assert.ok(res.value.accessToken.startsWith('sigil_at_'));
  assert.equal(res.token.headers['access-control-allow-origin'], world.rp.origin);

  // The popup is gone and the app shows the person as signed in.
  assert.ok(res.popup.isClosed(), 'the popup is still open');
  await page.getByText('Signed in as alice.crypto').waitFor();
  assertNoOutsideRequests(outside);
});

test('getAuthorizationAccount(): the signing address is a verified address with its proof', { timeout: 90_000 }, async (t) => {
  const client = await world.client();
  const ctx = await world.context(t);
  await world.openRP(ctx.page, client);
  const alice = world.keys.alice.address;

  const res = await popupLogin(world, ctx);
  assert.equal(res.error, undefined, `loginWithPopup rejected: ${res.error}`);
  const { idToken, account, accountError } = res.value;
  assert.equal(accountError, null);

  // Login with Unstoppable's claims: verified_addresses and proof.
  const amr = `v1.sig.ethereum.${alice}`;
  assert.ok(Array.isArray(idToken.verified_addresses), `the ID token has no verified_addresses claim; its claims: ${Object.keys(idToken).sort().join(', ')}`);
  const verified = idToken.verified_addresses.find((v) => v.address === alice);
  assert.ok(verified, `verified_addresses does not list ${alice}: ${JSON.stringify(idToken.verified_addresses)}`);
  assert.equal(verified.symbol, 'ETH');
  assert.equal(verified.proof.message, idToken.eip4361_message);
  assert.equal(verified.proof.signature, idToken.eip4361_signature);
  assert.ok(idToken.proof && idToken.proof[amr], `the ID token has no proof["${amr}"]`);
  assert.equal(idToken.proof[amr].message, idToken.eip4361_message);
  assert.equal(idToken.proof[amr].signature, idToken.eip4361_signature);
  assert.equal(idToken.proof[amr].type, 'onchain');
  assert.equal(idToken.proof[amr].template.params.address, alice);
  assert.equal(idToken.proof[amr].template.params.uri, 'uns:alice.crypto');

  // What the app gets from @uauth/js.
  assert.deepEqual(account, {
    address: alice,
    message: idToken.eip4361_message,
    signature: idToken.eip4361_signature,
    symbol: 'ETH',
  });
});

test('loginWithPopup: closing the popup rejects with PopupClosedError', { timeout: 60_000 }, async (t) => {
  const client = await world.client();
  const ctx = await world.context(t);
  await world.openRP(ctx.page, client);
  const res = await popupLogin(world, ctx, { person: (popup) => popup.close() });
  assert.equal(res.error, 'PopupClosedError: The popup was closed.');
  assert.equal(ctx.wallet.signed.length, 0);
});
