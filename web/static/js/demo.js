// demo.js: the demo relying party's "Sign in" button. It starts an OpenID
// Connect authorization code flow with PKCE (S256), state and nonce, keeps
// the secrets in sessionStorage (read back by demo_callback.js) and sends the
// browser to Sigil's authorization endpoint.

import { clearError, showError } from './ui.js';

export const STORAGE_PREFIX = 'sigil-demo:';

function base64url(bytes) {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(byteLength) {
  const bytes = new Uint8Array(byteLength);
  crypto.getRandomValues(bytes);
  return base64url(bytes);
}

async function s256(verifier) {
  if (!crypto.subtle) throw new Error('WebCrypto is not available: open the demo over https or on localhost.');
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/**
 * startSignIn starts a new sign-in: fresh PKCE verifier, state and nonce,
 * kept in sessionStorage for the callback page, then the browser goes to
 * Sigil's authorization endpoint. domain, when given, is the login_hint.
 */
export async function startSignIn({ issuer, clientId, redirect, scope, domain }) {
  const verifier = randomString(32); // 43 characters
  const state = randomString(16); // 22 characters
  const nonce = randomString(16);
  const challenge = await s256(verifier);
  sessionStorage.setItem(
    STORAGE_PREFIX + state,
    JSON.stringify({ verifier, nonce, issuer, clientId, redirect, startedAt: Date.now() }),
  );
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirect,
    scope,
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  if (domain) query.set('login_hint', domain);
  window.location.assign(`${issuer.replace(/\/+$/, '')}/oauth2/auth?${query}`);
}

function init(root) {
  const { issuer, clientId, redirect, scope } = root.dataset;
  const form = root.querySelector('#demo-form');
  const input = root.querySelector('#domain');
  const button = root.querySelector('#signin');
  const errorRegion = root.querySelector('#error');
  const status = root.querySelector('#status');

  const label = () => `Sign in with ${input.value.trim() || 'your domain'}`;
  input.addEventListener('input', () => {
    button.textContent = label();
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearError(errorRegion);
    button.disabled = true;
    try {
      status.textContent = 'Going to Sigil…';
      await startSignIn({ issuer, clientId, redirect, scope, domain: input.value.trim().toLowerCase() });
    } catch (err) {
      button.disabled = false;
      showError(errorRegion, err.message || String(err), 'demo_error');
    }
  });
}

const root = document.getElementById('demo');
if (root) init(root);
