// test_console_auth.js OPS_ADDR USER PASSWORD TMPDIR CHROMIUM
// (run by test_ops_auth.py against a broker with ops.auth.basic.file).
//
// The web console behind basic auth in headless chromium: without
// credentials the page is refused (401, the browser would prompt); with the
// user's credentials (what the prompt gives) the page loads and every API
// call it makes carries them: no answer 401 or any other error, and the
// overview fills in.
'use strict';

const path = require('path');
const { chromium } = require('playwright-core');

const [ops, user, password, tmp, chromiumPath] = process.argv.slice(2);
const base = 'http://' + ops;
let failures = 0;

function check(ok, what) {
  console.log((ok ? 'ok: ' : 'FAIL: ') + what);
  if (!ok) failures++;
}

const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-default-apps', '--disable-extensions'];

async function main() {
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args });
  try {
    const anon = await browser.newContext();
    const p0 = await anon.newPage();
    // headless chromium cannot show the prompt: it gives up on the challenge
    let what;
    try {
      const r0 = await p0.goto(base + '/', { timeout: 10000 });
      what = 'HTTP ' + r0.status() + ' ' + (r0.headers()['www-authenticate'] || '');
    } catch (e) {
      what = e.message.split('\n')[0];
    }
    check(/ERR_INVALID_AUTH_CREDENTIALS|HTTP 401 .*Basic realm="kafscale"/.test(what),
      'without credentials the browser gets a Basic challenge and no page (' + what + ')');
    await anon.close();

    const ctx = await browser.newContext({ httpCredentials: { username: user, password } });
    const page = await ctx.newPage();
    const api = [];
    const problems = [];
    page.on('response', r => {
      if (r.url().includes('/api/v1/')) api.push(r.status());
      if (r.status() >= 400 && r.status() !== 401) problems.push('HTTP ' + r.status() + ' for ' + r.url());
    });
    page.on('pageerror', e => problems.push('page error: ' + e.message));
    const resp = await page.goto(base + '/', { waitUntil: 'load', timeout: 10000 });
    check(resp.status() === 200, 'with the credentials the console page loads (' + resp.status() + ')');
    await page.waitForFunction(() => Number(document.getElementById('main').dataset.loaded) >= 1, null,
      { timeout: 10000 });
    await page.waitForTimeout(2500);       // a few periodic refreshes
    const bad = api.filter(s => s !== 200);
    check(api.length >= 2 && bad.length === 0,
      'every API call of the console carried the credentials (' + api.length + ' calls, not 200: ' +
      JSON.stringify(bad) + ')');
    const err = await page.$eval('#error', e => (e.hidden ? '' : e.textContent)).catch(() => '');
    check(!err, 'no error shown (' + err + ')');
    check(problems.length === 0, 'no failed request or page error (' + problems.join('; ') + ')');
    await page.screenshot({ path: path.join(tmp, 'console-auth.png') });
    await ctx.close();
  } finally {
    await browser.close();
  }
}

main().then(() => process.exit(failures ? 1 : 0), e => { console.log('FAIL: ' + e.stack); process.exit(1); });
