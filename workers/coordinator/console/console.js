/*
 * console.js: the KafScale web console.  Plain JavaScript, no framework,
 * no build step, nothing loaded from the network but this broker's ops
 * endpoint:
 *   /api/v1/status, /api/v1/brokers, /api/v1/topics[/<name>],
 *   /api/v1/groups[/<name>]      the views, re-read every REFRESH_MS;
 *   /api/v1/throughput           counters sampled every SAMPLE_MS; the
 *                                charts draw the differences (the last
 *                                KEEP_MS, kept in this tab only).
 * Views are chosen by the URL fragment: #/, #/topics, #/topics/<name>,
 * #/groups, #/groups/<name>, #/brokers.  Data is put into the page with
 * textContent only, never as HTML.
 */
'use strict';

(function () {
  const REFRESH_MS = 2000;
  const SAMPLE_MS = 1000;
  const KEEP_MS = 5 * 60 * 1000;

  const main = document.getElementById('main');
  const errorBox = document.getElementById('error');
  const statusBox = document.getElementById('status');

  /* ---------- formatting ---------- */

  function fmtInt(n) {
    if (n === null || n === undefined || Number.isNaN(n)) return '\u2013';
    return Math.round(n).toLocaleString('en-US');
  }

  /* 950, 1.2k, 34.5k, 1.20M: three significant digits past 1000. */
  function fmtCount(n) {
    if (n === null || n === undefined || Number.isNaN(n)) return '\u2013';
    const a = Math.abs(n);
    const units = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
    for (const [v, u] of units) {
      if (a >= v) return trim3(n / v) + u;
    }
    return a >= 10 || n === Math.round(n) ? String(Math.round(n)) : n.toFixed(1);
  }

  function trim3(x) {
    const a = Math.abs(x);
    return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
  }

  function fmtBytes(n) {
    if (n === null || n === undefined || Number.isNaN(n)) return '\u2013';
    const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    if (Math.abs(n) < 1024) return Math.round(n) + ' B';
    let i = -1;
    do {
      n /= 1024;
      i++;
    } while (Math.abs(n) >= 1024 && i < units.length - 1);
    return trim3(n) + ' ' + units[i];
  }

  function fmtDuration(s) {
    if (s === null || s === undefined) return '\u2013';
    s = Math.floor(s);
    const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600);
    const m = Math.floor(s % 3600 / 60), sec = s % 60;
    if (d > 0) return d + 'd ' + h + 'h';
    if (h > 0) return h + 'h ' + m + 'm';
    if (m > 0) return m + 'm ' + sec + 's';
    return sec + 's';
  }

  /* ---------- DOM helpers ---------- */

  /* h('td', {class: 'num'}, 'text', child...) */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'style') el.style.cssText = v;      /* CSSOM: allowed by the CSP */
      else if (k === 'data') for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = String(dv);
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function badge(text, kind) {
    return h('span', { class: 'badge' + (kind ? ' ' + kind : '') }, text);
  }

  function card(label, value, hint, cls, id) {
    return h('div', { class: 'card' + (cls ? ' ' + cls : ''), id: id },
      h('div', { class: 'label' }, label),
      h('div', { class: 'value' }, value),
      hint ? h('div', { class: 'hint' }, hint) : null);
  }

  /* columns: [{t: 'Title', num: bool}], rows: arrays of cells (string or
   * Node) or {cells, data}; `empty` is shown when there is no row. */
  function table(columns, rows, empty, id) {
    const head = h('tr', null, columns.map(c => h('th', { class: c.num ? 'num' : null }, c.t)));
    const body = h('tbody');
    for (const r of rows) {
      const cells = Array.isArray(r) ? r : r.cells;
      body.appendChild(h('tr', { data: Array.isArray(r) ? null : r.data },
        cells.map((v, i) => h('td', { class: columns[i].num ? 'num' : null }, v))));
    }
    if (rows.length === 0)
      body.appendChild(h('tr', null, h('td', { class: 'empty', colspan: columns.length }, empty || 'none')));
    return h('table', { id: id }, h('thead', null, head), body);
  }

  function bar(fraction, cls) {
    const pct = Math.max(0, Math.min(1, fraction || 0)) * 100;
    return h('div', { class: 'bar' + (cls ? ' ' + cls : '') }, h('span', { style: 'width:' + pct.toFixed(1) + '%' }));
  }

  function topicLink(name) {
    return h('a', { href: '#/topics/' + encodeURIComponent(name) }, name);
  }

  function groupLink(name) {
    return h('a', { href: '#/groups/' + encodeURIComponent(name) }, name);
  }

  function stateBadge(state) {
    const kind = { Stable: 'ok', Empty: '', PreparingRebalance: 'warn', CompletingRebalance: 'warn', Dead: 'bad' }[state];
    return badge(state || 'unknown', kind);
  }

  /* ---------- the API ---------- */

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(path) {
    let r;
    try {
      /* same-origin credentials: the basic auth the browser asked for when it
       * loaded the page (ops.auth.basic.file) goes with every call */
      r = await fetch('api/v1/' + path, {
        cache: 'no-store', credentials: 'same-origin', headers: { Accept: 'application/json' },
      });
    } catch (e) {
      throw new ApiError(0, 'the broker does not answer');
    }
    let body = null;
    try {
      body = await r.json();
    } catch (e) {
      body = null;
    }
    if (r.status === 401) throw new ApiError(401, 'not signed in to the ops endpoint: reload the page and sign in');
    if (!r.ok) throw new ApiError(r.status, (body && body.error) || ('HTTP ' + r.status));
    return body;
  }

  function showError(msg) {
    if (msg) {
      errorBox.textContent = msg;
      errorBox.hidden = false;
    } else {
      errorBox.hidden = true;
    }
  }

  /* ---------- throughput samples and charts ---------- */

  const samples = [];          /* {t, records_in, bytes_in, records_out, bytes_out} */
  let sampling = false;

  async function sample() {
    if (sampling) return;
    sampling = true;
    try {
      const s = await api('throughput');
      const last = samples[samples.length - 1];
      if (!last || s.time_ms > last.time_ms) samples.push(s);
      while (samples.length > 2 && samples[0].time_ms < s.time_ms - KEEP_MS - SAMPLE_MS) samples.shift();
      drawCharts();
    } catch (e) {
      /* the view's refresh shows the error */
    } finally {
      sampling = false;
    }
  }

  /* Rates between consecutive samples: [{t, v}] for field f.  Counters of
   * a partition that moved to another broker vanish: never below 0. */
  function rates(f) {
    const out = [];
    for (let i = 1; i < samples.length; i++) {
      const a = samples[i - 1], b = samples[i];
      const dt = (b.time_ms - a.time_ms) / 1000;
      if (dt <= 0) continue;
      out.push({ t: b.time_ms, v: Math.max(0, b[f] - a[f]) / dt });
    }
    return out;
  }

  function currentRate(f) {
    const r = rates(f);
    return r.length ? r[r.length - 1].v : null;
  }

  /* A round upper bound for the y axis: 1, 2, 5 times a power of ten, or
   * of 1024 for bytes. */
  function niceMax(v, bytes) {
    if (!(v > 0)) return bytes ? 1024 : 10;
    const steps = bytes ? [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] : [1, 2, 5];
    const base = bytes ? Math.pow(1024, Math.floor(Math.log(v) / Math.log(1024))) : Math.pow(10, Math.floor(Math.log10(v)));
    for (const s of steps) if (s * base >= v) return s * base;
    return (bytes ? 1024 : 10) * base;
  }

  function drawChart(canvas, fields, bytes) {
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, ht = canvas.clientHeight;
    if (w === 0 || ht === 0) return;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(ht * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(ht * dpr);
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, ht);

    const css = getComputedStyle(document.documentElement);
    const colors = [css.getPropertyValue('--in').trim(), css.getPropertyValue('--out').trim()];
    const series = fields.map(f => rates(f));
    const now = samples.length ? samples[samples.length - 1].time_ms : Date.now();
    /* the time axis grows from one minute to KEEP_MS as samples come in */
    const span = Math.min(KEEP_MS, Math.max(60000, samples.length ? now - samples[0].time_ms : 0));
    const t0 = now - span;
    let max = 0;
    for (const s of series) for (const p of s) if (p.t >= t0 && p.v > max) max = p.v;
    const top = niceMax(max, bytes);
    const fmt = bytes ? v => fmtBytes(v) + '/s' : v => fmtCount(v) + '/s';

    const L = 74, R = 10, T = 10, B = 22;
    const pw = w - L - R, ph = ht - T - B;
    const x = t => L + (t - t0) / span * pw;
    const y = v => T + ph - v / top * ph;

    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    ctx.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const v = top * i / 4, yy = Math.round(y(v)) + 0.5;
      ctx.strokeStyle = i === 0 ? '#c9ced6' : '#eceef2';
      ctx.beginPath();
      ctx.moveTo(L, yy);
      ctx.lineTo(L + pw, yy);
      ctx.stroke();
      ctx.fillStyle = '#6b7785';
      ctx.textAlign = 'right';
      ctx.fillText(fmt(v), L - 8, yy);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const step = span > 120000 ? 60000 : 15000;
    for (let ago = Math.floor(span / step) * step; ago >= 0; ago -= step) {
      const xx = x(now - ago);
      const label = ago === 0 ? 'now' : '\u2212' + (ago % 60000 === 0 ? ago / 60000 + ' min' : ago / 1000 + ' s');
      ctx.fillText(label, Math.min(Math.max(xx, L + 16), L + pw - 14), T + ph + 6);
    }

    let points = 0;
    series.forEach((s, i) => {
      const pts = s.filter(p => p.t >= t0);
      points += pts.length;
      if (pts.length === 0) return;
      ctx.beginPath();
      pts.forEach((p, j) => (j ? ctx.lineTo(x(p.t), y(p.v)) : ctx.moveTo(x(p.t), y(p.v))));
      ctx.strokeStyle = colors[i];
      ctx.lineWidth = 2;
      ctx.lineJoin = 'round';
      ctx.stroke();
      /* light area under the line */
      ctx.lineTo(x(pts[pts.length - 1].t), y(0));
      ctx.lineTo(x(pts[0].t), y(0));
      ctx.closePath();
      ctx.globalAlpha = 0.08;
      ctx.fillStyle = colors[i];
      ctx.fill();
      ctx.globalAlpha = 1;
    });
    /* for tests and the curious: what was drawn */
    canvas.dataset.points = String(points);
    canvas.dataset.max = String(max);
    canvas.dataset.drawn = String((Number(canvas.dataset.drawn) || 0) + 1);
  }

  function drawCharts() {
    const m = document.getElementById('chart-messages');
    const b = document.getElementById('chart-bytes');
    if (m) drawChart(m, ['records_in', 'records_out'], false);
    if (b) drawChart(b, ['bytes_in', 'bytes_out'], true);
    const rates = document.getElementById('rates');
    if (rates) fillRates(rates);
  }

  function fillRates(el) {
    el.replaceChildren(
      card('Produce', fmtCount(currentRate('records_in')) + ' msg/s', fmtBytes(currentRate('bytes_in')) + '/s', 'in'),
      card('Consume', fmtCount(currentRate('records_out')) + ' msg/s', fmtBytes(currentRate('bytes_out')) + '/s', 'out'),
      card('Requests', fmtCount(currentRate('requests')) + '/s', 'all workers'),
      card('Network', fmtBytes(currentRate('net_bytes_in')) + '/s in', fmtBytes(currentRate('net_bytes_out')) + '/s out'));
  }

  function chartPanel(id, title) {
    return h('div', { class: 'panel' },
      h('div', { class: 'chart-head' },
        h('h2', null, title),
        h('div', { class: 'legend' },
          h('span', { class: 'in' }, h('i'), 'in (produce)'),
          h('span', { class: 'out' }, h('i'), 'out (fetch)'))),
      h('canvas', { class: 'chart', id: id }));
  }

  /* ---------- views ---------- */

  /* Each view: {title, static(): Node (built once), load(): data,
   * draw(data, Node)}; load+draw run every REFRESH_MS. */

  const overview = {
    nav: 'overview',
    build() {
      return h('div', null,
        h('h1', null, 'Cluster overview'),
        h('p', { class: 'sub', id: 'ov-sub' }, '\u00a0'),
        h('div', { class: 'cards', id: 'ov-cards' }),
        h('div', { class: 'cards', id: 'rates' }),
        h('div', { class: 'grid2' },
          chartPanel('chart-messages', 'Messages / s'),
          chartPanel('chart-bytes', 'Bytes / s')),
        h('div', { class: 'grid2' },
          h('div', { class: 'panel', id: 'ov-ring' }),
          h('div', { class: 'panel', id: 'ov-brokers' })),
        h('div', { class: 'panel', id: 'ov-procs' }));
    },
    async load() {
      const [st, brokers] = await Promise.all([api('status'), api('brokers')]);
      return { st, brokers };
    },
    draw({ st, brokers }) {
      const self = brokers.find(b => b.self);
      document.getElementById('ov-sub').textContent =
        'Cluster ' + (st.cluster_id || '?') + ' \u00b7 this page is served by broker ' + st.broker_id;
      const running = st.processes.filter(p => p.state === 'running').length;
      document.getElementById('ov-cards').replaceChildren(
        card('Broker', String(st.broker_id), self ? self.host + ':' + self.port : '', null, 'ov-broker'),
        card('Version', st.version, 'kafscaled'),
        card('Uptime', fmtDuration(st.uptime_seconds), st.ready ? 'ready' : 'not ready'),
        card('Brokers', String(brokers.length), brokers.some(b => b.controller) ? 'controller ' + brokers.find(b => b.controller).node_id : ''),
        card('Topics', fmtInt(st.topics), ''),
        card('Groups', fmtInt(st.groups), ''),
        card('Connections', fmtInt(st.connections), 'clients'),
        card('Processes', running + ' / ' + st.processes.length, 'running'));
      fillRates(document.getElementById('rates'));

      const r = st.ring || {};
      document.getElementById('ov-ring').replaceChildren(
        h('h2', null, 'Ring and stores'),
        r.size ? bar(r.used / r.size) : h('p', { class: 'muted' }, 'no ring'),
        r.size ? h('div', { class: 'ring-line' },
          h('span', null, 'used ' + fmtBytes(r.used) + ' of ' + fmtBytes(r.size) + ' (' + (100 * r.used / r.size).toFixed(1) + '%)'),
          h('span', null, 'waiting for flush ' + fmtBytes(r.durable_lag))) : null,
        h('table', { class: 'kv', style: 'margin-top:12px' }, h('tbody', null,
          h('tr', null, h('td', null, 'Durable bytes (total)'), h('td', { class: 'num' }, fmtBytes(r.durable))),
          h('tr', null, h('td', null, 'Metadata store (' + st.metadata_store.backend + ')'),
            h('td', { class: 'num' }, st.metadata_store.ok ? badge('ok', 'ok') : badge(st.metadata_store.error || 'down', 'bad'))),
          h('tr', null, h('td', null, 'Object store (' + st.object_store.backend + ')'),
            h('td', { class: 'num' }, st.object_store.ok ? badge('ok', 'ok') : badge(st.object_store.error || 'down', 'bad'))))));

      document.getElementById('ov-brokers').replaceChildren(
        h('h2', null, 'Brokers'), brokersTable(brokers, null));

      document.getElementById('ov-procs').replaceChildren(
        h('h2', null, 'Processes of this broker'),
        table([{ t: 'Process' }, { t: 'PID', num: true }, { t: 'State' }, { t: 'Uptime', num: true },
          { t: 'Connections', num: true }, { t: 'Requests', num: true }, { t: 'Bytes in', num: true },
          { t: 'Bytes out', num: true }, { t: 'Restarts', num: true }, { t: 'Heartbeat', num: true }],
        st.processes.map(p => [
          p.kind + (p.kind === 'worker' ? ' ' + p.index : ''), String(p.pid),
          badge(p.state, p.state === 'running' ? 'ok' : p.state === 'down' ? 'bad' : 'warn'),
          fmtDuration(p.uptime_seconds), fmtInt(p.conns), fmtCount(p.requests), fmtBytes(p.bytes_in),
          fmtBytes(p.bytes_out), p.restarts ? badge(String(p.restarts), 'warn') : '0',
          p.heartbeat_age_ms === undefined ? '\u2013' : fmtInt(p.heartbeat_age_ms) + ' ms']),
        'no process'));
      drawCharts();
    }
  };

  function brokersTable(brokers, leaders) {
    const cols = [{ t: 'Node' }, { t: 'Host' }, { t: 'Port', num: true }, { t: 'Rack' }, { t: 'Role' }];
    if (leaders) cols.push({ t: 'Partitions led', num: true });
    return table(cols, brokers.map(b => {
      const role = [];
      if (b.controller) role.push(badge('controller', 'info'), ' ');
      if (b.self) role.push(badge('this broker', 'ok'));
      const cells = [String(b.node_id), b.host, String(b.port), b.rack || '\u2013', h('span', null, role)];
      if (leaders) cells.push(fmtInt(leaders[b.node_id] || 0));
      return { cells, data: { broker: b.node_id } };
    }), 'no broker registered', 'brokers-table');
  }

  let topicFilter = '';
  let showInternal = false;

  function filterBox(value, onInput, placeholder) {
    return h('input', { type: 'search', placeholder, value, oninput: e => onInput(e.target.value) });
  }

  const topics = {
    nav: 'topics',
    build() {
      const list = h('div', { class: 'panel', id: 'topics-list' });
      return h('div', null,
        h('h1', null, 'Topics'),
        h('p', { class: 'sub' }, 'Partitions, offsets and owners; click a topic for its partitions'),
        h('div', { class: 'tools' },
          filterBox(topicFilter, v => { topicFilter = v; redraw(); }, 'Filter topics'),
          h('label', null, h('input', {
            type: 'checkbox', checked: showInternal,
            onchange: e => { showInternal = e.target.checked; redraw(); }
          }), 'internal topics')),
        list);
    },
    load() {
      return api('topics');
    },
    draw(ts) {
      const f = topicFilter.toLowerCase();
      const rows = ts.filter(t => (showInternal || !t.internal) && t.name.toLowerCase().includes(f))
        .sort((a, b) => a.name.localeCompare(b.name))
        .map(t => {
          const ps = t.partitions;
          const start = ps.reduce((s, p) => s + (p.log_start || 0), 0);
          const end = ps.reduce((s, p) => s + (p.log_end || 0), 0);
          const leaders = [...new Set(ps.map(p => p.leader))].sort((a, b) => a - b);
          const bytesIn = ps.reduce((s, p) => s + (p.bytes_in || 0), 0);
          return {
            data: { topic: t.name, partitions: t.partition_count, messages: t.messages, logEnd: end },
            cells: [h('span', null, topicLink(t.name), t.internal ? ' ' : null, t.internal ? badge('internal') : null),
              String(t.partition_count), fmtInt(t.messages), fmtInt(start), fmtInt(end),
              leaders.join(', '), fmtBytes(bytesIn)]
          };
        });
      document.getElementById('topics-list').replaceChildren(table(
        [{ t: 'Topic' }, { t: 'Partitions', num: true }, { t: 'Messages', num: true },
          { t: 'Log start (sum)', num: true }, { t: 'Log end (sum)', num: true }, { t: 'Leaders' },
          { t: 'Bytes in', num: true }],
        rows, ts.length ? 'no topic matches' : 'no topic yet', 'topics-table'));
    }
  };

  function topicView(name) {
    return {
      nav: 'topics',
      build() {
        return h('div', null,
          h('p', { class: 'sub' }, h('a', { href: '#/topics' }, '\u2190 Topics')),
          h('h1', null, name),
          h('p', { class: 'sub mono', id: 'topic-id' }, '\u00a0'),
          h('div', { class: 'cards', id: 'topic-cards' }),
          h('div', { class: 'panel', id: 'topic-parts' }),
          h('div', { class: 'grid2' },
            h('div', { class: 'panel', id: 'topic-groups' }),
            h('div', { class: 'panel', id: 'topic-config' })));
      },
      async load() {
        const t = await api('topics/' + encodeURIComponent(name));
        let groups = null;
        try {
          groups = await api('groups');
        } catch (e) {
          groups = null;
        }
        return { t, groups };
      },
      draw({ t, groups }) {
        document.getElementById('topic-id').textContent = 'topic id ' + t.topic_id;
        const ps = t.partitions;
        const sum = f => ps.reduce((s, p) => s + (p[f] || 0), 0);
        document.getElementById('topic-cards').replaceChildren(
          card('Partitions', String(t.partition_count)),
          card('Messages', fmtInt(t.messages), 'log end \u2212 log start'),
          card('Log end (sum)', fmtInt(sum('log_end'))),
          card('Bytes in', fmtBytes(sum('bytes_in')), fmtCount(sum('records_in')) + ' records', 'in'),
          card('Bytes out', fmtBytes(sum('bytes_out')), fmtCount(sum('records_out')) + ' records', 'out'));
        document.getElementById('topic-parts').replaceChildren(
          h('h2', null, 'Partitions'),
          table([{ t: 'Partition', num: true }, { t: 'Owner (leader)' }, { t: 'Epoch', num: true },
            { t: 'Log start', num: true }, { t: 'Log end', num: true }, { t: 'Messages', num: true },
            { t: 'Records in', num: true }, { t: 'Bytes in', num: true }, { t: 'Records out', num: true },
            { t: 'Bytes out', num: true }],
          ps.map(p => ({
            data: { partition: p.partition, logStart: p.log_start, logEnd: p.log_end, leader: p.leader },
            cells: [String(p.partition),
              h('span', null, 'broker ' + p.leader, p.local ? ' ' : null, p.local ? badge('here', 'ok') : null),
              String(p.leader_epoch), fmtInt(p.log_start), fmtInt(p.log_end),
              p.log_end === null ? '\u2013' : fmtInt(p.log_end - p.log_start),
              p.local ? fmtCount(p.records_in) : '\u2013', p.local ? fmtBytes(p.bytes_in) : '\u2013',
              p.local ? fmtCount(p.records_out) : '\u2013', p.local ? fmtBytes(p.bytes_out) : '\u2013']
          })), 'no partition', 'partitions-table'));

        const consumers = [];
        for (const g of groups || []) {
          const offs = g.offsets.filter(o => o.topic === t.name);
          if (offs.length === 0) continue;
          consumers.push([groupLink(g.group), stateBadge(g.state), String(offs.length),
            fmtInt(offs.reduce((s, o) => s + (o.lag || 0), 0))]);
        }
        document.getElementById('topic-groups').replaceChildren(
          h('h2', null, 'Consumer groups'),
          groups === null ? h('p', { class: 'muted' }, 'groups not loaded yet') :
            table([{ t: 'Group' }, { t: 'State' }, { t: 'Partitions', num: true }, { t: 'Lag', num: true }],
              consumers, 'no group has committed offsets on this topic'));
        const cfg = t.config || {};
        document.getElementById('topic-config').replaceChildren(
          h('h2', null, 'Configuration'),
          h('table', { class: 'kv' }, h('tbody', null, Object.keys(cfg).sort().map(k =>
            h('tr', null, h('td', { class: 'mono' }, k), h('td', { class: 'num' }, configValue(k, cfg[k])))))));
      }
    };
  }

  function configValue(k, v) {
    if (typeof v !== 'number') return String(v);
    if (k.endsWith('.ms')) return v < 0 ? 'unlimited' : fmtInt(v) + ' ms (' + fmtDuration(v / 1000) + ')';
    if (k.endsWith('.bytes')) return v < 0 ? 'unlimited' : fmtBytes(v);
    return fmtInt(v);
  }

  let groupFilter = '';

  const groups = {
    nav: 'groups',
    build() {
      return h('div', null,
        h('h1', null, 'Consumer groups'),
        h('p', { class: 'sub' }, 'State, members and lag (log end \u2212 committed offset); click a group for its partitions'),
        h('div', { class: 'tools' },
          filterBox(groupFilter, v => { groupFilter = v; redraw(); }, 'Filter groups')),
        h('div', { class: 'panel', id: 'groups-list' }));
    },
    load() {
      return api('groups');
    },
    draw(gs) {
      const f = groupFilter.toLowerCase();
      const rows = gs.filter(g => g.group.toLowerCase().includes(f))
        .sort((a, b) => a.group.localeCompare(b.group))
        .map(g => ({
          data: { group: g.group, state: g.state, members: g.member_count, lag: g.lag === null ? '' : g.lag },
          cells: [groupLink(g.group), stateBadge(g.state), g.protocol || '\u2013', fmtInt(g.member_count),
            String(g.generation_id), [...new Set(g.offsets.map(o => o.topic))].sort().join(', ') || '\u2013',
            g.lag === null ? '\u2013' : fmtInt(g.lag)]
        }));
      document.getElementById('groups-list').replaceChildren(table(
        [{ t: 'Group' }, { t: 'State' }, { t: 'Assignor' }, { t: 'Members', num: true },
          { t: 'Generation', num: true }, { t: 'Topics' }, { t: 'Lag', num: true }],
        rows, gs.length ? 'no group matches' : 'no consumer group yet', 'groups-table'));
    }
  };

  function groupView(name) {
    return {
      nav: 'groups',
      build() {
        return h('div', null,
          h('p', { class: 'sub' }, h('a', { href: '#/groups' }, '\u2190 Consumer groups')),
          h('h1', null, name),
          h('p', { class: 'sub', id: 'group-sub' }, '\u00a0'),
          h('div', { class: 'cards', id: 'group-cards' }),
          h('div', { class: 'panel', id: 'group-offsets' }),
          h('div', { class: 'panel', id: 'group-members' }));
      },
      load() {
        return api('groups/' + encodeURIComponent(name));
      },
      draw(g) {
        document.getElementById('group-sub').textContent = 'protocol type ' + (g.protocol_type || '\u2013') +
          (g.leader ? ' \u00b7 leader ' + g.leader : '');
        document.getElementById('group-cards').replaceChildren(
          card('State', g.state),
          card('Members', fmtInt(g.member_count), g.protocol ? 'assignor ' + g.protocol : ''),
          card('Generation', String(g.generation_id)),
          card('Total lag', g.lag === null ? '\u2013' : fmtInt(g.lag), 'messages', null, 'group-lag'));
        const maxLag = Math.max(1, ...g.offsets.map(o => o.lag || 0));
        const offs = g.offsets.slice().sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
        document.getElementById('group-offsets').replaceChildren(
          h('h2', null, 'Committed offsets'),
          table([{ t: 'Topic' }, { t: 'Partition', num: true }, { t: 'Committed', num: true },
            { t: 'Log end', num: true }, { t: 'Lag', num: true }, { t: '' }],
          offs.map(o => ({
            data: { topic: o.topic, partition: o.partition, committed: o.committed, lag: o.lag === null ? '' : o.lag },
            cells: [topicLink(o.topic), String(o.partition), fmtInt(o.committed), fmtInt(o.log_end),
              o.lag === null ? '\u2013' : fmtInt(o.lag), bar((o.lag || 0) / maxLag, 'lag')]
          })), 'no committed offset', 'offsets-table'));
        document.getElementById('group-members').replaceChildren(
          h('h2', null, 'Members'),
          table([{ t: 'Member' }, { t: 'Client id' }, { t: 'Host' }, { t: 'Instance' }],
            g.members.map(m => [h('span', { class: 'mono' }, m.member_id || ''),
              m.client_id || '', m.client_host || '', m.group_instance_id || '\u2013']),
            'no member', 'members-table'));
      }
    };
  }

  const brokers = {
    nav: 'brokers',
    build() {
      return h('div', null,
        h('h1', null, 'Brokers'),
        h('p', { class: 'sub' }, 'Brokers registered in the cluster and the partitions each owns'),
        h('div', { class: 'panel', id: 'brokers-list' }));
    },
    async load() {
      const [bs, ts] = await Promise.all([api('brokers'), api('topics')]);
      return { bs, ts };
    },
    draw({ bs, ts }) {
      const leaders = {};
      for (const t of ts) for (const p of t.partitions) leaders[p.leader] = (leaders[p.leader] || 0) + 1;
      document.getElementById('brokers-list').replaceChildren(brokersTable(bs, leaders));
    }
  };

  /* ---------- routing and refresh ---------- */

  let view = null;
  let lastData = null;
  let loading = false;
  let generation = 0;

  function route() {
    const parts = (location.hash.replace(/^#\/?/, '') || '').split('/');
    const arg = parts.length > 1 ? decodeURIComponent(parts.slice(1).join('/')) : '';
    switch (parts[0]) {
      case 'topics': return arg ? topicView(arg) : topics;
      case 'groups': return arg ? groupView(arg) : groups;
      case 'brokers': return brokers;
      default: return overview;
    }
  }

  function show() {
    view = route();
    lastData = null;
    generation++;
    for (const a of document.querySelectorAll('#nav a'))
      a.classList.toggle('active', a.dataset.view === view.nav);
    main.replaceChildren(view.build());
    main.dataset.view = view.nav;
    main.dataset.loaded = '0';
    refresh();
  }

  function redraw() {
    if (lastData !== null) view.draw(lastData);
  }

  async function refresh() {
    if (loading) return;
    loading = true;
    const g = generation, v = view;
    try {
      const data = await v.load();
      if (g !== generation) return;
      lastData = data;
      v.draw(data);
      main.dataset.loaded = String(Number(main.dataset.loaded || 0) + 1);
      showError(null);
    } catch (e) {
      if (g !== generation) return;
      if (e.status === 404) main.replaceChildren(h('h1', null, 'Not found'), h('p', { class: 'sub' }, e.message));
      else if (e.status === 503) showError('Waiting for the broker: ' + e.message);
      else showError(e.message || String(e));
    } finally {
      loading = false;
      if (g !== generation) refresh();
    }
  }

  async function status() {
    try {
      const st = await api('status');
      statusBox.replaceChildren(
        h('span', null, 'v' + st.version),
        h('span', null, 'broker ' + st.broker_id),
        st.ready ? badge('ready', 'ok') : badge('not ready', 'warn'));
    } catch (e) {
      statusBox.replaceChildren(badge('unreachable', 'bad'));
    }
  }

  window.addEventListener('hashchange', show);
  window.addEventListener('resize', drawCharts);
  show();
  status();
  sample();
  setInterval(sample, SAMPLE_MS);
  setInterval(() => { refresh(); status(); }, REFRESH_MS);
})();
