/**
 * The dashboard page: one self-contained HTML document (inline CSS, inline
 * script, SVG charts; the machine may have no internet) that polls
 * `/api/status` and redraws. Numbers a test reads carry `data-testid`s:
 * `visible-<lane>`, `count-<lane>-<outcome>`, `alarm-<lane>-<alarm>`, ...
 * Its pause/resume buttons post to the control API with the run's token,
 * which the server writes into this HTML: a page of another origin cannot
 * read it (see request-guard.ts).
 */
import { OUTCOMES, TIMED_OUT } from '../../definition/metrics.ts';
import { CONTROL_PATHS, CONTROL_TOKEN_HEADER } from '../../ops/target/control-client.ts';

/** Stands for the lane in the control paths the page fills in. */
const LANE_PLACEHOLDER = 'LANE';

/** Counter columns, in the order shown: every outcome, then timed out (counted beside an outcome). */
export const COUNTER_COLUMNS: readonly { readonly key: string; readonly label: string }[] = [
  ...OUTCOMES.map((key) => ({ key, label: key.replace(/[A-Z]/g, (letter) => ` ${letter.toLowerCase()}`) })),
  { key: TIMED_OUT, label: 'timed out' },
];

export function dashboardPage(options: { readonly refreshMs: number; readonly controlToken: string }): string {
  const control = {
    header: CONTROL_TOKEN_HEADER,
    token: options.controlToken,
    placeholder: LANE_PLACEHOLDER,
    paths: { pause: CONTROL_PATHS.pause(LANE_PLACEHOLDER), resume: CONTROL_PATHS.resume(LANE_PLACEHOLDER) },
  };
  const config = JSON.stringify({ refreshMs: options.refreshMs, counters: COUNTER_COLUMNS, control });
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
</style>
</head>
<body data-generated-at="">
<h1>tasklanes: local dashboard</h1>
<div class="meta"><span id="target"></span> · updated <span id="updated" data-testid="updated">never</span> <span id="control-message" data-testid="control-message" class="paused"></span></div>

<h2>Lanes</h2>
<table data-testid="lanes"><thead id="lanes-head"></thead><tbody id="lanes-body"></tbody></table>

<h2>Last minutes</h2>
<div class="charts">
  <div class="chart"><div>throughput (outcomes/s)</div><svg id="chart-throughput" data-testid="chart-throughput" width="460" height="160"></svg></div>
  <div class="chart"><div>age of the oldest message (s)</div><svg id="chart-age" data-testid="chart-age" width="460" height="160"></svg></div>
</div>
<div class="legend" id="legend"></div>

<h2>Alarms (evaluated locally with the stack's thresholds)</h2>
<table class="alarms"><thead><tr><th class="name">lane</th><th class="name">alarm</th><th>state</th><th>value</th><th>threshold</th><th class="name">why</th></tr></thead><tbody id="alarms-body"></tbody></table>

<h2>Last tasks</h2>
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
function renderChart(svg, history, lanes, pick) {
  const w = svg.width.baseVal.value, h = svg.height.baseVal.value, pad = 28;
  const values = history.flatMap((p) => lanes.map((lane) => pick(p.lanes[lane] || {}) || 0));
  const max = Math.max(1, ...values);
  const t0 = history.length ? history[0].at : 0, t1 = history.length ? history[history.length - 1].at : 1;
  const x = (at) => pad + (t1 > t0 ? ((at - t0) / (t1 - t0)) * (w - pad - 6) : 0);
  const y = (v) => h - pad + 6 - (v / max) * (h - pad - 4);
  let out = '<line x1="' + pad + '" y1="' + (h - pad + 6) + '" x2="' + (w - 6) + '" y2="' + (h - pad + 6) + '" stroke="#aab"/>' +
    '<text x="2" y="12" font-size="10" fill="#667">' + (Math.round(max * 10) / 10) + '</text><text x="2" y="' + (h - pad + 6) + '" font-size="10" fill="#667">0</text>' +
    '<text x="' + pad + '" y="' + (h - 4) + '" font-size="10" fill="#667">' + (history.length ? Math.round((t1 - t0) / 1000) + ' s shown' : 'collecting samples...') + '</text>';
  lanes.forEach((lane, i) => {
    const points = history.map((p) => x(p.at).toFixed(1) + ',' + y(pick(p.lanes[lane] || {}) || 0).toFixed(1)).join(' ');
    if (points) out += '<polyline fill="none" stroke-width="1.8" stroke="' + COLORS[i % COLORS.length] + '" points="' + points + '"/>';
  });
  svg.innerHTML = out;
}
function renderAlarms(alarms) {
  $('alarms-body').innerHTML = alarms.map((a) => '<tr>' + cell(a.lane, null, 'name') + cell(a.alarm, null, 'name') +
    cell(a.state, 'alarm-' + a.lane + '-' + a.alarm, a.state) + cell(a.value === undefined ? '-' : Math.round(a.value * 10) / 10) +
    cell(a.threshold + ' ' + a.unit) + cell(a.description, null, 'desc') + '</tr>').join('');
}
function renderRecent(recent) {
  $('recent-body').innerHTML = recent.map((e) => '<tr>' + cell(new Date(e.at).toLocaleTimeString(), null, 'name') + cell(e.lane, null, 'name') +
    cell(e.type, null, 'name') + cell(e.tenant || '-', null, 'name') + cell((e.id || e.messageId).slice(0, 8), null, 'name') + cell(e.attempt) +
    cell(e.outcome + (e.timedOut ? ' (timed out)' : ''), null, 'name') + cell(e.reason || '', null, 'name') + '</tr>').join('');
}
async function refresh() {
  try {
    const status = await (await fetch('/api/status')).json();
    const lanes = status.lanes.map((l) => l.lane);
    $('target').textContent = status.target + ' · DynamoDB: ' + status.dynamodb.backend + ' (claims: ' + status.dynamodb.claims + ')';
    renderLanes(status.lanes);
    renderChart($('chart-throughput'), status.history, lanes, (p) => p.throughputPerSecond);
    renderChart($('chart-age'), status.history, lanes, (p) => p.oldestAgeSeconds);
    $('legend').innerHTML = lanes.map((lane, i) => '<span><i style="background:' + COLORS[i % COLORS.length] + '"></i>' + esc(lane) + '</span>').join('');
    renderAlarms(status.alarms);
    renderRecent(status.recent);
    $('updated').textContent = new Date(status.generatedAt).toLocaleTimeString();
    document.body.dataset.generatedAt = status.generatedAt;
  } catch (error) {
    $('updated').textContent = 'failed: ' + error.message;
  }
}
// Same-origin POST with the token header: the server refuses it without the token, and other origins cannot add it without a refused preflight.
$('lanes-body').addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  button.disabled = true;
  const path = CONFIG.control.paths[button.dataset.action].replace(CONFIG.control.placeholder, encodeURIComponent(button.dataset.lane));
  let message = '';
  try {
    const response = await fetch(path, { method: 'POST', headers: { [CONFIG.control.header]: CONFIG.control.token } });
    if (!response.ok) message = button.dataset.action + ' ' + button.dataset.lane + ' failed: ' + (await response.json()).error;
  } catch (error) {
    message = button.dataset.action + ' ' + button.dataset.lane + ' failed: ' + error.message;
  }
  $('control-message').textContent = message;
  await refresh();
});
refresh();
setInterval(refresh, CONFIG.refreshMs);
</script>
</body>
</html>
`;
}
