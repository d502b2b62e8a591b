// rp-server.mjs serves the test relying party on its own loopback port, an
// origin other than Sigil's: the page (rp/index.html for every path, so
// /callback and /logged-out work), its script, and @uauth/js bundled for
// the browser with esbuild.

import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const RP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'rp');

/** RESOLUTION_API_KEY is baked into the bundle, as an app's build does. */
export const RESOLUTION_API_KEY = 'sigil-e2e-resolution-key';

let bundle = null;

/**
 * uauthBundle bundles @uauth/js (with @uauth/common, the resolution library
 * and jose) into one browser script that sets window.UAuth. @uauth/js reads
 * process.env.RESOLUTION_API_KEY when it creates its resolution client, so
 * the bundle defines it, like the apps built for Login with Unstoppable did.
 */
export async function uauthBundle() {
  if (!bundle) {
    const result = await esbuild.build({
      entryPoints: [path.join(RP_DIR, 'uauth-entry.mjs')],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'iife',
      target: 'chrome120',
      minify: true,
      keepNames: true, // readable error names (ApiError, PopupClosedError)
      inject: [path.join(RP_DIR, 'browser-shims.mjs')],
      define: {
        'process.env.RESOLUTION_API_KEY': JSON.stringify(RESOLUTION_API_KEY),
        'process.env.NODE_ENV': '"production"',
      },
      logLevel: 'error',
    });
    bundle = result.outputFiles[0].contents;
    await esbuild.stop(); // its service process is not needed any more
  }
  return bundle;
}

/** startRP serves the relying party; resolves to {origin, url(path), close()}. */
export async function startRP() {
  const files = {
    '/uauth.js': ['text/javascript; charset=utf-8', await uauthBundle()],
    '/app.js': ['text/javascript; charset=utf-8', await readFile(path.join(RP_DIR, 'app.js'))],
    '/rp.css': ['text/css; charset=utf-8', await readFile(path.join(RP_DIR, 'rp.css'))],
  };
  const page = await readFile(path.join(RP_DIR, 'index.html'));
  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url, 'http://rp.invalid');
    const file = files[pathname];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
    } else if (file) {
      res.writeHead(200, { 'Content-Type': file[0], 'Cache-Control': 'no-store' }).end(file[1]);
    } else if (pathname === '/favicon.ico') {
      res.writeHead(204).end();
    } else {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(page);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    url: (p = '/') => origin + p,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}
