// screenshots.mjs: rendering pages for docs/screenshots/. Every test run
// renders and checks them; with UPDATE_SCREENSHOTS=1 the PNGs are rewritten
// (look at them before committing).

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from './sigil.mjs';

/** UPDATE is true when the PNGs under docs/screenshots/ are to be rewritten. */
export const UPDATE = process.env.UPDATE_SCREENSHOTS === '1';

/** DIR is docs/screenshots/. */
export const DIR = path.join(REPO_ROOT, 'docs', 'screenshots');

/** prepare creates DIR when updating. */
export async function prepare() {
  if (UPDATE) await mkdir(DIR, { recursive: true });
}

/**
 * shot renders page (checking that nothing overflows the window sideways)
 * and, when updating, saves it as docs/screenshots/name. fullPage false
 * captures the window only (a modal dialog's backdrop covers the window,
 * not the whole page).
 */
export async function shot(page, name, { fullPage = true } = {}) {
  await page.mouse.move(0, 0); // no hover effect where the last click was
  await page.evaluate(() => document.fonts.ready);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `${name}: the page is ${overflow}px wider than the window`);
  const png = await page.screenshot({ fullPage, animations: 'disabled', caret: 'hide', path: UPDATE ? path.join(DIR, name) : undefined });
  assert.ok(png.length > 5000, `${name}: the screenshot is nearly empty`);
}
