// The Celeriac dashboard: one state from GET /api/state, then server-sent events from /api/events, read
// with fetch (so that the token travels in a header, never in a URL). All data is put in with textContent.
'use strict';

const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem('celeriac-token');
let last = null;

async function api(path, body) {
  const headers = { 'Accept': 'application/json' };
  if (token) headers['X-Celeriac-Token'] = token;
  const init = { headers };
  if (body !== undefined) {
    init.method = 'POST';
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  const answer = await r.json().catch(() => ({ error: r.status + ' ' + r.statusText }));
  if (!r.ok) throw new Error(answer.error || r.statusText);
  return answer;
}

async function start() {
  const session = await api('/api/session');
  if (session.token) token = session.token;
  if (session.tokenRequired && !token) {
    $('login').hidden = false;
    return;
  }
  try {
    render(await api('/api/state'));
  } catch (e) {
    if (session.tokenRequired) {
      sessionStorage.removeItem('celeriac-token');
      $('login').hidden = false;
      $('login-error').textContent = e.message;
      return;
    }
    throw e;
  }
  $('login').hidden = true;
  $('main').hidden = false;
  stream();
}

$('login').addEventListener('submit', (ev) => {
  ev.preventDefault();
  token = $('token').value.trim();
  sessionStorage.setItem('celeriac-token', token);
  start();
});

// Server-sent events over fetch: reconnects after a pause when the worker goes away and comes back.
async function stream() {
  for (;;) {
    try {
      const r = await fetch('/api/events', { headers: token ? { 'X-Celeriac-Token': token } : {} });
      if (!r.ok) throw new Error(r.status + ' ' + r.statusText);
      setLink(true);
      const reader = r.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (data && frame.includes('event: state')) render(JSON.parse(data));
        }
      }
    } catch (e) {
      // the stream broke: the worker stopped or the network went away
    }
    setLink(false);
    await new Promise((res) => setTimeout(res, 2000));
  }
}

function setLink(up) {
  $('link').className = 'link ' + (up ? 'up' : 'down');
  $('link').textContent = up ? 'live' : 'disconnected';
}

function cell(row, text, cls) {
  const td = document.createElement('td');
  td.textContent = text === null || text === undefined ? '' : String(text);
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}

function fill(tableId, items, makeRow) {
  const body = $(tableId).querySelector('tbody');
  body.replaceChildren(...items.map((item) => {
    const tr = document.createElement('tr');
    makeRow(tr, item);
    return tr;
  }));
}

function mb(bytes) { return bytes >= 0 ? (bytes / 1048576).toFixed(0) + ' MB' : ''; }
function duration(s) {
  if (s === null || s === undefined) return '';
  if (s < 60) return s.toFixed(0) + ' s';
  if (s < 3600) return (s / 60).toFixed(1) + ' min';
  return (s / 3600).toFixed(1) + ' h';
}

function button(label, id, onClick) {
  const b = document.createElement('button');
  b.textContent = label;
  b.id = id;
  b.addEventListener('click', onClick);
  return b;
}

async function act(path, body) {
  try {
    const answer = await api(path, body);
    $('action-result').className = 'note';
    $('action-result').textContent = path.slice(5) + ': ' + JSON.stringify(answer);
  } catch (e) {
    $('action-result').className = 'note error';
    $('action-result').textContent = path.slice(5) + ': ' + e.message;
  }
}

