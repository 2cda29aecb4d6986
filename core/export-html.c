/* timeweave: the html exporter: one self-contained page to look at a timeline.
 *
 * The page carries everything inline (style, script and data) and fetches nothing; its
 * Content-Security-Policy allows only its own style and script (by hash), so no event text can
 * run even if it got past the escaping. The events are written twice: as a JSON data block that
 * the script draws on a canvas (a time axis with lanes, zoom and pan, culled to the visible
 * range so 10,000 events stay responsive), and as a table rendered here, escaped, so that screen
 * readers, printing and pages without JavaScript get every event. */
#include "export-common.h"

#include <string.h>

/* The page's style sheet and script, one line of each per C string. */
static const char html_css[] =
    ":root {\n"
    "  --fg: #1d2433;\n"
    "  --muted: #5b6472;\n"
    "  --line: #dde1e7;\n"
    "  --panel: #f6f7f9;\n"
    "  --accent: #2f5fb3;\n"
    "}\n"
    "* { box-sizing: border-box; }\n"
    "body {\n"
    "  margin: 0;\n"
    "  color: var(--fg);\n"
    "  background: #fff;\n"
    "  font: 14px/1.45 system-ui, -apple-system, \"Segoe UI\", Roboto, Arial, sans-serif;\n"
    "}\n"
    ".tw-head {\n"
    "  display: flex;\n"
    "  flex-wrap: wrap;\n"
    "  align-items: baseline;\n"
    "  gap: 4px 18px;\n"
    "  padding: 14px 20px 10px;\n"
    "  border-bottom: 1px solid var(--line);\n"
    "}\n"
    ".tw-head h1 { margin: 0; font-size: 21px; font-weight: 650; letter-spacing: -0.01em; }\n"
    ".tw-meta { margin: 0; color: var(--muted); font-size: 12.5px; }\n"
    ".tw-controls {\n"
    "  display: flex;\n"
    "  flex-wrap: wrap;\n"
    "  align-items: center;\n"
    "  gap: 8px 14px;\n"
    "  padding: 8px 20px;\n"
    "  background: var(--panel);\n"
    "  border-bottom: 1px solid var(--line);\n"
    "  font-size: 13px;\n"
    "}\n"
    ".tw-controls label {\n"
    "  display: inline-flex;\n"
    "  align-items: center;\n"
    "  gap: 6px;\n"
    "  color: var(--muted);\n"
    "}\n"
    "input, select, button {\n"
    "  font: inherit;\n"
    "  font-size: 13px;\n"
    "  color: var(--fg);\n"
    "  background: #fff;\n"
    "  border: 1px solid #c5cbd3;\n"
    "  border-radius: 6px;\n"
    "  padding: 4px 8px;\n"
    "}\n"
    "input[type=search] { width: 210px; }\n"
    "button { cursor: pointer; }\n"
    "button:hover { background: #eef1f6; }\n"
    ":focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }\n"
    ".tw-zoom { display: inline-flex; }\n"
    ".tw-zoom button { border-radius: 0; margin-left: -1px; min-width: 32px; }\n"
    ".tw-zoom button:first-child { border-radius: 6px 0 0 6px; margin-left: 0; }\n"
    ".tw-zoom button:last-child { border-radius: 0 6px 6px 0; }\n"
    "#tw-status { margin-left: auto; color: var(--muted); font-size: 12.5px; }\n"
    ".tw-main {\n"
    "  display: grid;\n"
    "  grid-template-columns: minmax(0, 1fr) 340px;\n"
    "  min-height: 360px;\n"
    "  border-bottom: 1px solid var(--line);\n"
    "}\n"
    "#tw-chart { min-width: 0; border-right: 1px solid var(--line); }\n"
    "#tw-canvas {\n"
    "  display: block;\n"
    "  width: 100%;\n"
    "  height: 300px;\n"
    "  touch-action: none;\n"
    "  cursor: grab;\n"
    "}\n"
    "#tw-canvas:focus-visible { outline-offset: -2px; }\n"
    "#tw-canvas.tw-dragging { cursor: grabbing; }\n"
    ".tw-legend {\n"
    "  display: flex;\n"
    "  flex-wrap: wrap;\n"
    "  gap: 4px 16px;\n"
    "  margin: 0;\n"
    "  padding: 7px 16px;\n"
    "  color: var(--muted);\n"
    "  font-size: 12px;\n"
    "  border-top: 1px solid var(--line);\n"
    "}\n"
    ".tw-legend span { display: inline-flex; align-items: center; gap: 6px; }\n"
    ".tw-legend i { display: inline-block; }\n"
    ".tw-k-dot { width: 10px; height: 10px; border-radius: 50%; background: #3b6fb6; }\n"
    ".tw-k-bar {\n"
    "  width: 26px;\n"
    "  height: 12px;\n"
    "  border-radius: 3px;\n"
    "  background: rgba(59, 111, 182, 0.22);\n"
    "  border: 1px solid #3b6fb6;\n"
    "}\n"
    ".tw-k-fuzzy {\n"
    "  width: 34px;\n"
    "  height: 12px;\n"
    "  border-radius: 3px;\n"
    "  background: linear-gradient(90deg, rgba(59, 111, 182, 0), rgba(59, 111, 182, 0.4) 35%,\n"
    "    rgba(59, 111, 182, 0.4) 65%, rgba(59, 111, 182, 0));\n"
    "}\n"
    ".tw-k-link {\n"
    "  width: 26px;\n"
    "  height: 10px;\n"
    "  border: 1.5px solid #b42318;\n"
    "  border-bottom: 0;\n"
    "  border-radius: 14px 14px 0 0;\n"
    "}\n"
    ".tw-k-maybe {\n"
    "  width: 26px;\n"
    "  height: 10px;\n"
    "  border: 1.5px dashed #b42318;\n"
    "  border-bottom: 0;\n"
    "  border-radius: 14px 14px 0 0;\n"
    "}\n"
    ".tw-side { position: relative; font-size: 13px; }\n"
    ".tw-side-in { position: absolute; inset: 0; display: flex; flex-direction: column; }\n"
    ".tw-fsec {\n"
    "  flex: 0 1 auto;\n"
    "  max-height: 46%;\n"
    "  overflow: auto;\n"
    "  padding: 8px 16px 10px;\n"
    "  border-bottom: 1px solid var(--line);\n"
    "}\n"
    ".tw-dsec { flex: 1 1 auto; min-height: 0; overflow: auto; padding: 8px 16px 16px; }\n"
    ".tw-nojs .tw-side-in { position: static; }\n"
    ".tw-nojs .tw-dsec { display: none; }\n"
    ".tw-side h2 {\n"
    "  margin: 8px 0 8px;\n"
    "  font-size: 11.5px;\n"
    "  font-weight: 650;\n"
    "  letter-spacing: 0.06em;\n"
    "  text-transform: uppercase;\n"
    "  color: var(--muted);\n"
    "}\n"
    "#tw-details h3 {\n"
    "  margin: 0 0 6px;\n"
    "  padding-left: 8px;\n"
    "  font-size: 15px;\n"
    "  line-height: 1.3;\n"
    "  border-left: 4px solid var(--accent);\n"
    "}\n"
    "#tw-details h4 { margin: 10px 0 4px; font-size: 12px; color: var(--muted); }\n"
    "#tw-details dl {\n"
    "  display: grid;\n"
    "  grid-template-columns: max-content minmax(0, 1fr);\n"
    "  gap: 2px 10px;\n"
    "  margin: 6px 0;\n"
    "}\n"
    "#tw-details dt { color: var(--muted); }\n"
    "#tw-details { overflow-wrap: anywhere; }\n"
    "#tw-details dd { margin: 0; }\n"
    ".tw-desc { margin: 6px 0; }\n"
    ".tw-hint { margin: 0; color: var(--muted); }\n"
    ".tw-chips { display: inline-flex; flex-wrap: wrap; gap: 4px; }\n"
    ".tw-chip {\n"
    "  padding: 0 7px;\n"
    "  border-radius: 10px;\n"
    "  border: 1px solid #c9d3e3;\n"
    "  background: #eef2f9;\n"
    "  font-size: 12px;\n"
    "  line-height: 18px;\n"
    "}\n"
    ".tw-linklist { list-style: none; margin: 0; padding: 0; }\n"
    ".tw-evlink {\n"
    "  display: block;\n"
    "  width: 100%;\n"
    "  margin: 2px 0;\n"
    "  padding: 4px 7px;\n"
    "  text-align: left;\n"
    "  border-color: var(--line);\n"
    "}\n"
    ".tw-arrow { color: #b42318; font-weight: 700; }\n"
    ".tw-sub { display: block; color: var(--muted); font-size: 11.5px; }\n"
    "#tw-findings { margin: 0; padding: 0; list-style: none; }\n"
    "#tw-findings li { margin: 0 0 6px; }\n"
    ".tw-finding {\n"
    "  display: block;\n"
    "  width: 100%;\n"
    "  padding: 6px 9px;\n"
    "  text-align: left;\n"
    "  border-color: var(--line);\n"
    "  border-left: 3px solid #b42318;\n"
    "}\n"
    ".tw-finding[aria-pressed=true] { background: #fdf1ef; border-color: #b42318; }\n"
    ".tw-finding .tw-sub { margin-top: 2px; }\n"
    ".tw-none { color: var(--muted); margin: 0; }\n"
    ".tw-tables { padding: 4px 20px 28px; }\n"
    ".tw-chunk { content-visibility: auto; contain-intrinsic-size: auto 20000px; }\n"
    ".tw-tables h2 { margin: 18px 0 8px; font-size: 16px; }\n"
    ".tw-tables caption { caption-side: top; padding: 10px 0 4px; text-align: left; color: "
    "var(--muted); }\n"
    ".tw-tables table {\n"
    "  width: 100%;\n"
    "  border-collapse: collapse;\n"
    "  font-size: 13px;\n"
    "  table-layout: fixed;\n"
    "}\n"
    ".tw-events th:nth-child(1) { width: 14em; }\n"
    ".tw-events th:nth-child(3), .tw-events th:nth-child(4) { width: 9em; }\n"
    ".tw-events th:nth-child(5), .tw-events th:nth-child(6) { width: 14%; }\n"
    ".tw-links th:nth-child(3) { width: 14em; }\n"
    ".tw-links th:nth-child(4) { width: 10em; }\n"
    ".tw-links th:nth-child(5) { width: 7em; }\n"
    ".tw-tables th {\n"
    "  position: sticky;\n"
    "  top: 0;\n"
    "  background: var(--panel);\n"
    "  text-align: left;\n"
    "  font-weight: 600;\n"
    "  color: var(--muted);\n"
    "}\n"
    ".tw-tables th, .tw-tables td {\n"
    "  padding: 5px 8px;\n"
    "  border-bottom: 1px solid var(--line);\n"
    "  vertical-align: top;\n"
    "}\n"
    /* A fixed layout never widens a column for its text: a word longer than the column (a
     * URL, a hash, a title without spaces) must wrap, or it is drawn over the next cells. */
    ".tw-tables td { overflow-wrap: anywhere; }\n"
    ".tw-events tbody tr { cursor: pointer; }\n"
    ".tw-events tbody tr:hover { background: #f6f8fb; }\n"
    ".tw-events tr[aria-selected=true] { background: #eef3fc; }\n"
    ".tw-when { overflow-wrap: anywhere; font-variant-numeric: tabular-nums; }\n"
    ".tw-span { color: var(--muted); font-size: 12px; }\n"
    ".tw-title { font-weight: 600; }\n"
    ".tw-d { color: #374151; }\n"
    ".tw-attrs { color: var(--muted); font-size: 12px; }\n"
    ".tw-tip {\n"
    "  position: fixed;\n"
    "  z-index: 10;\n"
    "  max-width: 360px;\n"
    "  padding: 6px 9px;\n"
    "  border-radius: 6px;\n"
    "  background: #1d2433;\n"
    "  color: #fff;\n"
    "  font-size: 12.5px;\n"
    "  pointer-events: none;\n"
    "  box-shadow: 0 4px 14px rgba(0, 0, 0, 0.18);\n"
    "}\n"
    ".tw-tip strong { display: block; }\n"
    ".tw-tip span { color: #cbd2dc; }\n"
    ".tw-nojs .tw-js-only { display: none; }\n"
    ".tw-note { margin: 12px 16px; color: var(--muted); }\n"
    "@media (max-width: 960px) {\n"
    "  .tw-main { grid-template-columns: minmax(0, 1fr); }\n"
    "  #tw-chart { border-right: 0; }\n"
    "  .tw-side-in { position: static; }\n"
    "  .tw-fsec { max-height: none; }\n"
    "}\n"
    /* The fixed columns of the tables take 32em and 28% of the width: below about 800px the
     * Event column has no room left (none at all on a phone, where its text was drawn over
     * the other columns). There each row is a block of its cells, one under the other, and a
     * cell says which column it is. The rows the filter hides keep display: none. */
    "@media (max-width: 800px) {\n"
    "  .tw-tables table, .tw-tables tbody, .tw-tables tr, .tw-tables td { display: block; }\n"
    "  .tw-tables thead {\n"
    "    position: absolute;\n"
    "    width: 1px;\n"
    "    height: 1px;\n"
    "    overflow: hidden;\n"
    "    clip-path: inset(50%);\n"
    "  }\n"
    "  .tw-tables tr { padding: 6px 0; border-bottom: 1px solid var(--line); }\n"
    "  .tw-tables tr[hidden] { display: none; }\n"
    "  .tw-tables td { padding: 1px 8px; border-bottom: 0; }\n"
    "  .tw-tables td:empty { display: none; }\n"
    "  .tw-tables td::before { color: var(--muted); }\n"
    "  .tw-events td:nth-child(3)::before { content: 'Source: '; }\n"
    "  .tw-events td:nth-child(4)::before { content: 'Kind: '; }\n"
    "  .tw-events td:nth-child(5)::before { content: 'Tags: '; }\n"
    "  .tw-events td:nth-child(6)::before { content: 'Actors: '; }\n"
    "  .tw-links td:nth-child(1)::before { content: 'From: '; }\n"
    "  .tw-links td:nth-child(2)::before { content: 'To: '; }\n"
    "  .tw-links td:nth-child(3)::before { content: 'Rule: '; }\n"
    "  .tw-links td:nth-child(4)::before { content: 'Lag: '; }\n"
    "  .tw-links td:nth-child(5)::before { content: 'Certainty: '; }\n"
    "}\n"
    "@media print {\n"
    "  .tw-controls, #tw-chart, .tw-tip, .tw-dsec { display: none; }\n"
    "  .tw-main { display: block; min-height: 0; }\n"
    "  .tw-side-in { position: static; }\n"
    "  .tw-fsec { max-height: none; overflow: visible; }\n"
    "  .tw-chunk { content-visibility: visible; }\n"
    "  .tw-tables th { position: static; }\n"
    "}\n";

/* The page's script, in pieces: with an output zone a few of them differ (html_script()). Without
 * one, the script is the concatenation of the UTC pieces, the same bytes as before there were
 * zones: the same page, and the same Content-Security-Policy hash. */
