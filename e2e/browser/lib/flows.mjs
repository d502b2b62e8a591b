// flows.mjs: what a person does on Sigil's pages, and what an app does with
// @uauth/js, as reusable steps for the tests.

import assert from 'node:assert/strict';

/** shortAddress is how the login page abbreviates an address. */
export const shortAddress = (a) => `${a.slice(0, 6)}…${a.slice(-4)}`;

/** loginPage asserts page is Sigil's login page of issuer. */
export async function expectLoginPage(page, issuer) {
  await page.waitForURL((u) => u.origin === issuer && u.pathname === '/login' && u.searchParams.has('flow'));
  await page.getByRole('heading', { level: 1, name: /^Sign in to / }).waitFor();
}

/**
 * enterDomain types domain (unless it is null: keep the pre-filled value)
 * and presses Continue.
 */
export async function enterDomain(page, domain) {
  const input = page.getByRole('textbox', { name: 'Your domain' });
  if (domain !== null) await input.fill(domain);
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
}

/** expectConsentPage waits for Sigil's consent page. */
export async function expectConsentPage(page, issuer) {
  await page.waitForURL((u) => u.origin === issuer && u.pathname === '/consent');
  await page.getByRole('heading', { level: 1, name: /^Allow .* to sign you in\?$/ }).waitFor();
}

/**
 * allow accepts on the consent page, unchecking the optional scopes named
 * in uncheck (as requested, e.g. "email:optional").
 */
export async function allow(page, { uncheck = [], remember = false } = {}) {
  for (const name of uncheck) {
    await page.locator(`input[name="scope"][value="${name}"]`).uncheck();
  }
  if (remember) await page.getByRole('checkbox', { name: 'Remember this decision' }).check();
  await page.getByRole('button', { name: 'Allow', exact: true }).click();
}

/** alertText is the text of the visible error region of a Sigil page. */
export async function alertText(page) {
  const alert = page.locator('#error');
  await alert.locator('.alert-message').waitFor();
  return (await alert.innerText()).replace(/\s+/g, ' ').trim();
}

/**
 * pageError is the first line of an error thrown in a page, without
 * Playwright's "page.evaluate: " prefix: "Name: message" as the page saw it.
 */
export function pageError(err) {
  const text = err && err.message ? err.message : String(err);
  return text.split('\n')[0].replace(/^page\.evaluate: /, '');
}

/** settle turns a promise into {value} or {error: first line of the error}. */
export const settle = (p) => p.then((value) => ({ value }), (err) => ({ error: pageError(err) }));

/**
 * popupLogin runs rp.loginWithPopup() on the relying party page and, in
 * the popup, does what person(popup) does (default: type alice.crypto and
 * allow). It resolves to {value} (the app's result) or {error}, plus the
 * token endpoint's answer as the app received it, and the popup.
 */
export async function popupLogin(world, { context, page }, { options = {}, person } = {}) {
  const popupP = context.waitForEvent('page', { timeout: 20_000 });
  popupP.catch(() => {});
  const tokenP = page.waitForResponse((r) => r.url() === `${world.issuer}/oauth2/token` && r.request().method() === 'POST', { timeout: 30_000 });
  tokenP.catch(() => {});
  const result = settle(page.evaluate((o) => window.rp.loginWithPopup(o), options));
  const first = await Promise.race([popupP.then((popup) => ({ popup })), result.then((early) => ({ early }))]);
  if (first.early) {
    return { ...first.early, error: `@uauth/js failed before its popup opened: ${first.early.error ?? 'it resolved without a popup'}` };
  }
  const { popup } = first;
  await expectLoginPage(popup, world.issuer);
  if (person) {
    await person(popup);
  } else {
    await enterDomain(popup, 'alice.crypto');
    await expectConsentPage(popup, world.issuer);
    await allow(popup);
  }
  const out = await result;
  let token = null;
  if (!out.error) {
    const res = await tokenP;
    token = { status: res.status(), body: await res.json(), headers: res.headers() };
  }
  return { ...out, token, popup };
}

/**
 * redirectLogin starts rp.login(options) on the relying party page and
 * waits for Sigil's login page.
 */
export async function startRedirectLogin(world, page, options = {}) {
  await page.evaluate((o) => window.rp.login(o), options);
  await Promise.race([
    expectLoginPage(page, world.issuer),
    page.waitForFunction(() => window.rp && window.rp.lastError).then(async () => {
      throw new Error(`@uauth/js login() failed before redirecting: ${await page.evaluate(() => window.rp.lastError)}`);
    }),
  ]);
}

/**
 * navigatedTo resolves when the page's main frame commits a navigation to a
 * URL matching predicate. Call it before the action that navigates: the
 * page may already be on a matching URL (the callback, again).
 */
export async function navigatedTo(page, predicate, timeout = 30_000) {
  await page.waitForEvent('framenavigated', {
    predicate: (f) => f === page.mainFrame() && predicate(new URL(f.url())),
    timeout,
  });
  await page.waitForLoadState('load');
}

/** backAtRP resolves when the page has navigated to the app's pathname. */
/** finishRedirectLogin allows on the consent page and has the app complete a redirect login. */
export async function finishRedirectLogin(world, page) {
  await expectConsentPage(page, world.issuer);
  const back = backAtRP(world, page);
  await allow(page);
  await back;
  return settle(page.evaluate(() => window.rp.loginCallback()));
}

export function backAtRP(world, page, pathname = '/callback') {
  const p = navigatedTo(page, (u) => u.origin === world.rp.origin && u.pathname === pathname);
  p.catch(() => {});
  return p;
}

/** decodeJWT returns the payload of a JWT, unverified. */
export function decodeJWT(jwt) {
  const [, payload] = jwt.split('.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
}

/** assertNoOutsideRequests fails when a request tried to leave the machine. */
export function assertNoOutsideRequests(outside) {
  assert.deepEqual(outside.unexpected, [], 'requests to outside the machine were blocked');
}
