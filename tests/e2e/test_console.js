// test_console.js OPS_ADDR BROKER_ADDR TOPIC GROUP TMPDIR CHROMIUM
// (run by test_console.sh, which produced 100/60/40 messages to TOPIC's
// partitions 0/1/2 and made GROUP commit 40/35/30 with one member alive).
//
// Loads the web console in headless chromium and checks what a user sees:
// the overview shows this broker and live charts (messages produced while
// the page is open are drawn), the topics page lists TOPIC with 3
// partitions and log end offsets summing to 200, the topic page each
// partition's offsets and owner, the groups page GROUP with its state,
// member and lag 95, the group page the lag per partition, the brokers page
// broker 0.  No console error or warning, no page error, no failed request,
// no request that leaves the ops endpoint.  Screenshots go to TMPDIR.
'use strict';

const path = require('path');
const { spawn } = require('child_process');
const { chromium } = require('playwright-core');

const [ops, broker, topic, group, tmp, chromiumPath] = process.argv.slice(2);
const base = 'http://' + ops;
let failures = 0;

function check(ok, what) {
  console.log((ok ? 'ok: ' : 'FAIL: ') + what);
  if (!ok) failures++;
}

// kcat: COUNT messages to a topic (auto-created), resolves on exit 0.
function produce(t, count) {
  return new Promise((resolve, reject) => {
    const p = spawn('kcat', ['-b', broker, '-P', '-t', t, '-m', '5'], { stdio: ['pipe', 'ignore', 'inherit'] });
    p.on('error', reject);
    p.on('exit', code => (code === 0 ? resolve() : reject(new Error('kcat exited ' + code))));
    let s = '';
    for (let i = 0; i < count; i++) s += 'rate-' + i + '-' + 'x'.repeat(100) + '\n';
    p.stdin.end(s);
  });
}

const sleep = ms => new Promise(r => setTimeout(r, ms));

async function rowData(page, selector) {
  return page.$$eval(selector, rows => rows.map(r => Object.assign({ text: r.innerText }, r.dataset)));
}