static const char html_js_1[] =
    "(function() {\n"
    "'use strict';\n"
    "var doc = document, root = doc.documentElement;\n"
    "var D = JSON.parse(doc.getElementById('tw-data').textContent);\n"
    "root.classList.remove('tw-nojs');\n"
    "\n"
    "var MINUTE = 6e4, HOUR = 36e5, DAY = 864e5, YEAR = 365.2425 * DAY;\n"
    "var AXIS_H = 46, ROW_H = 22, LANE_PAD = 6, GUTTER = 160, LABEL_MAX = 300, MAX_ROWS = 12;\n"
    "var TMIN = -62135596800000, TMAX = 253402300800000;\n"
    "var SPAN_MIN = 10 * MINUTE, SPAN_MAX = TMAX - TMIN;\n"
    "var FAMILY =\n"
    "    'system-ui, -apple-system, \"Segoe UI\", Roboto, \"Helvetica Neue\", Arial, sans-serif';\n"
    "var FONT = '12px ' + FAMILY, SMALL = '11px ' + FAMILY, BOLD = '600 12px ' + FAMILY;\n"
    "var PALETTE = [\n"
    "  '#3b6fb6', '#d1495b', '#2e9e6a', '#e08a1e', '#8e5cb5', '#1f9bb0', '#b8860b',\n"
    "  '#8c6d4f', '#d46aa6', '#6b7a8f'\n"
    "];\n"
    "var MONTHS = [\n"
    "  'Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'\n"
    "];\n"
    "var MONTHS_LONG = [\n"
    "  'January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',\n"
    "  'October', 'November', 'December'\n"
    "];\n"
    "var DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];\n"
    "var P_EXACT = 0, P_DAY = 3, P_DECADE = 10, Q_BEFORE = 5, Q_AFTER = 6;\n"
    "\n"
    "function $(id) {\n"
    "  return doc.getElementById(id);\n"
    "}\n"
    "function el(tag, cls, text) {\n"
    "  var e = doc.createElement(tag);\n"
    "  if (cls)\n"
    "    e.className = cls;\n"
    "  if (text !== undefined && text !== null)\n"
    "    e.textContent = text;\n"
    "  return e;\n"
    "}\n"
    "\n"
    "var evs = D.events.map(function(a, i) {\n"
    "  return {\n"
    "    i: i,\n"
    "    id: a[0],\n"
    "    s: a[1],\n"
    "    e: Math.max(a[1], a[2]),\n"
    "    p: a[3],\n"
    "    q: a[4],\n"
    "    fl: a[5],\n"
    "    title: a[6],\n"
    "    when: a[7],\n"
    "    src: a[8],\n"
    "    kind: a[9],\n"
    "    tags: a[10],\n"
    "    actors: a[11],\n"
    "    desc: a[12],\n"
    "    url: a[13],\n"
    "    loc: a[14],\n"
    "    attrs: a[15],\n"
    "    out: [],\n"
    "    inn: [],\n"
    "    finds: [],\n"
    "    vis: true,\n"
    "    hay: null,\n"
    "    lab: null,\n"
    "    lw: -1,\n"
    "    lane: -1,\n"
    "    row: 0,\n"
    "    a: 0,\n"
    "    b: 0,\n"
    "    r: 0,\n"
    "    ov: false\n"
    "  };\n"
    "});\n"
    "var links = D.links.map(function(a) {\n"
    "  var l = {from: a[0], to: a[1], rule: a[2], lag: a[3], cert: a[4]};\n"
    "  evs[l.from].out.push(l);\n"
    "  evs[l.to].inn.push(l);\n"
    "  return l;\n"
    "});\n"
    "var finds = D.findings.map(function(a, i) {\n"
    "  var f = {\n"
    "    i: i,\n"
    "    analyzer: a[0],\n"
    "    rule: a[1],\n"
    "    kind: a[2],\n"
    "    summary: a[3],\n"
    "    evs: a[4],\n"
    "    attrs: a[5]\n"
    "  };\n"
    "  f.evs.forEach(function(j) {\n"
    "    evs[j].finds.push(f);\n"
    "  });\n"
    "  return f;\n"
    "});\n"
    "\n"
    "var chart = $('tw-chart'), canvas = $('tw-canvas'), ctx = canvas.getContext('2d');\n"
    "var tip = $('tw-tip'), details = $('tw-details'), status = $('tw-status');\n"
    "var qBox = $('tw-q'), tagSel = $('tw-tag'), srcSel = $('tw-source'),\n"
    "    laneSel = $('tw-lanes');\n"
    "/* The tables come after this script in the page (so the chart shows before they are\n"
    " * parsed): they are looked up once the document is complete. */\n"
    "var rows = [];\n"
    "var st = {t0: 0, t1: 1, sy: 0, mode: D.lanes, sel: -1, hover: -1, fnd: -1};\n"
    "var W = 0, H = 0, PW = 1, dpr = 1, lanes = [], contentH = 0, packK = -1, hits = [];\n"
    "var tagBoxes = [], queued = false, first = true, drag = null, anim = null, fset = null;\n"
    "\n"
    "/* -- calendar arithmetic in UTC (floating dates are drawn as if they were UTC) -- */\n"
    "\n"
    "function mk(y, m, d, h, mi) {\n"
    "  var t = new Date(0);\n"
    "  t.setUTCFullYear(y, m, d);\n"
    "  t.setUTCHours(h || 0, mi || 0, 0, 0);\n"
    "  return t.getTime();\n"
    "}\n"
    "function pad2(n) {\n"
    "  return (n < 10 ? '0' : '') + n;\n"
    "}\n"
    "function ymd(t) {\n"
    "  var d = new Date(t), y = d.getUTCFullYear();\n"
    "  return (y < 1000 ? ('000' + y).slice(-4) : y) + '-' + pad2(d.getUTCMonth() + 1) +\n"
    "      '-' + pad2(d.getUTCDate());\n"
    "}\n"
    "function hms(t) {\n"
    "  var d = new Date(t), s = pad2(d.getUTCHours()) + ':' + pad2(d.getUTCMinutes());\n"
    "  if (d.getUTCSeconds() || d.getUTCMilliseconds())\n"
    "    s += ':' + pad2(d.getUTCSeconds());\n"
    "  if (d.getUTCMilliseconds())\n"
    "    s += '.' + String(1000 + d.getUTCMilliseconds()).slice(1);\n"
    "  return s;\n"
    "}\n";

/* Without an output zone, times are shown in UTC (and floating ones as they are). */
static const char html_js_span_utc[] =
    "function spanText(ev) {\n"
    "  var zone = ev.fl ? '' : ' UTC';\n"
    "  if (ev.e <= ev.s)\n"
    "    return ymd(ev.s) + ' ' + hms(ev.s) + zone;\n"
    "  if (ev.p >= P_DAY && ev.s % DAY === 0 && ev.e % DAY === 0) {\n"
    "    var last = ev.e - DAY;\n"
    "    return last === ev.s ? ymd(ev.s) : ymd(ev.s) + ' to ' + ymd(last);\n"
    "  }\n"
    "  return ymd(ev.s) + ' ' + hms(ev.s) + ' to ' + ymd(ev.e) + ' ' + hms(ev.e) + zone +\n"
    "      ' (end excluded)';\n"
    "}\n";

/* With one, the data holds every time as the zone's wall clock (html_local()), so that days,
 * months and the axis fall where they do in the zone and floating dates, wall clock already,
 * line up with them; a zoned event's array ends with its offsets from UTC at its start and its
 * end, in seconds, which the text names. */
static const char html_js_span_zone[] =
    "function spanText(ev) {\n"
    "  var a = D.events[ev.i], s = a[1], e = a[2], os = ev.fl ? 0 : a[16], oe = ev.fl ? 0 : "
    "a[17];\n"
    "  var zs = ev.fl ? '' : ' ' + offText(os), ze = ev.fl ? '' : ' ' + offText(oe);\n"
    "  if (e - oe * 1000 <= s - os * 1000)\n"
    "    return ymd(s) + ' ' + hms(s) + zs;\n"
    "  if (ev.p >= P_DAY && s % DAY === 0 && e % DAY === 0) {\n"
    "    var last = e - DAY;\n"
    "    return last === s ? ymd(s) : ymd(s) + ' to ' + ymd(last);\n"
    "  }\n"
    "  return ymd(s) + ' ' + hms(s) + (zs === ze ? '' : zs) + ' to ' + ymd(e) + ' ' + hms(e) + ze "
    "+\n"
    "      ' (end excluded)';\n"
    "}\n"
    "function offText(o) {\n"
    "  var a = Math.abs(o), t = (o < 0 ? '-' : '+') + pad2(Math.floor(a / 3600)) + ':' +\n"
    "      pad2(Math.floor(a / 60) % 60);\n"
    "  return a % 60 ? t + ':' + pad2(a % 60) : t;\n"
    "}\n"
    "/* Wall-clock times are not in the timeline's order (floating dates fall among zoned times\n"
    " * by their wall clock, and an hour repeats when clocks go back): lanes take the events in\n"
    " * the order they are drawn, which packing and culling rely on. */\n"
    "var sorted = null;\n"
    "function byStart() {\n"
    "  if (sorted === null)\n"
    "    sorted = evs.slice().sort(function(x, y) {\n"
    "      return x.s - y.s || x.i - y.i;\n"
    "    });\n"
    "  return sorted;\n"
    "}\n"
    "/* The zone, named at the axis, shortened to the room of the lane gutter. */\n"
    "var zoneText = null;\n"
    "function zoneLabel() {\n"
    "  if (zoneText === null) {\n"
    "    zoneText = 'times in ' + D.zone;\n"
    "    if (ctx.measureText(zoneText).width > GUTTER - 16)\n"
    "      zoneText = D.zone;\n"
    "    while (zoneText.length > 1 && ctx.measureText(zoneText).width > GUTTER - 16)\n"
    "      zoneText = zoneText.slice(0, -2) + '\\u2026';\n"
    "  }\n"
    "  return zoneText;\n"
    "}\n";

static const char html_js_2[] =
    "\n"
    "var UNITS = [\n"
    "  ['minute', 1, 52], ['minute', 5, 52], ['minute', 15, 52], ['minute', 30, 52],\n"
    "  ['hour', 1, 52],   ['hour', 3, 52],   ['hour', 6, 52],    ['hour', 12, 52],\n"
    "  ['day', 1, 24],    ['day', 2, 24],    ['week', 1, 30],    ['month', 1, 34],\n"
    "  ['month', 3, 34],  ['month', 6, 34],  ['year', 1, 44],    ['year', 2, 44],\n"
    "  ['year', 5, 44],   ['year', 10, 44],  ['year', 20, 44],   ['year', 50, 48],\n"
    "  ['year', 100, 48], ['year', 200, 48], ['year', 500, 48],  ['year', 1000, 48]\n"
    "];\n"
    "var UNIT_MS =\n"
    "    {minute: MINUTE, hour: HOUR, day: DAY, week: 7 * DAY, month: YEAR / 12, year: YEAR};\n"
    "\n"
    "function floorTo(t, u, n) {\n"
    "  var d = new Date(t), y = d.getUTCFullYear(), m = d.getUTCMonth(), dd = d.getUTCDate();\n"
    "  switch (u) {\n"
    "    case 'minute':\n"
    "      return mk(y, m, dd, d.getUTCHours(), Math.floor(d.getUTCMinutes() / n) * n);\n"
    "    case 'hour':\n"
    "      return mk(y, m, dd, Math.floor(d.getUTCHours() / n) * n);\n"
    "    case 'day':\n"
    "      return n === 1 ? mk(y, m, dd) : Math.floor(t / (n * DAY)) * n * DAY;\n"
    "    case 'week':\n"
    "      return mk(y, m, dd - (d.getUTCDay() + 6) % 7);\n"
    "    case 'month':\n"
    "      return mk(y, Math.floor(m / n) * n, 1);\n"
    "    default:\n"
    "      return mk(Math.floor(y / n) * n, 0, 1);\n"
    "  }\n"
    "}\n"
    "function addTo(t, u, n) {\n"
    "  var d = new Date(t);\n"
    "  switch (u) {\n"
    "    case 'minute':\n"
    "      return t + n * MINUTE;\n"
    "    case 'hour':\n"
    "      return t + n * HOUR;\n"
    "    case 'day':\n"
    "      return n === 1 ? mk(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) :\n"
    "                       t + n * DAY;\n"
    "    case 'week':\n"
    "      return mk(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 7);\n"
    "    case 'month':\n"
    "      return mk(d.getUTCFullYear(), d.getUTCMonth() + n, 1);\n"
    "    default:\n"
    "      return mk(d.getUTCFullYear() + n, 0, 1);\n"
    "  }\n"
    "}\n"
    "function minorLabel(t, u, n) {\n"
    "  var d = new Date(t);\n"
    "  switch (u) {\n"
    "    case 'minute':\n"
    "    case 'hour':\n"
    "      return pad2(d.getUTCHours()) + ':' + pad2(d.getUTCMinutes());\n"
    "    case 'day':\n"
    "    case 'week':\n"
    "      return String(d.getUTCDate());\n"
    "    case 'month':\n"
    "      return MONTHS[d.getUTCMonth()];\n"
    "    default:\n"
    "      return String(d.getUTCFullYear());\n"
    "  }\n"
    "}\n"
    "function majorOf(u, n) {\n"
    "  if (u === 'minute' || u === 'hour')\n"
    "    return ['day', 1];\n"
    "  if (u === 'day' || u === 'week')\n"
    "    return ['month', 1];\n"
    "  if (u === 'month')\n"
    "    return ['year', 1];\n"
    "  if (n <= 2)\n"
    "    return ['year', 10];\n"
    "  if (n <= 20)\n"
    "    return ['year', 100];\n"
    "  return ['year', 1000];\n"
    "}\n"
    "function majorLabel(t, u, n) {\n"
    "  var d = new Date(t), y = d.getUTCFullYear();\n"
    "  if (u === 'day')\n"
    "    return DAYS[d.getUTCDay()] + ' ' + d.getUTCDate() + ' ' + MONTHS[d.getUTCMonth()] +\n"
    "        ' ' + y;\n"
    "  if (u === 'month')\n"
    "    return MONTHS_LONG[d.getUTCMonth()] + ' ' + y;\n"
    "  if (n === 1)\n"
    "    return String(y);\n"
    "  if (n === 10)\n"
    "    return y + 's';\n"
    "  return y + '\\u2013' + (y + n - 1);\n"
    "}\n"
    "function ticks(u, n, t0, t1) {\n"
    "  var out = [], t = floorTo(t0, u, n), guard = 0;\n"
    "  while (t <= t1 && guard++ < 4000) {\n"
    "    out.push(t);\n"
    "    var next = addTo(t, u, n);\n"
    "    if (next <= t)\n"
    "      break;\n"
    "    t = next;\n"
    "  }\n"
    "  return out;\n"
    "}\n"
    "\n"
    "/* -- lanes, filtering and packing -- */\n"
    "\n"
    "function laneName(ev) {\n"
    "  switch (st.mode) {\n"
    "    case 'source':\n"
    "      return D.sources[ev.src];\n"
    "    case 'kind':\n"
    "      return ev.kind >= 0 ? D.kinds[ev.kind] : '(no kind)';\n"
    "    case 'actor':\n"
    "      return ev.actors.length ? D.actors[ev.actors[0]] : '(no actor)';\n"
    "    default:\n"
    "      return ev.tags.length ? D.tags[ev.tags[0]] : '(no tag)';\n"
    "  }\n"
    "}\n"
    "function rgba(hex, a) {\n"
    "  var v = parseInt(hex.slice(1), 16);\n"
    "  return 'rgba(' + (v >> 16) + ',' + ((v >> 8) & 255) + ',' + (v & 255) + ',' + a + ')';\n"
    "}\n"
    "function buildLanes() {\n"
    "  var byName = Object.create(null);\n"
    "  lanes = [];\n";
