#!/usr/bin/env node
// build-sigil.mjs is the "pretest" script: `npm test` builds `sigil` once
// into .build/ and every test file uses that binary (lib/sigil.mjs checks
// npm_lifecycle_event). A test file run on its own (node --test FILE)
// builds its own.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSigil } from '../lib/sigil.mjs';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '.build');
await mkdir(dir, { recursive: true });
const started = Date.now();
const bin = await buildSigil(dir, { force: true });
console.log(`built ${bin} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
