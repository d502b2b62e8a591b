// demo_callback.js: the demo relying party's redirect URI. It checks state,
// exchanges the code at Sigil's token endpoint with the PKCE verifier, shows
// the ID token's claims (decoded, not verified) and calls UserInfo.
//
// A code is single use, so a reload cannot sign in again: the result is kept
// in sessionStorage and a reload (or Back to this page) shows it again with
// "This sign-in already finished", and a button that starts a new sign-in.

import { STORAGE_PREFIX, startSignIn } from './demo.js';
import { setStatus, showError } from './ui.js';

/** LAST_KEY holds the last finished sign-in's result, for reloads. */
const LAST_KEY = `${STORAGE_PREFIX}last`;

class DemoError extends Error {
  constructor(code, description) {
    super(description || `The sign-in failed (${code}).`);
    this.code = code;
  }
}

function pretty(value) {
  return JSON.stringify(value, null, 2);
}

// FIRST are the claims that say who signed in, shown before the rest (which
// keep Sigil's order), so they are in view without scrolling the box: the
// domain and its owner, then what the domain's records told the app.
const FIRST = [
  'sub', 'wallet_address', 'name', 'email', 'email_verified', 'picture', 'website', 'location', 'bio',
  'phone_number', 'twitter', 'discord', 'telegram', 'reddit', 'youtube', 'iss', 'aud',
];

function identityFirst(claims) {
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) return claims;
  const out = {};
  for (const name of FIRST) if (name in claims) out[name] = claims[name];
  return { ...out, ...claims };
}

function decodeJwtPart(part) {
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function shorten(token) {
  return typeof token === 'string' && token.length > 24 ? `${token.slice(0, 12)}…${token.slice(-8)} (${token.length} characters)` : token;
}

// errorFrom reads an OAuth error from a JSON body or, for UserInfo, from the
// WWW-Authenticate header (RFC 6750 section 3).
async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (body && typeof body.error === 'string') return new DemoError(body.error, body.error_description || '');
  const header = response.headers.get('WWW-Authenticate') || '';
  const error = /error="([^"]*)"/.exec(header);
  const description = /error_description="([^"]*)"/.exec(header);
  if (error) return new DemoError(error[1], description ? description[1] : '');
  return new DemoError(`http_${response.status}`, `The server answered with HTTP ${response.status}.`);
}

// show fills the result sections from a result ({tokens, claims, nonceOK,
// userinfo}; each part may be missing) and returns the subject shown.
function show(root, result) {
  if (result.tokens) {
    root.querySelector('#token-body').textContent = pretty(result.tokens);
    root.querySelector('#token-response').hidden = false;
  }
  if (result.claims) {
    root.querySelector('#id-token-claims').textContent = pretty(identityFirst(result.claims));
    root.querySelector('#nonce-check').textContent = result.nonceOK
      ? 'The nonce claim matches the one this demo sent.'
      : 'Warning: the nonce claim does not match the one this demo sent.';
    root.querySelector('#id-token').hidden = false;
  }
  if (result.userinfo) {
    root.querySelector('#userinfo-body').textContent = pretty(identityFirst(result.userinfo));
    root.querySelector('#userinfo').hidden = false;
  }
  const claims = result.claims || result.userinfo || {};
  return typeof claims.sub === 'string' ? claims.sub : '';
}

function readJSONItem(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key) || 'null');
  } catch {
    return null;
  }
}