static const char html_js_lanes_utc[] = "  evs.forEach(function(ev) {\n";
static const char html_js_lanes_zone[] = "  byStart().forEach(function(ev) {\n";
static const char html_js_3[] =
    "    ev.lane = -1;\n"
    "    if (!ev.vis)\n"
    "      return;\n"
    "    var name = laneName(ev), l = byName[name];\n"
    "    if (!l) {\n"
    "      var c = PALETTE[lanes.length % PALETTE.length];\n"
    "      l = byName[name] = {\n"
    "        name: name,\n"
    "        items: [],\n"
    "        color: c,\n"
    "        fill: rgba(c, 0.2),\n"
    "        soft: rgba(c, 0.42),\n"
    "        none: rgba(c, 0),\n"
    "        line: rgba(c, 0.9),\n"
    "        rows: 1,\n"
    "        top: 0,\n"
    "        h: 0,\n"
    "        maxW: 0,\n"
    "        starts: null,\n"
    "        lab: null,\n"
    "        idx: lanes.length\n"
    "      };\n"
    "      lanes.push(l);\n"
    "    }\n"
    "    ev.lane = l.idx;\n"
    "    l.items.push(ev);\n"
    "  });\n"
    "  packK = -1;\n"
    "}\n"
    "/* Packing needs every label's width, and measuring 10,000 texts is slow: it estimates\n"
    " * the width from the characters (wide ones count double), and a label is measured only\n"
    " * when it is drawn, shortened with an ellipsis if it would not fit the room it was\n"
    " * given. */\n"
    "var charW = 0;\n"
    "function estimate(ev) {\n"
    "  if (ev.lw >= 0)\n"
    "    return;\n"
    "  if (!charW) {\n"
    "    var sample =\n"
    "        'The quick brown fox jumps over the lazy dog: 0123456789 ABCDEFGHIJKLMNOPQ';\n"
    "    charW = ctx.measureText(sample).width / sample.length * 1.1;\n"
    "  }\n"
    "  var t = ev.title, n = 0;\n"
    "  for (var i = 0; i < t.length; i++)\n"
    "    n += t.charCodeAt(i) >= 0x1100 ? 2 : 1;\n"
    "  ev.lw = Math.min(LABEL_MAX, Math.ceil(n * charW * 1.08) + 2);\n"
    "}\n"
    "function label(ev) {\n"
    "  if (ev.lab === null) {\n"
    "    var t = ev.title;\n"
    "    if (ctx.measureText(t).width > ev.lw) {\n"
    "      var lo = 0, hi = t.length;\n"
    "      while (lo < hi) {\n"
    "        var mid = (lo + hi + 1) >> 1;\n"
    "        if (ctx.measureText(t.slice(0, mid) + '\\u2026').width <= ev.lw)\n"
    "          lo = mid;\n"
    "        else\n"
    "          hi = mid - 1;\n"
    "      }\n"
    "      t = t.slice(0, lo) + '\\u2026';\n"
    "    }\n"
    "    ev.lab = t;\n"
    "  }\n"
    "  return ev.lab;\n"
    "}\n"
    "function isDot(ev) {\n"
    "  return ev.p === P_EXACT || ev.e <= ev.s;\n"
    "}\n"
    "function pack(k) {\n"
    "  ctx.font = FONT;\n"
    "  var top = 0;\n"
    "  lanes.forEach(function(l) {\n"
    "    var ends = [], maxW = 0, starts = new Float64Array(l.items.length);\n"
    "    l.items.forEach(function(ev, j) {\n"
    "      var a = ev.s * k, b = Math.max(ev.e * k, a + 4), dot = isDot(ev);\n"
    "      if (dot)\n"
    "        b = a;\n"
    "      estimate(ev);\n"
    "      var left = dot ? a - 6 : a, lx = dot ? a + 9 : a + 5,\n"
    "          right = Math.max(b, lx + ev.lw) + 12;\n"
    "      var r = -1;\n"
    "      for (var i = 0; i < ends.length; i++)\n"
    "        if (ends[i] <= left) {\n"
    "          r = i;\n"
    "          break;\n"
    "        }\n"
    "      ev.ov = false;\n"
    "      if (r < 0 && ends.length < MAX_ROWS) {\n"
    "        r = ends.length;\n"
    "        ends.push(0);\n"
    "      }\n"
    "      if (r < 0) {\n"
    "        r = 0;\n"
    "        for (i = 1; i < ends.length; i++)\n"
    "          if (ends[i] < ends[r])\n"
    "            r = i;\n"
    "        ev.ov = true;\n"
    "        right = Math.max(b, dot ? a + 6 : b) + 2;\n"
    "        ends[r] = Math.max(ends[r], right);\n"
    "      } else\n"
    "        ends[r] = right;\n"
    "      ev.row = r;\n"
    "      ev.a = a;\n"
    "      ev.b = b;\n"
    "      ev.r = right;\n"
    "      starts[j] = a;\n"
    "      if (right - left > maxW)\n"
    "        maxW = right - left;\n"
    "    });\n"
    "    l.rows = Math.max(1, ends.length);\n"
    "    l.maxW = maxW + 8;\n"
    "    l.starts = starts;\n"
    "    l.top = top;\n"
    "    l.h = l.rows * ROW_H + 2 * LANE_PAD;\n"
    "    top += l.h;\n"
    "  });\n"
    "  contentH = top;\n"
    "  packK = k;\n"
    "}\n"
    "function haystack(ev) {\n"
    "  if (ev.hay === null) {\n"
    "    var parts = [\n"
    "      ev.title, ev.desc || '', ev.id, ev.when, D.sources[ev.src],\n"
    "      ev.kind >= 0 ? D.kinds[ev.kind] : '', ev.loc || ''\n"
    "    ];\n"
    "    ev.tags.forEach(function(t) {\n"
    "      parts.push(D.tags[t]);\n"
    "    });\n"
    "    ev.actors.forEach(function(t) {\n"
    "      parts.push(D.actors[t]);\n"
    "    });\n"
    "    for (var i = 1; i < ev.attrs.length; i += 2)\n"
    "      parts.push(ev.attrs[i]);\n"
    "    ev.hay = parts.join('\\n').toLowerCase();\n"
    "  }\n"
    "  return ev.hay;\n"
    "}\n"
    "/* A table chunk none of whose rows the filter keeps is hidden with its caption ('501 to\n"
    " * 1000 of 3000' over an empty table otherwise). */\n"
    "function showChunks() {\n"
    "  var section = $('tw-tables');\n"
    "  if (!section || !rows.length)\n"
    "    return;\n"
    "  var tables = section.querySelectorAll('table.tw-events');\n"
    "  for (var j = 0; j < tables.length; j++)\n"
    "    tables[j].parentNode.hidden = !tables[j].querySelector('tbody tr:not([hidden])');\n"
    "}\n"
    "function applyFilter() {\n"
    "  var text = qBox.value.trim().toLowerCase(), words = text ? text.split(/\\s+/) : [];\n"
    "  var tg = +tagSel.value, sc = +srcSel.value, n = 0;\n"
    "  evs.forEach(function(ev) {\n"
    "    var v = (tg < 0 || ev.tags.indexOf(tg) >= 0) && (sc < 0 || ev.src === sc);\n"
    "    if (v && words.length) {\n"
    "      var h = haystack(ev);\n"
    "      for (var i = 0; i < words.length && v; i++)\n"
    "        v = h.indexOf(words[i]) >= 0;\n"
    "    }\n"
    "    if (rows.length > ev.i && ev.vis !== v)\n"
    "      rows[ev.i].hidden = !v;\n"
    "    ev.vis = v;\n"
    "    if (v)\n"
    "      n++;\n"
    "  });\n"
    "  var nl = 0;\n"
    "  links.forEach(function(l) {\n"
    "    if (evs[l.from].vis && evs[l.to].vis)\n"
    "      nl++;\n"
    "  });\n"
    "  /* an event the filter hides keeps no details: they would describe what is not shown */\n"
    "  if (st.sel >= 0 && !evs[st.sel].vis)\n"
    "    select(-1, false);\n"
    "  showChunks();\n"
    "  status.textContent = n + ' of ' + evs.length + ' events \\u00b7 ' + nl + ' of ' +\n"
    "      links.length + ' links \\u00b7 ' + finds.length +\n"
    "      (finds.length === 1 ? ' finding' : ' findings');\n"
    "  buildLanes();\n"
    "  clampScroll();\n"
    "  schedule();\n"
    "}\n"
    "\n"
    "/* -- the view -- */\n"
    "\n"
    "function setView(t0, t1) {\n"
    "  var span = Math.min(SPAN_MAX, Math.max(SPAN_MIN, t1 - t0)), mid = (t0 + t1) / 2;\n"
    "  t0 = mid - span / 2;\n"
    "  if (t0 < TMIN)\n"
    "    t0 = TMIN;\n"
    "  if (t0 + span > TMAX)\n"
    "    t0 = Math.max(TMIN, TMAX - span);\n"
    "  st.t0 = t0;\n"
    "  st.t1 = t0 + span;\n"
    "}\n"
    "function zoomAt(t, f) {\n"
    "  var span = st.t1 - st.t0, ns = Math.min(SPAN_MAX, Math.max(SPAN_MIN, span * f));\n"
    "  var r = (t - st.t0) / span;\n"
    "  setView(t - r * ns, t - r * ns + ns);\n"
    "}\n"
    "function extent(list) {\n"
    "  var lo = Infinity, hi = -Infinity;\n"
    "  list.forEach(function(ev) {\n"
    "    if (ev.s < lo)\n"
    "      lo = ev.s;\n"
    "    if (ev.e > hi)\n"
    "      hi = ev.e;\n"
    "  });\n"
    "  if (lo === Infinity) {\n"
    "    lo = D.generated - 180 * DAY;\n"
    "    hi = D.generated + 180 * DAY;\n"
    "  }\n"
    "  var span = Math.max(hi - lo, HOUR);\n"
    "  return [lo - span * 0.03, lo + span * 1.1];\n"
    "}\n"
    "/* A short eased move of the view. Time comes from performance.now() and the frames are\n"
    " * counted, so the move ends even where frame times do not advance (headless browsers). */\n"
    "function animateTo(t0, t1) {\n"
    "  var a0 = st.t0, a1 = st.t1, start = performance.now(), frames = 0;\n"
    "  if (anim)\n"
    "    cancelAnimationFrame(anim);\n"
    "  function step() {\n"
    "    var f = Math.min(1, (performance.now() - start) / 220);\n"
    "    if (++frames >= 30)\n"
    "      f = 1;\n"
    "    var e = f < 1 ? 1 - Math.pow(1 - f, 3) : 1;\n"
    "    setView(a0 + (t0 - a0) * e, a1 + (t1 - a1) * e);\n"
    "    draw();\n"
    "    anim = f < 1 ? requestAnimationFrame(step) : null;\n"
    "  }\n"
    "  anim = requestAnimationFrame(step);\n"
    "}\n"
    "function fit() {\n"
    "  var v = extent(evs.filter(function(ev) {\n"
    "    return ev.vis;\n"
    "  }));\n"
    "  animateTo(v[0], v[1]);\n"
    "}\n"
    "function maxScroll() {\n"
    "  return Math.max(0, contentH - (H - AXIS_H));\n"
    "}\n"
    "function clampScroll() {\n"
    "  st.sy = Math.max(0, Math.min(st.sy, maxScroll()));\n"
    "}\n"
    "function schedule() {\n"
    "  if (!queued) {\n"
    "    queued = true;\n"
    "    requestAnimationFrame(draw);\n"
    "  }\n"
    "}\n"
    "\n"
    "/* -- drawing -- */\n"
    "\n"
    "/* Reading the chart's width forces a layout of the page: do it only when the window\n"
    " * changes. */\n"
    "var chartW = -1;\n"
    "function size() {\n"
    "  var maxH = Math.max(260, Math.round(window.innerHeight * 0.72));\n"
    "  if (chartW < 0)\n"
    "    chartW = chart.clientWidth;\n"
    "  var w = Math.max(320, chartW),\n"
    "      h = Math.min(AXIS_H + Math.max(contentH, ROW_H + 2 * LANE_PAD), maxH);\n"
    "  var r = window.devicePixelRatio || 1;\n"
    "  if (w !== W || h !== H || r !== dpr) {\n"
    "    W = w;\n"
    "    H = h;\n"
    "    dpr = r;\n"
    "    canvas.width = Math.round(W * dpr);\n"
    "    canvas.height = Math.round(H * dpr);\n"
    "    canvas.style.height = H + 'px';\n"
    "  }\n"
    "  PW = Math.max(1, W - GUTTER);\n"
    "}\n"
    "function lowerBound(arr, v) {\n"
    "  var lo = 0, hi = arr.length;\n"
    "  while (lo < hi) {\n"
    "    var m = (lo + hi) >> 1;\n"
    "    if (arr[m] < v)\n"
    "      lo = m + 1;\n"
    "    else\n"
    "      hi = m;\n"
    "  }\n"
    "  return lo;\n"
    "}\n"
    "function rowY(ev) {\n"
    "  return AXIS_H + lanes[ev.lane].top + LANE_PAD + ev.row * ROW_H - st.sy;\n"
    "}\n"
    "function roundRect(x, y, w, h, r) {\n"
    "  r = Math.min(r, w / 2, h / 2);\n"
    "  ctx.beginPath();\n"
    "  ctx.moveTo(x + r, y);\n"
    "  ctx.arcTo(x + w, y, x + w, y + h, r);\n"
    "  ctx.arcTo(x + w, y + h, x, y + h, r);\n"
    "  ctx.arcTo(x, y + h, x, y, r);\n"
    "  ctx.arcTo(x, y, x + w, y, r);\n"
    "  ctx.closePath();\n"
    "}\n"
    "function drawItem(ev, l, U0, y, dim) {\n"
    "  var x0 = GUTTER + ev.a - U0, x1 = GUTTER + ev.b - U0, cy = y + ROW_H / 2,\n"
    "      hot = ev.i === st.sel || ev.i === st.hover;\n"
    "  ctx.globalAlpha = dim ? 0.22 : 1;\n"
    "  if (isDot(ev)) {\n"
    "    ctx.beginPath();\n"
    "    ctx.arc(x0, cy, hot ? 6 : 5, 0, 2 * Math.PI);\n"
    "    ctx.fillStyle = l.color;\n"
    "    ctx.fill();\n"
    "    ctx.lineWidth = hot ? 2 : 1.5;\n"
    "    ctx.strokeStyle = hot ? '#111827' : '#fff';\n"
    "    ctx.stroke();\n"
    "    hits.push(\n"
    "        [x0 - 7, y, Math.max(x0 + 7, x0 + 9 + (ev.ov ? 0 : ev.lw)), y + ROW_H, ev.i]);\n"
    "  } else {\n"
    "    var bx0 = Math.max(x0, GUTTER - 50), bx1 = Math.min(x1, W + 50),\n"
    "        w = Math.max(bx1 - bx0, 4), top = y + 4, bh = ROW_H - 8;\n"
    "    var fuzzy = ev.q !== 0 || ev.p >= P_DECADE;\n"
    "    if (fuzzy) {\n"
    "      var g = ctx.createLinearGradient(x0, 0, Math.max(x1, x0 + 4), 0),\n"
    "          f = Math.min(0.35, 28 / Math.max(1, x1 - x0));\n"
    "      var lead = ev.q === Q_BEFORE ? 0.75 : f, trail = ev.q === Q_AFTER ? 0.25 : 1 - f;\n"
    "      g.addColorStop(0, l.none);\n"
    "      g.addColorStop(lead, l.soft);\n"
    "      g.addColorStop(Math.max(lead, trail), l.soft);\n"
    "      g.addColorStop(1, l.none);\n"
    "      ctx.fillStyle = g;\n"
    "      roundRect(bx0, top, w, bh, 3);\n"
    "      ctx.fill();\n"
    "      var g2 = ctx.createLinearGradient(x0, 0, Math.max(x1, x0 + 4), 0);\n"
    "      g2.addColorStop(0, l.none);\n"
    "      g2.addColorStop(lead, l.line);\n"
    "      g2.addColorStop(Math.max(lead, trail), l.line);\n"
    "      g2.addColorStop(1, l.none);\n"
    "      ctx.fillStyle = g2;\n"
    "      ctx.fillRect(bx0, top + bh - 2, w, 2);\n"
    "      if (hot) {\n"
    "        ctx.setLineDash([3, 3]);\n"
    "        ctx.strokeStyle = '#111827';\n"
    "        ctx.lineWidth = 1.5;\n"
    "        roundRect(bx0, top, w, bh, 3);\n"
    "        ctx.stroke();\n"
    "        ctx.setLineDash([]);\n"
    "      }\n"
    "    } else {\n"
    "      ctx.fillStyle = l.fill;\n"
    "      roundRect(bx0, top, w, bh, 3);\n"
    "      ctx.fill();\n"
    "      ctx.lineWidth = hot ? 2 : 1;\n"
    "      ctx.strokeStyle = hot ? '#111827' : l.line;\n"
    "      ctx.stroke();\n"
    "    }\n"
    "    hits.push([\n"
    "      x0 - 2, y, Math.max(x0 + w, x0 + 5 + (ev.ov ? 0 : ev.lw)) + 2, y + ROW_H, ev.i\n"
    "    ]);\n"
    "  }\n"
    "  if (!ev.ov) {\n"
    "    var lx = isDot(ev) ? x0 + 9 : x0 + 5;\n"
    "    if (lx + ev.lw > GUTTER && lx < W) {\n"
    "      ctx.fillStyle = '#1d2433';\n"
    "      ctx.fillText(label(ev), lx, cy + 0.5);\n"
    "    }\n"
    "  }\n"
    "  ctx.globalAlpha = 1;\n"
    "}\n"
    "/* Links start and end near the events' starts: a link's lag is measured start to start.\n"
    " */\n"
    "function anchor(ev, U0) {\n"
    "  var x0 = GUTTER + ev.a - U0, x1 = GUTTER + ev.b - U0;\n"
    "  return [isDot(ev) ? x0 : x0 + Math.min(8, (x1 - x0) / 2), rowY(ev) + ROW_H / 2];\n"
    "}\n"
    "/* Links are drawn under the events (so labels stay readable), except the selected\n"
    " * event's, which are drawn over them with their rule and lag. */\n"
    "function linkShown(l, U0) {\n"
    "  var a = evs[l.from], b = evs[l.to];\n"
    "  if (!a.vis || !b.vis || a.lane < 0 || b.lane < 0)\n"
    "    return null;\n"
    "  var p = anchor(a, U0), q = anchor(b, U0);\n"
    "  if ((p[0] < GUTTER && q[0] < GUTTER) || (p[0] > W && q[0] > W))\n"
    "    return null;\n"
    "  if ((p[1] < AXIS_H && q[1] < AXIS_H) || (p[1] > H && q[1] > H))\n"
    "    return null;\n"
    "  return [p, q];\n"
    "}\n"
    "/* Past this many links on screen, only the selected event's and finding's are drawn: more "
    "are\n"
    " * a tangle nobody can read, and slow to draw. */\n"
    "var LINKS_MAX = 400, nShown = 0;\n"
    "function drawLink(l, U0, hotPass) {\n"
    "  var hot = st.sel >= 0 && (l.from === st.sel || l.to === st.sel);\n"
    "  if (hot !== hotPass)\n"
    "    return;\n"
    "  var inFinding = fset && fset[l.from] && fset[l.to];\n"
    "  if (!hot && !inFinding && nShown > LINKS_MAX)\n"
    "    return;\n"
    "  var pq = linkShown(l, U0);\n"
    "  if (!pq)\n"
    "    return;\n"
    "  var p = pq[0], q = pq[1];\n"
    "  var dim = fset && !inFinding;\n"
    "  var dx = q[0] - p[0], dy = q[1] - p[1], cx, cy;\n"
    "  if (Math.abs(dx) < 40) {\n"
    "    cx = (p[0] + q[0]) / 2 + 30 + Math.abs(dy) * 0.25;\n"
    "    cy = (p[1] + q[1]) / 2;\n"
    "  } else {\n"
    "    cx = (p[0] + q[0]) / 2;\n"
    "    cy = Math.min(p[1], q[1]) - Math.max(16, Math.min(120, Math.abs(dx) * 0.18));\n"
    "  }\n"
    "  /* many links at once make a tangle: they are drawn fainter the more there are */\n"
    "  ctx.globalAlpha = dim ? 0.2 : hot ? 1 : Math.max(0.35, Math.min(1, 150 / nShown));\n"
    "  ctx.strokeStyle = hot ? '#111827' : '#b42318';\n"
    "  ctx.fillStyle = ctx.strokeStyle;\n"
    "  ctx.lineWidth = hot ? 2.2 : 1.4;\n"
    "  ctx.setLineDash(l.cert === 'possible' ? [5, 4] : []);\n"
    "  ctx.beginPath();\n"
    "  ctx.moveTo(p[0], p[1]);\n"
    "  ctx.quadraticCurveTo(cx, cy, q[0], q[1]);\n"
    "  ctx.stroke();\n"
    "  ctx.setLineDash([]);\n"
    "  var ang = Math.atan2(q[1] - cy, q[0] - cx), s = 7;\n"
    "  ctx.beginPath();\n"
    "  ctx.moveTo(q[0], q[1]);\n"
    "  ctx.lineTo(q[0] - s * Math.cos(ang - 0.4), q[1] - s * Math.sin(ang - 0.4));\n"
    "  ctx.lineTo(q[0] - s * Math.cos(ang + 0.4), q[1] - s * Math.sin(ang + 0.4));\n"
    "  ctx.closePath();\n"
    "  ctx.fill();\n"
    "  if (hot && evs[st.sel].out.length + evs[st.sel].inn.length <= 2) {\n"
    "    var mx = 0.25 * p[0] + 0.5 * cx + 0.25 * q[0],\n"
    "        my = 0.25 * p[1] + 0.5 * cy + 0.25 * q[1];\n"
    "    var txt = l.rule + (l.lag ? ' \\u00b7 ' + l.lag : ''),\n"
    "        tw = ctx.measureText(txt).width + 10;\n"
    "    for (var tries = 0; tries < 6 && tagBoxes.some(function(r) {\n"
    "           return Math.abs(r[0] - mx) * 2 < r[2] + tw && Math.abs(r[1] - my) < 18;\n"
    "         });\n"
    "         tries++)\n"
    "      my += 18;\n"
    "    tagBoxes.push([mx, my, tw]);\n"
    "    ctx.fillStyle = 'rgba(255,255,255,0.92)';\n"
    "    ctx.fillRect(mx - tw / 2, my - 9, tw, 18);\n"
    "    ctx.fillStyle = '#111827';\n"
    "    ctx.textAlign = 'center';\n"
    "    ctx.fillText(txt, mx, my + 0.5);\n"
    "    ctx.textAlign = 'left';\n"
    "  }\n"
    "  ctx.globalAlpha = 1;\n"
    "}\n"
    "function chooseUnit(k) {\n"
    "  for (var i = 0; i < UNITS.length; i++)\n"
    "    if (UNIT_MS[UNITS[i][0]] * UNITS[i][1] * k >= UNITS[i][2])\n"
    "      return UNITS[i];\n"
    "  return UNITS[UNITS.length - 1];\n"
    "}\n"
    "function draw() {\n"
    "  queued = false;\n"
    "  size();\n"
    "  var k = PW / (st.t1 - st.t0);\n"
    "  if (packK < 0 || Math.abs(k - packK) > packK * 1e-9) {\n"
    "    pack(k);\n"
    "    clampScroll();\n"
    "    size();\n"
    "  }\n"
    "  var U0 = st.t0 * k, U1 = st.t1 * k, i, j, x;\n"
    "  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);\n"
    "  ctx.fillStyle = '#fff';\n"
    "  ctx.fillRect(0, 0, W, H);\n"
    "  ctx.textBaseline = 'middle';\n"
    "  ctx.font = FONT;\n"
    "\n"
    "  lanes.forEach(function(l, li) {\n"
    "    var y = AXIS_H + l.top - st.sy;\n"
    "    if (y > H || y + l.h < AXIS_H)\n"
    "      return;\n"
    "    ctx.fillStyle = li % 2 ? '#f7f8fa' : '#fff';\n"
    "    ctx.fillRect(GUTTER, y, PW, l.h);\n"
    "  });\n"
    "\n"
    "  var unit = chooseUnit(k), mj = majorOf(unit[0], unit[1]);\n"
    "  var minor = ticks(unit[0], unit[1], st.t0, st.t1),\n"
    "      major = ticks(mj[0], mj[1], st.t0, st.t1);\n"
    "  ctx.fillStyle = '#e8ebf0';\n"
    "  minor.forEach(function(t) {\n"
    "    x = Math.round(GUTTER + t * k - U0) + 0.5;\n"
    "    if (x >= GUTTER)\n"
    "      ctx.fillRect(x - 0.5, AXIS_H, 1, H - AXIS_H);\n"
    "  });\n"
    "  ctx.fillStyle = '#c4cad3';\n"
    "  major.forEach(function(t) {\n"
    "    x = Math.round(GUTTER + t * k - U0) + 0.5;\n"
    "    if (x >= GUTTER)\n"
    "      ctx.fillRect(x - 0.5, AXIS_H, 1, H - AXIS_H);\n"
    "  });\n"
    "\n"
    "  ctx.save();\n"
    "  ctx.beginPath();\n"
    "  ctx.rect(GUTTER, AXIS_H, PW, H - AXIS_H);\n"
    "  ctx.clip();\n"
    "  hits = [];\n"
    "  var drawn = 0;\n"
    "  nShown = 0;\n"
    "  for (i = 0; i < links.length; i++)\n"
    "    if (linkShown(links[i], U0))\n"
    "      nShown++;\n"
    "  ctx.font = SMALL;\n"
    "  for (i = 0; i < links.length; i++)\n"
    "    drawLink(links[i], U0, false);\n"
    "  ctx.font = FONT;\n"
    "  for (i = 0; i < lanes.length; i++) {\n"
    "    var l = lanes[i], ly = AXIS_H + l.top - st.sy;\n"
    "    if (ly > H || ly + l.h < AXIS_H)\n"
    "      continue;\n"
    "    for (j = lowerBound(l.starts, U0 - l.maxW); j < l.items.length; j++) {\n"
    "      var ev = l.items[j];\n"
    "      if (ev.a > U1)\n"
    "        break;\n"
    "      if (ev.r < U0)\n"
    "        continue;\n"
    "      var y = ly + LANE_PAD + ev.row * ROW_H;\n"
    "      if (y > H || y + ROW_H < AXIS_H)\n"
    "        continue;\n"
    "      drawItem(ev, l, U0, y, fset && !fset[ev.i]);\n"
    "      drawn++;\n"
    "    }\n"
    "  }\n"
    "  ctx.font = SMALL;\n"
    "  if (nShown > LINKS_MAX) {\n"
    "    var note = nShown + ' links here: click an event or a finding to see its links';\n"
    "    var nw = ctx.measureText(note).width + 12;\n"
    "    ctx.fillStyle = 'rgba(255,255,255,0.9)';\n"
    "    ctx.fillRect(W - nw - 10, H - 24, nw, 18);\n"
    "    ctx.fillStyle = '#5b6472';\n"
    "    ctx.fillText(note, W - nw - 4, H - 15);\n"
    "  }\n"
    "  tagBoxes = [];\n"
    "  if (st.sel >= 0)\n"
    "    for (i = 0; i < links.length; i++)\n"
    "      drawLink(links[i], U0, true);\n"
    "  ctx.font = FONT;\n"
    "  if (!lanes.length) {\n"
    "    ctx.fillStyle = '#5b6472';\n"
    "    ctx.textAlign = 'center';\n"
    "    ctx.fillText(\n"
    "        evs.length ? 'No event matches the filter.' : 'This timeline has no events.',\n"
    "        GUTTER + PW / 2, AXIS_H + 17);\n"
    "    ctx.textAlign = 'left';\n"
    "  }\n"
    "  ctx.restore();\n"
    "\n"
    "  /* the lane gutter */\n"
    "  ctx.fillStyle = '#f1f3f6';\n"
    "  ctx.fillRect(0, AXIS_H, GUTTER, H - AXIS_H);\n"
    "  ctx.save();\n"
    "  ctx.beginPath();\n"
    "  ctx.rect(0, AXIS_H, W, H - AXIS_H);\n"
    "  ctx.clip();\n"
    "  lanes.forEach(function(l) {\n"
    "    var y = AXIS_H + l.top - st.sy;\n"
    "    if (y > H || y + l.h < AXIS_H)\n"
    "      return;\n"
    "    ctx.fillStyle = '#dde1e7';\n"
    "    ctx.fillRect(0, y + l.h - 1, W, 1);\n"
    "    ctx.fillStyle = l.color;\n"
    "    ctx.fillRect(0, y, 4, l.h - 1);\n"
    "    var cy = y + LANE_PAD + ROW_H / 2, count = String(l.items.length);\n"
    "    ctx.font = SMALL;\n"
    "    ctx.fillStyle = '#5b6472';\n"
    "    ctx.textAlign = 'right';\n"
    "    ctx.fillText(count, GUTTER - 8, cy);\n"
    "    ctx.textAlign = 'left';\n"
    "    var room = GUTTER - 24 - ctx.measureText(count).width;\n"
    "    ctx.font = BOLD;\n"
    "    ctx.fillStyle = '#1d2433';\n"
    "    if (l.lab === null) {\n"
    "      var t = l.name;\n"
    "      while (t.length > 1 && ctx.measureText(t).width > room)\n"
    "        t = t.slice(0, -2) + '\\u2026';\n"
    "      l.lab = t;\n"
    "    }\n"
    "    ctx.fillText(l.lab, 12, cy);\n"
    "  });\n"
    "  ctx.restore();\n"
    "  ctx.fillStyle = '#c4cad3';\n"
    "  ctx.fillRect(GUTTER - 1, AXIS_H, 1, H - AXIS_H);\n"
    "\n"
    "  /* the axis */\n"
    "  ctx.fillStyle = '#fff';\n"
    "  ctx.fillRect(0, 0, W, AXIS_H);\n"
    "  ctx.fillStyle = '#c4cad3';\n"
    "  ctx.fillRect(0, AXIS_H - 1, W, 1);\n"
    "  ctx.save();\n"
    "  ctx.beginPath();\n"
    "  ctx.rect(GUTTER, 0, PW, AXIS_H);\n"
    "  ctx.clip();\n"
    "  ctx.font = SMALL;\n"
    "  minor.forEach(function(t) {\n"
    "    x = Math.round(GUTTER + t * k - U0) + 0.5;\n"
    "    if (x < GUTTER)\n"
    "      return;\n"
    "    ctx.fillStyle = '#9aa3af';\n"
    "    ctx.fillRect(x - 0.5, AXIS_H - 7, 1, 6);\n"
    "    ctx.fillStyle = '#4b5563';\n"
    "    ctx.fillText(minorLabel(t, unit[0], unit[1]), x + 3, AXIS_H - 13);\n"
    "  });\n"
    "  ctx.font = BOLD;\n"
    "  for (i = 0; i < major.length; i++) {\n"
    "    var m0 = GUTTER + major[i] * k - U0,\n"
    "        m1 = i + 1 < major.length ? GUTTER + major[i + 1] * k - U0 : W;\n"
    "    var lab = majorLabel(major[i], mj[0], mj[1]), lw = ctx.measureText(lab).width;\n"
    "    ctx.fillStyle = '#9aa3af';\n"
    "    ctx.fillRect(Math.round(m0), 4, 1, AXIS_H - 5);\n"
    "    /* the label of the period that began off screen slides along until its period ends; a\n"
    "     * label with no room in its period is left out */\n"
    "    var lx = m0 < GUTTER ? Math.min(GUTTER + 5, m1 - lw - 5) : m0 + 5;\n"
    "    if (lx + lw > GUTTER && (m0 < GUTTER || lx + lw <= m1 - 5)) {\n"
    "      ctx.fillStyle = '#1d2433';\n"
    "      ctx.fillText(lab, lx, 13);\n"
    "    }\n"
    "  }\n"
    "  ctx.restore();\n"
    "  ctx.font = SMALL;\n"
    "  ctx.fillStyle = '#5b6472';\n"
    "  ctx.fillText('lanes by ' + st.mode, 12, 13);\n";
