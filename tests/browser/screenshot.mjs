// Screenshot of DIR/index.html in headless Chromium, for docs/index-page.png:
//   node tests/browser/screenshot.mjs DIR OUT.png [HEIGHT]
// The top HEIGHT CSS pixels (default 2800: a 3-clip page) at 1000 px wide.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [dir, out, height] = process.argv.slice(2);
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pbc-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.PBC_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1000, height: Number(height || 2800) },
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--hide-scrollbars'],
});
try {
    const page = await context.newPage();
    await page.goto('file://' + path.resolve(dir, 'index.html'), { waitUntil: 'load' });
    // the players as a reader sees them: metadata loaded, first frame shown
    await page.$$eval('video', vs => Promise.all(vs.map(v => new Promise(r => {
        if (v.readyState >= 2) return r();
        v.addEventListener('loadeddata', r);
        v.addEventListener('error', r);
        setTimeout(r, 10000);
    }))));
    await page.waitForTimeout(1000);
    await page.screenshot({ path: out });
} finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
}
