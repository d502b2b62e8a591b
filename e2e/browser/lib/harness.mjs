// harness.mjs sets up one test file's world: the real `sigil serve` (built
// from this repository) with a static registry whose domains are owned by
// keys made here, the test relying party on another loopback origin, and
// headless Debian Chromium driven by playwright-core. Each test gets a fresh
// browser context with the test wallet injected into Sigil's pages and every
// non-loopback request answered locally or blocked.

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Wallet, id } from 'ethers';
import { chromium } from 'playwright-core';
import { Outside } from './outside.mjs';
import { startRP } from './rp-server.mjs';
import { buildSigil, startSigil } from './sigil.mjs';
import { TestWallet } from './wallet.mjs';

/** CHROMIUM is Debian's chromium package; no browser is ever downloaded. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** CHROMIUM_ARGS keep Chromium quiet and off the network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
  '--disable-default-apps',
  '--disable-extensions',
  '--no-default-browser-check',
  '--lang=en-US',
];

/** DEFAULT_SCOPE is what the test clients may request. */
export const DEFAULT_SCOPE = 'openid wallet email profile social';

/** VIEWPORT is the window size of every page (and so of the screenshots). */
export const VIEWPORT = { width: 820, height: 1000 };

/**
 * setup starts everything a test file needs. Call close() in after().
 * The registry: alice.crypto (with records) owned by the alice key,
 * bob.crypto owned by the bob key; the stranger key owns nothing.
 */
export async function setup() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium), as .ci/run does`);
  }
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'sigil-browser-bin-'));
  // Fixed throwaway keys (so addresses are the same on every run and in the
  // screenshots), derived here with ethers; they hold nothing anywhere.
  const keys = {
    alice: new Wallet(id('sigil browser e2e: alice')),
    bob: new Wallet(id('sigil browser e2e: bob')),
    stranger: new Wallet(id('sigil browser e2e: stranger')),
  };
  const domains = {
    'alice.crypto': {
      owner: keys.alice.address.toLowerCase(),
      records: {
        'crypto.ETH.address': keys.alice.address,
        'whois.email.value': 'alice@example.com',
        'profile.name': 'Alice Liddell',
        'social.twitter.username': 'alice',
      },
    },
    'bob.crypto': { owner: keys.bob.address, records: { 'crypto.ETH.address': keys.bob.address } },
  };
  const closers = [];
  const close = async () => {
    for (const fn of closers.reverse()) {
      try {
        await fn();
      } catch (err) {
        console.error('cleanup:', err);
      }
    }
  };
  try {
    closers.push(() => rm(tmp, { recursive: true, force: true }));
    const bin = await buildSigil(tmp);
    const sigil = await startSigil({ bin, domains });
    closers.push(() => sigil.stop());
    const rp = await startRP();
    closers.push(() => rp.close());
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    closers.push(() => browser.close());
    return new World({ sigil, rp, browser, keys, domains, close });
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * guardContext keeps context on this machine (Outside answers from domains,
 * or blocks and records) and collects its console errors, page errors and
 * Content-Security-Policy violations. When t ends it reports them (and the
 * tail of logs()) if t failed, closes the context, and fails t if a request
 * tried to leave. It returns {outside, consoleErrors, cspViolations}.
 */
export async function guardContext(t, context, { domains = {}, logs = () => '' } = {}) {
  const outside = new Outside(domains);
  await outside.attach(context);
  const consoleErrors = [];
  context.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(`${msg.page()?.url()}: ${msg.text()}`);
  });
  context.on('weberror', (err) => consoleErrors.push(`page error: ${err.error().message}`));
  // Chromium logs CSP violations as console errors too; the event names
  // the directive and the blocked URL.
  const cspViolations = [];
  await context.exposeBinding('__sigilTestCSPViolation', ({ page }, v) => {
    cspViolations.push(`${page?.url()}: ${v.directive} blocked ${v.blocked || '(inline)'} (${v.source}:${v.line})`);
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__sigilTestCSPViolation({ directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber });
    });
  });
  t.after(async () => {
    if (!t.passed) {
      const urls = context.pages().map((p) => p.url());
      t.diagnostic(`pages: ${urls.join(', ')}`);
      if (consoleErrors.length) t.diagnostic(`browser console errors:\n${consoleErrors.join('\n')}`);
      if (cspViolations.length) t.diagnostic(`CSP violations:\n${cspViolations.join('\n')}`);
      if (outside.unexpected.length) t.diagnostic(`blocked requests: ${outside.unexpected.join(', ')}`);
      t.diagnostic(`sigil log (tail):\n${logs().split('\n').slice(-15).join('\n')}`);
    }
    await context.close();
    if (outside.unexpected.length) {
      throw new Error(`requests tried to leave the machine (blocked): ${outside.unexpected.join(', ')}`);
    }
  });
  return { outside, consoleErrors, cspViolations };
}

class World {
  constructor({ sigil, rp, browser, keys, domains, close }) {
    Object.assign(this, { sigil, rp, browser, keys, domains });
    this.close = close;
  }

  get issuer() {
    return this.sigil.issuer;
  }

  /**
   * client registers a public client for the relying party (or with the
   * given metadata merged in) and returns the admin API's answer.
   */
  async client(metadata = {}) {
    return this.sigil.createClient({
      client_name: 'Test RP',
      redirect_uris: [this.rp.url('/callback')],
      post_logout_redirect_uris: [this.rp.url('/logged-out')],
      allowed_cors_origins: [this.rp.origin],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      scope: DEFAULT_SCOPE,
      ...metadata,
    });
  }

  /**
   * uauthOptions are the @uauth/js ClientOptions of an app pointed at
   * Sigil for client.
   */
  uauthOptions(client, options = {}) {
    return {
      clientID: client.client_id,
      redirectUri: this.rp.url('/callback'),
      postLogoutRedirectUri: this.rp.url('/logged-out'),
      scope: 'openid wallet',
      fallbackIssuer: this.issuer,
      ...options,
    };
  }

  /**
   * context opens a browser context for test t (closed when t ends) with
   * the test wallet holding key (default alice). wallets is how many
   * wallets announce themselves (EIP-6963).
   */
  async context(t, { key = 'alice', wallets = 1, legacy = true, ...options } = {}) {
    const context = await this.browser.newContext({ viewport: VIEWPORT, locale: 'en-US', timezoneId: 'UTC', ...options });
    const wallet = new TestWallet(this.keys, key);
    await wallet.attach(context, { origin: this.issuer, count: wallets, legacy });
    const { outside, consoleErrors } = await guardContext(t, context, { domains: this.domains, logs: () => this.sigil.logs() });
    const page = await context.newPage();
    return { context, page, wallet, outside, consoleErrors };
  }

  /** openRP loads the relying party page and creates its UAuth client. */
  async openRP(page, client, options = {}, pathname = '/') {
    await page.goto(this.rp.url(pathname));
    await page.evaluate((o) => window.rp.init(o), this.uauthOptions(client, options));
  }
}
