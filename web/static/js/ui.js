// ui.js: what the Sigil pages share: calling the JSON API, showing errors in
// the alert region and progress in the status line.

/** ApiError is a failed call: code is the error code, description the text. */
export class ApiError extends Error {
  constructor(code, description, status = 0) {
    super(description);
    this.name = 'ApiError';
    this.code = code;
    this.description = description;
    this.status = status;
  }
}

/**
 * postJSON posts body as JSON to a same-origin path and resolves to the JSON
 * answer. A non-2xx answer rejects with an ApiError carrying the server's
 * error and error_description; so does a network failure.
 */
export async function postJSON(path, body) {
  let response;
  try {
    response = await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      credentials: 'same-origin',
      cache: 'no-store',
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError('network_error', 'Sigil could not be reached. Check your connection and try again.');
  }
  return readJSON(response);
}

/**
 * readJSON reads a fetch response as JSON and turns an OAuth-style error
 * answer ({error, error_description, error_hint}) into an ApiError. People
 * see the hint, which says what happened to them, when there is one; the
 * description adds the code's generic meaning for developers.
 */
export async function readJSON(response) {
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const code = data && typeof data.error === 'string' ? data.error : `http_${response.status}`;
    const description =
      data && typeof data.error_hint === 'string' && data.error_hint
        ? data.error_hint
        : data && typeof data.error_description === 'string' && data.error_description
        ? data.error_description
        : `The server answered with HTTP ${response.status}${response.statusText ? ' ' + response.statusText : ''}.`;
    throw new ApiError(code, description, response.status);
  }
  if (data === null || typeof data !== 'object') {
    throw new ApiError('invalid_response', 'The server sent an answer that could not be read.', response.status);
  }
  return data;
}

/**
 * showError puts message (and, in small print, code) into the alert region
 * and moves keyboard focus to it.
 */
export function showError(region, message, code) {
  const text = document.createElement('p');
  text.className = 'alert-message';
  text.textContent = message;
  const parts = [text];
  if (code) {
    const small = document.createElement('p');
    small.className = 'alert-code';
    const c = document.createElement('code');
    c.textContent = String(code);
    small.append('Error code: ', c);
    parts.push(small);
  }
  region.replaceChildren(...parts);
  region.focus();
}

/** clearError empties the alert region. */
export function clearError(region) {
  region.replaceChildren();
}

/** setStatus writes the polite status line ('' clears it). */
export function setStatus(element, text) {
  element.textContent = text;
}

/**
 * setBusy disables (or enables) the buttons in container while a request
 * runs. (No aria-busy: it would hold back the status line's announcements.)
 */
export function setBusy(container, busy) {
  for (const button of container.querySelectorAll('button')) button.disabled = busy;
}

/** navigate leaves the page for a redirect_to URL the server returned. */
export function navigate(url) {
  if (typeof url !== 'string' || url === '') {
    throw new ApiError('invalid_response', 'The server did not say where to go next.');
  }
  window.location.assign(url);
}

/** shortAddress abbreviates 0x1234567890… to 0x1234…7890. */
export function shortAddress(address) {
  const a = String(address);
  return a.length > 12 ? `${a.slice(0, 6)}…${a.slice(-4)}` : a;
}
