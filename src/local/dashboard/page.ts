/**
 * The dashboard page: one self-contained HTML document (inline CSS, inline
 * script, SVG charts; the machine may have no internet) that polls
 * `/api/status` and redraws. Numbers a test reads carry `data-testid`s:
 * `visible-<lane>`, `count-<lane>-<outcome>`, `alarm-<lane>-<alarm>`, ...
 * What is firing comes first. Its actions (pause, resume, redrive, drop)
 * each ask for a confirmation in the page, then post to the control and
 * console APIs with the run's token, which the server writes into this
 * HTML: a page of another origin cannot read it (see request-guard.ts).
 */
import { OUTCOMES, TIMED_OUT } from '../../definition/metrics.ts';
import { heartbeatType } from '../../definition/schedule.ts';
import { CONTROL_PATHS, CONTROL_TOKEN_HEADER } from '../../ops/target/control-client.ts';
import { CONSOLE_PATHS } from './action-routes.ts';
import type { DashboardStatus } from './snapshot.ts';

/** Stands for the lane in the control paths the page fills in. */
const LANE_PLACEHOLDER = 'LANE';

/** Counter columns, in the order shown: every outcome, then timed out (counted beside an outcome). */
export const COUNTER_COLUMNS: readonly { readonly key: string; readonly label: string }[] = [
  ...OUTCOMES.map((key) => ({ key, label: key.replace(/[A-Z]/g, (letter) => ` ${letter.toLowerCase()}`) })),
  { key: TIMED_OUT, label: 'timed out' },
];

export interface PageOptions {
  readonly refreshMs: number;
  readonly controlToken: string;
  /** Drawn as the page's script starts, before any poll: a screenshot taken at load shows it. */
  readonly initial: DashboardStatus;
}

