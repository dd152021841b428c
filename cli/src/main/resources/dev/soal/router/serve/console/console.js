// The SoAL jobs console: the jobs API's own answers (GET /jobs, GET /jobs/{id}, DELETE /jobs/{id}) on one page,
// with the token soal serve printed. No second source of truth, nothing from the network but the API.
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'CANCELLED']);
const STATES = ['QUEUED', 'RUNNING', 'CANCELLING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];
/** Where `soal history` serves Spark's History Server (its default port); the server's settings may say otherwise. */
let HISTORY = 'http://127.0.0.1:18080';
/** Where the S3 objects the page names can be seen: the embedded S3 server's folder, or the AWS console. */
let settings = { localBuckets: null, awsConsole: false };
fetch('/console/settings.json').then(r => r.ok ? r.json() : null).then(s => {
  if (s) { settings = s; if (s.history) HISTORY = s.history; }
}).catch(() => {});

/** An s3:// URI, linked to the S3 console for a deployed stack, beside its local folder on the embedded default. */
function objectLink(uri) {
  const m = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(uri || '');
  if (!m) return uri;
  if (settings.awsConsole) {
    return h('a', { href: 'https://s3.console.aws.amazon.com/s3/buckets/' + encodeURIComponent(m[1]) + '?prefix=' + encodeURIComponent(m[2]) }, uri);
  }
  return settings.localBuckets ? h('span', {}, uri, ' ', h('code', { class: 'local' }, settings.localBuckets + '/' + m[1] + '/' + m[2])) : uri;
}
/** A job's progress as people read it (JobProgress.describe on the server's side). */
function progressText(p) {
  let s = p.statements > 0 ? `statement ${p.statement}/${p.statements}` + (p.text ? ` (${p.text})` : '') : 'running';
  if (p.stagesRunning > 0) s += `: ${p.tasksDone}/${p.tasksTotal} tasks in ${p.stagesRunning} stage${p.stagesRunning === 1 ? '' : 's'}`;
  return s;
}
const COLORS = { SUCCEEDED: '#1b7f3b', FAILED: '#b3261e', TIMED_OUT: '#e07b00', CANCELLED: '#7a4fb0',
  lambda: '#1f5fbf', standalone: '#5b8c2a', 'emr-serverless': '#c2410c', glue: '#7c3aed', cold: '#1f5fbf', warm: '#e0a100' };
const main = document.getElementById('main');
const status = document.getElementById('status');
let listTimer = null, jobTimer = null;
// the view on screen: an answer that comes back after the user moved on is dropped
let view = 0;
let listAsked = 0;

// the token: from ?token= once (then kept for this tab and taken out of the address bar), else from earlier
const params = new URLSearchParams(location.search);
if (params.has('token')) {
  sessionStorage.setItem('soal-token', params.get('token'));
  history.replaceState(null, '', location.pathname + location.hash);
}
const token = sessionStorage.getItem('soal-token');

/** An element: h('td', {class: 'num'}, 'text', child, ...); text is always text, never HTML. */
function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

async function api(path, method = 'GET') {
  const r = await fetch(path, { method, headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' } });
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new Error(r.status + ' ' + (body && body.detail ? body.detail : r.statusText));
  return body;
}

const duration = ms => ms === null || ms === undefined ? '-' : ms < 1000 ? ms + ' ms'
  : ms < 60000 ? (ms / 1000).toFixed(1) + ' s' : Math.floor(ms / 60000) + ' m ' + String(Math.round(ms % 60000 / 1000)).padStart(2, '0') + ' s';
const size = b => b === null || b === undefined ? '-' : b < 1024 ? b + ' B'
  : ['KB', 'MB', 'GB', 'TB'].reduce((acc, unit, i) => b >= 1024 ** (i + 1) ? (b / 1024 ** (i + 1)).toFixed(1) + ' ' + unit : acc, '');
const usd = c => c === null || c === undefined ? '-' : '$' + Number(c).toFixed(4);
const when = t => t ? t.slice(0, 19).replace('T', ' ') : '-';
const backend = j => j.backend + (j.lambdaMemoryMb ? ' ' + j.lambdaMemoryMb + ' MB' : '');
const stateCell = s => h('span', { class: 'state ' + s }, s);

function say(text, error = false) {
  status.textContent = text;
  status.className = error ? 'error' : '';
}

// ---- the jobs list ----

const list = { state: '', backend: '', trigger: '', tokens: [null], page: 0 };

async function showList() {
  const form = h('form', { class: 'filters', 'aria-label': 'Filter jobs', onsubmit: e => e.preventDefault() },
    h('label', {}, 'State', h('select', { id: 'f-state', onchange: e => { list.state = e.target.value; list.tokens = [null]; list.page = 0; refreshList(); } },
      h('option', { value: '' }, 'any'), STATES.map(s => h('option', { value: s, selected: s === list.state }, s)))),
    h('label', {}, 'Backend', h('select', { id: 'f-backend', onchange: e => { list.backend = e.target.value; list.tokens = [null]; list.page = 0; refreshList(); } },
      h('option', { value: '' }, 'any'), ['lambda', 'standalone', 'emr-serverless', 'glue'].map(b => h('option', { value: b, selected: b === list.backend }, b)))),
    h('label', {}, 'Trigger or stream', h('input', { id: 'f-trigger', type: 'search', value: list.trigger, placeholder: 'name',
      onchange: e => { list.trigger = e.target.value.trim(); list.tokens = [null]; list.page = 0; refreshList(); } })));
  const me = view;
  main.replaceChildren(h('h2', {}, 'Jobs'), form, h('div', { id: 'jobs' }), h('h2', {}, 'Over time'), h('div', { id: 'charts', class: 'charts' }));
  listTimer = setInterval(() => { refreshList(); }, 3000);
  await refreshList();
  if (me === view) await refreshCharts();
}

async function refreshList() {
  const q = new URLSearchParams({ limit: '50' });
  if (list.state) q.set('state', list.state);
  if (list.backend) q.set('backend', list.backend);
  if (list.trigger) q.set('trigger', list.trigger);
  const t = list.tokens[list.page];
  if (t) q.set('nextToken', t);
  let page;
  const asked = ++listAsked;
  try {
    page = await api('/jobs?' + q);
    if (asked !== listAsked) return; // a newer question (a filter changed) is on its way
  } catch (e) {
    say('could not list the jobs: ' + e.message + (token ? '' : ' (open the address soal serve printed, with its ?token=)'), true);
    return;
  }
  list.tokens[list.page + 1] = page.nextToken || null;
  const jobs = page.jobs;
  const rows = jobs.map(j => h('tr', {},
    h('td', {}, h('a', { href: '#/jobs/' + encodeURIComponent(j.jobId) }, j.jobId)), h('td', {}, stateCell(j.state)),
    h('td', {}, backend(j)), h('td', {}, when(j.createdAt)), h('td', { class: 'num' }, duration(j.durationMillis)),
    h('td', { class: 'num' }, usd(j.cost && j.cost.usd)), h('td', {}, (j.tags && (j.tags.trigger || j.tags.stream)) || ''),
    h('td', {}, j.script)));
  const table = h('table', { 'aria-label': 'Jobs, newest first' },
    h('thead', {}, h('tr', {}, ['Job', 'State', 'Backend', 'Created', 'Duration', 'Cost', 'Trigger', 'Script'].map(c => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 8 }, 'no jobs'))));
  const pager = h('div', { class: 'pager' },
    h('button', { type: 'button', disabled: list.page === 0, onclick: () => { list.page--; refreshList(); } }, 'Newer'),
    h('button', { type: 'button', disabled: !page.nextToken, onclick: () => { list.page++; refreshList(); } }, 'Older'));
  const holder = document.getElementById('jobs');
  if (holder) holder.replaceChildren(table, pager);
  say(jobs.length + ' job(s) shown, updated ' + new Date().toLocaleTimeString());
}

// ---- charts: from the newest jobs (up to 500), read through the same API ----

async function recentJobs() {
  const all = [];
  let next = null;
  for (let i = 0; i < 5; i++) {
    const page = await api('/jobs?limit=100' + (next ? '&nextToken=' + encodeURIComponent(next) : ''));
    all.push(...page.jobs);
    next = page.nextToken;
    if (!next) break;
  }
  return all;
}

/** A bar chart as SVG: groups (x) of stacked series; a label for screen readers says what it shows. */
function bars(title, groups, series, values, format = v => String(v)) {
  const w = 460, hgt = 180, pad = 34, n = Math.max(groups.length, 1);
  const totals = groups.map(g => series.reduce((s, k) => s + (values[g] && values[g][k] || 0), 0));
  const max = Math.max(...totals, 0) || 1;
  const bw = (w - pad - 10) / n;
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${hgt + 30}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', title + ': ' + groups.map((g, i) => g + ' ' + format(totals[i])).join(', '));
  const add = (tag, attrs, text) => {
    const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    svg.append(e);
    return e;
  };
  add('line', { x1: pad, y1: hgt, x2: w, y2: hgt, stroke: '#d9dee7' });
  add('text', { x: 2, y: 12, 'font-size': 10, fill: '#5b6575' }, format(max));
  groups.forEach((g, i) => {
    let y = hgt;
    for (const k of series) {
      const v = values[g] && values[g][k] || 0;
      if (!v) continue;
      const bh = v / max * (hgt - 16);
      y -= bh;
      add('rect', { x: pad + i * bw + 2, y, width: Math.max(bw - 4, 1), height: bh, fill: COLORS[k] || '#888' })
        .append(Object.assign(document.createElementNS('http://www.w3.org/2000/svg', 'title'), { textContent: `${g} ${k}: ${format(v)}` }));
    }
    if (n <= 12 || i % Math.ceil(n / 12) === 0) add('text', { x: pad + i * bw + bw / 2, y: hgt + 14, 'font-size': 10, 'text-anchor': 'middle', fill: '#5b6575' }, g);
  });
  return h('figure', { class: 'chart panel' }, h('figcaption', {}, h('strong', {}, title)), svg,
    h('div', { class: 'legend' }, series.map(k => h('span', {}, h('i', { style: 'background:' + (COLORS[k] || '#888') }), k))));
}

const percentile = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : 0; };

async function refreshCharts() {
  let jobs;
  try {
    jobs = await recentJobs();
  } catch (e) {
    return;
  }
  const ended = jobs.filter(j => TERMINAL.has(j.state));
  const perHour = {}, hours = [];
  for (const j of ended) {
    const hour = j.updatedAt.slice(0, 13).replace('T', ' ') + 'h';
    if (!perHour[hour]) { perHour[hour] = {}; hours.push(hour); }
    perHour[hour][j.state] = (perHour[hour][j.state] || 0) + 1;
  }
  hours.sort();
  const perDay = {}, days = [], backends = [...new Set(jobs.map(j => j.backend))].sort();
  for (const j of jobs.filter(j => j.cost)) {
    const day = j.createdAt.slice(0, 10);
    if (!perDay[day]) { perDay[day] = {}; days.push(day); }
    perDay[day][j.backend] = (perDay[day][j.backend] || 0) + j.cost.usd;
  }
  days.sort();
  const pct = {};
  for (const b of backends) {
    const ds = ended.filter(j => j.backend === b && j.durationMillis !== undefined).map(j => j.durationMillis);
    pct[b] = { p50: percentile(ds, 0.5), p90: percentile(ds, 0.9), p99: percentile(ds, 0.99) };
  }
  const starts = { lambda: { cold: jobs.filter(j => j.coldStart === true).length, warm: jobs.filter(j => j.coldStart === false).length } };
  const holder = document.getElementById('charts');
  if (!holder) return;
  holder.replaceChildren(
    bars('Jobs per hour by final state', hours.slice(-24), ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'CANCELLED'], perHour),
    bars('Cost per day by backend (USD)', days.slice(-14), backends, perDay, v => '$' + v.toFixed(4)),
    durationTable(backends, pct),
    bars('Cold and warm starts on Lambda', ['lambda'], ['cold', 'warm'], starts));
}

