// outside.mjs keeps every request of the browser on this machine. Requests
// to loopback addresses go through untouched; anything else is answered by
// the test (what @uauth/js's resolution library asks the Unstoppable
// Domains API and its JSON-RPC proxy) or aborted and recorded, so a test can
// assert that nothing unexpected tried to leave.
//
// The resolution library (@unstoppabledomains/resolution 9.3.3, built with
// an API key as @uauth/js apps are) asks:
//   GET  https://api.unstoppabledomains.com/resolve/supported_tlds
//   POST https://api.unstoppabledomains.com/resolve/chains/eth/rpc    (L1)
//   POST https://api.unstoppabledomains.com/resolve/chains/matic/rpc  (L2)
// with JSON-RPC eth_call to ProxyReader.getData(keys, tokenId). The answers
// come from the same registry Sigil serves (on L1; L2 says "no owner").

import proxyReaderModule from '@unstoppabledomains/resolution/build/contracts/uns/proxyReader.js';
import { Interface, ZeroAddress, namehash } from 'ethers';

const proxyReader = new Interface(proxyReaderModule.default ?? proxyReaderModule);

/** RESOLVER is the resolver address reported for registered domains. */
const RESOLVER = '0x049aba7510f45BA5b64ea9E658E342F904DB358D';

const API = 'https://api.unstoppabledomains.com/resolve';

function isLoopback(url) {
  const u = new URL(url);
  if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return true;
  return u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';
}

/**
 * Outside answers non-loopback requests from domains ({name: {owner,
 * records}}). seen lists every request it answered, unexpected every one it
 * aborted.
 */
export class Outside {
  constructor(domains) {
    this.byHash = new Map();
    for (const [name, d] of Object.entries(domains)) {
      this.byHash.set(namehash(name.toLowerCase()), { name: name.toLowerCase(), ...d });
    }
    this.seen = [];
    this.unexpected = [];
  }

  async attach(context) {
    await context.route((url) => !isLoopback(url.href), (route) => this.handle(route));
  }

  async handle(route) {
    const req = route.request();
    const url = req.url();
    const json = (body) => route.fulfill({
      status: 200,
      contentType: 'application/json',
      headers: { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': '*' },
      body: JSON.stringify(body),
    });
    if (req.method() === 'OPTIONS' && url.startsWith(API)) {
      this.seen.push(`OPTIONS ${url}`);
      return route.fulfill({
        status: 204,
        headers: {
          'Access-Control-Allow-Origin': '*',
          'Access-Control-Allow-Methods': 'GET, POST',
          'Access-Control-Allow-Headers': '*',
        },
      });
    }
    if (req.method() === 'GET' && url === `${API}/supported_tlds`) {
      this.seen.push(`GET ${url}`);
      return json({
        tlds: ['crypto', 'x', 'nft', 'wallet'],
        meta: {
          crypto: { namingService: 'UNS', registrationBlockchain: 'ETH' },
          x: { namingService: 'UNS', registrationBlockchain: 'ETH' },
          nft: { namingService: 'UNS', registrationBlockchain: 'ETH' },
          wallet: { namingService: 'UNS', registrationBlockchain: 'ETH' },
        },
      });
    }
    const rpc = /^https:\/\/api\.unstoppabledomains\.com\/resolve\/chains\/(eth|matic)\/rpc$/.exec(url);
    if (req.method() === 'POST' && rpc) {
      this.seen.push(`POST ${url}`);
      const body = req.postDataJSON();
      const calls = Array.isArray(body) ? body : [body];
      const answers = calls.map((c) => this.rpc(c, rpc[1]));
      return json(Array.isArray(body) ? answers : answers[0]);
    }
    this.unexpected.push(`${req.method()} ${url}`);
    return route.abort('blockedbyclient');
  }

  rpc(call, chain) {
    const reply = (result) => ({ jsonrpc: '2.0', id: call.id, result });
    if (call.method === 'eth_chainId') return reply(chain === 'eth' ? '0x1' : '0x89');
    if (call.method === 'net_version') return reply(chain === 'eth' ? '1' : '137');
    if (call.method !== 'eth_call') {
      return { jsonrpc: '2.0', id: call.id, error: { code: -32601, message: `${call.method} is not answered by the test` } };
    }
    const tx = proxyReader.parseTransaction({ data: call.params[0].data });
    if (!tx || tx.name !== 'getData') {
      return { jsonrpc: '2.0', id: call.id, error: { code: -32000, message: `ProxyReader.${tx?.name} is not answered by the test` } };
    }
    const [keys, tokenId] = tx.args;
    const hash = '0x' + BigInt(tokenId).toString(16).padStart(64, '0');
    const d = chain === 'eth' ? this.byHash.get(hash) : undefined;
    const values = keys.map((k) => d?.records?.[k] ?? '');
    const out = proxyReader.encodeFunctionResult('getData', [d ? RESOLVER : ZeroAddress, d ? d.owner : ZeroAddress, values]);
    return reply(out);
  }
}