static const char html_js_label_utc[] = "  ctx.fillText('times in UTC', 12, AXIS_H - 13);\n";
static const char html_js_label_zone[] = "  ctx.fillText(zoneLabel(), 12, AXIS_H - 13);\n";
static const char html_js_4[] =
    "\n"
    "  if (maxScroll() > 0) {\n"
    "    var vh = H - AXIS_H, bh = Math.max(24, vh * vh / contentH),\n"
    "        by = AXIS_H + (vh - bh) * st.sy / maxScroll();\n"
    "    ctx.fillStyle = 'rgba(29,36,51,0.28)';\n"
    "    roundRect(W - 6, by, 4, bh, 2);\n"
    "    ctx.fill();\n"
    "  }\n"
    "  if (first) {\n"
    "    first = false;\n"
    "    root.setAttribute(\n"
    "        'data-tw-first-render-ms',\n"
    "        (window.performance ? performance.now() : 0).toFixed(1));\n"
    "    root.setAttribute('data-tw-drawn', String(drawn));\n"
    "    root.setAttribute('data-tw-ready', 'true');\n"
    "  }\n"
    "}\n"
    "\n"
    "/* -- details, findings, selection -- */\n"
    "\n"
    "function dlRow(dl, name, value) {\n"
    "  if (value === null || value === undefined || value === '')\n"
    "    return;\n"
    "  dl.appendChild(el('dt', null, name));\n"
    "  var dd = el('dd');\n"
    "  if (typeof value === 'string')\n"
    "    dd.textContent = value;\n"
    "  else\n"
    "    dd.appendChild(value);\n"
    "  dl.appendChild(dd);\n"
    "}\n"
    "function evButton(i, prefix, meta) {\n"
    "  var b = el('button', 'tw-evlink');\n"
    "  b.type = 'button';\n"
    "  b.appendChild(el('span', 'tw-arrow', prefix));\n"
    "  b.appendChild(el('span', null, evs[i].title));\n"
    "  if (meta)\n"
    "    b.appendChild(el('span', 'tw-sub', meta));\n"
    "  b.addEventListener('click', function() {\n"
    "    select(i, true);\n"
    "  });\n"
    "  return b;\n"
    "}\n"
    "function chips(list, names, onClick) {\n"
    "  var box = el('span', 'tw-chips');\n"
    "  list.forEach(function(t) {\n"
    "    var c = el(onClick ? 'button' : 'span', 'tw-chip', names[t]);\n"
    "    if (onClick) {\n"
    "      c.type = 'button';\n"
    "      c.title = 'Show only this tag';\n"
    "      c.addEventListener('click', function() {\n"
    "        onClick(t);\n"
    "      });\n"
    "    }\n"
    "    box.appendChild(c);\n"
    "  });\n"
    "  return box;\n"
    "}\n"
    "function showEvent(i) {\n"
    "  var ev = evs[i];\n"
    "  details.textContent = '';\n"
    "  var h = el('h3', null, ev.title);\n"
    "  if (ev.lane >= 0)\n"
    "    h.style.borderLeftColor = lanes[ev.lane].color;\n"
    "  details.appendChild(h);\n"
    "  var dl = el('dl');\n"
    "  dlRow(dl, 'When', ev.when);\n"
    "  dlRow(dl, 'Span', spanText(ev));\n"
    "  dlRow(dl, 'Source', D.sources[ev.src]);\n"
    "  if (ev.kind >= 0)\n"
    "    dlRow(dl, 'Kind', D.kinds[ev.kind]);\n"
    "  if (ev.tags.length)\n"
    "    dlRow(dl, 'Tags', chips(ev.tags, D.tags, function(t) {\n"
    "            tagSel.value = String(t);\n"
    "            applyFilter();\n"
    "          }));\n"
    "  if (ev.actors.length)\n"
    "    dlRow(\n"
    "        dl, 'Actors',\n"
    "        ev.actors\n"
    "            .map(function(a) {\n"
    "              return D.actors[a];\n"
    "            })\n"
    "            .join(', '));\n"
    "  dlRow(dl, 'Location', ev.loc);\n"
    "  if (ev.url) {\n"
    "    var u;\n"
    "    if (/^https?:\\/\\//i.test(ev.url)) {\n"
    "      u = el('a', null, ev.url);\n"
    "      u.href = ev.url;\n"
    "      u.rel = 'noopener noreferrer';\n"
    "      u.target = '_blank';\n"
    "    } else\n"
    "      u = el('span', null, ev.url);\n"
    "    dlRow(dl, 'URL', u);\n"
    "  }\n"
    "  for (var j = 0; j + 1 < ev.attrs.length; j += 2)\n"
    "    dlRow(dl, ev.attrs[j], ev.attrs[j + 1]);\n"
    "  dlRow(dl, 'ID', ev.id);\n"
    "  if (ev.desc)\n"
    "    details.appendChild(el('p', 'tw-desc', ev.desc));\n"
    "  details.appendChild(dl);\n"
    "  if (ev.out.length || ev.inn.length) {\n"
    "    details.appendChild(el('h4', null, 'Links'));\n"
    "    var ul = el('ul', 'tw-linklist');\n"
    "    ev.out.forEach(function(l) {\n"
    "      var li = el('li');\n"
    "      li.appendChild(evButton(l.to, '\\u2192 ', linkMeta(l)));\n"
    "      ul.appendChild(li);\n"
    "    });\n"
    "    ev.inn.forEach(function(l) {\n"
    "      var li = el('li');\n"
    "      li.appendChild(evButton(l.from, '\\u2190 ', linkMeta(l)));\n"
    "      ul.appendChild(li);\n"
    "    });\n"
    "    details.appendChild(ul);\n"
    "  }\n"
    "  if (ev.finds.length) {\n"
    "    details.appendChild(el('h4', null, 'Findings'));\n"
    "    var fl = el('ul', 'tw-linklist');\n"
    "    ev.finds.forEach(function(f) {\n"
    "      var b = el('button', 'tw-evlink', f.summary);\n"
    "      b.type = 'button';\n"
    "      b.addEventListener('click', function() {\n"
    "        selectFinding(f.i);\n"
    "      });\n"
    "      var li = el('li');\n"
    "      li.appendChild(b);\n"
    "      fl.appendChild(li);\n"
    "    });\n"
    "    details.appendChild(fl);\n"
    "  }\n"
    "}\n"
    "function linkMeta(l) {\n"
    "  return l.rule + (l.lag ? ' \\u00b7 ' + l.lag : '') + ' \\u00b7 ' + l.cert;\n"
    "}\n"
    "function markRow(i, on) {\n"
    "  if (i >= 0 && rows.length > i) {\n"
    "    if (on)\n"
    "      rows[i].setAttribute('aria-selected', 'true');\n"
    "    else\n"
    "      rows[i].removeAttribute('aria-selected');\n"
    "  }\n"
    "}\n"
    "function reveal(ev) {\n"
    "  if (ev.lane < 0)\n"
    "    return;\n"
    "  var span = st.t1 - st.t0;\n"
    "  if (ev.e - ev.s > span * 0.8) {\n"
    "    var v = extent([ev]);\n"
    "    animateTo(v[0], v[1]);\n"
    "  } else if (ev.s < st.t0 + span * 0.05 || ev.e > st.t1 - span * 0.05)\n"
    "    animateTo((ev.s + ev.e) / 2 - span / 2, (ev.s + ev.e) / 2 + span / 2);\n"
    "  var y = lanes[ev.lane].top + LANE_PAD + ev.row * ROW_H, vh = H - AXIS_H;\n"
    "  if (y < st.sy || y + ROW_H > st.sy + vh) {\n"
    "    st.sy = y - vh / 3;\n"
    "    clampScroll();\n"
    "  }\n"
    "}\n"
    "function select(i, show) {\n"
    "  markRow(st.sel, false);\n"
    "  st.sel = i;\n"
    "  if (i < 0) {\n"
    "    details.textContent = '';\n"
    "    details.appendChild(el(\n"
    "        'p', 'tw-hint', 'Click an event, in the chart or the table, for its details.'));\n"
    "  } else {\n"
    "    markRow(i, true);\n"
    "    showEvent(i);\n"
    "    if (show)\n"
    "      reveal(evs[i]);\n"
    "  }\n"
    "  schedule();\n"
    "}\n"
    "/* Selects finding @fi (its events stand out, the view fits them); -1, or the selected "
    "finding\n"
    " * again, clears it. */\n"
    "function selectFinding(fi) {\n"
    "  var off = fi < 0 || fi === st.fnd;\n"
    "  var items = $('tw-findings') ? $('tw-findings').querySelectorAll('[data-f]') : [];\n"
    "  for (var j = 0; j < items.length; j++)\n"
    "    items[j].setAttribute(\n"
    "        'aria-pressed', String(!off && +items[j].getAttribute('data-f') === fi));\n"
    "  if (off) {\n"
    "    if (st.fnd >= 0 && st.sel < 0)\n"
    "      select(-1, false);\n"
    "    st.fnd = -1;\n"
    "    fset = null;\n"
    "    schedule();\n"
    "    return;\n"
    "  }\n"
    "  var f = finds[fi];\n"
    "  st.fnd = fi;\n"
    "  fset = Object.create(null);\n"
    "  f.evs.forEach(function(j) {\n"
    "    fset[j] = true;\n"
    "  });\n"
    "  details.textContent = '';\n"
    "  details.appendChild(el('h3', null, f.summary));\n"
    "  var dl = el('dl');\n"
    "  dlRow(dl, 'Rule', f.rule);\n"
    "  dlRow(dl, 'Kind', f.kind);\n"
    "  dlRow(dl, 'Analyzer', f.analyzer);\n"
    "  for (var a = 0; a + 1 < f.attrs.length; a += 2)\n"
    "    dlRow(dl, f.attrs[a], f.attrs[a + 1]);\n"
    "  details.appendChild(dl);\n"
    "  details.appendChild(el('h4', null, 'Events'));\n"
    "  var ul = el('ul', 'tw-linklist');\n"
    "  f.evs.forEach(function(j) {\n"
    "    var li = el('li');\n"
    "    li.appendChild(evButton(j, '', evs[j].when));\n"
    "    ul.appendChild(li);\n"
    "  });\n"
    "  details.appendChild(ul);\n"
    "  var v = extent(f.evs.map(function(j) {\n"
    "    return evs[j];\n"
    "  }));\n"
    "  animateTo(v[0], v[1]);\n"
    "}\n"
    "\n"
    "/* -- input -- */\n"
    "\n"
    "function pick(x, y) {\n"
    "  for (var i = hits.length - 1; i >= 0; i--) {\n"
    "    var h = hits[i];\n"
    "    if (x >= h[0] && x <= h[2] && y >= h[1] && y <= h[3])\n"
    "      return h[4];\n"
    "  }\n"
    "  return -1;\n"
    "}\n"
    "function local(e) {\n"
    "  var r = canvas.getBoundingClientRect();\n"
    "  return [e.clientX - r.left, e.clientY - r.top];\n"
    "}\n"
    "function showTip(i, e) {\n"
    "  if (i < 0) {\n"
    "    tip.hidden = true;\n"
    "    return;\n"
    "  }\n"
    "  var ev = evs[i];\n"
    "  tip.textContent = '';\n"
    "  tip.appendChild(el('strong', null, ev.title));\n"
    "  tip.appendChild(el('span', null, ev.when + ' \\u00b7 ' + D.sources[ev.src]));\n"
    "  tip.hidden = false;\n"
    "  var x = e.clientX + 14, y = e.clientY + 16, tw = tip.offsetWidth,\n"
    "      th = tip.offsetHeight;\n"
    "  if (x + tw > window.innerWidth - 8)\n"
    "    x = e.clientX - tw - 10;\n"
    "  if (y + th > window.innerHeight - 8)\n"
    "    y = e.clientY - th - 10;\n"
    "  tip.style.left = x + 'px';\n"
    "  tip.style.top = y + 'px';\n"
    "}\n"
    "canvas.addEventListener('pointerdown', function(e) {\n"
    "  if (e.button !== 0)\n"
    "    return;\n"
    "  drag = {x: e.clientX, y: e.clientY, t0: st.t0, t1: st.t1, sy: st.sy, moved: false};\n"
    "  try {\n"
    "    canvas.setPointerCapture(e.pointerId);\n"
    "  } catch (err) {\n"
    "    /* a pointer that is no longer active: dragging still works while it stays on the chart "
    "*/\n"
    "  }\n"
    "});\n"
    "canvas.addEventListener('pointermove', function(e) {\n"
    "  if (drag) {\n"
    "    var dx = e.clientX - drag.x, dy = e.clientY - drag.y;\n"
    "    if (!drag.moved && Math.abs(dx) + Math.abs(dy) > 3) {\n"
    "      drag.moved = true;\n"
    "      canvas.classList.add('tw-dragging');\n"
    "      tip.hidden = true;\n"
    "    }\n"
    "    if (drag.moved) {\n"
    "      var sh = -dx * (drag.t1 - drag.t0) / PW;\n"
    "      setView(drag.t0 + sh, drag.t1 + sh);\n"
    "      st.sy = drag.sy - dy;\n"
    "      clampScroll();\n"
    "      schedule();\n"
    "    }\n"
    "    return;\n"
    "  }\n"
    "  var p = local(e), i = pick(p[0], p[1]);\n"
    "  if (i !== st.hover) {\n"
    "    st.hover = i;\n"
    "    canvas.style.cursor = i >= 0 ? 'pointer' : '';\n"
    "    schedule();\n"
    "  }\n"
    "  showTip(i, e);\n"
    "});\n"
    "canvas.addEventListener('pointerleave', function() {\n"
    "  tip.hidden = true;\n"
    "  if (st.hover >= 0) {\n"
    "    st.hover = -1;\n"
    "    schedule();\n"
    "  }\n"
    "});\n"
    "canvas.addEventListener('pointerup', function(e) {\n"
    "  if (!drag)\n"
    "    return;\n"
    "  var moved = drag.moved;\n"
    "  drag = null;\n"
    "  canvas.classList.remove('tw-dragging');\n"
    "  if (!moved) {\n"
    "    var p = local(e), i = pick(p[0], p[1]);\n"
    "    if (i < 0)\n"
    "      selectFinding(-1);\n"
    "    select(i, false);\n"
    "  }\n"
    "});\n"
    "canvas.addEventListener('pointercancel', function() {\n"
    "  drag = null;\n"
    "  canvas.classList.remove('tw-dragging');\n"
    "});\n"
    "canvas.addEventListener('wheel', function(e) {\n"
    "  e.preventDefault();\n"
    "  var unit = e.deltaMode === 1 ? 16 :\n"
    "      e.deltaMode === 2        ? H :\n"
    "                                 1,\n"
    "      dx = e.deltaX * unit, dy = e.deltaY * unit;\n"
    "  if (e.shiftKey && !dx) {\n"
    "    dx = dy;\n"
    "    dy = 0;\n"
    "  }\n"
    "  if (Math.abs(dx) > Math.abs(dy)) {\n"
    "    var sh = dx * (st.t1 - st.t0) / PW;\n"
    "    setView(st.t0 + sh, st.t1 + sh);\n"
    "  } else {\n"
    "    var x = Math.max(0, local(e)[0] - GUTTER);\n"
    "    zoomAt(\n"
    "        st.t0 + x / PW * (st.t1 - st.t0),\n"
    "        Math.exp(Math.max(-300, Math.min(300, dy)) * 0.0015));\n"
    "  }\n"
    "  tip.hidden = true;\n"
    "  schedule();\n"
    "}, {passive: false});\n"
    "canvas.addEventListener('keydown', function(e) {\n"
    "  var span = st.t1 - st.t0, mid = (st.t0 + st.t1) / 2, done = true;\n"
    "  switch (e.key) {\n"
    "    case '+':\n"
    "    case '=':\n"
    "      animateTo(mid - span / 4, mid + span / 4);\n"
    "      break;\n"
    "    case '-':\n"
    "    case '_':\n"
    "      animateTo(mid - span, mid + span);\n"
    "      break;\n"
    "    case 'ArrowLeft':\n"
    "      animateTo(st.t0 - span / 5, st.t1 - span / 5);\n"
    "      break;\n"
    "    case 'ArrowRight':\n"
    "      animateTo(st.t0 + span / 5, st.t1 + span / 5);\n"
    "      break;\n"
    "    case 'ArrowUp':\n"
    "      st.sy -= ROW_H * 2;\n"
    "      clampScroll();\n"
    "      schedule();\n"
    "      break;\n"
    "    case 'ArrowDown':\n"
    "      st.sy += ROW_H * 2;\n"
    "      clampScroll();\n"
    "      schedule();\n"
    "      break;\n"
    "    case '0':\n"
    "    case 'Home':\n"
    "      fit();\n"
    "      break;\n"
    "    case 'Escape':\n"
    "      select(-1, false);\n"
    "      selectFinding(-1);\n"
    "      break;\n"
    "    default:\n"
    "      done = false;\n"
    "  }\n"
    "  if (done)\n"
    "    e.preventDefault();\n"
    "});\n"
    "doc.querySelectorAll('[data-act]').forEach(function(b) {\n"
    "  b.addEventListener('click', function() {\n"
    "    var span = st.t1 - st.t0, mid = (st.t0 + st.t1) / 2;\n"
    "    switch (b.getAttribute('data-act')) {\n"
    "      case 'in':\n"
    "        animateTo(mid - span / 4, mid + span / 4);\n"
    "        break;\n"
    "      case 'out':\n"
    "        animateTo(mid - span, mid + span);\n"
    "        break;\n"
    "      case 'left':\n"
    "        animateTo(st.t0 - span / 3, st.t1 - span / 3);\n"
    "        break;\n"
    "      case 'right':\n"
    "        animateTo(st.t0 + span / 3, st.t1 + span / 3);\n"
    "        break;\n"
    "      default:\n"
    "        fit();\n"
    "    }\n"
    "  });\n"
    "});\n"
    "function fillSelect(sel, names) {\n"
    "  names\n"
    "      .map(function(n, i) {\n"
    "        return [n, i];\n"
    "      })\n"
    "      .sort(function(a, b) {\n"
    "        return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;\n"
    "      })\n"
    "      .forEach(function(p) {\n"
    "        var o = el('option', null, p[0]);\n"
    "        o.value = String(p[1]);\n"
    "        sel.appendChild(o);\n"
    "      });\n"
    "}\n"
    "fillSelect(tagSel, D.tags);\n"
    "fillSelect(srcSel, D.sources);\n"
    "laneSel.value = st.mode;\n"
    "var timer = 0;\n"
    "qBox.addEventListener('input', function() {\n"
    "  clearTimeout(timer);\n"
    "  timer = setTimeout(applyFilter, 120);\n"
    "});\n"
    "tagSel.addEventListener('change', applyFilter);\n"
    "srcSel.addEventListener('change', applyFilter);\n"
    "laneSel.addEventListener('change', function() {\n"
    "  st.mode = laneSel.value;\n"
    "  st.sy = 0;\n"
    "  buildLanes();\n"
    "  schedule();\n"
    "});\n"
    "if ($('tw-findings')) {\n"
    "  $('tw-findings').addEventListener('click', function(e) {\n"
    "    var b = e.target.closest('[data-f]');\n"
    "    if (b)\n"
    "      selectFinding(+b.getAttribute('data-f'));\n"
    "  });\n"
    "}\n"
    "function tableReady() {\n"
    "  var section = $('tw-tables');\n"
    "  if (!section)\n"
    "    return;\n"
    "  rows = section.querySelectorAll('table.tw-events tbody tr');\n"
    "  evs.forEach(function(ev) {\n"
    "    if (!ev.vis)\n"
    "      rows[ev.i].hidden = true;\n"
    "  });\n"
    "  showChunks();\n"
    "  markRow(st.sel, true);\n"
    "  /* an event's row is reached with Tab and opened with Enter or Space, as a click does */\n"
    "  for (var j = 0; j < rows.length; j++)\n"
    "    rows[j].tabIndex = 0;\n"
    "  function open(tr) {\n"
    "    select(+tr.getAttribute('data-i'), true);\n"
    "    chart.scrollIntoView({block: 'nearest', behavior: 'smooth'});\n"
    "  }\n"
    "  section.addEventListener('click', function(e) {\n"
    "    var tr = e.target.closest('tr[data-i]');\n"
    "    if (tr)\n"
    "      open(tr);\n"
    "  });\n"
    "  section.addEventListener('keydown', function(e) {\n"
    "    if ((e.key === 'Enter' || e.key === ' ') && e.target.matches('tr[data-i]')) {\n"
    "      e.preventDefault();\n"
    "      open(e.target);\n"
    "    }\n"
    "  });\n"
    "}\n"
    "if (doc.readyState === 'loading')\n"
    "  doc.addEventListener('DOMContentLoaded', tableReady);\n"
    "else\n"
    "  tableReady();\n"
    "window.addEventListener('resize', function() {\n"
    "  chartW = -1;\n"
    "  packK = -1;\n"
    "  schedule();\n"
    "});\n"
    "\n"
    "applyFilter();\n"
    "var v0 = extent(evs);\n"
    "setView(v0[0], v0[1]);\n"
    "select(-1, false);\n"
    "draw();\n"
    "/* #event=ID selects an event and brings it into view, #finding=N a finding: links into the\n"
    " * page (when it opens, and when the address changes while it is open), and screenshots. */\n"
    "function fromHash() {\n"
    "  var m = /^#(event|finding)=(.+)$/.exec(location.hash);\n"
    "  if (m && m[1] === 'event') {\n"
    "    var want = decodeURIComponent(m[2]);\n"
    "    for (var i = 0; i < evs.length; i++)\n"
    "      if (evs[i].id === want) {\n"
    "        select(i, true);\n"
    "        break;\n"
    "      }\n"
    "  } else if (m && finds[+m[2]] && st.fnd !== +m[2]) {\n"
    "    selectFinding(+m[2]);\n"
    "  }\n"
    "}\n"
    "fromHash();\n"
    "window.addEventListener('hashchange', fromHash);\n"
    "})();\n";