function durationTable(backends, pct) {
  return h('figure', { class: 'chart panel' }, h('figcaption', {}, h('strong', {}, 'Duration percentiles by backend')),
    h('table', {}, h('thead', {}, h('tr', {}, ['Backend', 'p50', 'p90', 'p99'].map(c => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, backends.map(b => h('tr', {}, h('th', { scope: 'row' }, b),
        ['p50', 'p90', 'p99'].map(p => h('td', { class: 'num' }, duration(pct[b][p]))))))));
}

// ---- one job ----

async function showJob(id) {
  const me = view;
  let j;
  try {
    j = await api('/jobs/' + encodeURIComponent(id));
    if (me !== view) return;
  } catch (e) {
    if (me !== view) return;
    main.replaceChildren(h('p', { class: 'error' }, 'job ' + id + ': ' + e.message), h('a', { href: '#/' }, 'all jobs'));
    return;
  }
  const facts = (...pairs) => h('dl', { class: 'facts' }, pairs.filter(p => p[1] !== null && p[1] !== undefined && p[1] !== '')
    .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  const cancel = TERMINAL.has(j.state) ? null : h('button', { type: 'button', class: 'danger', id: 'cancel', onclick: async () => {
    try { await api('/jobs/' + encodeURIComponent(j.jobId), 'DELETE'); say('cancel requested'); clearTimeout(jobTimer); showJob(j.jobId); }
    catch (e) { say('could not cancel: ' + e.message, true); }
  } }, 'Cancel job');
  const predictions = (j.predictions || []).map(p => h('tr', {}, h('td', {}, p.backend + (p.memoryMb ? ' ' + p.memoryMb + ' MB' : '')),
    h('td', { class: 'num' }, duration(p.startMillis)), h('td', { class: 'num' }, duration(p.runMillis)), h('td', { class: 'num' }, usd(p.cost.usd)), h('td', {}, p.basis)));
  const o = j.predictionOutcome;
  main.replaceChildren(
    h('p', {}, h('a', { href: '#/' }, '← all jobs')),
    h('h2', {}, 'Job ', h('code', {}, j.jobId), ' ', stateCell(j.state), ' ', cancel),
    j.message ? h('p', { id: 'message' }, j.message) : null,
    h('section', { class: 'panel', 'aria-labelledby': 'd-h' }, h('h2', { id: 'd-h' }, 'Decision'),
      facts(['backend', backend(j)], ['spills over to', j.spillTo], ['deadline', j.deadlineSeconds ? duration(j.deadlineSeconds * 1000) : null],
        ['input', j.inputBytes !== undefined ? size(j.inputBytes) + ' in ' + j.inputObjects + ' object(s)' : null]),
      h('h3', {}, 'Reasons'), h('ol', { class: 'reasons', id: 'reasons' }, (j.reasons || []).map(r => h('li', {}, r))),
      predictions.length ? [h('h3', {}, 'Predictions'), h('table', {}, h('thead', {}, h('tr', {}, ['Backend', 'Start', 'Run', 'Cost', 'Basis'].map(c => h('th', { scope: 'col' }, c)))), h('tbody', {}, predictions))] : null,
      o ? h('p', {}, `predicted ${duration(o.predictedMillis)} and ${usd(o.predictedUsd)} on ${o.backend}; took ${duration(o.actualMillis)} (${o.timeRatio}x) and ${usd(o.actualUsd)}`) : null),
    h('section', { class: 'panel', 'aria-labelledby': 't-h' }, h('h2', { id: 't-h' }, 'Timeline'),
      h('table', { id: 'timeline' }, h('thead', {}, h('tr', {}, ['At', 'State', 'What happened'].map(c => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, (j.history || []).map(c => h('tr', {}, h('td', {}, when(c.at)), h('td', {}, stateCell(c.state)), h('td', {}, c.message || '')))))),
    h('section', { class: 'panel', 'aria-labelledby': 'r-h' }, h('h2', { id: 'r-h' }, 'Run'),
      facts(['native state', j.nativeState], ['created', when(j.createdAt)], ['updated', when(j.updatedAt)], ['duration', duration(j.durationMillis)],
        ['cost', j.cost ? usd(j.cost.usd) + ' (' + j.cost.basis + ')' : null],
        ['environment', j.environmentId ? j.environmentId + (j.coldStart ? ' (cold start)' : ' (warm)')
          + (j.initializationType === 'provisioned-concurrency' ? ', provisioned and primed' : '') : null],
        [TERMINAL.has(j.state) ? 'last progress' : 'progress', j.progress ? progressText(j.progress) : null],
        ['Spark application', j.sparkApplicationId ? h('span', {}, h('a', { id: 'spark-ui', href: HISTORY + '/history/' + encodeURIComponent(j.sparkApplicationId) + '/' }, j.sparkApplicationId), ' (in soal history)') : null],
        ['spilled over', j.spilledOver ? `from ${j.spilledOver.backend} ${j.spilledOver.memoryMb} MB: ${j.spilledOver.ranOut.toLowerCase()} ran out after ${duration(j.spilledOver.durationMillis)}` : null],
        ['heap', j.usage ? `${size(j.usage.peakHeapBytes)} at its peak of ${size(j.usage.maxHeapBytes)}` : null],
        ['/tmp', j.usage ? `${size(j.usage.tmpUsedBytes)} at its peak` : null],
        ['written', j.usage ? `${j.usage.rowsWritten} row(s) in ${size(j.usage.bytesWritten)}` : null])),
    h('section', { class: 'panel', 'aria-labelledby': 'io-h' }, h('h2', { id: 'io-h' }, 'Script, inputs and output'),
      facts(['script', objectLink(j.script)], ['inputs', (j.inputs || []).length ? h('span', {}, (j.inputs || []).map((u, i) => [i ? ', ' : '', objectLink(u)])) : null],
        ['output', j.output ? objectLink(j.output) : null],
        ['tags', j.tags ? Object.entries(j.tags).map(([k, v]) => k + '=' + v).join(', ') : null])));
  main.append(h('section', { class: 'panel', 'aria-labelledby': 'l-h' }, h('h2', { id: 'l-h' }, 'Logs'), h('div', { id: 'logs' }, 'loading...')));
  api('/jobs/' + encodeURIComponent(j.jobId) + '/logs?lines=500').then(logs => {
    if (me !== view) return;
    const holder = document.getElementById('logs');
    if (!holder) return;
    holder.replaceChildren(...logs.attempts.map(a => h('div', {},
      h('h3', {}, a.backend + ': ', h('small', {}, a.where + (a.truncated ? ' (its last ' + a.lines.length + ' lines)' : ''))),
      a.note ? h('p', {}, a.note) : null,
      a.lines.length ? h('pre', { class: 'log', tabindex: '0', 'aria-label': a.backend + ' log' }, a.lines.join('\n')) : null)));
  }).catch(e => {
    if (me !== view) return;
    const holder = document.getElementById('logs');
    if (holder) holder.replaceChildren(h('p', { class: 'error' }, 'could not read the logs: ' + e.message));
  });
  say('job ' + j.jobId + ' ' + j.state + ', updated ' + new Date().toLocaleTimeString());
  if (!TERMINAL.has(j.state)) jobTimer = setTimeout(() => { if (me === view) showJob(id); }, 2000);
}

function route() {
  view++;
  clearInterval(listTimer);
  clearTimeout(jobTimer);
  const m = location.hash.match(/^#\/jobs\/(.+)$/);
  if (m) showJob(decodeURIComponent(m[1])); else showList();
  main.focus();
}

window.addEventListener('hashchange', route);
if (!token) say('no token: open the address soal serve printed (it ends in ?token=...)', true);
route();
