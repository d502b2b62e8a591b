#!/usr/bin/env node
// render-timing.mjs measures how long Sigil takes to answer GET /login and
// GET /consent (Sigil sends no Server-Timing header): time to first byte
// and to the last byte over loopback, one request at a time on a kept-alive
// connection, after a warm-up. /health/alive is measured the same way as
// the floor (loopback, HTTP and middleware, no page).
//
//   node tools/render-timing.mjs [requests per page, default 3000]
//
// It builds and starts `sigil serve` like the browser tests. Not a test: it
// asserts nothing about wall-clock time; it prints figures.

import http from 'node:http';
import os from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { Wallet, id } from 'ethers';
import { buildSigil, startSigil } from '../lib/sigil.mjs';

const N = Number(process.argv[2] || 3000);
const WARMUP = 300;

const alice = new Wallet(id('sigil browser e2e: alice'));
const tmp = await mkdtemp(path.join(os.tmpdir(), 'sigil-timing-'));
const bin = await buildSigil(tmp);
const sigil = await startSigil({
  bin,
  domains: { 'alice.crypto': { owner: alice.address, records: { 'crypto.ETH.address': alice.address } } },
});

try {
  const redirect = 'http://127.0.0.1:9/callback';
  const client = await sigil.createClient({
    client_name: 'Timing RP', redirect_uris: [redirect], token_endpoint_auth_method: 'none', scope: 'openid wallet email profile',
  });

  /** startFlow runs the authorization request; returns {flow, cookie}. */
  async function startFlow() {
    const q = new URLSearchParams({
      client_id: client.client_id, redirect_uri: redirect, response_type: 'code', scope: 'openid wallet email:optional profile:optional',
      state: 'timing-state-0123456789', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
      login_hint: 'alice.crypto',
    });
    const res = await fetch(`${sigil.issuer}/oauth2/auth?${q}`, { redirect: 'manual' });
    const loc = new URL(res.headers.get('location'), sigil.issuer);
    if (loc.pathname !== '/login') throw new Error(`authorize redirected to ${loc}`);
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    return { flow: loc.searchParams.get('flow'), cookie };
  }

  async function api(p, cookie, body) {
    const res = await fetch(sigil.issuer + p, { method: 'POST', headers: { 'Content-Type': 'application/json', cookie }, body: JSON.stringify(body) });
    const json = await res.json();
    if (!res.ok) throw new Error(`${p}: ${res.status} ${JSON.stringify(json)}`);
    return { json, setCookie: res.headers.getSetCookie() };
  }

  const login = await startFlow();
  const consent = await startFlow();
  const ch = await api('/login/challenge', consent.cookie, { flow: consent.flow, domain: 'alice.crypto' });
  const signature = await alice.signMessage(ch.json.message);
  const verified = await api('/login/verify', consent.cookie, { flow: consent.flow, signature });
  const consentCookie = [consent.cookie, ...verified.setCookie.map((c) => c.split(';')[0])].join('; ');

  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  function once(url, cookie) {
    return new Promise((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      const req = http.get(url, { agent, headers: { cookie } }, (res) => {
        const t1 = process.hrtime.bigint();
        let bytes = 0;
        res.on('data', (b) => { bytes += b.length; });
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`${url}: ${res.statusCode}`));
          else resolve({ ttfb: Number(t1 - t0) / 1e6, total: Number(process.hrtime.bigint() - t0) / 1e6, bytes });
        });
      });
      req.on('error', reject);
    });
  }

  const stats = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const at = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
    const mean = s.reduce((a, b) => a + b, 0) / s.length;
    return { min: s[0], p50: at(0.5), p90: at(0.9), p99: at(0.99), mean };
  };
  const fmt = (x) => x.toFixed(3).padStart(7);

  const targets = [
    ['GET /health/alive (floor)', `${sigil.issuer}/health/alive`, ''],
    ['GET /login', `${sigil.issuer}/login?flow=${login.flow}`, login.cookie],
    ['GET /consent', `${sigil.issuer}/consent?flow=${consent.flow}`, consentCookie],
  ];
  console.log(`Sigil ${sigil.issuer}, ${os.cpus().length} CPUs (${os.cpus()[0].model}), node ${process.version}`);
  console.log(`${N} sequential requests per page after ${WARMUP} warm-up, one kept-alive loopback connection; milliseconds`);
  console.log(`${'request'.padEnd(28)} ${'measure'.padEnd(6)}     min     p50     p90     p99    mean   bytes`);
  for (const [name, url, cookie] of targets) {
    for (let i = 0; i < WARMUP; i++) await once(url, cookie);
    const runs = [];
    for (let i = 0; i < N; i++) runs.push(await once(url, cookie));
    for (const m of ['ttfb', 'total']) {
      const st = stats(runs.map((r) => r[m]));
      console.log(`${name.padEnd(28)} ${m.padEnd(6)} ${fmt(st.min)} ${fmt(st.p50)} ${fmt(st.p90)} ${fmt(st.p99)} ${fmt(st.mean)} ${String(runs[0].bytes).padStart(7)}`);
    }
  }
  agent.destroy();
} finally {
  await sigil.stop();
  await rm(tmp, { recursive: true, force: true });
}
