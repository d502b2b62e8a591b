// wallet.mjs is the test wallet: an EIP-1193 provider injected into Sigil's
// pages (window.ethereum, and announced through EIP-6963) whose accounts and
// signatures come from real secp256k1 keys held by the test process
// (ethers Wallet). The page side only forwards requests to the test through
// an exposed function; the test decides which key answers, and can make the
// wallet decline (EIP-1193 code 4001) or hold a request until released.

import { getBytes, toUtf8String } from 'ethers';

/** BINDING is the name of the function the page calls into the test. */
const BINDING = '__sigilTestWallet';

/**
 * pageWallet runs in the page before any of its scripts (addInitScript). It
 * installs the providers only on Sigil's origin.
 */
function pageWallet({ origin, binding, wallets, legacy }) {
  if (location.origin !== origin) return;
  const providers = wallets.map((w) => {
    const listeners = new Map();
    const provider = {
      isMetaMask: false,
      isSigilTestWallet: true,
      async request(args) {
        if (!args || typeof args.method !== 'string') {
          throw Object.assign(new Error('Invalid request'), { code: -32600 });
        }
        const answer = await window[binding](w.id, args.method, args.params ?? []);
        if (answer && answer.error) {
          const err = new Error(answer.error.message);
          err.code = answer.error.code;
          throw err;
        }
        return answer.result;
      },
      on(event, fn) {
        if (!listeners.has(event)) listeners.set(event, new Set());
        listeners.get(event).add(fn);
        return provider;
      },
      removeListener(event, fn) {
        listeners.get(event)?.delete(fn);
        return provider;
      },
    };
    return { info: w.info, provider: Object.freeze(provider) };
  });
  const announce = () => {
    for (const p of providers) {
      window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail: Object.freeze({ ...p }) }));
    }
  };
  window.addEventListener('eip6963:requestProvider', announce);
  announce();
  if (legacy && providers.length > 0) window.ethereum = providers[0].provider;
}

/** icon is a small data: URI image for a wallet, coloured by hue. */
function icon(hue, letter) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="hsl(${hue} 70% 45%)"/><text x="16" y="22" font-family="sans-serif" font-size="17" font-weight="700" fill="#fff" text-anchor="middle">${letter}</text></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/** WALLET_INFOS are the EIP-6963 identities of up to two test wallets. */
const WALLET_INFOS = [
  { id: 'w1', info: { uuid: '6a0f6d2e-1b3c-4d5e-8f90-000000000001', name: 'Test Wallet', icon: icon(250, 'T'), rdns: 'dev.sigil.test-wallet' } },
  { id: 'w2', info: { uuid: '6a0f6d2e-1b3c-4d5e-8f90-000000000002', name: 'Other Wallet', icon: icon(20, 'O'), rdns: 'dev.sigil.other-wallet' } },
];

/**
 * TestWallet is the test's side. keys maps a name ("alice") to an ethers
 * Wallet; use(name) picks the account that answers; decline() makes the
 * next requests fail with 4001; hold() keeps personal_sign waiting until
 * release().
 */
export class TestWallet {
  constructor(keys, current) {
    this.keys = keys;
    this.current = current;
    this.mode = 'sign'; // 'sign' | 'decline' | 'hold' | 'decline-connect'
    this.requests = []; // every {wallet, method, params}
    this.signed = []; // every message signed, as text
    this.held = null;
    // signWith, when set, names a key that signs instead of the account's
    // own (a wallet that reports one account and signs with another).
    this.signWith = null;
  }

  /** use switches the account the wallet holds. */
  use(name) {
    if (!this.keys[name]) throw new Error(`no test key ${name}`);
    this.current = name;
  }

  get address() {
    return this.keys[this.current].address;
  }

  decline() { this.mode = 'decline'; }
  sign() { this.mode = 'sign'; }

  /** hold makes personal_sign wait; held() resolves when one is waiting. */
  hold() {
    this.mode = 'hold';
    let notify;
    const waiting = new Promise((r) => { notify = r; });
    this.held = { notify, waiting, resolve: null };
    return waiting;
  }

  /** release lets a held signature go on (signed, or declined). */
  release(decision = 'sign') {
    const h = this.held;
    this.held = null;
    this.mode = 'sign';
    h?.resolve?.(decision);
  }

  /** attach installs the wallet into every Sigil page of context. */
  async attach(context, { origin, count = 1, legacy = true }) {
    await context.exposeFunction(BINDING, (walletId, method, params) => this.handle(walletId, method, params));
    await context.addInitScript(pageWallet, { origin, binding: BINDING, wallets: WALLET_INFOS.slice(0, count), legacy });
  }

  async handle(walletId, method, params) {
    this.requests.push({ wallet: walletId, method, params });
    const key = this.keys[this.current];
    const declined = { error: { code: 4001, message: 'User rejected the request.' } };
    switch (method) {
      case 'eth_requestAccounts':
        if (this.mode === 'decline-connect') return declined;
        return { result: [key.address] };
      case 'eth_accounts':
        return { result: [key.address] };
      case 'eth_chainId':
        return { result: '0x1' };
      case 'personal_sign': {
        if (this.mode === 'decline') return declined;
        if (this.mode === 'hold' && this.held) {
          const decision = await new Promise((resolve) => {
            this.held.resolve = resolve;
            this.held.notify();
          });
          if (decision !== 'sign') return declined;
        }
        const [data, account] = params;
        if (typeof account !== 'string' || account.toLowerCase() !== key.address.toLowerCase()) {
          return { error: { code: 4100, message: `The account ${account} is not authorized.` } };
        }
        const bytes = getBytes(data);
        this.signed.push(toUtf8String(bytes));
        const signer = this.signWith ? this.keys[this.signWith] : key;
        return { result: await signer.signMessage(bytes) };
      }
      default:
        return { error: { code: 4200, message: `The method ${method} is not supported by the test wallet.` } };
    }
  }
}