// showFinished shows the last finished sign-in again (after a reload, Back,
// or a second delivery of the same answer), or says there is none.
function showFinished(root, status, last) {
  const text = root.querySelector('#finished-text');
  if (last) {
    const subject = show(root, last);
    const at = new Date(last.finishedAt);
    text.textContent = `${subject ? `You signed in as ${subject}` : 'You signed in'}${
      Number.isNaN(at.getTime()) ? '' : ` at ${at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', timeZoneName: 'short' })}`
    }. Its result is shown again below; an authorization code works only once, so reloading cannot sign in again.`;
    setStatus(status, subject ? `Signed in as ${subject}.` : 'Signed in.');
  } else {
    root.querySelector('#finished-title').textContent = 'No sign-in to show.';
    text.textContent = 'This page receives the answer of a sign-in started from the demo, and this tab has none.';
  }
  root.querySelector('#finished').hidden = false;
}

async function run(root) {
  const { issuer, clientId, redirect, scope, domain } = root.dataset;
  const base = issuer.replace(/\/+$/, '');
  const errorRegion = root.querySelector('#error');
  const status = root.querySelector('#status');
  const fail = (code, description) => {
    throw new DemoError(code, description);
  };

  const again = root.querySelector('#again');
  again.addEventListener('click', async () => {
    again.disabled = true;
    const last = readJSONItem(LAST_KEY);
    try {
      await startSignIn({ issuer, clientId, redirect, scope, domain: (last && last.subject) || domain });
    } catch (err) {
      again.disabled = false;
      showError(errorRegion, err.message || String(err), 'demo_error');
    }
  });

  const params = new URLSearchParams(window.location.search);
  // Keep the code out of the address bar and history.
  window.history.replaceState(null, '', window.location.pathname);

  const state = params.get('state') || '';
  const key = STORAGE_PREFIX + state;
  const saved = state ? readJSONItem(key) : null;
  try {
    sessionStorage.removeItem(key);
  } catch {
    // storage unavailable: nothing to remove
  }
  const last = readJSONItem(LAST_KEY);

  // A reload or a visit without an answer; or the answer of a sign-in that
  // this tab has already finished: show what it gave.
  if ((!params.has('code') && !params.has('error') && !state) || (!saved && last && state && last.state === state)) {
    showFinished(root, status, last);
    return;
  }

  try {
    if (params.has('error')) fail(params.get('error'), params.get('error_description') || '');
    if (!saved) {
      fail('state_mismatch', 'The state in the answer does not match a sign-in started from this tab. Start again from the demo page.');
    }
    if (params.has('iss') && params.get('iss') !== issuer) {
      fail('issuer_mismatch', `The answer came from ${params.get('iss')}, not ${issuer}.`);
    }
    const code = params.get('code');
    if (!code) fail('missing_code', 'The answer has no authorization code.');

    setStatus(status, 'Exchanging the authorization code for tokens…');
    let response;
    try {
      response = await fetch(`${base}/oauth2/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        credentials: 'omit',
        cache: 'no-store',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirect,
          client_id: clientId,
          code_verifier: saved.verifier,
        }),
      });
    } catch {
      fail('network_error', 'The token endpoint could not be reached.');
    }
    if (!response.ok) throw await errorFrom(response);
    const tokens = await response.json();

    const shown = { ...tokens };
    for (const name of ['access_token', 'id_token', 'refresh_token']) {
      if (name in shown) shown[name] = shorten(shown[name]);
    }
    const result = { state, tokens: shown };
    show(root, result);

    let subject = '';
    if (typeof tokens.id_token === 'string') {
      const parts = tokens.id_token.split('.');
      let claims;
      try {
        claims = decodeJwtPart(parts[1] || '');
      } catch {
        fail('invalid_id_token', 'The ID token could not be decoded.');
      }
      result.claims = claims;
      result.nonceOK = claims.nonce === saved.nonce;
      subject = show(root, result);
    }

    if (typeof tokens.access_token === 'string') {
      setStatus(status, 'Calling UserInfo…');
      let info;
      try {
        info = await fetch(`${base}/userinfo`, {
          headers: { Authorization: `Bearer ${tokens.access_token}`, Accept: 'application/json' },
          credentials: 'omit',
          cache: 'no-store',
        });
      } catch {
        fail('network_error', 'The UserInfo endpoint could not be reached.');
      }
      if (!info.ok) {
        const err = await errorFrom(info);
        throw new DemoError(err.code, `UserInfo: ${err.message}`);
      }
      result.userinfo = await info.json();
      subject = show(root, result);
    }
    // Kept for a reload: the shortened tokens and the decoded claims only.
    result.subject = subject;
    result.finishedAt = Date.now();
    try {
      sessionStorage.setItem(LAST_KEY, JSON.stringify(result));
    } catch {
      // storage full or off: a reload then says there is nothing to show
    }
    setStatus(status, subject ? `Signed in as ${subject}.` : 'Signed in.');
  } catch (err) {
    setStatus(status, '');
    showError(errorRegion, err.message || String(err), err.code || 'demo_error');
  }
}

const root = document.getElementById('callback');
if (root) run(root);