static const TwOptionSpec html_options[] = {
    {"lanes",
     TW_OPTION_CHOICE,
     "auto",
     "What the page first groups events into lanes by (readers can switch): auto (source when "
     "there are several sources, else tag), source, tag (an event's first tag), actor (its first "
     "actor) or kind.",
     "auto|source|tag|actor|kind",
     {NULL}},
    {"table",
     TW_OPTION_BOOL,
     "true",
     "Include the table of every event and link (for screen readers, printing and pages without "
     "JavaScript). Turn it off only to shrink very large exports.",
     NULL,
     {NULL}},
    {NULL, 0, NULL, NULL, NULL, {NULL}},
};

/* Interned names (sources, kinds, tags, actors) numbered in order of first appearance, so the
 * page's data block is small and its order depends only on the timeline. */
typedef struct {
  GHashTable *index; /* name (borrowed from the timeline) -> position + 1 */
  GPtrArray *names;  /* borrowed */
} HtmlNames;

static void
names_init(HtmlNames *names)
{
  names->index = g_hash_table_new(g_str_hash, g_str_equal);
  names->names = g_ptr_array_new();
}

static void
names_clear(HtmlNames *names)
{
  g_hash_table_destroy(names->index);
  g_ptr_array_free(names->names, TRUE);
}