export function dashboardPage(options: PageOptions): string {
  const control = {
    header: CONTROL_TOKEN_HEADER,
    token: options.controlToken,
    placeholder: LANE_PLACEHOLDER,
    paths: { pause: CONTROL_PATHS.pause(LANE_PLACEHOLDER), resume: CONTROL_PATHS.resume(LANE_PLACEHOLDER) },
    console: CONSOLE_PATHS,
  };
  // The heartbeat type's name with the lane as placeholder: the "last tasks" filter hides them by default.
  const heartbeat = heartbeatType(LANE_PLACEHOLDER);
  // The snapshot carries tenants and reasons from task bodies: no "<" may close the script element.
  const config = JSON.stringify({
    refreshMs: options.refreshMs,
    counters: COUNTER_COLUMNS,
    control,
    heartbeat,
    initial: options.initial,
  }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tasklanes: local dashboard</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 16px 24px; color: #1d2430; background: #f6f7f9; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  h2 { font-size: 15px; margin: 20px 0 6px; }
  .meta { color: #5b6472; font-size: 12px; }
  table { border-collapse: collapse; background: #fff; box-shadow: 0 1px 2px #0001; }
  th, td { padding: 4px 10px; border-bottom: 1px solid #e6e8ec; text-align: right; white-space: nowrap; }
  th { background: #eef0f4; font-weight: 600; font-size: 12px; }
  td.name, th.name { text-align: left; }
  .paused { color: #b3261e; font-weight: 600; }
  .OK { color: #1e7b34; } .ALARM { color: #fff; background: #b3261e; font-weight: 600; } .INSUFFICIENT_DATA { color: #8a6d00; }
  .charts { display: flex; gap: 16px; flex-wrap: wrap; }
  .chart { background: #fff; box-shadow: 0 1px 2px #0001; padding: 8px; }
  .legend span { display: inline-block; margin-right: 10px; font-size: 12px; }
  .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
  .alarms td.desc { text-align: left; white-space: normal; max-width: 560px; color: #5b6472; font-size: 12px; }
  .recent td { font-size: 12px; }
  .firing { background: #fff; box-shadow: 0 1px 2px #0001; padding: 8px 12px; margin: 10px 0; border-left: 4px solid #1e7b34; }
  .firing.any { border-left-color: #b3261e; }
  .firing li { margin: 2px 0; } .firing b { color: #b3261e; }
  #confirm { position: sticky; top: 0; background: #fff4d6; border: 1px solid #d9a400; padding: 8px 12px; margin: 8px 0; }
  .tools { margin: 6px 0; } .tools input { width: 110px; }
  pre { background: #fff; padding: 8px; max-height: 320px; overflow: auto; font-size: 12px; }
</style>
</head>
<body data-generated-at="">
<h1>tasklanes: local dashboard</h1>
<div class="meta"><span id="target"></span> · updated <span id="updated" data-testid="updated">never</span> <span id="control-message" data-testid="control-message" class="paused"></span></div>
<div class="firing" id="firing" data-testid="firing"><b>Firing now</b>: <span id="firing-none" data-testid="firing-none">waiting for the first status...</span><ul id="firing-list"></ul></div>
<div id="confirm" data-testid="confirm" hidden><span id="confirm-text" data-testid="confirm-text"></span>
  <button id="confirm-yes" data-testid="confirm-yes">confirm</button> <button id="confirm-no" data-testid="confirm-no">cancel</button></div>

<h2>Lanes</h2>
<table data-testid="lanes"><thead id="lanes-head"></thead><tbody id="lanes-body"></tbody></table>
<h2>Per task type in lane <select id="types-lane" data-testid="types-lane"></select></h2>
<table data-testid="types"><thead id="types-head"></thead><tbody id="types-body"></tbody></table>

<h2>Last minutes</h2>
<div class="charts">
  <div class="chart"><div>throughput (outcomes/s)</div><svg id="chart-throughput" data-testid="chart-throughput" width="460" height="160"></svg></div>
  <div class="chart"><div>age of the oldest message (s)</div><svg id="chart-age" data-testid="chart-age" width="460" height="160"></svg></div>
</div>
<div class="legend" id="legend"></div>
<div class="charts">
  <div class="chart"><div>throughput by outcome, all lanes (outcomes/s)</div><svg id="chart-outcomes" data-testid="chart-outcomes" width="460" height="160"></svg></div>
</div>
<div class="legend" id="legend-outcomes"></div>

<h2>Alarms (evaluated locally with the stack's thresholds)</h2>
<table class="alarms"><thead><tr><th class="name">lane</th><th class="name">alarm</th><th>state</th><th>value</th><th>threshold</th><th class="name">why</th></tr></thead><tbody id="alarms-body"></tbody></table>

<h2>Dead letters</h2>
<div class="tools">lane <select id="dlq-lane" data-testid="dlq-lane"></select>
  <button id="dlq-peek" data-testid="dlq-peek">show dead letters</button>
  <button id="dlq-redrive" data-testid="dlq-redrive">redrive this lane's DLQ</button>
  <span class="meta">(as <code>tasklanes dlq peek</code>: looking raises each letter's receive count, which is harmless in a DLQ)</span></div>
<table class="recent" data-testid="dead-letters"><thead><tr><th class="name">message</th><th class="name">type</th><th class="name">tenant</th><th class="name">task</th><th>attempts</th><th class="name">reason</th><th class="name">error</th><th class="name">failed at</th></tr></thead><tbody id="dlq-body"></tbody></table>

<h2>Drop tasks</h2>
<div class="tools">lane <select id="drop-lane" data-testid="drop-lane"></select>
  type <input id="drop-type" data-testid="drop-type"> tenant <input id="drop-tenant" data-testid="drop-tenant">
  older than (s) <input id="drop-age" data-testid="drop-age" type="number" min="0">
  <button id="drop" data-testid="drop">drop...</button> <span class="meta">(a dry run counts them first, as <code>tasklanes drop --dry-run</code>)</span></div>

<h2>Find a task</h2>
<form class="tools" id="task-form">task id <input id="task-id" data-testid="task-id" style="width: 320px">
  or tenant <input id="task-tenant"> type <input id="task-type"> dedup key <input id="task-dedup">
  <button data-testid="task-search">search</button></form>
<pre id="task-result" data-testid="task-result" hidden></pre>

<h2>Last tasks</h2>
<div class="tools">filter <input id="recent-filter" data-testid="recent-filter" placeholder="lane, type, outcome..." style="width: 220px">
  <label><input type="checkbox" id="show-heartbeats" data-testid="show-heartbeats"> show heartbeats</label></div>
<table class="recent" data-testid="recent-tasks"><thead><tr><th class="name">time</th><th class="name">lane</th><th class="name">type</th><th class="name">tenant</th><th class="name">task</th><th>attempt</th><th class="name">outcome</th><th class="name">reason</th></tr></thead><tbody id="recent-body"></tbody></table>

<script>
const CONFIG = ${config};
const COLORS = ['#1f6feb', '#d97706', '#16a34a', '#9333ea', '#dc2626', '#0891b2', '#4d7c0f', '#be185d'];
const $ = (id) => document.getElementById(id);
const esc = (v) => String(v ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const cell = (value, testid, cls) => '<td' + (testid ? ' data-testid="' + esc(testid) + '"' : '') + (cls ? ' class="' + cls + '"' : '') + '>' + esc(value) + '</td>';
function age(s) {
  if (s === undefined || s === null) return '-';
  s = Math.round(s);
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm' + String(s % 60).padStart(2, '0') + 's';
  return Math.floor(s / 3600) + 'h' + String(Math.floor((s % 3600) / 60)).padStart(2, '0') + 'm';
}
function renderLanes(lanes) {
  $('lanes-head').innerHTML = '<tr><th class="name">lane</th><th>visible</th><th>in flight</th><th>delayed</th><th>oldest</th><th>DLQ</th><th>consumer</th><th></th>' +
    CONFIG.counters.map((c) => '<th>' + esc(c.label) + '</th>').join('') + '</tr>';
  $('lanes-body').innerHTML = lanes.map((l) => '<tr data-testid="lane-row-' + esc(l.lane) + '">' +
    cell(l.lane, null, 'name') + cell(l.visible, 'visible-' + l.lane) + cell(l.inFlight, 'in-flight-' + l.lane) + cell(l.delayed, 'delayed-' + l.lane) +
    cell(age(l.oldestAgeSeconds), 'oldest-' + l.lane) + cell(l.dlqVisible, 'dlq-' + l.lane) +
    cell(l.consumerEnabled ? 'running' : 'paused', 'consumer-' + l.lane, l.consumerEnabled ? '' : 'paused') +
    '<td><button data-testid="toggle-' + esc(l.lane) + '" data-lane="' + esc(l.lane) + '" data-action="' + (l.consumerEnabled ? 'pause' : 'resume') + '">' +
    (l.consumerEnabled ? 'pause' : 'resume') + '</button></td>' +
    CONFIG.counters.map((c) => cell(l.counts[c.key], 'count-' + l.lane + '-' + c.key)).join('') + '</tr>').join('');
}
// One line per series key; value(point, key) reads it. The x axis is the clock: a time at each end and in the middle.
function renderChart(svg, history, keys, value) {
  const w = svg.width.baseVal.value, h = svg.height.baseVal.value, pad = 28;
  const pick = (p, key) => value(p, key) || 0;
  const values = history.flatMap((p) => keys.map((key) => pick(p, key)));
  const max = Math.max(1, ...values);
  const t0 = history.length ? history[0].at : 0, t1 = history.length ? history[history.length - 1].at : 1;
  const x = (at) => pad + (t1 > t0 ? ((at - t0) / (t1 - t0)) * (w - pad - 6) : 0);
  const y = (v) => h - pad + 6 - (v / max) * (h - pad - 4);
  let out = '<line x1="' + pad + '" y1="' + (h - pad + 6) + '" x2="' + (w - 6) + '" y2="' + (h - pad + 6) + '" stroke="#aab"/>' +
    '<text x="2" y="12" font-size="10" fill="#667">' + (Math.round(max * 10) / 10) + '</text><text x="2" y="' + (h - pad + 6) + '" font-size="10" fill="#667">0</text>' +
    (history.length > 1 ? [[t0, 'start'], [(t0 + t1) / 2, 'middle'], [t1, 'end']].map(([at, anchor]) => '<line x1="' + x(at) + '" x2="' + x(at) + '" y1="' + (h - pad + 6) +
      '" y2="' + (h - pad + 10) + '" stroke="#aab"/><text x="' + x(at) + '" y="' + (h - 4) + '" font-size="10" fill="#667" text-anchor="' + anchor + '">' +
      new Date(at).toLocaleTimeString() + '</text>').join('') : '<text x="' + pad + '" y="' + (h - 4) + '" font-size="10" fill="#667">collecting samples...</text>');
  keys.forEach((key, i) => {
    const points = history.map((p) => x(p.at).toFixed(1) + ',' + y(pick(p, key)).toFixed(1)).join(' ');
    if (points) out += '<polyline fill="none" stroke-width="1.8" stroke="' + COLORS[i % COLORS.length] + '" points="' + points + '"/>';
  });
  svg.innerHTML = out;
}
let lastLanes = [];
function renderTypes(lanes) {
  lastLanes = lanes;
  const lane = lanes.find((l) => l.lane === $('types-lane').value) || lanes[0];
  $('types-head').innerHTML = '<tr><th class="name">type</th>' + CONFIG.counters.map((c) => '<th>' + esc(c.label) + '</th>').join('') + '</tr>';
  const types = lane ? Object.entries(lane.countsByType) : [];
  $('types-body').innerHTML = types.length === 0 ? '<tr><td class="name">no outcomes yet</td></tr>' : types.map(([type, counts]) => '<tr>' + cell(type, null, 'name') +
    CONFIG.counters.map((c) => cell(counts[c.key], 'type-count-' + lane.lane + '-' + type + '-' + c.key)).join('') + '</tr>').join('');
}
function renderAlarms(alarms) {
  $('alarms-body').innerHTML = alarms.map((a) => '<tr>' + cell(a.lane, null, 'name') + cell(a.alarm, null, 'name') +
    cell(a.state, 'alarm-' + a.lane + '-' + a.alarm, a.state) + cell(a.value === undefined ? '-' : Math.round(a.value * 10) / 10) +
    cell(a.threshold + ' ' + a.unit) + cell(a.description, null, 'desc') + '</tr>').join('');
}
function renderFiring(alarms) {
  const firing = alarms.filter((a) => a.state === 'ALARM');
  $('firing').classList.toggle('any', firing.length > 0);
  $('firing-none').textContent = firing.length ? firing.length + ' alarm' + (firing.length === 1 ? '' : 's') : 'nothing';
  $('firing-list').innerHTML = firing.map((a) => '<li data-testid="firing-' + esc(a.lane) + '-' + esc(a.alarm) + '"><b>' + esc(a.lane) + ' ' + esc(a.alarm) +
    '</b>: ' + esc(a.value === undefined ? '-' : Math.round(a.value * 10) / 10) + ' (threshold ' + esc(a.threshold + ' ' + a.unit) + '), ' + esc(a.description) + '</li>').join('');
}
let lastRecent = [];
function renderRecent(recent) {
  lastRecent = recent;
  const words = $('recent-filter').value.toLowerCase().split(/\\s+/).filter(Boolean);
  const heartbeats = $('show-heartbeats').checked;
  recent = recent.filter((e) => (heartbeats || e.type !== CONFIG.heartbeat.replace(CONFIG.control.placeholder, e.lane)) &&
    words.every((w) => [e.lane, e.type, e.tenant, e.outcome, e.reason].some((f) => String(f ?? '').toLowerCase().includes(w))));
  $('recent-body').innerHTML = recent.map((e) => '<tr>' + cell(new Date(e.at).toLocaleTimeString(), null, 'name') + cell(e.lane, null, 'name') +
    cell(e.type, null, 'name') + cell(e.tenant || '-', null, 'name') + cell((e.id || e.messageId).slice(0, 8), null, 'name') + cell(e.attempt) +
    cell(e.outcome + (e.timedOut ? ' (timed out)' : ''), null, 'name') + cell(e.reason || '', null, 'name') + '</tr>').join('');
}
function render(status) {
    const lanes = status.lanes.map((l) => l.lane);
    $('target').textContent = status.target + ' · DynamoDB: ' + status.dynamodb.backend + ' (claims: ' + status.dynamodb.claims + ')';
    renderLanes(status.lanes);
    renderChart($('chart-throughput'), status.history, lanes, (p, lane) => p.lanes[lane]?.throughputPerSecond);
    renderChart($('chart-age'), status.history, lanes, (p, lane) => p.lanes[lane]?.oldestAgeSeconds);
    const outcomes = CONFIG.counters.map((c) => c.key).filter((key) => status.history.some((p) => Object.values(p.lanes).some((l) => key in l.outcomesPerSecond)));
    renderChart($('chart-outcomes'), status.history, outcomes, (p, outcome) => Object.values(p.lanes).reduce((sum, l) => sum + l.outcomesPerSecond[outcome], 0));
    const legend = (keys, label) => keys.map((key, i) => '<span><i style="background:' + COLORS[i % COLORS.length] + '"></i>' + esc(label(key)) + '</span>').join('');
    $('legend').innerHTML = legend(lanes, (lane) => lane);
    $('legend-outcomes').innerHTML = legend(outcomes, (key) => CONFIG.counters.find((c) => c.key === key).label);
    renderTypes(status.lanes);
    renderFiring(status.alarms);
    renderAlarms(status.alarms);
    renderRecent(status.recent);
    for (const id of ['dlq-lane', 'drop-lane', 'types-lane']) {
      if ($(id).options.length !== lanes.length) $(id).innerHTML = lanes.map((lane) => '<option>' + esc(lane) + '</option>').join('');
    }
    $('updated').textContent = new Date(status.generatedAt).toLocaleTimeString();
    document.body.dataset.generatedAt = status.generatedAt;
}
async function refresh() {
  try {
    render(await (await fetch('/api/status')).json());
  } catch (error) {
    $('updated').textContent = 'failed: ' + error.message;
  }
}
// Same-origin POST with the token header: the server refuses it without the token, and other origins cannot add it without a refused preflight.
async function post(path, body) {
  const response = await fetch(path, { method: 'POST', headers: { [CONFIG.control.header]: CONFIG.control.token, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body) });
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error);
  return answer;
}
async function get(path) {
  const response = await fetch(path);
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error);
  return answer;
}
// Every action waits for the confirm bar: one pending action at a time, run only on "confirm".
let pending;
function confirmThen(text, run) {
  pending = run;
  $('confirm-text').textContent = text;
  $('confirm').hidden = false;
}
$('confirm-no').addEventListener('click', () => { pending = undefined; $('confirm').hidden = true; $('control-message').textContent = 'cancelled'; });
$('confirm-yes').addEventListener('click', async () => {
  const run = pending;
  pending = undefined;
  $('confirm').hidden = true;
  if (!run) return;
  let message;
  try { message = await run(); } catch (error) { message = 'failed: ' + error.message; }
  $('control-message').textContent = message;
  await refresh();
});
$('lanes-body').addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const { action, lane } = button.dataset;
  const path = CONFIG.control.paths[action].replace(CONFIG.control.placeholder, encodeURIComponent(lane));
  confirmThen(action === 'pause' ? 'Pause lane ' + lane + '? Its tasks stay queued; nothing is consumed until resumed.' : 'Resume lane ' + lane + '?',
    async () => { await post(path); return action + 'd lane ' + lane; });
});
const lanePath = (path, lane) => path + '?lane=' + encodeURIComponent(lane);
async function showDeadLetters() {
  const lane = $('dlq-lane').value;
  const letters = await get(lanePath(CONFIG.control.console.deadLetters, lane));
  $('dlq-body').innerHTML = letters.length === 0 ? '<tr><td class="name" colspan="8">no dead letters in ' + esc(lane) + '</td></tr>' :
    letters.map((d) => '<tr data-testid="dlq-row">' + cell(d.messageId, 'dlq-id', 'name') + cell(d.type || '-', null, 'name') + cell(d.tenant || '-', null, 'name') +
      cell(d.id || '-', null, 'name') + cell(d.attempts ?? '-') + cell(d.reason || '-', 'dlq-reason', 'name') + cell(d.error || '', null, 'name') + cell(d.failedAt || '-', null, 'name') + '</tr>').join('');
  document.body.dataset.deadLettersOf = lane;
  return letters;
}
$('dlq-peek').addEventListener('click', () => showDeadLetters().catch((error) => { $('control-message').textContent = 'dead letters: ' + error.message; }));
$('dlq-redrive').addEventListener('click', () => {
  const lane = $('dlq-lane').value;
  confirmThen('Move every dead letter of lane ' + lane + ' back to its queue?', async () => {
    const result = await post(lanePath(CONFIG.control.console.redrive, lane));
    return 'redrive of ' + lane + ': ' + result.status + ', moved ' + result.moved + (result.failureReason ? ' (' + result.failureReason + ')' : '');
  });
});
$('drop').addEventListener('click', async () => {
  const lane = $('drop-lane').value;
  const age = $('drop-age').value;
  const filter = { type: $('drop-type').value.trim(), tenant: $('drop-tenant').value.trim(), olderThanSeconds: age === '' ? undefined : Number(age) };
  const path = lanePath(CONFIG.control.console.drop, lane);
  try {
    const dry = await post(path, { ...filter, dryRun: true });
    confirmThen('Drop ' + dry.dropped + ' of ' + dry.scanned + ' tasks scanned in lane ' + lane + ' (' + JSON.stringify(filter) + ')?', async () => {
      const result = await post(path, filter);
      return 'dropped ' + result.dropped + ', kept ' + result.kept + ' in lane ' + lane;
    });
  } catch (error) {
    $('control-message').textContent = 'drop failed: ' + error.message;
  }
});
$('task-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const id = $('task-id').value.trim();
  const params = id ? { id } : { tenant: $('task-tenant').value.trim(), type: $('task-type').value.trim(), dedupKey: $('task-dedup').value.trim() };
  $('task-result').hidden = false;
  $('task-result').textContent = 'searching...';
  try {
    $('task-result').textContent = JSON.stringify(await get(CONFIG.control.console.task + '?' + new URLSearchParams(params)), null, 2);
  } catch (error) {
    $('task-result').textContent = 'lookup failed: ' + error.message;
  }
});
$('types-lane').addEventListener('change', () => renderTypes(lastLanes));
$('recent-filter').addEventListener('input', () => renderRecent(lastRecent));
$('show-heartbeats').addEventListener('change', () => renderRecent(lastRecent));
render(CONFIG.initial);
setInterval(refresh, CONFIG.refreshMs);
</script>
</body>
</html>
`;
}
