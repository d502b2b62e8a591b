// devwallet.js: Sigil's development wallet, for local testing only.
//
// Under --dev the login page holds a throwaway private key in
// data-devwallet-key. This module turns it into an EIP-1193 provider and
// announces it through EIP-6963, so the login page lists it next to any real
// wallet. The key is in the page for anyone to read: never use it with real
// funds.

import { bytesToHex, hexToBytes, personalSign, privateToAddress, utf8ToBytes } from './secp256k1.js';

export const DEV_WALLET_NAME = 'Sigil development wallet';
export const DEV_WALLET_RDNS = 'dev.sigil.wallet';

const ICON =
  'data:image/svg+xml,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
      '<rect width="32" height="32" rx="8" fill="#b45309"/>' +
      '<path d="M9 11h14v12H9z" fill="none" stroke="#fff" stroke-width="2" stroke-linejoin="round"/>' +
      '<path d="M9 11l3-3h11v3" fill="none" stroke="#fff" stroke-width="2" stroke-linejoin="round"/>' +
      '<circle cx="19" cy="17" r="1.75" fill="#fff"/></svg>',
  );

/** ProviderError is an EIP-1193 error: {code, message}. */
export class ProviderError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'ProviderError';
    this.code = code;
  }
}

// messageBytes reads personal_sign's message: 0x hex is raw bytes (as
// wallets send it), anything else is text, signed as UTF-8.
function messageBytes(message) {
  if (typeof message !== 'string') throw new ProviderError(-32602, 'personal_sign: the message must be a string');
  if (/^0x([0-9a-fA-F]{2})*$/.test(message)) return hexToBytes(message);
  return utf8ToBytes(message);
}

function isAddress(value) {
  return typeof value === 'string' && /^0x[0-9a-fA-F]{40}$/.test(value);
}

/**
 * createProvider returns an EIP-1193 provider for privHex. options.confirm,
 * when given, is called as confirm(text) before each signature; resolving
 * false declines it (error 4001).
 */
export function createProvider(privHex, options = {}) {
  const address = privateToAddress(privHex);
  const listeners = new Map();

  async function request(args) {
    const { method, params = [] } = args || {};
    switch (method) {
      case 'eth_requestAccounts':
      case 'eth_accounts':
        return [address];
      case 'eth_chainId':
        return '0x1';
      case 'personal_sign': {
        if (!Array.isArray(params) || params.length < 2) {
          throw new ProviderError(-32602, 'personal_sign needs [message, address]');
        }
        let [message, from] = params;
        // Some sites send [address, message]; accept that as wallets do.
        if (isAddress(message) && message.toLowerCase() === address.toLowerCase() && !isAddress(from)) {
          [message, from] = [from, message];
        }
        if (!isAddress(from) || from.toLowerCase() !== address.toLowerCase()) {
          throw new ProviderError(4100, `The development wallet only signs for ${address}`);
        }
        const bytes = messageBytes(message);
        if (options.confirm) {
          let text;
          try {
            text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
          } catch {
            text = '0x' + bytesToHex(bytes);
          }
          if (!(await options.confirm(text))) throw new ProviderError(4001, 'User rejected the request.');
        }
        return personalSign(privHex, bytes);
      }
      default:
        throw new ProviderError(4200, `The development wallet does not support ${method}`);
    }
  }

  return Object.freeze({
    isSigilDevWallet: true,
    address,
    request,
    on(event, fn) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(fn);
      return this;
    },
    removeListener(event, fn) {
      const set = listeners.get(event);
      if (set) set.delete(fn);
      return this;
    },
  });
}

/**
 * installDevWallet creates the provider and announces it through EIP-6963 on
 * target (window): once now, and again on every eip6963:requestProvider.
 */
export function installDevWallet(privHex, options = {}, target = globalThis.window) {
  const provider = createProvider(privHex, options);
  const info = Object.freeze({
    uuid: randomUUID(),
    name: DEV_WALLET_NAME,
    icon: ICON,
    rdns: DEV_WALLET_RDNS,
  });
  const detail = Object.freeze({ info, provider });
  const announce = () => target.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail }));
  target.addEventListener('eip6963:requestProvider', announce);
  announce();
  return provider;
}

function randomUUID() {
  if (globalThis.crypto && typeof globalThis.crypto.randomUUID === 'function') return globalThis.crypto.randomUUID();
  // crypto.randomUUID needs a secure context; the uuid only tells wallets apart.
  const b = new Uint8Array(16);
  globalThis.crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = bytesToHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * askInPage shows the signature request in dialog (a <dialog> on the page,
 * never the browser's own confirm()) and resolves true when the person
 * signs, false when they decline or press Escape. It is what a wallet
 * extension's pop-up does, inside the page.
 */
export function askInPage(dialog, text) {
  const signButton = dialog.querySelector('#devwallet-sign');
  const declineButton = dialog.querySelector('#devwallet-decline');
  dialog.querySelector('#devwallet-prompt-message').textContent = text;
  return new Promise((resolve) => {
    const finish = (ok) => {
      signButton.removeEventListener('click', onSign);
      declineButton.removeEventListener('click', onDecline);
      dialog.removeEventListener('cancel', onCancel);
      dialog.close();
      resolve(ok);
    };
    const onSign = () => finish(true);
    const onDecline = () => finish(false);
    const onCancel = (event) => {
      event.preventDefault();
      finish(false);
    };
    signButton.addEventListener('click', onSign);
    declineButton.addEventListener('click', onDecline);
    dialog.addEventListener('cancel', onCancel);
    dialog.showModal();
  });
}

// In the login page: install the wallet held by the development wallet box.
if (typeof document !== 'undefined') {
  const box = document.querySelector('[data-devwallet-key]');
  if (box) {
    const addressOut = box.querySelector('#devwallet-address');
    const prompt = document.getElementById('devwallet-prompt');
    try {
      const provider = installDevWallet(box.dataset.devwalletKey, {
        confirm: prompt ? (text) => askInPage(prompt, text) : undefined,
      });
      if (addressOut) addressOut.textContent = provider.address;
    } catch (err) {
      if (addressOut) addressOut.textContent = `unusable key (${err.message})`;
    }
  }
}
