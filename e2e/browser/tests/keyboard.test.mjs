// Keyboard only: a person signs in and consents with Tab, Enter and Space,
// recovering from a declined signature on the way. No clicks on Sigil's
// pages; every focused control shows its focus.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { backAtRP, expectConsentPage, expectLoginPage, settle } from '../lib/flows.mjs';
import { setup } from '../lib/harness.mjs';

let world;
before(async () => { world = await setup(); }, { timeout: 180_000 });
after(async () => { await world?.close(); });

/**
 * tabTo presses Tab until the focused element matches selector, failing
 * after max presses. Each stop must show its focus (:focus-visible).
 */
async function tabTo(page, selector, max = 15) {
  const stops = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate((sel) => {
      const el = document.activeElement;
      if (!el || el === document.body) return { body: true };
      return {
        matches: el.matches(sel),
        visible: el.matches(':focus-visible'),
        name: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${(el.getAttribute('aria-label') || el.textContent || el.value || '').trim().slice(0, 40)}"`,
      };
    }, selector);
    if (stop.body) continue;
    stops.push(stop.name);
    assert.ok(stop.visible, `focus on ${stop.name} is not visible`);
    if (stop.matches) return stops;
  }
  assert.fail(`Tab never reached ${selector}; stops: ${stops.join(' → ')}`);
}

test('keyboard only: sign in (after declining once) and consent with Tab, Enter and Space', { timeout: 90_000 }, async (t) => {
  const client = await world.client({ scope: 'openid wallet email' });
  const { page, wallet } = await world.context(t);
  await world.openRP(page, client, { scope: 'openid wallet email:optional' });
  await page.evaluate(() => window.rp.login());
  await expectLoginPage(page, world.issuer);

  // Login page: focus starts in the domain field; type, Enter.
  assert.equal(await page.evaluate(() => document.activeElement.id), 'domain');
  await page.keyboard.type('alice.crypto');
  wallet.decline();
  await page.keyboard.press('Enter');

  // The declined signature is announced and focus moves to the message.
  await page.locator('#error .alert-message').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'error');
  wallet.sign();
  await tabTo(page, '#sign');
  assert.equal(await page.locator('#sign').innerText(), 'Try again');
  await page.keyboard.press('Enter');

  // Consent page: uncheck the optional email with Space, then Allow with Enter.
  await expectConsentPage(page, world.issuer);
  await tabTo(page, 'input[value="email:optional"]');
  await page.keyboard.press('Space');
  assert.equal(await page.locator('input[value="email:optional"]').isChecked(), false);
  const back = backAtRP(world, page);
  const token = page.waitForResponse((r) => r.url() === `${world.issuer}/oauth2/token`);
  await tabTo(page, '#allow');
  await page.keyboard.press('Enter');
  await back;

  const res = await settle(page.evaluate(() => window.rp.loginCallback()));
  assert.equal(res.error, undefined, `loginCallback rejected: ${res.error}`);
  assert.equal(res.value.idToken.sub, 'alice.crypto');
  assert.equal(res.value.idToken.email, undefined);
  assert.equal((await (await token).json()).scope, 'openid wallet');
});

test('keyboard only: find the domains of a wallet and continue with one', { timeout: 90_000 }, async (t) => {
  const client = await world.client();
  const { context, page } = await world.context(t);
  await context.route(`${world.issuer}/login/reverse`, (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ domains: ['alice.crypto'] }) }));
  await world.openRP(page, client);
  await page.evaluate(() => window.rp.login());
  await expectLoginPage(page, world.issuer);

  await tabTo(page, '#find');
  await page.keyboard.press('Space');
  // Focus moves to the list's heading; the next Tab reaches the domain.
  await page.locator('#found-title').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'found-title');
  await tabTo(page, 'button[data-domain="alice.crypto"]', 2);
  await page.keyboard.press('Enter');
  await expectConsentPage(page, world.issuer);
});