static void
names_add(HtmlNames *names, const char *name)
{
  if (g_hash_table_contains(names->index, name))
    return;
  g_ptr_array_add(names->names, (gpointer)name);
  g_hash_table_insert(names->index, (gpointer)name, GUINT_TO_POINTER(names->names->len));
}

static gint
names_lookup(const HtmlNames *names, const char *name)
{
  if (name == NULL)
    return -1;
  return (gint)GPOINTER_TO_UINT(g_hash_table_lookup(names->index, name)) - 1;
}

/* Text in HTML content and attribute values: the five characters that matter are escaped, and
 * C0 controls other than white space (parse errors in HTML) become spaces. */
static void
write_html_text(TwOutput *out, const char *text)
{
  const char *run = text;
  const char *p;

  for (p = text; *p != '\0'; p++) {
    const char *rep;
    switch (*p) {
    case '&':
      rep = "&amp;";
      break;
    case '<':
      rep = "&lt;";
      break;
    case '>':
      rep = "&gt;";
      break;
    case '"':
      rep = "&quot;";
      break;
    case '\'':
      rep = "&#39;";
      break;
    default:
      if ((guchar)*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') {
        rep = " ";
        break;
      }
      continue;
    }
    if (p > run)
      tw_output_write(out, run, (gsize)(p - run));
    tw_output_puts(out, rep);
    run = p + 1;
  }
  if (p > run)
    tw_output_write(out, run, (gsize)(p - run));
}

/* A JSON string that is safe inside a <script> element: besides RFC 8259's escapes, `<`, `>`
 * and `&` are written as \u003c, \u003e, \u0026 (so no text can close the element or open a
 * comment), and U+2028/U+2029 as \u2028/\u2029. %NULL is written as null. */
static void
write_script_string(TwOutput *out, const char *text)
{
  const guchar *p, *run;

  if (text == NULL) {
    tw_output_puts(out, "null");
    return;
  }
  tw_output_putc(out, '"');
  run = p = (const guchar *)text;
  while (*p != '\0') {
    char buf[8];
    const char *rep = NULL;
    gsize skip = 1;

    switch (*p) {
    case '"':
      rep = "\\\"";
      break;
    case '\\':
      rep = "\\\\";
      break;
    case '<':
      rep = "\\u003c";
      break;
    case '>':
      rep = "\\u003e";
      break;
    case '&':
      rep = "\\u0026";
      break;
    case '\n':
      rep = "\\n";
      break;
    case '\r':
      rep = "\\r";
      break;
    case '\t':
      rep = "\\t";
      break;
    case 0xE2:
      if (p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) {
        rep = p[2] == 0xA8 ? "\\u2028" : "\\u2029";
        skip = 3;
      }
      break;
    default:
      if (*p < 0x20) {
        g_snprintf(buf, sizeof buf, "\\u%04x", *p);
        rep = buf;
      }
      break;
    }
    if (rep == NULL) {
      p++;
      continue;
    }
    if (p > run)
      tw_output_write(out, (const char *)run, (gsize)(p - run));
    tw_output_puts(out, rep);
    p += skip;
    run = p;
  }
  if (p > run)
    tw_output_write(out, (const char *)run, (gsize)(p - run));
  tw_output_putc(out, '"');
}

/* Milliseconds since the epoch (what JavaScript dates use), rounded down. */
static gint64
usec_to_msec(gint64 usec)
{
  gint64 ms = usec / 1000;
  if (usec % 1000 < 0)
    ms--;
  return ms;
}

typedef struct {
  const TwTimeline *timeline;
  TwOutput *out;
  HtmlNames sources, kinds, tags, actors;
  guint n_events, n_links, n_findings;
  GTimeZone *zone;    /* the output zone; NULL for UTC (also when it is UTC by name) */
  const char *script; /* html_script() for it */
  TwExportDates dates;
} HtmlWriter;

/* The page's script: its pieces for UTC, or for an output zone. (transfer full) */
static char *
html_script(gboolean zoned)
{
  return g_strconcat(html_js_1, zoned ? html_js_span_zone : html_js_span_utc, html_js_2,
                     zoned ? html_js_lanes_zone : html_js_lanes_utc, html_js_3,
                     zoned ? html_js_label_zone : html_js_label_utc, html_js_4, NULL);
}

/* The wall clock of @usec: in the output zone for a zoned time, as it is for a floating one or
 * without a zone, as tw_time_format() writes it; @offset (optional): its offset from UTC, in
 * seconds. */
