// login.js drives the login page: (1) the person names a domain and Sigil
// answers with a sign-in message (EIP-4361) and the domain's owner address,
// (2) the person picks a browser wallet, (3) the wallet signs the message and
// Sigil verifies the signature, then sends the browser on.
//
// Instead of typing the domain, the person may connect a wallet first: Sigil
// looks up the domains whose reverse record names the wallet's account
// (POST /login/reverse) and the page lists them as buttons; choosing one
// continues with it, and with that wallet.

import { startDiscovery } from './wallets.js';
import { ApiError, clearError, navigate, postJSON, setBusy, setStatus, shortAddress, showError } from './ui.js';

/** UiError is a problem found in the page, shown like a server error. */
class UiError extends Error {
  constructor(message, code) {
    super(message);
    this.name = 'UiError';
    this.code = code;
  }
}

const encoder = new TextEncoder();

function utf8ToHex(text) {
  let hex = '0x';
  for (const b of encoder.encode(text)) hex += b.toString(16).padStart(2, '0');
  return hex;
}

// walletError turns an EIP-1193 provider error into words for the person.
function walletError(err, stage, walletName) {
  const code = err && typeof err === 'object' ? (err.code ?? (err.error && err.error.code)) : undefined;
  switch (code) {
    case 4001:
      if (stage === 'find') {
        return new UiError('You declined the connection request. Press “Connect a wallet to find your domains” to try again, or type your domain.', 'user_rejected (4001)');
      }
      return stage === 'connect'
        ? new UiError('You declined the connection request. Press “Try again” and approve it in your wallet.', 'user_rejected (4001)')
        : new UiError('You declined the signature request. Press “Try again” to sign.', 'user_rejected (4001)');
    case 4100:
      return new UiError(`${walletName} has not allowed this site to use your account. Unlock the wallet or connect the account, then try again.`, 'unauthorized (4100)');
    case 4200:
      return new UiError(`${walletName} does not support signing messages this way. Try another wallet.`, 'unsupported_method (4200)');
    case 4900:
    case 4901:
      return new UiError(`${walletName} is disconnected. Reconnect it and try again.`, `disconnected (${code})`);
    case -32002:
      return new UiError(`${walletName} already has a request waiting. Open the wallet to answer it.`, 'request_pending (-32002)');
    default: {
      const message = err && typeof err.message === 'string' && err.message ? err.message : 'Your wallet reported an error.';
      return new UiError(`${walletName}: ${message}`, code === undefined ? 'wallet_error' : `wallet_error (${code})`);
    }
  }
}

