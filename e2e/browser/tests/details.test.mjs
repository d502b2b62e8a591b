// The small things a person notices on the login page: focus starts in the
// domain field; a button waiting for the wallet says so; the message shows
// down to its last line; the owner address wraps between its halves on a
// phone; the signing deadline names the person's time zone. And the
// consent page says where a remembered decision is undone, and shows a
// generated mark for an application without a logo.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { enterDomain, expectConsentPage, startRedirectLogin } from '../lib/flows.mjs';
import { setup } from '../lib/harness.mjs';
import { prepare, shot } from '../lib/screenshots.mjs';

let world;
before(async () => {
  world = await setup();
  await prepare();
}, { timeout: 180_000 });
after(async () => { await world?.close(); });

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

/** wholeLines reports, for each text node of el, how many lines it takes. */
const linesPerPiece = (el) =>
  [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => {
    const range = document.createRange();
    range.selectNodeContents(n);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
  });

test('the sign step on a phone: focus, a waiting button, the whole message, the address, the time zone', { timeout: 90_000 }, async (t) => {
  const client = await world.client({ client_name: 'Acme Notes', client_uri: 'https://notes.acme.example/' });
  const { page, wallet } = await world.context(t, { ...PHONE, timezoneId: 'Europe/Berlin' });
  await world.openRP(page, client);
  await startRedirectLogin(world, page);

  assert.equal(await page.evaluate(() => document.activeElement.id), 'domain', 'focus starts in the domain field');

  const held = wallet.hold();
  await enterDomain(page, 'alice.crypto');
  await held;
  await page.getByRole('heading', { name: 'Step 3 of 3 Sign the message' }).waitFor();

  const sign = page.locator('#sign');
  assert.equal(await sign.innerText(), 'Waiting for your wallet…');
  assert.ok(await sign.isDisabled());

  // The message box holds every line, the Request ID last, without a scrollbar.
  const box = await page.locator('#message').evaluate((el) => ({ scroll: el.scrollHeight, client: el.clientHeight, text: el.textContent }));
  assert.match(box.text, /Request ID: \S+$/);
  assert.ok(box.scroll <= box.client + 1, `the message box scrolls (${box.scroll} > ${box.client}): its last lines are cut`);

  // The owner address: two whole halves, each on one line.
  const owner = page.locator('#step-sign [data-show="owner"]');
  assert.equal((await owner.innerText()).replace(/\s/g, ''), world.keys.alice.address);
  assert.deepEqual(await owner.evaluate(linesPerPiece), [1, 1], 'an address half breaks across lines');

  // The deadline in the person's zone (Europe/Berlin: CET, or GMT+1 in en-US).
  const expires = await page.locator('#step-sign [data-show="expires"]').innerText();
  assert.match(expires, /^\d{2}:\d{2} [AP]M (CET|CEST|GMT\+[12])$/);

  await shot(page, 'login-sign-mobile.png');

  wallet.release('decline');
  await page.locator('#error .alert-message').waitFor();
  assert.equal(await sign.innerText(), 'Try again');
  assert.ok(await sign.isEnabled());
});

test('consent: where to undo "Remember this decision", and a generated mark without a logo', { timeout: 90_000 }, async (t) => {
  const client = await world.client({ client_name: 'Acme Notes', client_uri: 'https://notes.acme.example/' });
  const { page } = await world.context(t, PHONE);
  await world.openRP(page, client, { scope: 'openid wallet email:optional' });
  await startRedirectLogin(world, page);
  await enterDomain(page, 'alice.crypto');
  await expectConsentPage(page, world.issuer);

  const note = page.locator('#remember-note');
  assert.match(await note.innerText(), /You can undo this at any time under “Connected applications” on your account page/);
  assert.equal(await note.getByRole('link', { name: /your account page/ }).getAttribute('href'), `${world.issuer}/account`);

  const mark = page.locator('.client-logo-blank');
  assert.equal(await mark.innerText(), 'A');
  assert.match(await mark.getAttribute('class'), /\bmark-[0-7]\b/);
  const link = page.getByRole('link', { name: /notes\.acme\.example/ });
  assert.equal(await link.getAttribute('href'), 'https://notes.acme.example/');

  // The address beside the domain wraps between its halves, not inside one.
  const address = page.locator('.signed-in .address');
  assert.deepEqual(await address.evaluate(linesPerPiece), [1, 1]);
  await shot(page, 'consent-mobile.png');
});