static gint64
html_local(const HtmlWriter *w, gint64 usec, gboolean floating, gint32 *offset)
{
  gint32 o = w->zone != NULL && !floating ? _tw_zone_wall_offset(w->zone, usec) : 0;
  if (offset != NULL)
    *offset = o;
  return usec + (gint64)o * TW_USEC_PER_SEC;
}

static void
format_day(gint64 usec, char *buf, gsize size)
{
  int year, month, day;
  tw_usec_to_civil(usec, &year, &month, &day, NULL, NULL, NULL, NULL);
  g_snprintf(buf, size, "%04d-%02d-%02d", year, month, day);
}

/* A range bound for people: a day when it falls on midnight (in the output zone), else an
 * instant; @day_before: a midnight is the day that ends there. */
static void
format_bound(const HtmlWriter *w, gint64 usec, gboolean day_before, char *buf, gsize size)
{
  gint64 wall = html_local(w, usec, FALSE, NULL);
  if (wall % TW_USEC_PER_DAY == 0) {
    format_day(day_before ? wall - TW_USEC_PER_DAY : wall, buf, size);
    return;
  }
  g_return_if_fail(size >= TW_TIME_FORMAT_SIZE);
  tw_time_format(usec, w->zone, FALSE, buf);
}

/* The date's text for people: its canonical form, with an output zone as the json export
 * writes it (_tw_export_date_text(): exact times in the zone), and a minute or an hour also in
 * the zone when it begins on one there, as long as the text reads back as the same span.
 * (transfer full) */
static char *
html_when(HtmlWriter *w, const TwEvent *event, const TwDate *date)
{
  if (w->zone == NULL)
    return tw_date_format(date);
  if (!date->floating && date->qualifier == TW_QUALIFIER_NONE &&
      (date->precision == TW_PRECISION_MINUTE || date->precision == TW_PRECISION_HOUR)) {
    /* YYYY-MM-DDTHH:MM:SS and the offset (or Z): cut to the minute or the hour */
    char buf[TW_TIME_FORMAT_SIZE];
    gsize n = tw_time_format(date->start, w->zone, FALSE, buf);
    if (n > 19 && buf[4] == '-' && buf[10] == 'T' && buf[16] == ':' && buf[19] != '.') {
      g_autofree char *text = g_strdup_printf(
          "%.*s%s", date->precision == TW_PRECISION_MINUTE ? 16 : 13, buf, buf + 19);
      TwDate back;
      if (tw_date_parse(text, NULL, &back, NULL) && back.start == date->start &&
          back.end == date->end && back.precision == date->precision && !back.floating)
        return g_steal_pointer(&text);
    }
  }
  return _tw_export_date_text(&w->dates, event);
}

/* When an event's interval is not the one its canonical date text names (an explicit end, as
 * for a fiscal quarter), the span it covers, else %NULL. */
static char *
extra_span(const HtmlWriter *w, const TwEvent *event, const char *when)
{
  TwDate nominal;
  gint64 start = tw_event_get_start(event), end = tw_event_get_end(event);
  char a[TW_TIME_FORMAT_SIZE], b[TW_TIME_FORMAT_SIZE];
  gboolean floating = tw_event_is_floating(event);
  gint64 wall_start = html_local(w, start, floating, NULL);
  gint64 wall_end = html_local(w, end, floating, NULL);

  if (tw_date_parse(when, NULL, &nominal, NULL) && nominal.start == start && nominal.end == end)
    return NULL;
  if (end <= start) {
    tw_time_format(start, w->zone, floating, a);
    return g_strdup(a);
  }
  if (wall_start % TW_USEC_PER_DAY == 0 && wall_end % TW_USEC_PER_DAY == 0) {
    format_day(wall_start, a, sizeof a);
    format_day(wall_end - TW_USEC_PER_DAY, b, sizeof b);
    return g_strdup_printf("%s to %s", a, b);
  }
  tw_time_format(start, w->zone, floating, a);
  tw_time_format(end, w->zone, floating, b);
  return g_strdup_printf("%s to %s (end excluded)", a, b);
}

static char *
format_lag(gint64 usec)
{
  if (usec < 0) {
    g_autofree char *text = tw_duration_format(-usec);
    return g_strconcat("-", text, NULL);
  }
  return tw_duration_format(usec);
}

static char *
link_lag_text(const TwLink *link)
{
  g_autofree char *lo = format_lag(tw_link_get_lag_min(link));
  g_autofree char *hi = NULL;

  if (tw_link_get_lag_min(link) == tw_link_get_lag_max(link))
    return g_steal_pointer(&lo);
  hi = format_lag(tw_link_get_lag_max(link));
  return g_strdup_printf("%s to %s", lo, hi);
}

/* The value of a Content-Security-Policy hash source for an inline element's text. */
static char *
csp_hash(const char *text)
{
  g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;
  g_autofree char *b64 = NULL;

  g_checksum_update(checksum, (const guchar *)text, (gssize)strlen(text));
  g_checksum_get_digest(checksum, digest, &length);
  b64 = g_base64_encode(digest, length);
  return g_strdup_printf("'sha256-%s'", b64);
}

static void
write_names(TwOutput *out, const char *key, const HtmlNames *names)
{
  tw_output_printf(out, ",\"%s\":[", key);
  for (guint i = 0; i < names->names->len; i++) {
    if (i > 0)
      tw_output_putc(out, ',');
    write_script_string(out, g_ptr_array_index(names->names, i));
  }
  tw_output_putc(out, ']');
}

/* How the page names the output zone: its IANA name, or UTC+05:45 for an offset. (transfer
 * full) */
static char *
zone_label(GTimeZone *zone)
{
  const char *id = g_time_zone_get_identifier(zone);
  if (id[0] == '+' || id[0] == '-') {
    /* GLib names it +05:45:00: written as tw_time_format() writes offsets */
    char buf[TW_TIME_FORMAT_SIZE];
    tw_time_format(0, zone, FALSE, buf);
    return g_strconcat("UTC", buf + 19, NULL);
  }
  return g_strdup(id);
}