async function main() {
  const ctx = await chromium.launchPersistentContext(path.join(tmp, 'chromium-profile'), {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1360, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-default-apps', '--disable-extensions'],
  });
  const problems = [];
  const page = ctx.pages()[0] || await ctx.newPage();
  page.on('console', m => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push('console ' + m.type() + ': ' + m.text());
  });
  page.on('pageerror', e => problems.push('page error: ' + e.message));
  page.on('requestfailed', r => problems.push('request failed: ' + r.url() + ' ' + (r.failure() || {}).errorText));
  page.on('request', r => {
    if (!r.url().startsWith(base + '/') && !r.url().startsWith('data:'))
      problems.push('request outside the ops endpoint: ' + r.url());
  });
  page.on('response', r => {
    if (r.status() >= 400) problems.push('HTTP ' + r.status() + ' for ' + r.url());
  });

  try {
    // ---- overview
    const resp = await page.goto(base + '/', { waitUntil: 'load', timeout: 10000 });
    check(resp.status() === 200 && /text\/html/.test(resp.headers()['content-type']), 'GET / answers the page (text/html)');
    check(/default-src 'none'/.test(resp.headers()['content-security-policy'] || ''), 'the page is served with a CSP');
    await page.waitForFunction(() => Number(document.getElementById('main').dataset.loaded) >= 1, null, { timeout: 10000 });
    const brokerCard = await page.textContent('#ov-broker');
    check(/^Broker\s*0/i.test(brokerCard.trim()) && brokerCard.includes(broker),
      'overview: the broker card shows broker 0 at ' + broker + ' (' + brokerCard.replace(/\s+/g, ' ') + ')');
    const procs = await page.textContent('#ov-procs');
    check(/coordinator/.test(procs) && /flusher/.test(procs) && /worker 1/.test(procs),
      'overview: processes coordinator, flusher, worker 1 listed');
    const version = (await (await fetch(base + '/api/v1/status')).json()).version;
    check((await page.textContent('#ov-cards')).includes(version), 'overview: version ' + version + ' shown');

    // ---- live chart: produce while the page is open
    for (let i = 0; i < 3; i++) {
      await produce('console-rate', 300);
      await sleep(700);
    }
    let drawn = null;
    try {
      await page.waitForFunction(() => {
        const c = document.getElementById('chart-messages');
        return c && Number(c.dataset.max) >= 50 && Number(c.dataset.points) >= 2;
      }, null, { timeout: 10000 });
    } catch (e) { /* reported below */ }
    drawn = await page.$eval('#chart-messages', c => {
      const ctx = c.getContext('2d');
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let blue = 0, inked = 0, top = c.height;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] > 0) inked++;
        // the "in" line (#2563eb), not the light area under it
        if (d[i + 3] > 80 && d[i + 2] - d[i] > 120 && d[i + 2] - d[i + 1] > 60) {
          blue++;
          top = Math.min(top, Math.floor(i / 4 / c.width));
        }
      }
      // how high the line goes, as a fraction of the canvas height
      const height = +(1 - top / c.height).toFixed(2);
      return { max: Number(c.dataset.max), points: Number(c.dataset.points), draws: Number(c.dataset.drawn), blue, inked, height };
    });
    check(drawn.max >= 50 && drawn.points >= 2 && drawn.blue >= 10 && drawn.height > 0.4,
      'overview: the messages/s chart draws the produce rate (' + JSON.stringify(drawn) + ')');
    const bytesMax = await page.$eval('#chart-bytes', c => Number(c.dataset.max));
    check(bytesMax > 1000, 'overview: the bytes/s chart has a produce rate (' + bytesMax + ' B/s)');
    const rates = await page.textContent('#rates');
    check(/msg\/s/.test(rates) && /(B|KiB|MiB)\/s/.test(rates), 'overview: rates formatted (' + rates.replace(/\s+/g, ' ') + ')');
    await page.screenshot({ path: path.join(tmp, 'console-overview.png'), fullPage: true });

    // ---- topics
    await page.click('#nav a[data-view=topics]');
    await page.waitForSelector(`#topics-table tr[data-topic="${topic}"]`, { timeout: 10000 });
    const [trow] = await rowData(page, `#topics-table tr[data-topic="${topic}"]`);
    check(trow.partitions === '3', 'topics: ' + topic + ' has 3 partitions (' + trow.partitions + ')');
    check(trow.logEnd === '200' && trow.messages === '200' && /\b200\b/.test(trow.text),
      'topics: log end offsets sum to the 200 produced (' + trow.text.replace(/\s+/g, ' ') + ')');
    const names = (await rowData(page, '#topics-table tbody tr[data-topic]')).map(r => r.topic);
    check(names.includes('console-rate'), 'topics: the chart topic is listed too (' + names.join(', ') + ')');
    await page.screenshot({ path: path.join(tmp, 'console-topics.png'), fullPage: true });
    await page.fill('.tools input[type=search]', 'orders');
    const filtered = (await rowData(page, '#topics-table tbody tr[data-topic]')).map(r => r.topic);
    check(filtered.length === 1 && filtered[0] === topic, 'topics: the filter keeps only ' + topic);

    // ---- topic detail
    await page.click(`#topics-table tr[data-topic="${topic}"] a`);
    await page.waitForFunction(() => document.querySelectorAll('#partitions-table tr[data-partition]').length === 3,
      null, { timeout: 10000 });
    const parts = await rowData(page, '#partitions-table tr[data-partition]');
    const ends = parts.map(p => p.partition + ':' + p.logStart + '-' + p.logEnd).join(' ');
    check(ends === '0:0-100 1:0-60 2:0-40', 'topic page: partitions 0/1/2 log start-end 0-100, 0-60, 0-40 (' + ends + ')');
    check(parts.every(p => p.leader === '0' && /broker 0/.test(p.text)), 'topic page: every partition owned by broker 0');
    const tg = await page.innerText('#topic-groups');
    check(tg.includes(group) && /\b95\b/.test(tg), 'topic page: ' + group + ' consumes it with lag 95');
    await page.screenshot({ path: path.join(tmp, 'console-topic.png'), fullPage: true });

    // ---- groups
    await page.click('#nav a[data-view=groups]');
    await page.waitForSelector(`#groups-table tr[data-group="${group}"]`, { timeout: 10000 });
    const [grow] = await rowData(page, `#groups-table tr[data-group="${group}"]`);
    check(grow.state === 'Stable' && grow.members === '1', 'groups: ' + group + ' Stable with 1 member (' + grow.state + ', ' + grow.members + ')');
    await page.screenshot({ path: path.join(tmp, 'console-groups.png'), fullPage: true });
    check(grow.lag === '95' && /\b95\b/.test(grow.text), 'groups: lag 95 = 200 produced - 105 committed (' + grow.text.replace(/\s+/g, ' ') + ')');

    // ---- group detail
    await page.click(`#groups-table tr[data-group="${group}"] a`);
    await page.waitForFunction(() => document.querySelectorAll('#offsets-table tr[data-partition]').length === 3,
      null, { timeout: 10000 });
    const offs = (await rowData(page, '#offsets-table tr[data-partition]'))
      .map(o => o.partition + ':' + o.committed + '/' + o.lag).join(' ');
    check(offs === '0:40/60 1:35/25 2:30/10', 'group page: committed/lag per partition 40/60 35/25 30/10 (' + offs + ')');
    check((await page.textContent('#group-lag')).includes('95'), 'group page: total lag 95');
    check((await page.textContent('#members-table')).includes('console-test'), 'group page: the member (client console-test) listed');
    await page.screenshot({ path: path.join(tmp, 'console-group.png'), fullPage: true });

    // ---- brokers
    await page.click('#nav a[data-view=brokers]');
    await page.waitForSelector('#brokers-table tr[data-broker="0"]', { timeout: 10000 });
    const [brow] = await rowData(page, '#brokers-table tr[data-broker="0"]');
    const port = broker.split(':')[1];
    check(brow.text.includes(port) && /this broker/.test(brow.text), 'brokers: broker 0 on port ' + port + ', this broker');
    check(/\b\d+\b/.test(brow.text) && /\t[1-9]\d*\s*$/.test(brow.text), 'brokers: partitions led counted (' + brow.text.replace(/\s+/g, ' ') + ')');

    // deep link straight to a page works too
    await page.goto(base + '/#/groups/' + encodeURIComponent(group), { waitUntil: 'load' });
    await page.waitForSelector('#offsets-table tr[data-partition]', { timeout: 10000 });
    check(true, 'a deep link to the group page loads');
    await sleep(2500); // a refresh cycle or two more, still without errors
  } catch (e) {
    check(false, 'unexpected: ' + (e && e.stack || e));
    await page.screenshot({ path: path.join(tmp, 'console-failure.png'), fullPage: true }).catch(() => {});
  }
  check(problems.length === 0, 'no console error, failed request or foreign request' +
    (problems.length ? ':\n  ' + problems.join('\n  ') : ''));
  await ctx.close();
  console.log('screenshots in ' + tmp);
  process.exit(failures ? 1 : 0);
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
