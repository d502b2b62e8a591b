// Cross-check of Sigil's UNS resolver against the official resolution
// library, @unstoppabledomains/resolution (testdata/npm). Run by
// TestCrossCheckResolutionLibrary:
//
//   node crosscheck.js <input.json>
//
// input.json: {nodeModules, l1: {url, proxyReader}, l2: {url, proxyReader},
// names: [...], recordKeys: [...], addresses: [...]}. The script prints one
// JSON object: for each name the library's namehash, owner (or error code)
// and records; for each address the token id of its reverse record; and the
// network connections it made.
//
// No request may leave 127.0.0.1. Two guards enforce it:
//  - Every TCP connection (node-fetch, undici, anything) goes through
//    net.Socket.prototype.connect, which is wrapped to refuse any host but
//    127.0.0.1; a refused connection makes the script fail.
//  - Before any look-up the library fetches its list of supported TLDs from
//    https://api.unstoppabledomains.com/resolve/supported_tlds (utils/Tlds.js,
//    through utils/Networking.js) to decide which naming service a name
//    belongs to. Networking.fetch is wrapped to answer that one URL locally,
//    with every TLD the test chain has as a UNS TLD.
'use strict';

const fs = require('fs');
const net = require('net');
const path = require('path');

const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const connections = [];
const refused = [];

// --- guard 1: only 127.0.0.1 -------------------------------------------
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  // net.createConnection passes its normalized [options, callback] array.
  let options = args[0];
  if (Array.isArray(options)) options = options[0];
  if (typeof options !== 'object' || options === null) {
    options = { port: args[0], host: typeof args[1] === 'string' ? args[1] : 'localhost' };
  }
  const target = options.path ? `unix:${options.path}` : `${options.host || 'localhost'}:${options.port}`;
  if (options.path || options.host !== '127.0.0.1') {
    refused.push(target);
    throw new Error(`crosscheck: refused a connection to ${target}: only 127.0.0.1 is allowed`);
  }
  connections.push(target);
  return connect.apply(this, args);
};

// The guard must hold before anything else runs: 192.0.2.1 (TEST-NET-1,
// RFC 5737) is refused before any packet is sent.
let guardHolds = false;
try {
  net.connect({ host: '192.0.2.1', port: 9 });
} catch (e) {
  guardHolds = true;
}
refused.length = 0;
if (!guardHolds) {
  process.stderr.write('crosscheck: the connection guard does not hold\n');
  process.exit(1);
}

// --- guard 2: the TLD list, answered locally ----------------------------
const lib = path.join(input.nodeModules, '@unstoppabledomains', 'resolution');
const Networking = require(path.join(lib, 'build', 'utils', 'Networking')).default;
const upstreamFetch = Networking.fetch;
const TLD_URL = 'https://api.unstoppabledomains.com/resolve/supported_tlds';
const tldRequests = [];
Networking.fetch = async function (url, options) {
  if (url === TLD_URL) {
    tldRequests.push(url);
    const meta = {};
    for (const tld of input.tlds) {
      meta[tld] = { namingService: 'UNS', registrationBlockchain: 'POL' };
    }
    const body = { tlds: input.tlds, meta };
    return { ok: true, status: 200, json: async () => body, text: async () => JSON.stringify(body) };
  }
  return upstreamFetch.call(this, url, options);
};

const { Resolution } = require(lib);

async function main() {
  const resolution = new Resolution({
    sourceConfig: {
      uns: {
        locations: {
          Layer1: { url: input.l1.url, network: 'mainnet', proxyReaderAddress: input.l1.proxyReader },
          Layer2: { url: input.l2.url, network: 'polygon-mainnet', proxyReaderAddress: input.l2.proxyReader },
        },
      },
    },
  });

  const names = {};
  for (const name of input.names) {
    const out = {};
    try {
      out.namehash = resolution.namehash(name, 'UNS');
    } catch (e) {
      out.namehashError = e.code || String(e);
    }
    try {
      out.owner = await resolution.owner(name);
    } catch (e) {
      out.ownerError = e.code || String(e);
    }
    try {
      out.records = await resolution.records(name, input.recordKeys);
    } catch (e) {
      out.recordsError = e.code || String(e);
    }
    names[name] = out;
  }

  const reverse = {};
  for (const address of input.addresses) {
    try {
      reverse[address] = await resolution.reverseTokenId(address);
    } catch (e) {
      reverse[address] = { error: e.code || String(e) };
    }
  }

  process.stdout.write(JSON.stringify({ names, reverse, connections, refused, tldRequests }) + '\n');
  if (refused.length > 0) process.exitCode = 1;
}

main().catch((e) => {
  process.stderr.write(`crosscheck: ${e && e.stack ? e.stack : e}\n`);
  process.exitCode = 1;
});
