// consent.js drives the consent page: "Allow" grants the required scopes and
// the optional ones left checked; "Deny" rejects. Either way Sigil answers
// with where to send the browser.

import { clearError, navigate, postJSON, setBusy, setStatus, showError } from './ui.js';

function init(form) {
  const flow = form.dataset.flow;
  const errorRegion = form.querySelector('#error');
  const status = form.querySelector('#status');
  const denyButton = form.querySelector('#deny');
  let busy = false;

  // Scope checkboxes: required ones are checked and disabled; they are
  // always granted. Names go back exactly as requested (":optional" kept).
  function grantedScopes() {
    return [...form.querySelectorAll('input[name="scope"]')]
      .filter((input) => input.dataset.required === 'true' || input.checked)
      .map((input) => input.value);
  }

  async function send(path, body, doing) {
    if (busy) return;
    busy = true;
    clearError(errorRegion);
    setBusy(form, true);
    setStatus(status, doing);
    try {
      const result = await postJSON(path, body);
      navigate(result.redirect_to);
    } catch (err) {
      busy = false;
      setBusy(form, false);
      setStatus(status, '');
      showError(errorRegion, err.description || err.message || 'Something went wrong.', err.code || 'page_error');
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    send(
      '/consent/accept',
      { flow, grant_scope: grantedScopes(), remember: form.querySelector('#remember').checked },
      'Allowing access…',
    );
  });

  denyButton.addEventListener('click', () => {
    send('/consent/reject', { flow }, 'Declining…');
  });
}

const form = document.getElementById('consent-form');
if (form) init(form);
