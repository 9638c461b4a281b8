// Opens DIR/index.html from file:// in headless Chromium (Debian's
// /usr/bin/chromium through playwright-core) and checks what a court
// workstation would see: every thumbnail decodes, every player loads its
// file with the expected width and duration and plays, no console error,
// no script from a tag runs, and the player note falls back to naming
// other players when the browser says it cannot play a file.
//   node index_page.mjs DIR EXPECTED.json
// EXPECTED.json: { "NAME": { "width": W, "duration": SECONDS }, ... } per disc file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [dir, expectedPath] = process.argv.slice(2);
const expected = JSON.parse(fs.readFileSync(expectedPath, 'utf8'));
const names = Object.keys(expected).sort();
const url = 'file://' + path.resolve(dir, 'index.html');
let failures = 0, n = 0;
function check(ok, what) {
    n++;
    console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${path.basename(dir)}: ${what}`);
    if (!ok) failures++;
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pbc-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.PBC_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
});
try {
    await pageChecks(context, false);
    await pageChecks(context, true);
} finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
}
console.log(`1..${n}`);
process.exit(failures ? 1 : 0);

// noAv: the browser claims it can play nothing (canPlayType returns ''),
// as Safari without an AV1 decoder would for the ENCODE outputs.
async function pageChecks(context, noAv) {
    const page = await context.newPage();
    const errors = [], dialogs = [];
    page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', e => errors.push(String(e)));
    page.on('dialog', d => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
    if (noAv)
        await page.addInitScript(() => { HTMLMediaElement.prototype.canPlayType = () => ''; });
    await page.goto(url, { waitUntil: 'load' });
    const tag = noAv ? ' (canPlayType says no)' : '';

    const thumbs = await page.$$eval('img.thumb', imgs => imgs.map(i => i.complete && i.naturalWidth));
    check(thumbs.length === names.length && thumbs.every(w => w > 0),
          `${names.length} thumbnails decoded (naturalWidth ${thumbs.join(', ')})${tag}`);
    const links = await page.$$eval('section.clip h2 a', as => as.map(a => decodeURIComponent(a.href.split('/').pop())));
    check(JSON.stringify([...links].sort()) === JSON.stringify(names), `links name the files: ${links.join(' | ')}`);

    const videos = await page.$$('section.clip video');
    check(videos.length === names.length, `${videos.length} players`);
    for (let i = 0; i < videos.length && i < links.length; i++) {
        const e = { name: links[i], ...(expected[links[i]] || { width: -1, duration: -1 }) };
        const meta = await videos[i].evaluate(v => new Promise(resolve => {
            const done = () => resolve({ rs: v.readyState, w: v.videoWidth, d: v.duration,
                                         err: v.error && v.error.message, pre: v.preload });
            if (v.readyState >= 1) return done();
            v.addEventListener('loadedmetadata', done);
            v.addEventListener('error', done);
            setTimeout(done, 15000);
        }));
        check(meta.rs >= 1 && !meta.err && meta.pre === 'metadata',
              `${e.name}: readyState ${meta.rs}, preload ${meta.pre}${meta.err ? ', error ' + meta.err : ''}`);
        check(meta.w === e.width, `${e.name}: videoWidth ${meta.w}, expected ${e.width}`);
        check(Math.abs(meta.d - e.duration) < 0.1, `${e.name}: duration ${meta.d}, expected ${e.duration}`);
        if (noAv)
            continue;
        const t = await videos[i].evaluate(v => new Promise(resolve => {
            v.muted = true;
            const t0 = v.currentTime;
            v.play().catch(err => resolve({ err: String(err) }));
            const stop = () => { v.pause(); resolve({ t0, t1: v.currentTime }); };
            v.addEventListener('timeupdate', () => { if (v.currentTime > t0 + 0.2) stop(); });
            setTimeout(stop, 10000);
        }));
        check(!t.err && t.t1 > t.t0 + 0.2, `${e.name}: plays (currentTime ${t.t0} -> ${t.t1})${t.err ? ' ' + t.err : ''}`);
    }

    const note = await page.textContent('#player-note');
    const warnings = await page.$$eval('p.note.warn', ps => ps.map(p => p.textContent));
    if (noAv) {
        check(note.includes(`cannot play ${names.length} of the ${names.length} clips`) && /VLC 3/.test(note), `player note falls back: ${note}`);
        check(warnings.length === names.length + 1 && warnings.slice(1).every(w => /VLC 3 or later, Chrome or Edge 121/.test(w)),
              `a fallback note under each player (${warnings.length - 1})`);
    } else {
        check(/can play every clip/.test(note), `player note: ${note}`);
        check(warnings.length === 0, `no fallback notes (${warnings.length})`);
    }
    const text = await page.evaluate(() => document.body.innerText);
    check(text.includes('<script>alert(1)</script>'), 'the <script> tag shows as text');
    check(dialogs.length === 0 && !(await page.evaluate(() => window.pbcInjected === 1)),
          `no script from the sources ran (dialogs: ${dialogs.join(', ') || 'none'})`);
    check(errors.length === 0, `no console error${tag}${errors.length ? ': ' + errors.join(' | ') : ''}`);
    await page.close();
}
