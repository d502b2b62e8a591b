// demo_callback.js: the demo relying party's redirect URI. It checks state,
// exchanges the code at Sigil's token endpoint with the PKCE verifier, shows
// the ID token's claims (decoded, not verified) and calls UserInfo.

import { setStatus, showError } from './ui.js';

const STORAGE_PREFIX = 'sigil-demo:';

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
// keep Sigil's order), so they are in view without scrolling the box.
const FIRST = ['sub', 'wallet_address', 'iss', 'aud'];

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

async function run(root) {
  const { issuer, clientId, redirect } = root.dataset;
  const base = issuer.replace(/\/+$/, '');
  const errorRegion = root.querySelector('#error');
  const status = root.querySelector('#status');
  const fail = (code, description) => {
    throw new DemoError(code, description);
  };

  const params = new URLSearchParams(window.location.search);
  // Keep the code out of the address bar and history.
  window.history.replaceState(null, '', window.location.pathname);

  const state = params.get('state') || '';
  const key = STORAGE_PREFIX + state;
  let saved = null;
  try {
    saved = state ? JSON.parse(sessionStorage.getItem(key) || 'null') : null;
    sessionStorage.removeItem(key);
  } catch {
    saved = null;
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
    root.querySelector('#token-body').textContent = pretty(shown);
    root.querySelector('#token-response').hidden = false;

    let subject = '';
    if (typeof tokens.id_token === 'string') {
      const parts = tokens.id_token.split('.');
      let claims;
      try {
        claims = decodeJwtPart(parts[1] || '');
      } catch {
        fail('invalid_id_token', 'The ID token could not be decoded.');
      }
      if (claims && typeof claims.sub === 'string') subject = claims.sub;
      root.querySelector('#id-token-claims').textContent = pretty(identityFirst(claims));
      root.querySelector('#nonce-check').textContent =
        claims.nonce === saved.nonce
          ? 'The nonce claim matches the one this demo sent.'
          : 'Warning: the nonce claim does not match the one this demo sent.';
      root.querySelector('#id-token').hidden = false;
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
      const userinfo = await info.json();
      if (!subject && userinfo && typeof userinfo.sub === 'string') subject = userinfo.sub;
      root.querySelector('#userinfo-body').textContent = pretty(identityFirst(userinfo));
      root.querySelector('#userinfo').hidden = false;
    }
    setStatus(status, subject ? `Signed in as ${subject}.` : 'Signed in.');
  } catch (err) {
    setStatus(status, '');
    showError(errorRegion, err.message || String(err), err.code || 'demo_error');
  }
}

const root = document.getElementById('callback');
if (root) run(root);
