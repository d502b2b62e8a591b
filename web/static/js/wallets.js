// wallets.js: finds the person's browser wallets.
//
// EIP-6963: each wallet answers an "eip6963:requestProvider" event on window
// with an "eip6963:announceProvider" event whose detail is
// {info: {uuid, name, icon, rdns}, provider}. When no wallet announces
// itself, the legacy window.ethereum (EIP-1193) is used instead.

const ANNOUNCE = 'eip6963:announceProvider';
const REQUEST = 'eip6963:requestProvider';

/** DISCOVERY_WAIT_MS is how long wallets get to answer a request. */
export const DISCOVERY_WAIT_MS = 300;

function safeIcon(icon) {
  // EIP-6963 requires a data URI; anything else is ignored. An <img> never
  // runs script, even for SVG.
  return typeof icon === 'string' && /^data:image\/[a-z0-9.+-]+[;,]/i.test(icon) ? icon : '';
}

function legacyName(provider) {
  if (provider.isSigilDevWallet) return 'Sigil development wallet';
  if (provider.isRabby) return 'Rabby';
  if (provider.isCoinbaseWallet) return 'Coinbase Wallet';
  if (provider.isBraveWallet) return 'Brave Wallet';
  if (provider.isMetaMask) return 'MetaMask';
  return 'Browser wallet';
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * startDiscovery starts listening for wallets and asks them to announce
 * themselves. The returned object's list() resolves, once wallets have had
 * DISCOVERY_WAIT_MS to answer, to [{id, name, icon, provider}].
 */
export function startDiscovery(target = window) {
  const found = new Map();
  const listeners = new Set();
  let askedAt = 0;

  target.addEventListener(ANNOUNCE, (event) => {
    const detail = event.detail;
    if (!detail || !detail.info || !detail.provider || typeof detail.provider.request !== 'function') return;
    const info = detail.info;
    const id = String(info.uuid || info.rdns || info.name || found.size);
    if (found.has(id)) return;
    found.set(id, {
      id,
      name: typeof info.name === 'string' && info.name.trim() ? info.name.trim() : 'Wallet',
      icon: safeIcon(info.icon),
      rdns: typeof info.rdns === 'string' ? info.rdns : '',
      provider: detail.provider,
    });
    for (const fn of listeners) fn();
  });

  const ask = () => {
    askedAt = Date.now();
    target.dispatchEvent(new Event(REQUEST));
  };
  ask();

  return {
    /** list waits for answers, then lists the wallets found. */
    async list() {
      const wait = askedAt + DISCOVERY_WAIT_MS - Date.now();
      if (wait > 0) await sleep(wait);
      const wallets = [...found.values()];
      const legacy = target.ethereum;
      if (wallets.length === 0 && legacy && typeof legacy.request === 'function') {
        wallets.push({ id: 'window.ethereum', name: legacyName(legacy), icon: '', rdns: '', provider: legacy });
      }
      return wallets;
    },
    /** rescan asks the wallets to announce themselves again. */
    rescan: ask,
    /** onChange calls fn whenever a new wallet announces itself. */
    onChange(fn) {
      listeners.add(fn);
    },
  };
}