function init(root) {
  const flow = root.dataset.flow;
  const clientName = root.dataset.clientName || 'the application';
  const errorRegion = root.querySelector('#error');
  const status = root.querySelector('#status');
  const steps = {
    domain: root.querySelector('#step-domain'),
    wallet: root.querySelector('#step-wallet'),
    sign: root.querySelector('#step-sign'),
  };
  const domainForm = root.querySelector('#domain-form');
  const domainInput = root.querySelector('#domain');
  const walletList = root.querySelector('#wallet-list');
  const rescanButton = root.querySelector('#rescan');
  const signButton = root.querySelector('#sign');
  const otherWalletButton = root.querySelector('#other-wallet');
  const messageBox = root.querySelector('#message');
  const findButton = root.querySelector('#find');
  const found = root.querySelector('#found');
  const foundTitle = root.querySelector('#found-title');
  const foundList = root.querySelector('#found-list');
  const foundNone = root.querySelector('#found-none');

  const discovery = startDiscovery(window);

  let challenge = null; // {domain, message, address, expiresAt, stale}
  let wallets = [];
  let wallet = null;
  let current = 'domain';
  let busy = false;
  let leaving = false;
  // mode is 'sign' (choosing a wallet to sign with) or 'find' (choosing a
  // wallet whose domains to list). preferred is the wallet connected to find
  // the domains: signing uses it without asking again.
  let mode = 'sign';
  let preferred = null;

  function setMode(next) {
    mode = next;
    for (const el of root.querySelectorAll('[data-mode]')) el.hidden = el.dataset.mode !== next;
  }

  function show(step, focusHeading = true) {
    current = step;
    for (const [name, section] of Object.entries(steps)) section.hidden = name !== step;
    if (focusHeading) steps[step].querySelector('.step-title').focus();
  }

  function fill(name, value) {
    for (const el of root.querySelectorAll(`[data-show="${name}"]`)) el.textContent = value;
  }

  // fillAddress shows an address that may wrap only between its two halves
  // (a <wbr>), as the server-rendered pages do, so that on a phone it does
  // not break at an arbitrary character.
  function fillAddress(name, address) {
    const mid = 2 + Math.floor((address.length - 2) / 2);
    for (const el of root.querySelectorAll(`[data-show="${name}"]`)) {
      el.replaceChildren(address.slice(0, mid), document.createElement('wbr'), address.slice(mid));
    }
  }

  function report(err) {
    setStatus(status, '');
    if (err instanceof ApiError || err instanceof UiError) {
      showError(errorRegion, err.message, err.code);
    } else {
      showError(errorRegion, 'Something went wrong on this page. Reload it and try again.', err && err.message ? err.message : 'page_error');
      console.error(err);
    }
  }

  // run runs one step at a time: a second click while a step runs is ignored.
  async function run(task) {
    if (busy || leaving) return;
    busy = true;
    clearError(errorRegion);
    setBusy(root, true);
    try {
      await task();
    } catch (err) {
      report(err);
    } finally {
      busy = false;
      if (!leaving) setBusy(root, false);
    }
  }

  async function requestChallenge(domain) {
    setStatus(status, `Asking Sigil for a sign-in message for ${domain}…`);
    const data = await postJSON('/login/challenge', { flow, domain });
    if (typeof data.message !== 'string' || typeof data.address !== 'string') {
      throw new ApiError('invalid_response', 'Sigil sent a sign-in message this page cannot read.');
    }
    const expiresAt = data.expires_at ? new Date(data.expires_at) : null;
    challenge = {
      domain,
      message: data.message,
      address: data.address,
      expiresAt: expiresAt && !Number.isNaN(expiresAt.getTime()) ? expiresAt : null,
      stale: false,
    };
    messageBox.textContent = challenge.message;
    fill('domain', domain);
    fillAddress('owner', challenge.address);
    for (const el of root.querySelectorAll('[data-show="expires"]')) {
      if (challenge.expiresAt) {
        el.dateTime = challenge.expiresAt.toISOString();
        // In the person's own time zone, named ("05:41 PM CET").
        el.textContent = challenge.expiresAt.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
      } else {
        el.textContent = 'soon';
      }
    }
  }

  function challengeExpired() {
    return challenge.expiresAt !== null && Date.now() > challenge.expiresAt.getTime() - 5000;
  }

  async function walletRequest(args, stage) {
    try {
      return await wallet.provider.request(args);
    } catch (err) {
      throw walletError(err, stage, wallet.name);
    }
  }

  async function signIn() {
    fill('wallet', wallet.name);
    otherWalletButton.hidden = wallets.length < 2;
    // The button is disabled while the wallet is asked; it says so rather
    // than offering to try again.
    signButton.textContent = 'Waiting for your wallet…';
    try {
      await signOnce();
    } catch (err) {
      signButton.textContent = 'Try again';
      throw err;
    }
  }

  async function signOnce() {
    if (challenge.stale || challengeExpired()) await requestChallenge(challenge.domain);

    setStatus(status, `Waiting for your wallet… Approve the connection in ${wallet.name}.`);
    const accounts = await walletRequest({ method: 'eth_requestAccounts' }, 'connect');
    if (!Array.isArray(accounts) || accounts.length === 0) {
      throw new UiError(`${wallet.name} did not share an account. Unlock it and try again.`, 'no_account');
    }
    const owner = challenge.address.toLowerCase();
    const account = accounts.find((a) => typeof a === 'string' && a.toLowerCase() === owner);
    if (!account) {
      throw new UiError(
        `This wallet (${shortAddress(accounts[0])}) does not own ${challenge.domain}; switch to the owner account ${shortAddress(challenge.address)} and try again.`,
        'wrong_account',
      );
    }

    setStatus(status, `Waiting for your wallet… Sign the message in ${wallet.name}.`);
    const signature = await walletRequest(
      { method: 'personal_sign', params: [utf8ToHex(challenge.message), account] },
      'sign',
    );
    if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]+$/.test(signature)) {
      throw new UiError(`${wallet.name} returned a signature Sigil cannot read.`, 'invalid_signature');
    }

    setStatus(status, 'Checking your signature…');
    let result;
    try {
      result = await postJSON('/login/verify', { flow, signature, wallet_type_hint: 'web3' });
    } catch (err) {
      // Ask for a fresh message on the next try.
      challenge.stale = true;
      throw err;
    }
    leaving = true;
    setStatus(status, `Signed in. Taking you to ${clientName}…`);
    navigate(result.redirect_to);
  }

  function renderWallets() {
    const items = wallets.map((w) => {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'wallet';
      if (w.icon) {
        const img = document.createElement('img');
        img.src = w.icon;
        img.alt = '';
        img.width = 32;
        img.height = 32;
        button.append(img);
      } else {
        const blank = document.createElement('span');
        blank.className = 'wallet-icon-blank';
        blank.setAttribute('aria-hidden', 'true');
        blank.textContent = w.name.slice(0, 1).toUpperCase();
        button.append(blank);
      }
      const name = document.createElement('span');
      name.textContent = w.name;
      button.append(name);
      button.disabled = busy;
      button.addEventListener('click', () =>
        run(async () => {
          if (mode === 'find') {
            await findDomains(w);
            return;
          }
          wallet = w;
          show('sign');
          await signIn();
        }),
      );
      li.append(button);
      return li;
    });
    walletList.replaceChildren(...items);
  }

  // isDevWallet tells Sigil's development wallet (under --dev) from a real
  // one: it never opens a pop-up of its own before the page asks it to
  // sign, so the page always lists it as a choice.
  function isDevWallet(w) {
    return w.rdns === 'dev.sigil.wallet' || Boolean(w.provider && w.provider.isSigilDevWallet);
  }

  function noWallet() {
    return new UiError('No wallet found: install a browser wallet such as MetaMask, then press “Look for wallets again”.', 'no_wallet');
  }

  async function chooseWallet() {
    setMode('sign');
    setStatus(status, 'Looking for your wallet…');
    wallets = await discovery.list();
    const kept = preferred && wallets.find((w) => w.id === preferred.id);
    if (kept) {
      wallet = kept;
      show('sign');
      await signIn();
      return;
    }
    // One real wallet is used at once: its own pop-up is the next thing
    // the person sees. The development wallet is shown as a choice, so
    // that the steps look as they will with a real wallet.
    if (wallets.length === 1 && !isDevWallet(wallets[0])) {
      wallet = wallets[0];
      show('sign');
      await signIn();
      return;
    }
    renderWallets();
    if (wallets.length === 0) {
      show('wallet', false);
      throw noWallet();
    }
    setStatus(status, wallets.length === 1 ? '1 wallet found. Choose it to sign.' : `${wallets.length} wallets found. Choose one.`);
    show('wallet');
  }

  async function continueWith(value) {
    const domain = value.trim().toLowerCase().replace(/\.$/, '');
    if (!domain) {
      domainInput.setAttribute('aria-invalid', 'true');
      throw new UiError('Enter your domain, for example alice.crypto.', 'missing_domain');
    }
    try {
      await requestChallenge(domain);
    } catch (err) {
      if (err instanceof ApiError && err.status >= 400 && err.status < 500) {
        domainInput.setAttribute('aria-invalid', 'true');
      }
      throw err;
    }
    domainInput.removeAttribute('aria-invalid');
    await chooseWallet();
  }

  domainForm.addEventListener('submit', (event) => {
    event.preventDefault();
    run(() => continueWith(domainInput.value));
  });

  // findDomains connects wallet w and lists the domains that point back to
  // its account.
  async function findDomains(w) {
    wallet = w;
    setStatus(status, `Waiting for your wallet… Approve the connection in ${w.name}.`);
    let accounts;
    try {
      accounts = await w.provider.request({ method: 'eth_requestAccounts' });
    } catch (err) {
      throw walletError(err, 'find', w.name);
    }
    const account = Array.isArray(accounts) ? accounts.find((a) => typeof a === 'string' && /^0x[0-9a-fA-F]{40}$/.test(a)) : undefined;
    if (!account) {
      throw new UiError(`${w.name} did not share an account. Unlock it and try again.`, 'no_account');
    }
    setStatus(status, `Looking up the domains of ${shortAddress(account)}…`);
    const data = await postJSON('/login/reverse', { flow, address: account });
    if (!data || !Array.isArray(data.domains) || !data.domains.every((d) => typeof d === 'string')) {
      throw new ApiError('invalid_response', 'Sigil sent a list of domains this page cannot read.');
    }
    preferred = w;
    setMode('sign');
    show('domain', false);
    renderFound(account, data.domains);
  }

  function renderFound(account, domains) {
    const items = domains.map((d) => {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'domain-choice';
      button.dataset.domain = d;
      const name = document.createElement('span');
      name.className = 'domain-name';
      name.textContent = d;
      const action = document.createElement('span');
      action.className = 'domain-action';
      action.setAttribute('aria-hidden', 'true');
      action.textContent = 'Continue →';
      button.append(name, action);
      button.setAttribute('aria-label', `Continue as ${d}`);
      button.addEventListener('click', () => {
        domainInput.value = d;
        run(() => continueWith(d));
      });
      li.append(button);
      return li;
    });
    foundList.replaceChildren(...items);
    foundNone.hidden = domains.length > 0;
    foundTitle.textContent =
      domains.length === 0
        ? `No domain found for ${shortAddress(account)}`
        : `${domains.length === 1 ? 'Your domain' : 'Your domains'} (${shortAddress(account)})`;
    found.hidden = false;
    setStatus(
      status,
      domains.length === 0 ? '' : `${domains.length} ${domains.length === 1 ? 'domain' : 'domains'} found. Choose one to continue.`,
    );
    foundTitle.focus();
  }

  findButton.addEventListener('click', () =>
    run(async () => {
      found.hidden = true;
      setMode('find');
      setStatus(status, 'Looking for your wallet…');
      wallets = await discovery.list();
      if (wallets.length === 0) {
        setMode('sign');
        throw new UiError('No wallet found: install a browser wallet such as MetaMask and try again, or type your domain above.', 'no_wallet');
      }
      if (wallets.length === 1) {
        try {
          await findDomains(wallets[0]);
        } finally {
          setMode('sign');
        }
        return;
      }
      renderWallets();
      setStatus(status, `${wallets.length} wallets found. Choose the one to connect.`);
      show('wallet');
    }),
  );

  rescanButton.addEventListener('click', () =>
    run(async () => {
      discovery.rescan();
      setStatus(status, 'Looking for wallets…');
      wallets = await discovery.list();
      renderWallets();
      if (wallets.length === 0) throw noWallet();
      setStatus(status, wallets.length === 1 ? '1 wallet found.' : `${wallets.length} wallets found. Choose one.`);
      walletList.querySelector('button').focus();
    }),
  );

  // A wallet that announces itself late shows up in the list.
  discovery.onChange(() => {
    if (current !== 'wallet' || busy) return;
    discovery.list().then((found) => {
      if (current !== 'wallet' || busy) return;
      wallets = found;
      renderWallets();
      if (wallets.length > 0 && errorRegion.textContent.includes('No wallet found')) clearError(errorRegion);
    });
  });

  signButton.addEventListener('click', () => run(signIn));

  otherWalletButton.addEventListener('click', () => {
    if (busy) return;
    clearError(errorRegion);
    setStatus(status, '');
    renderWallets();
    show('wallet');
  });

  for (const button of root.querySelectorAll('[data-action="restart"]')) {
    button.addEventListener('click', () => {
      if (busy) return;
      setMode('sign');
      clearError(errorRegion);
      setStatus(status, '');
      signButton.textContent = 'Sign with your wallet';
      show('domain', false);
      domainInput.focus();
      domainInput.select();
    });
  }
}

const root = document.getElementById('login');
if (root) init(root);