static void
write_head(HtmlWriter *w, const char *title, gint64 generated)
{
  TwOutput *out = w->out;
  g_autofree char *script_hash = csp_hash(w->script);
  g_autofree char *style_hash = csp_hash(html_css);
  char stamp[TW_TIME_FORMAT_SIZE];
  gint64 from, to;

  tw_time_format(generated, w->zone, FALSE, stamp);
  tw_output_puts(out, "<!DOCTYPE html>\n<html lang=\"en\" class=\"tw-nojs\">\n<head>\n"
                      "<meta charset=\"utf-8\">\n"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
  /* Nothing is fetched, and only the page's own script and style run, whatever the data. */
  tw_output_printf(out,
                   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                   "script-src %s; style-src %s; img-src data:; base-uri 'none'; "
                   "form-action 'none'\">\n",
                   script_hash, style_hash);
  tw_output_puts(out, "<meta name=\"generator\" content=\"timeweave " TW_VERSION "\">\n<title>");
  write_html_text(out, title);
  tw_output_puts(out, "</title>\n<style>");
  tw_output_puts(out, html_css);
  tw_output_puts(out, "</style>\n</head>\n<body>\n<header class=\"tw-head\">\n<h1>");
  write_html_text(out, title);
  tw_output_printf(out,
                   "</h1>\n<p class=\"tw-meta\">%u event%s \u00b7 %u link%s \u00b7 %u finding%s",
                   w->n_events, w->n_events == 1 ? "" : "s", w->n_links, w->n_links == 1 ? "" : "s",
                   w->n_findings, w->n_findings == 1 ? "" : "s");
  if (tw_timeline_get_range(w->timeline, &from, &to)) {
    char a[TW_TIME_FORMAT_SIZE], b[TW_TIME_FORMAT_SIZE];
    /* A range ends before @to; a whole day is shown as the last day it includes. */
    format_bound(w, from, FALSE, a, sizeof a);
    format_bound(w, to, TRUE, b, sizeof b);
    tw_output_printf(out, " \u00b7 range %s to %s", a, b);
  }
  if (w->zone != NULL) {
    g_autofree char *label = zone_label(w->zone);
    tw_output_puts(out, " \u00b7 times in <span id=\"tw-zone\">");
    write_html_text(out, label);
    tw_output_puts(out, "</span>");
  }
  tw_output_printf(out,
                   " \u00b7 generated <time id=\"tw-generated\" datetime=\"%s\">%s</time> by "
                   "timeweave " TW_VERSION "</p>\n</header>\n",
                   stamp, stamp);
}

static void
write_controls(HtmlWriter *w)
{
  tw_output_puts(
      w->out,
      "<div class=\"tw-controls tw-js-only\" role=\"toolbar\" aria-label=\"Filter and zoom\">\n"
      "<label>Filter <input type=\"search\" id=\"tw-q\" placeholder=\"title, tag, actor\u2026\" "
      "autocomplete=\"off\" aria-label=\"Filter events by text\"></label>\n"
      "<label>Tag <select id=\"tw-tag\"><option value=\"-1\">all tags</option></select></label>\n"
      "<label>Source <select id=\"tw-source\"><option value=\"-1\">all sources</option>"
      "</select></label>\n"
      "<label>Lanes <select id=\"tw-lanes\"><option value=\"source\">by source</option>"
      "<option value=\"tag\">by tag</option><option value=\"actor\">by actor</option>"
      "<option value=\"kind\">by kind</option></select></label>\n"
      "<span class=\"tw-zoom\">"
      "<button type=\"button\" data-act=\"left\" aria-label=\"Pan left\" title=\"Pan left\">"
      "\u25c0</button>"
      "<button type=\"button\" data-act=\"out\" aria-label=\"Zoom out\" title=\"Zoom out\">"
      "\u2212</button>"
      "<button type=\"button\" data-act=\"fit\" title=\"Show every event\">Fit</button>"
      "<button type=\"button\" data-act=\"in\" aria-label=\"Zoom in\" title=\"Zoom in\">+</button>"
      "<button type=\"button\" data-act=\"right\" aria-label=\"Pan right\" title=\"Pan right\">"
      "\u25b6</button></span>\n"
      "<span id=\"tw-status\" aria-live=\"polite\"></span>\n</div>\n");
}

static void
write_chart_and_findings(HtmlWriter *w)
{
  TwOutput *out = w->out;

  tw_output_puts(
      out, "<div class=\"tw-main\">\n<section id=\"tw-chart\" aria-label=\"Timeline chart\">\n"
           "<canvas id=\"tw-canvas\" class=\"tw-js-only\" tabindex=\"0\" role=\"img\" "
           "aria-label=\"Chart of the events on a time axis; the tables below list every event and "
           "link\"></canvas>\n"
           "<noscript><p class=\"tw-note\">The chart needs JavaScript; the tables below list every "
           "event and link.</p></noscript>\n"
           "<p class=\"tw-legend tw-js-only\"><span><i class=\"tw-k-dot\"></i>instant</span>"
           "<span><i class=\"tw-k-bar\"></i>day, month, quarter, year</span>"
           "<span><i class=\"tw-k-fuzzy\"></i>fuzzy date (early, about, before\u2026)</span>"
           "<span><i class=\"tw-k-link\"></i>link</span><span><i class=\"tw-k-maybe\"></i>possible "
           "link</span><span>wheel: zoom \u00b7 drag: pan \u00b7 click: details</span></p>\n"
           "</section>\n<aside class=\"tw-side\"><div class=\"tw-side-in\">\n");
  tw_output_printf(out, "<section class=\"tw-fsec\">\n<h2>Findings (%u)</h2>\n", w->n_findings);
  if (w->n_findings == 0) {
    tw_output_puts(out, "<p class=\"tw-none\">No findings: no analyzer reported any.</p>\n");
  } else {
    tw_output_puts(out, "<ol id=\"tw-findings\">\n");
    for (guint i = 0; i < w->n_findings; i++) {
      const TwFinding *finding = tw_timeline_get_finding(w->timeline, i);
      guint n = tw_finding_get_n_events(finding);

      tw_output_printf(out,
                       "<li><button type=\"button\" class=\"tw-finding\" data-f=\"%u\" "
                       "aria-pressed=\"false\"><span class=\"tw-fsum\">",
                       i);
      write_html_text(out, tw_finding_get_summary(finding));
      tw_output_puts(out, "</span><span class=\"tw-sub\">");
      write_html_text(out, tw_finding_get_kind(finding));
      tw_output_puts(out, " \u00b7 ");
      write_html_text(out, tw_finding_get_analyzer(finding));
      tw_output_putc(out, '/');
      write_html_text(out, tw_finding_get_rule(finding));
      tw_output_printf(out, " \u00b7 %u event%s</span></button></li>\n", n, n == 1 ? "" : "s");
    }
    tw_output_puts(out, "</ol>\n");
  }
  tw_output_puts(out, "</section>\n<section class=\"tw-dsec\">\n<h2>Details</h2>\n"
                      "<div id=\"tw-details\" aria-live=\"polite\"><p class=\"tw-hint\">Click an "
                      "event, in the chart or the table, for its details.</p></div>\n</section>\n"
                      "</div></aside>\n</div>\n");
}

static void
write_joined(TwOutput *out, const TwEvent *event, guint n,
             const char *(*get)(const TwEvent *, guint))
{
  for (guint i = 0; i < n; i++) {
    if (i > 0)
      tw_output_puts(out, ", ");
    write_html_text(out, get(event, i));
  }
}

/* Rows per table: a long table is cut into tables of this many rows, each in a block that the
 * browser lays out only when it comes near the screen (content-visibility), so that 10,000
 * events do not freeze the page for seconds after the chart is drawn. */
#define HTML_TABLE_CHUNK 500

static void
begin_chunk(TwOutput *out, const char *cls, const char *heading, guint first, guint total,
            const char *columns)
{
  /* Only full chunks are left for later: a short one costs little, and its placeholder height
   * (contain-intrinsic-size, for 500 rows) would be wrong. */
  tw_output_printf(out, "<div class=\"%s\"><table class=\"%s\" aria-labelledby=\"%s\">",
                   first + HTML_TABLE_CHUNK <= total ? "tw-chunk" : "tw-chunk-part", cls, heading);
  if (total > HTML_TABLE_CHUNK)
    tw_output_printf(out, "<caption>%u to %u of %u</caption>", first + 1,
                     MIN(first + HTML_TABLE_CHUNK, total), total);
  tw_output_printf(out, "\n<thead><tr>%s</tr></thead>\n<tbody>\n", columns);
}

static void
write_tables(HtmlWriter *w)
{
  TwOutput *out = w->out;
  static const char event_columns[] =
      "<th scope=\"col\">When</th><th scope=\"col\">Event</th><th scope=\"col\">Source</th>"
      "<th scope=\"col\">Kind</th><th scope=\"col\">Tags</th><th scope=\"col\">Actors</th>";
  static const char link_columns[] =
      "<th scope=\"col\">From</th><th scope=\"col\">To</th><th scope=\"col\">Rule</th>"
      "<th scope=\"col\">Lag</th><th scope=\"col\">Certainty</th>";

  tw_output_printf(
      out,
      "<section class=\"tw-tables\" id=\"tw-tables\">\n<h2 id=\"tw-events-h\">Events (%u)</h2>\n",
      w->n_events);
  for (guint i = 0; i < w->n_events; i++) {
    const TwEvent *event = tw_timeline_get_event(w->timeline, i);
    TwDate date;
    g_autofree char *when = NULL;
    g_autofree char *span = NULL;
    const char *text;
    guint n;

    if (i % HTML_TABLE_CHUNK == 0)
      begin_chunk(out, "tw-events", "tw-events-h", i, w->n_events, event_columns);
    tw_event_get_date(event, &date);
    when = html_when(w, event, &date);
    span = extra_span(w, event, when);
    tw_output_printf(out, "<tr data-i=\"%u\" data-id=\"", i);
    char id_buf[TW_ID_TEXT_SIZE];
    write_html_text(out, _tw_event_id_text(event, id_buf));
    tw_output_puts(out, "\"><td class=\"tw-when\">");
    write_html_text(out, when);
    if (span != NULL) {
      tw_output_puts(out, "<div class=\"tw-span\">");
      write_html_text(out, span);
      tw_output_puts(out, "</div>");
    }
    tw_output_puts(out, "</td><td><div class=\"tw-title\">");
    write_html_text(out, tw_event_get_title(event));
    tw_output_puts(out, "</div>");
    if ((text = tw_event_get_description(event)) != NULL) {
      tw_output_puts(out, "<div class=\"tw-d\">");
      write_html_text(out, text);
      tw_output_puts(out, "</div>");
    }
    n = tw_event_get_n_attributes(event);
    if (n > 0 || tw_event_get_location(event) != NULL || tw_event_get_url(event) != NULL) {
      tw_output_puts(out, "<div class=\"tw-attrs\">");
      if ((text = tw_event_get_location(event)) != NULL) {
        tw_output_puts(out, "location: ");
        write_html_text(out, text);
        tw_output_puts(out, n > 0 || tw_event_get_url(event) ? " \u00b7 " : "");
      }
      if ((text = tw_event_get_url(event)) != NULL) {
        tw_output_puts(out, "url: ");
        write_html_text(out, text);
        tw_output_puts(out, n > 0 ? " \u00b7 " : "");
      }
      for (guint a = 0; a < n; a++) {
        TwAttribute attribute = _tw_event_attribute(event, a);
        if (a > 0)
          tw_output_puts(out, " \u00b7 ");
        write_html_text(out, attribute.key);
        tw_output_puts(out, ": ");
        write_html_text(out, attribute.value);
      }
      tw_output_puts(out, "</div>");
    }
    tw_output_puts(out, "</td><td>");
    write_html_text(out, tw_event_get_source(event));
    tw_output_puts(out, "</td><td>");
    if ((text = tw_event_get_kind(event)) != NULL)
      write_html_text(out, text);
    tw_output_puts(out, "</td><td>");
    write_joined(out, event, tw_event_get_n_tags(event), tw_event_get_tag);
    tw_output_puts(out, "</td><td>");
    write_joined(out, event, tw_event_get_n_actors(event), tw_event_get_actor);
    tw_output_puts(out, "</td></tr>\n");
    if ((i + 1) % HTML_TABLE_CHUNK == 0 || i + 1 == w->n_events)
      tw_output_puts(out, "</tbody></table></div>\n");
  }
  if (w->n_events == 0)
    tw_output_puts(out, "<p class=\"tw-none\">No events.</p>\n");

  tw_output_printf(out, "<h2 id=\"tw-links-h\">Links (%u)</h2>\n", w->n_links);
  if (w->n_links == 0) {
    tw_output_puts(out, "<p class=\"tw-none\">No links: no analyzer related any events.</p>\n");
  } else {
    for (guint i = 0; i < w->n_links; i++) {
      const TwLink *link = tw_timeline_get_link(w->timeline, i);
      gint from = tw_timeline_find_event(w->timeline, tw_link_get_from(link));
      gint to = tw_timeline_find_event(w->timeline, tw_link_get_to(link));
      g_autofree char *lag = link_lag_text(link);

      if (i % HTML_TABLE_CHUNK == 0)
        begin_chunk(out, "tw-links", "tw-links-h", i, w->n_links, link_columns);

      tw_output_puts(out, "<tr data-from=\"");
      write_html_text(out, tw_link_get_from(link));
      tw_output_puts(out, "\" data-to=\"");
      write_html_text(out, tw_link_get_to(link));
      tw_output_puts(out, "\"><td>");
      write_html_text(out, from >= 0
                               ? tw_event_get_title(tw_timeline_get_event(w->timeline, (guint)from))
                               : tw_link_get_from(link));
      tw_output_puts(out, "</td><td>");
      write_html_text(out, to >= 0
                               ? tw_event_get_title(tw_timeline_get_event(w->timeline, (guint)to))
                               : tw_link_get_to(link));
      tw_output_puts(out, "</td><td>");
      write_html_text(out, tw_link_get_rule(link));
      tw_output_puts(out, "</td><td>");
      write_html_text(out, lag);
      tw_output_puts(out, "</td><td>");
      write_html_text(out, tw_certainty_to_string(tw_link_get_certainty(link)));
      tw_output_puts(out, "</td></tr>\n");
      if ((i + 1) % HTML_TABLE_CHUNK == 0 || i + 1 == w->n_links)
        tw_output_puts(out, "</tbody></table></div>\n");
    }
  }
  tw_output_puts(out, "</section>\n");
}

static void
write_index_list(TwOutput *out, const HtmlNames *names, const TwEvent *event, guint n,
                 const char *(*get)(const TwEvent *, guint))
{
  tw_output_putc(out, '[');
  for (guint i = 0; i < n; i++)
    tw_output_printf(out, i > 0 ? ",%d" : "%d", names_lookup(names, get(event, i)));
  tw_output_putc(out, ']');
}

/* The data block the script draws from. Events are arrays, in timeline order:
 * [id, start ms, end ms, precision, qualifier, floating, title, when, source, kind, [tags],
 *  [actors], description, url, location, [key, value, ...]], where precision and qualifier are
 * the TwPrecision and TwQualifier numbers and source, kind, tags and actors index the name
 * lists. Links: [from, to, rule, lag, certainty] with event indices; findings: [analyzer, rule,
 * kind, summary, [event indices], [key, value, ...]]. */
static void
write_data(HtmlWriter *w, const char *title, gint64 generated, const char *lanes)
{
  TwOutput *out = w->out;

  tw_output_puts(out, "<script type=\"application/json\" id=\"tw-data\">{\"v\":1,\"title\":");
  write_script_string(out, title);
  tw_output_printf(out, ",\"generated\":%" G_GINT64_FORMAT ",\"lanes\":", usec_to_msec(generated));
  write_script_string(out, lanes);
  if (w->zone != NULL) {
    g_autofree char *label = zone_label(w->zone);
    tw_output_puts(out, ",\"zone\":");
    write_script_string(out, label);
  }
  write_names(out, "sources", &w->sources);
  write_names(out, "kinds", &w->kinds);
  write_names(out, "tags", &w->tags);
  write_names(out, "actors", &w->actors);
  tw_output_puts(out, ",\"events\":[");
  for (guint i = 0; i < w->n_events; i++) {
    const TwEvent *event = tw_timeline_get_event(w->timeline, i);
    TwDate date;
    g_autofree char *when = NULL;
    guint n;
    gint32 start_offset, end_offset;
    gint64 start, end;

    tw_event_get_date(event, &date);
    when = html_when(w, event, &date);
    start = html_local(w, date.start, date.floating, &start_offset);
    end = html_local(w, date.end, date.floating, &end_offset);
    tw_output_puts(out, i > 0 ? ",\n[" : "\n[");
    char id_buf[TW_ID_TEXT_SIZE];
    write_script_string(out, _tw_event_id_text(event, id_buf));
    tw_output_printf(out, ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%d,%d,%d,",
                     usec_to_msec(start), usec_to_msec(end), (int)date.precision,
                     (int)date.qualifier, date.floating ? 1 : 0);
    write_script_string(out, tw_event_get_title(event));
    tw_output_putc(out, ',');
    write_script_string(out, when);
    tw_output_printf(out, ",%d,%d,", names_lookup(&w->sources, tw_event_get_source(event)),
                     names_lookup(&w->kinds, tw_event_get_kind(event)));
    write_index_list(out, &w->tags, event, tw_event_get_n_tags(event), tw_event_get_tag);
    tw_output_putc(out, ',');
    write_index_list(out, &w->actors, event, tw_event_get_n_actors(event), tw_event_get_actor);
    tw_output_putc(out, ',');
    write_script_string(out, tw_event_get_description(event));
    tw_output_putc(out, ',');
    write_script_string(out, tw_event_get_url(event));
    tw_output_putc(out, ',');
    write_script_string(out, tw_event_get_location(event));
    tw_output_puts(out, ",[");
    n = tw_event_get_n_attributes(event);
    for (guint a = 0; a < n; a++) {
      TwAttribute attribute = _tw_event_attribute(event, a);
      if (a > 0)
        tw_output_putc(out, ',');
      write_script_string(out, attribute.key);
      tw_output_putc(out, ',');
      write_script_string(out, attribute.value);
    }
    tw_output_putc(out, ']');
    if (w->zone != NULL && !date.floating)
      tw_output_printf(out, ",%d,%d", (int)start_offset, (int)end_offset);
    tw_output_putc(out, ']');
  }
  tw_output_puts(out, "],\n\"links\":[");
  for (guint i = 0, written = 0; i < w->n_links; i++) {
    const TwLink *link = tw_timeline_get_link(w->timeline, i);
    gint from = tw_timeline_find_event(w->timeline, tw_link_get_from(link));
    gint to = tw_timeline_find_event(w->timeline, tw_link_get_to(link));
    g_autofree char *lag = NULL;

    if (from < 0 || to < 0)
      continue;
    lag = link_lag_text(link);
    tw_output_printf(out, "%s[%d,%d,", written++ > 0 ? ",\n" : "\n", from, to);
    write_script_string(out, tw_link_get_rule(link));
    tw_output_putc(out, ',');
    write_script_string(out, lag);
    tw_output_putc(out, ',');
    write_script_string(out, tw_certainty_to_string(tw_link_get_certainty(link)));
    tw_output_putc(out, ']');
  }
  tw_output_puts(out, "],\n\"findings\":[");
  for (guint i = 0; i < w->n_findings; i++) {
    const TwFinding *finding = tw_timeline_get_finding(w->timeline, i);
    guint n = tw_finding_get_n_events(finding), written = 0;

    tw_output_puts(out, i > 0 ? ",\n[" : "\n[");
    write_script_string(out, tw_finding_get_analyzer(finding));
    tw_output_putc(out, ',');
    write_script_string(out, tw_finding_get_rule(finding));
    tw_output_putc(out, ',');
    write_script_string(out, tw_finding_get_kind(finding));
    tw_output_putc(out, ',');
    write_script_string(out, tw_finding_get_summary(finding));
    tw_output_puts(out, ",[");
    for (guint e = 0; e < n; e++) {
      gint index = tw_timeline_find_event(w->timeline, tw_finding_get_event(finding, e));
      if (index >= 0)
        tw_output_printf(out, written++ > 0 ? ",%d" : "%d", index);
    }
    tw_output_puts(out, "],[");
    n = tw_finding_get_n_attributes(finding);
    for (guint a = 0; a < n; a++) {
      const TwAttribute *attribute = tw_finding_get_attribute(finding, a);
      if (a > 0)
        tw_output_putc(out, ',');
      write_script_string(out, attribute->key);
      tw_output_putc(out, ',');
      write_script_string(out, attribute->value);
    }
    tw_output_puts(out, "]]");
  }
  tw_output_puts(out, "]}</script>\n");
}

static gboolean
html_write(TwExporter *exporter, const TwTimeline *timeline, TwOutput *out, GError **error)
{
  const TwOptions *options = tw_exporter_get_options(exporter);
  gint64 generated = tw_exporter_get_generation_time(exporter);
  const char *title = tw_timeline_get_title(timeline);
  /* Without options (an exporter driven by hand), the defaults. */
  const char *lanes = options != NULL ? tw_options_get_string(options, "lanes") : NULL;
  gboolean table = options != NULL ? tw_options_get_bool(options, "table") : TRUE;
  HtmlWriter w = {.timeline = timeline, .out = out};
  g_autofree char *script = NULL;

  if (title == NULL || *title == '\0')
    title = "Timeline";
  /* A zone that is UTC by name writes the page as without one, as the other exports do. */
  w.zone = tw_exporter_get_output_zone(exporter);
  if (w.zone != NULL && _tw_zone_is_utc(w.zone))
    w.zone = NULL;
  _tw_export_dates_init(&w.dates, exporter);
  w.dates.output_zone = w.zone;
  w.script = script = html_script(w.zone != NULL);
  w.n_events = tw_timeline_get_n_events(timeline);
  w.n_links = tw_timeline_get_n_links(timeline);
  w.n_findings = tw_timeline_get_n_findings(timeline);
  names_init(&w.sources);
  names_init(&w.kinds);
  names_init(&w.tags);
  names_init(&w.actors);
  for (guint i = 0; i < w.n_events; i++) {
    const TwEvent *event = tw_timeline_get_event(timeline, i);
    names_add(&w.sources, tw_event_get_source(event));
    if (tw_event_get_kind(event) != NULL)
      names_add(&w.kinds, tw_event_get_kind(event));
    for (guint t = 0; t < tw_event_get_n_tags(event); t++)
      names_add(&w.tags, tw_event_get_tag(event, t));
    for (guint a = 0; a < tw_event_get_n_actors(event); a++)
      names_add(&w.actors, tw_event_get_actor(event, a));
  }
  if (lanes == NULL || strcmp(lanes, "auto") == 0)
    lanes = w.sources.names->len > 1 ? "source" : "tag";

  write_head(&w, title, generated);
  write_controls(&w);
  write_chart_and_findings(&w);
  tw_output_puts(out, "<div id=\"tw-tip\" class=\"tw-tip\" hidden></div>\n");
  /* The script comes before the tables, so the chart is drawn while they are still parsed. */
  write_data(&w, title, generated, lanes);
  tw_output_puts(out, "<script>");
  tw_output_puts(out, w.script);
  tw_output_puts(out, "</script>\n");
  if (table)
    write_tables(&w);
  else
    tw_output_puts(out, "<p class=\"tw-note\">This export leaves out the table of events "
                        "(table=false).</p>\n");
  tw_output_puts(out, "</body>\n</html>\n");

  names_clear(&w.sources);
  names_clear(&w.kinds);
  names_clear(&w.tags);
  names_clear(&w.actors);
  _tw_export_dates_clear(&w.dates);
  return TRUE;
}

const TwExporterInfo _tw_exporter_html = {
    .name = "html",
    .summary = "a self-contained web page to explore the timeline",
    .description =
        "One .html file with everything inline (no network access): a zoomable time axis with "
        "lanes, each event at its true precision (a dot for an instant, a bar for a span, a "
        "faded bar for a fuzzy date), links as arcs, findings, details on click, a filter, and "
        "a table of every event for screen readers and printing. Exact times are shown in UTC, "
        "or in --output-zone, which the page names.",
    .options = html_options,
    .extension = "html",
    .write = html_write,
};