function render(s) {
  last = s;
  const st = s.stats;
  $('active-pool').textContent = s.active || 'no pool';
  $('pool-state').textContent = st ? st.state + (s.autoscale ? ' · autoscale ' + s.autoscale : '') : '';
  $('queued').textContent = st ? st.queued : '–';
  $('running').textContent = st ? st.active : '–';
  $('completed').textContent = st ? st.completed : '–';
  $('failed').textContent = st ? st.failed : '–';
  $('concurrency').textContent = st ? st.concurrency : '–';
  $('runtime').textContent = s.runtime
    ? [s.runtime.p50, s.runtime.p90, s.runtime.p99].map((v) => v < 10 ? v.toFixed(2) : v.toFixed(0)).join(' / ') + ' ms'
    : '–';
  fill('pools', s.pools, (tr, p) => {
    if (p.active) tr.className = 'active';
    tr.dataset.pool = p.name;
    cell(tr, p.name);
    cell(tr, p.aliases.join(', '));
    cell(tr, p.ranking);
    cell(tr, p.bundle);
    const td = cell(tr, '');
    if (!p.active) td.appendChild(button('use ' + p.name, 'use-' + p.name, () => act('/api/use', { pool: p.name })));
  });
  const workers = st ? st.workers : [];
  $('workers-note').textContent = st ? '(' + st.pool + ')' : '';
  fill('workers', workers, (tr, w) => {
    tr.dataset.worker = w.id;
    cell(tr, w.id);
    cell(tr, w.state);
    cell(tr, w.task);
    cell(tr, w.done);
    cell(tr, mb(w.rss));
    cell(tr, duration(w.uptime));
  });
  fill('recent', s.recent, (tr, t) => {
    cell(tr, t.id);
    cell(tr, t.name);
    cell(tr, t.state, 'state-' + t.state);
    cell(tr, t.worker);
    cell(tr, t.error || t.result, t.error ? 'err' : '');
    const td = cell(tr, '');
    if (t.state === 'PENDING' || t.state === 'STARTED') {
      td.appendChild(button('terminate', 'terminate-' + t.id, () => act('/api/terminate', { id: t.id })));
    }
  });
  fill('brokers', s.brokers, (tr, b) => {
    cell(tr, b.name + ' ' + b.url);
    cell(tr, b.queues.join(', '));
    cell(tr, b.connected ? 'yes' : 'NO', b.connected ? '' : 'err');
    for (const k of ['received', 'acknowledged', 'requeued', 'restored', 'rejected', 'inFlight']) cell(tr, b[k]);
  });
  $('task-names').replaceChildren(...s.tasks.map((n) => { const o = document.createElement('option'); o.value = n; return o; }));
  $('events').replaceChildren(...s.events.map((e) => {
    const li = document.createElement('li');
    li.textContent = new Date(e.time).toLocaleTimeString() + '  ' + e.kind + '  ' + e.pool + (e.detail ? '  ' + e.detail : '');
    return li;
  }));
  drawChart(s);
}

function drawChart(s) {
  const c = $('chart');
  const ctx = c.getContext('2d');
  const w = c.width, h = c.height, left = 40, bottom = 20, top = 10;
  ctx.clearRect(0, 0, w, h);
  const pts = s.throughput;
  if (!pts.length) return;
  const max = Math.max(1, ...pts.map((p) => p.ok + p.failed));
  const x = (i) => left + (w - left - 10) * i / Math.max(1, pts.length - 1);
  const y = (v) => h - bottom - (h - bottom - top) * v / max;
  ctx.strokeStyle = '#ccc'; ctx.fillStyle = '#666'; ctx.font = '11px system-ui';
  for (const v of [0, max / 2, max]) {
    ctx.beginPath(); ctx.moveTo(left, y(v)); ctx.lineTo(w - 10, y(v)); ctx.stroke();
    ctx.fillText(v >= 10 ? v.toFixed(0) : v.toFixed(1), 2, y(v) + 4);
  }
  const series = (key, color) => {
    ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.beginPath();
    pts.forEach((p, i) => (i ? ctx.lineTo(x(i), y(p[key])) : ctx.moveTo(x(i), y(p[key]))));
    ctx.stroke(); ctx.lineWidth = 1;
  };
  series('ok', getComputedStyle(document.documentElement).getPropertyValue('--ok'));
  series('failed', getComputedStyle(document.documentElement).getPropertyValue('--fail'));
  const first = pts[0].t, lastT = pts[pts.length - 1].t;
  for (const e of s.events) {
    const t = Math.floor(e.time / 1000);
    if (t < first || t > lastT || !(e.kind === 'pool-swapped' || e.kind === 'worker-lost')) continue;
    const xi = x(t - first);
    ctx.strokeStyle = e.kind === 'pool-swapped' ? '#1565c0' : '#c62828';
    ctx.setLineDash([4, 3]); ctx.beginPath(); ctx.moveTo(xi, top); ctx.lineTo(xi, h - bottom); ctx.stroke(); ctx.setLineDash([]);
    ctx.fillStyle = ctx.strokeStyle;
    ctx.fillText(e.kind === 'pool-swapped' ? '→ ' + e.pool : 'lost', xi + 3, top + 10);
  }
  ctx.fillStyle = '#666';
  ctx.fillText('-5 min', left, h - 5);
  ctx.fillText('now', w - 35, h - 5);
}

$('grow').addEventListener('click', () => act('/api/grow', { n: 1 }));
$('shrink').addEventListener('click', () => act('/api/shrink', { n: 1 }));
$('restart').addEventListener('click', () => act('/api/restart', {}));
$('send').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const out = $('send-result');
  try {
    const args = JSON.parse($('send-args').value || '[]');
    const kwargs = JSON.parse($('send-kwargs').value || '{}');
    const sent = await api('/api/send', { task: $('send-task').value, args, kwargs });
    out.className = 'note';
    out.textContent = 'sent ' + sent.id;
    out.dataset.id = sent.id;
  } catch (e) {
    out.className = 'note error';
    out.textContent = e.message;
  }
});

start().catch((e) => { setLink(false); $('main').hidden = false; $('action-result').textContent = e.message; });
