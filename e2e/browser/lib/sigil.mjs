// sigil.mjs builds and runs the real `sigil serve` binary for the browser
// tests, as e2e/harness_test.go does for the Go end-to-end tests: loopback
// ports, a fresh data dir, a static domain registry, an admin token, and
// clients created through the admin API.

import { spawn, execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** REPO_ROOT is the Sigil module root (two levels above e2e/browser). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** freePort returns a TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** PREBUILT is where `npm test`'s pretest script builds the binary. */
export const PREBUILT = path.join(REPO_ROOT, 'e2e', 'browser', '.build', 'sigil');

/**
 * buildSigil runs `go build -o <dir>/sigil ./cmd/sigil` in the repository
 * and returns the binary's path. Under `npm test` it returns the binary the
 * pretest script (tools/build-sigil.mjs) has just built instead, and
 * SIGIL_BIN, when set, names a binary to use (for a quick local re-run).
 * force builds regardless.
 */
export async function buildSigil(dir, { force = false } = {}) {
  if (!force) {
    if (process.env.SIGIL_BIN) return process.env.SIGIL_BIN;
    if (process.env.npm_lifecycle_event === 'test' && existsSync(PREBUILT)) return PREBUILT;
  }
  const bin = path.join(dir, 'sigil');
  try {
    await execFileP('go', ['build', '-o', bin, './cmd/sigil'], { cwd: REPO_ROOT, maxBuffer: 16 << 20 });
  } catch (err) {
    throw new Error(`go build ./cmd/sigil failed:\n${err.stderr || err.message}`);
  }
  return bin;
}

/** yamlString quotes s for YAML (JSON strings are valid YAML scalars). */
const yamlString = (s) => JSON.stringify(String(s));

/**
 * registryYAML writes the static registry: domains maps a name to
 * {owner, records}.
 */
export function registryYAML(domains) {
  let out = 'domains:\n';
  for (const [name, d] of Object.entries(domains)) {
    out += `  ${name}:\n    owner: ${yamlString(d.owner)}\n`;
    const records = Object.entries(d.records ?? {});
    if (records.length > 0) {
      out += '    records:\n';
      for (const [k, v] of records) out += `      ${k}: ${yamlString(v)}\n`;
    }
  }
  return out;
}

/**
 * newPostgresDatabase creates an empty database on the shared throwaway
 * PostgreSQL server whose base DSN is in SIGIL_TEST_POSTGRES (scripts/test
 * starts it) and returns its DSN and a function that drops it. The browser
 * suite runs once per store: SIGIL_TEST_STORE=postgres selects this one.
 */
async function newPostgresDatabase() {
  const base = process.env.SIGIL_TEST_POSTGRES;
  if (!base) throw new Error('SIGIL_TEST_STORE=postgres needs SIGIL_TEST_POSTGRES, the DSN of a running server (scripts/test starts one)');
  const name = `browser_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const psql = (sql) => execFileP('psql', [base, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql]);
  await psql(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { dsn: url.toString(), drop: () => psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * startSigil starts `sigil serve` with the registry domains and resolves
 * once /health/alive answers. domains null passes no --domains (under
 * --dev, in extraArgs, Sigil then serves its own demo registry). The
 * returned object has issuer, admin, adminToken, dataDir, logs(),
 * createClient(metadata) and stop().
 */
export async function startSigil({ bin, domains, extraArgs = [] }) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'sigil-browser-'));
  const registryArgs = [];
  if (domains != null) {
    const registry = path.join(dataDir, 'domains.yaml');
    await writeFile(registry, registryYAML(domains), { mode: 0o600 });
    registryArgs.push('--domains', registry);
  }
  const [publicPort, adminPort] = [await freePort(), await freePort()];
  const issuer = `http://127.0.0.1:${publicPort}`;
  const admin = `http://127.0.0.1:${adminPort}`;
  const adminToken = 'browser-e2e-admin-token-0123456789';
  const database = process.env.SIGIL_TEST_STORE === 'postgres' ? await newPostgresDatabase() : null;
  const args = [
    'serve',
    '--issuer', issuer,
    '--public-addr', `127.0.0.1:${publicPort}`,
    '--admin-addr', `127.0.0.1:${adminPort}`,
    '--data-dir', dataDir,
    '--admin-token', adminToken,
    ...registryArgs,
    ...(database ? ['--dsn', database.dsn] : []),
    ...extraArgs,
  ];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (b) => { output += b; });
  child.stderr.on('data', (b) => { output += b; });
  let exited = null;
  const exit = new Promise((resolve) => {
    child.on('exit', (code, signal) => { exited = { code, signal }; resolve(); });
    child.on('error', (err) => { exited = { error: err.message }; resolve(); });
  });

  const deadline = Date.now() + 20_000;
  for (;;) {
    let failure = null;
    if (exited) failure = `sigil serve exited (${JSON.stringify(exited)}) before it was ready:\n${output}`;
    else if (Date.now() > deadline) failure = `sigil serve did not answer /health/alive within 20 s:\n${output}`;
    if (failure) {
      if (!exited) child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
      await database?.drop();
      throw new Error(failure);
    }
    try {
      const res = await fetch(`${issuer}/health/alive`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  async function adminDo(method, p, body) {
    const res = await fetch(admin + p, {
      method,
      headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, json, text };
  }

  return {
    issuer,
    admin,
    adminToken,
    dataDir,
    logs: () => output,
    adminDo,
    /** createClient registers a client and returns the admin API's answer. */
    async createClient(metadata) {
      const { status, json, text } = await adminDo('POST', '/admin/clients', metadata);
      if (status !== 201) throw new Error(`POST /admin/clients answered ${status}: ${text}`);
      return json;
    },
    async stop() {
      if (!exited) {
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exit;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
      await database?.drop();
    },
  };
}
