#!/usr/bin/python3
"""The html export, loaded in headless Chromium.

Usage: test-html-chromium.py TIMEWEAVE

Exports tests/fixtures/html/hostile.json (hostile titles, descriptions, ids, tags, attributes
and a hostile --title, with links) through the correlate analyzer (hostile.rules, for findings
and more links) with the CLI, loads the page in headless Chromium and checks, from the DOM that
--dump-dom gives after the page's script ran:
- the script ran (the chart drew events, the status line counts them) and nothing from the data
  ran: no canary attribute, only the page's own two <script> elements, no image, no resource
  fetched from anywhere, no script error or refused script in Chromium's log;
- every event is in the table (its id, its title as text), every link in the links table and
  every finding in the findings list;
- hostile text stays text: <title>, <h1>, table cells, findings and the details panel (which
  the script fills from the data block) hold the literal characters;
- the same run gives the same bytes twice;
- at a phone's width and a desktop's, the tables fit the page and no cell is squeezed to
  nothing or overflowed by a long word (measured from a frame, check_widths);
- with the keyboard alone (real key presses over the DevTools pipe), Tab reaches the events'
  rows and Enter or Space opens an event's details (check_keyboard);
- a link into the open page (#event=ID, #finding=N set while it is open) selects what it names
  (check_hash);
- with --output-zone, the page shows exact times in the zone and names it (header, axis),
  floating times and days as they are, whatever the browser's own zone (check_zones).

Chromium missing: exit 77 (skip), or exit 1 under CI=true, where a skip is a failure.
"""

import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

SOURCE_ROOT = os.environ.get("TW_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), ".."))
FIXTURES = os.path.join(SOURCE_ROOT, "tests", "fixtures", "html")
HOSTILE_TITLE = ('<script>document.documentElement.setAttribute("data-pwned","title")</script>'
                 ' & <b>co</b>')
EVENT_IDS = []
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("not ok: " + message)
    return condition


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag = tag
        self.attrs = dict(attrs)
        self.parent = parent
        self.children = []

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.walk()

    def find_all(self, tag=None, **attrs):
        return [n for n in self.walk()
                if (tag is None or n.tag == tag)
                and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def find(self, tag=None, **attrs):
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def has_class(self, name):
        return name in (self.attrs.get("class") or "").split()


class TreeBuilder(html.parser.HTMLParser):
    """A DOM tree from Chromium's serialization, which closes every non-void element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", [], None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, attrs, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def find_chromium():
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def dump_dom(chromium, url, *extra, env=None):
    """The DOM of @url after its scripts ran, parsed; and Chromium's log. @env: Chromium's
    environment (default: ours)."""
    profile = tempfile.mkdtemp(prefix="tw-chromium-")
    try:
        result = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--user-data-dir=" + profile, "--window-size=1400,900",
             "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", *extra,
             "--dump-dom", url],
            capture_output=True, text=True, timeout=120, env=env)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if not check(result.returncode == 0 and "<html" in result.stdout,
                 "chromium --dump-dom %s: exit %d: %s" % (url, result.returncode,
                                                           result.stderr[-2000:])):
        sys.exit(1)
    builder = TreeBuilder()
    builder.feed(result.stdout)
    builder.close()
    return builder.root, result.stdout, result.stderr


def run(timeweave, *args):
    result = subprocess.run([timeweave, *args], capture_output=True, text=True)
    if not check(result.returncode == 0, "timeweave %s: exit %d: %s"
                 % (" ".join(args), result.returncode, result.stderr.strip())):
        sys.exit(1)


def check_log(log, url):
    for line in log.splitlines():
        if "Uncaught" in line or "Refused to" in line or "Content Security Policy" in line:
            check(False, "%s: chromium logged: %s" % (url, line.strip()))


def check_no_injection(root, raw, url):
    html_node = root.find("html")
    check(html_node is not None and html_node.attrs.get("data-tw-ready") == "true",
          "%s: the page's script did not finish (no data-tw-ready)" % url)
    check("tw-nojs" not in (html_node.attrs.get("class") or ""),
          "%s: the page still has the tw-nojs class" % url)
    pwned = [n for n in root.walk() if any(k.startswith("data-pwned") for k in n.attrs)]
    check(not pwned, "%s: hostile text ran: %s" % (url, [n.attrs for n in pwned]))
    scripts = root.find_all("script")
    check(len(scripts) == 2, "%s: %d <script> elements, expected the page's 2" % (url, len(scripts)))
    data = [s for s in scripts if s.attrs.get("type") == "application/json"]
    if check(len(data) == 1, "%s: no JSON data block" % url):
        text = data[0].text()
        for c in "<>&\u2028\u2029":
            check(c not in text, "%s: the data block has a raw %r" % (url, c))
        try:
            ids = [e[0] for e in json.loads(text)["events"]]
        except (ValueError, KeyError, IndexError, TypeError) as e:
            ids = []
            check(False, "%s: the data block is not the page's JSON: %s" % (url, e))
        check(sorted(ids) == sorted(EVENT_IDS), "%s: the data block's events are %r" % (url, ids))
    for tag in ("img", "iframe", "object", "embed", "link", "frame", "svg"):
        check(not root.find_all(tag), "%s: the page has a <%s> element" % (url, tag))
    for node in root.walk():
        for name, value in node.attrs.items():
            check(not name.startswith("on"), "%s: event handler attribute %s=%r on <%s>"
                  % (url, name, value, node.tag))
            check(name != "src", "%s: <%s src=%r> would fetch something" % (url, node.tag, value))
            if name == "href":
                check(value.startswith("https://") or value.startswith("http://"),
                      "%s: <%s href=%r>" % (url, node.tag, value))
    check("<img" not in raw.split("<script type=\"application/json\"")[0].replace("&lt;img", ""),
          "%s: a raw <img appears in the page" % url)


def check_long_table(chromium, timeweave, tmp):
    """A timeline longer than one table chunk (500 rows): every event is in one of the tables,
    in order, and the script finds the row of an event in a later chunk."""
    n = 1234
    events = [{"id": "e%04d" % i, "date": "2024-%02d-%02d" % (1 + i % 12, 1 + i % 28),
               "title": "Event <%d>" % i, "tags": ["t%d" % (i % 7)]} for i in range(n)]
    source = os.path.join(tmp, "long.json")
    with open(source, "w", encoding="utf-8") as f:
        json.dump({"events": events}, f)
    page = os.path.join(tmp, "long.html")
    run(timeweave, "build", "-s", "json:" + source, "-f", "html", "-o", page)
    wanted = "e1111"
    url = "file://" + page + "#event=" + wanted
    root, raw, log = dump_dom(chromium, url)
    check_log(log, url)
    tables = root.find_all("table", **{"class": "tw-events"})
    check(len(tables) == 3, "%d events in %d tables, expected 3" % (n, len(tables)))
    rows = [r for t in tables for r in t.find_all("tr") if "data-id" in r.attrs]
    check([r.attrs["data-i"] for r in rows] == [str(i) for i in range(n)],
          "the rows of the long table are not the events in order")
    check(sorted(r.attrs["data-id"] for r in rows) == sorted(e["id"] for e in events),
          "the long table does not list every event")
    selected = [r.attrs["data-id"] for r in rows if r.attrs.get("aria-selected") == "true"]
    check(selected == [wanted], "selected rows %r, expected [%r]" % (selected, wanted))
    check_filter(chromium, page, wanted)


def check_filter(chromium, page, selected_id):
    """Filtering the long table: a chunk without a row left is hidden with its caption, and the
    details of a selected event the filter hides are cleared; clearing the filter shows all."""
    browser = Browser(chromium)
    try:
        if not check(browser.open("file://" + page + "#event=" + selected_id),
                     "filter: the page did not get ready"):
            return
        heading = "(document.querySelector('#tw-details h3') || {}).textContent || null"
        check(browser.js(heading) is not None, "filter: #event=%s selected nothing" % selected_id)
        chunks = "Array.from(document.querySelectorAll('table.tw-events')).map(function(t) {" \
                 "return t.parentNode.hidden ? -1 : t.querySelectorAll('tbody tr:not([hidden])')" \
                 ".length; })"
        search = "(function(v){var q=document.getElementById('tw-q'); q.value=v; " \
                 "q.dispatchEvent(new Event('input'));})(%s)"
        browser.js(search % json.dumps("<7>"))
        time.sleep(0.5)
        shown = browser.js(chunks)
        check(sorted(shown) == [-1, -1, 1],
              "filter: one event matched; rows shown per table (-1: hidden) %r, expected one "
              "table shown" % shown)
        check(browser.js(heading) is None,
              "filter: the hidden event's details stayed: %r" % browser.js(heading))
        browser.js(search % json.dumps(""))
        time.sleep(0.5)
        shown = browser.js(chunks)
        check(sum(shown) == 1234 and -1 not in shown,
              "filter: cleared, rows shown per table %r" % shown)
    finally:
        browser.close()


def check_edges(chromium, timeweave, tmp):
    """Dates from year 1 to 9999, every precision and qualifier, and an empty timeline: the page
    draws them without a script error."""
    edges = os.path.join(FIXTURES, "edges.json")
    empty = os.path.join(tmp, "empty.json")
    with open(empty, "w", encoding="utf-8") as f:
        json.dump({"events": []}, f)
    with open(edges, encoding="utf-8") as f:
        n = len(json.load(f)["events"])
    for source, drawn in ((edges, n), (empty, 0)):
        page = os.path.join(tmp, os.path.basename(source) + ".html")
        run(timeweave, "build", "-s", "json:" + source, "-f", "html", "-o", page)
        url = "file://" + page
        root, raw, log = dump_dom(chromium, url)
        check_log(log, url)
        html_node = root.find("html")
        check(html_node.attrs.get("data-tw-ready") == "true", "%s: the script did not finish" % url)
        check(html_node.attrs.get("data-tw-drawn") == str(drawn), "%s: drew %s events, not %d"
              % (url, html_node.attrs.get("data-tw-drawn"), drawn))


# A page that loads the export in a frame @width pixels wide and writes into its own body what
# the export's tables look like there: the document's width, and each cell's width and whether
# its text is wider than the cell (drawn over the next cells).
MEASURE_PAGE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" style="width:%dpx;height:2000px;border:0" src="%s"></iframe>
<script>
var f = document.getElementById('f');
f.onload = function() {
  var d = f.contentDocument, cells = [];
  d.querySelectorAll('.tw-tables td').forEach(function(td) {
    if (td.textContent === '')
      return;
    var box = td.getBoundingClientRect();
    cells.push([td.textContent.slice(0, 40), Math.round(box.width),
                td.scrollWidth > td.clientWidth + 1]);
  });
  document.body.setAttribute('data-layout', JSON.stringify(
      {width: d.documentElement.scrollWidth, cells: cells}));
};
</script></body></html>
"""


def check_widths(chromium, timeweave, tmp):
    """The tables at a phone's width and a desktop's, with a title and a url without spaces: no
    cell is squeezed to nothing or overflowed by its text, and the page needs no sideways
    scrolling."""
    long_word = "Unbroken" * 40
    events = [{"id": "long", "date": "2026-02-13", "title": long_word, "kind": "kind",
               "tags": ["a-tag"], "actors": ["An actor"], "url": "https://example.org/" + long_word,
               "description": "A description of a few words."},
              {"id": "short", "date": "2026-02-14T10:30:00Z", "title": "Short", "tags": ["t"]}]
    links = [{"from": "long", "to": "short", "rule": "a-rule", "lag_min": "0s", "lag_max": "1d",
              "certainty": "certain"}]
    source = os.path.join(tmp, "widths.json")
    with open(source, "w", encoding="utf-8") as f:
        json.dump({"events": events, "links": links}, f)
    page = os.path.join(tmp, "widths.html")
    run(timeweave, "build", "-s", "json:" + source, "-f", "html", "-o", page)
    for width in (390, 1400):
        frame = os.path.join(tmp, "measure-%d.html" % width)
        with open(frame, "w", encoding="utf-8") as f:
            f.write(MEASURE_PAGE % (width, "widths.html"))
        # The frame's page reads the export's layout: file: pages may read each other only so.
        root, raw, log = dump_dom(chromium, "file://" + frame, "--allow-file-access-from-files")
        body = root.find("body")
        try:
            layout = json.loads(body.attrs["data-layout"])
        except (AttributeError, KeyError, ValueError) as e:
            check(False, "%dpx: the frame measured nothing: %s" % (width, e))
            continue
        check(layout["width"] <= width, "%dpx: the page is %dpx wide" % (width, layout["width"]))
        check(len(layout["cells"]) >= 10, "%dpx: only %d cells measured"
              % (width, len(layout["cells"])))
        for text, cell_width, overflows in layout["cells"]:
            check(cell_width >= 40 and not overflows, "%dpx: the cell %r is %dpx wide%s"
                  % (width, text, cell_width, ", its text wider" if overflows else ""))


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
    it reads commands on fd 3 and writes replies on fd 4, each message ended by a NUL), for the
    checks that need real key presses."""

    def __init__(self, chromium):
        self.profile = tempfile.mkdtemp(prefix="tw-chromium-")
        to_chromium, from_us = os.pipe()
        to_us, from_chromium = os.pipe()

        def wire():
            # through fds out of the way, so that neither end is overwritten by the other
            os.dup2(to_chromium, 101)
            os.dup2(from_chromium, 102)
            os.dup2(101, 3)
            os.dup2(102, 4)

        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--user-data-dir=" + self.profile, "--window-size=1400,900",
             "--remote-debugging-pipe", "about:blank"],
            pass_fds=(3, 4), preexec_fn=wire,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chromium)
        os.close(from_chromium)
        self.out = os.fdopen(from_us, "wb", 0)
        self.inp = os.fdopen(to_us, "rb", 0)
        self.buffer = b""
        self.next_id = 0
        self.session = None
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=page["targetId"],
                                 flatten=True)["sessionId"]

    def call(self, method, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if self.session and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self.session
        self.out.write(json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self.buffer:
                chunk = self.inp.read(65536)
                if not chunk:
                    raise EOFError("chromium closed the pipe")
                self.buffer += chunk
            raw, self.buffer = self.buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError("%s: %s" % (method, reply["error"]))
                return reply["result"]

    def js(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def open(self, url):
        self.call("Page.navigate", url="about:blank")
        self.call("Page.navigate", url=url)
        for _ in range(200):
            if self.js("document.documentElement.getAttribute('data-tw-ready')") == "true" \
                    and self.js("document.readyState") == "complete":
                return True
            time.sleep(0.05)
        return False

    def key(self, key, code, keycode, text=None):
        down = {"type": "keyDown", "key": key, "code": code, "windowsVirtualKeyCode": keycode}
        if text:
            down["text"] = text
        self.call("Input.dispatchKeyEvent", **down)
        self.call("Input.dispatchKeyEvent", type="keyUp", key=key, code=code,
                  windowsVirtualKeyCode=keycode)

    def close(self):
        try:
            self.call("Browser.close")
            self.proc.wait(timeout=20)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


# Events for --output-zone: exact instants in winter and summer (Europe/Berlin changes its
# offset between them) and one that spans the change of March 29, 2026, floating ones.
ZONE_EVENTS = [
    {"id": "winter", "date": "2026-02-13T10:30:00Z", "title": "Winter"},
    {"id": "summer", "date": "2026-07-01T12:00:00Z", "title": "Summer"},
    {"id": "over-dst", "date": "2026-03-28T12:00:00Z", "end": "2026-03-30T12:00:00Z",
     "title": "Over the change"},
    {"id": "floating", "date": "2026-02-13T10:30", "title": "Floating minute"},
    {"id": "day", "date": "2026-02-13", "title": "A day"},
]
# For each zone: the zone as the page names it, and per event the table's "When" and the
# details' "Span".
ZONE_CASES = {
    "Europe/Berlin": ("Europe/Berlin", {
        "winter": ("2026-02-13T11:30:00+01:00", "2026-02-13 11:30 +01:00"),
        "summer": ("2026-07-01T14:00:00+02:00", "2026-07-01 14:00 +02:00"),
        "over-dst": ("2026-03-28T13:00:00+01:00",
                     "2026-03-28 13:00 +01:00 to 2026-03-30 14:00 +02:00 (end excluded)"),
        "floating": ("2026-02-13T10:30", "2026-02-13 10:30 to 2026-02-13 10:31 (end excluded)"),
        "day": ("2026-02-13", "2026-02-13"),
    }),
    "Asia/Kathmandu": ("Asia/Kathmandu", {
        "winter": ("2026-02-13T16:15:00+05:45", "2026-02-13 16:15 +05:45"),
        "summer": ("2026-07-01T17:45:00+05:45", "2026-07-01 17:45 +05:45"),
        "floating": ("2026-02-13T10:30", "2026-02-13 10:30 to 2026-02-13 10:31 (end excluded)"),
        "day": ("2026-02-13", "2026-02-13"),
    }),
    "+05:45": ("UTC+05:45", {
        "winter": ("2026-02-13T16:15:00+05:45", "2026-02-13 16:15 +05:45"),
    }),
    "America/New_York": ("America/New_York", {
        "winter": ("2026-02-13T05:30:00-05:00", "2026-02-13 05:30 -05:00"),
        "summer": ("2026-07-01T08:00:00-04:00", "2026-07-01 08:00 -04:00"),
    }),
}

# Records what the page draws on its canvas (the axis's zone label is only there), before the
# page's own script runs.
RECORD_CANVAS_TEXT = """
window.__twTexts = [];
var fillText = CanvasRenderingContext2D.prototype.fillText;
CanvasRenderingContext2D.prototype.fillText = function(text) {
  window.__twTexts.push(String(text));
  return fillText.apply(this, arguments);
};
"""


def check_zones(chromium, timeweave, tmp):
    """--output-zone: the table, the details and the header show exact times in the zone and
    name it, floating times and days stay as they are, whatever zone the browser runs in (TZ is
    set to another one); the axis is labelled with the zone. Without a zone, UTC as before."""
    source = os.path.join(tmp, "zones.json")
    with open(source, "w", encoding="utf-8") as f:
        json.dump({"events": ZONE_EVENTS}, f)
    env = dict(os.environ, TZ="Pacific/Honolulu")
    for zone, (label, expected) in sorted(ZONE_CASES.items()):
        page = os.path.join(tmp, "zone-%s.html" % zone.replace("/", "-"))
        run(timeweave, "build", "-s", "json:" + source, "--output-zone", zone, "-f", "html",
            "-o", page)
        for event_id, (when, span) in sorted(expected.items()):
            url = "file://" + page + "#event=" + event_id
            root, raw, log = dump_dom(chromium, url, env=env)
            check_log(log, url)
            html_node = root.find("html")
            check(html_node.attrs.get("data-tw-ready") == "true"
                  and html_node.attrs.get("data-tw-drawn") == str(len(ZONE_EVENTS)),
                  "%s: the script did not draw every event" % url)
            named = root.find(id="tw-zone")
            check(named is not None and named.text() == label,
                  "%s: the page names the zone %r, not %r"
                  % (url, named.text() if named else None, label))
            meta = root.find(**{"class": "tw-meta"})
            check(meta is not None and ("times in " + label) in meta.text(),
                  "%s: the header says %r" % (url, meta.text() if meta else None))
            row = next((r for r in root.find_all("tr") if r.attrs.get("data-id") == event_id),
                       None)
            cell = row.find("td") if row else None
            check(cell is not None and cell.find(**{"class": "tw-span"}) is None
                  and cell.text() == when or event_id == "over-dst" and cell is not None
                  and cell.text().startswith(when),
                  "%s: %s's When cell is %r, not %r"
                  % (url, event_id, cell.text() if cell else None, when))
            details = root.find(id="tw-details")
            terms = [n.text() for n in details.find_all("dt")] if details else []
            values = [n.text() for n in details.find_all("dd")] if details else []
            shown = dict(zip(terms, values))
            check(shown.get("When") == when and shown.get("Span") == span,
                  "%s: the details show When %r, Span %r; expected %r, %r"
                  % (url, shown.get("When"), shown.get("Span"), when, span))

    # The axis: the label the chart draws names the zone; without one, UTC as before.
    browser = Browser(chromium)
    try:
        browser.call("Page.enable")
        browser.call("Page.addScriptToEvaluateOnNewDocument", source=RECORD_CANVAS_TEXT)
        plain = os.path.join(tmp, "zone-none.html")
        run(timeweave, "build", "-s", "json:" + source, "-f", "html", "-o", plain)
        for page, label in ((os.path.join(tmp, "zone-Europe-Berlin.html"),
                             "times in Europe/Berlin"),
                            (os.path.join(tmp, "zone-+05:45.html"), "times in UTC+05:45"),
                            (plain, "times in UTC")):
            if not check(browser.open("file://" + page), "%s: the page did not get ready" % page):
                continue
            texts = browser.js("window.__twTexts") or []
            check(label in texts, "%s: the axis is not labelled %r" % (page, label))
            check(label == "times in UTC" or "times in UTC" not in texts,
                  "%s: the axis still says times in UTC" % page)
    finally:
        browser.close()
    root, raw, log = dump_dom(chromium, "file://" + plain + "#event=winter", env=env)
    details = root.find(id="tw-details")
    values = [n.text() for n in details.find_all("dd")] if details else []
    check(values[:2] == ["2026-02-13T10:30:00Z", "2026-02-13 10:30 UTC"],
          "without a zone, the details show %r" % values[:2])
    check(root.find(id="tw-zone") is None, "without a zone, the page names one")


def check_keyboard(chromium, page):
    """With the keyboard alone: Tab reaches the events' rows, and Enter or Space on a row opens
    its details, as a click does."""
    browser = Browser(chromium)
    try:
        if not check(browser.open("file://" + page), "keyboard: the page did not get ready"):
            return
        focused = "(function(e){return e.matches('tr[data-i]') ? e.getAttribute('data-id') : " \
                  "null})(document.activeElement)"
        heading = "(document.querySelector('#tw-details h3') || {}).textContent"
        title = "document.activeElement.querySelector('.tw-title').textContent"
        presses = 0
        while browser.js(focused) is None and presses < 80:
            browser.key("Tab", "Tab", 9)
            presses += 1
        if not check(browser.js(focused) is not None,
                     "keyboard: %d Tab presses never reached an event's row" % presses):
            return
        browser.key("Enter", "Enter", 13, "\r")
        check(browser.js(heading) == browser.js(title),
              "keyboard: Enter on a row showed %r" % browser.js(heading))
        browser.key("Tab", "Tab", 9)
        if check(browser.js(focused) is not None, "keyboard: Tab did not go to the next row"):
            browser.key(" ", "Space", 32, " ")
            check(browser.js(heading) == browser.js(title),
                  "keyboard: Space on a row showed %r" % browser.js(heading))
    finally:
        browser.close()


def check_hash(chromium, page, event_id, title, finding):
    """Changing the address's #event=ID or #finding=N while the page is open selects what it
    names, as opening the page with it does."""
    browser = Browser(chromium)
    try:
        if not check(browser.open("file://" + page), "hash: the page did not get ready"):
            return
        heading = "(document.querySelector('#tw-details h3') || {}).textContent"
        browser.js("location.hash = '#event=' + encodeURIComponent(%s)" % json.dumps(event_id))
        time.sleep(0.3)
        check(browser.js(heading) == title,
              "hash: #event=%s while open showed %r" % (event_id, browser.js(heading)))
        browser.js("location.hash = '#finding=1'")
        time.sleep(0.3)
        check(browser.js(heading) == finding,
              "hash: #finding=1 while open showed %r" % browser.js(heading))
    finally:
        browser.close()


def main():
    if len(sys.argv) != 2:
        print("usage: test-html-chromium.py TIMEWEAVE", file=sys.stderr)
        return 2
    timeweave = sys.argv[1]
    chromium = find_chromium()
    if chromium is None:
        if os.environ.get("CI") == "true":
            print("not ok: chromium is not installed, and CI=true does not allow skipping")
            return 1
        print("SKIP: chromium is not installed (apt-get install chromium)")
        return 77

    fixture = os.path.join(FIXTURES, "hostile.json")
    rules = os.path.join(FIXTURES, "hostile.rules")
    with open(fixture, encoding="utf-8") as f:
        source = json.load(f)
    EVENT_IDS.extend(e["id"] for e in source["events"])
    tmp = tempfile.mkdtemp(prefix="tw-html-test-")
    try:
        common = ["build", "-s", "json:" + fixture, "-a", "correlate:rules=" + rules,
                  "--title", HOSTILE_TITLE]
        page = os.path.join(tmp, "page.html")
        again = os.path.join(tmp, "again.html")
        doc = os.path.join(tmp, "doc.json")
        run(timeweave, *common, "-f", "html", "-o", page)
        run(timeweave, *common, "-f", "html", "-o", again)
        run(timeweave, *common, "-f", "json", "-o", doc)
        with open(page, "rb") as a, open(again, "rb") as b:
            check(a.read() == b.read(), "two runs gave different html")
        with open(doc, encoding="utf-8") as f:
            exported = json.load(f)
        check(len(exported["links"]) > len(source["links"]) and exported["findings"],
              "the analyzer added no links or findings: the test would not test them")

        url = "file://" + page
        root, raw, log = dump_dom(chromium, url)
        check_no_injection(root, raw, url)
        check_log(log, url)
        html_node = root.find("html")
        check(int(html_node.attrs.get("data-tw-drawn", "0")) > 0, "the chart drew no event")
        check(root.find("title").text() == HOSTILE_TITLE,
              "<title> is %r, not the literal title" % root.find("title").text())
        check(root.find("h1").text() == HOSTILE_TITLE,
              "<h1> is %r, not the literal title" % root.find("h1").text())
        n = len(source["events"])
        status = root.find(id="tw-status")
        check(status is not None and status.text().startswith("%d of %d events" % (n, n)),
              "status line: %r" % (status.text() if status else None))

        # Every event: one table row with its id, its title as text, its tags.
        rows = [r for t in root.find_all("table", **{"class": "tw-events"})
                for r in t.find_all("tr") if "data-id" in r.attrs]
        check(len(rows) == n, "the table has %d event rows, the fixture %d events" % (len(rows), n))
        by_id = {r.attrs["data-id"]: r for r in rows}
        for event in source["events"]:
            row = by_id.get(event["id"])
            if not check(row is not None, "no table row for event %r" % event["id"]):
                continue
            title = row.find(**{"class": "tw-title"})
            check(title is not None and title.text() == event["title"],
                  "event %r: title cell %r" % (event["id"], title.text() if title else None))
            cells = row.find_all("td")
            check(cells[0].text().startswith(event["date"]),
                  "event %r: when cell %r" % (event["id"], cells[0].text()))
            check(cells[4].text() == ", ".join(event["tags"]),
                  "event %r: tags cell %r" % (event["id"], cells[4].text()))
            if "description" in event:
                desc = row.find(**{"class": "tw-d"})
                check(desc is not None and desc.text() == event["description"],
                      "event %r: description %r" % (event["id"], desc.text() if desc else None))

        # Every link: a row of the links table with both ends and the rule as text.
        link_rows = [r for t in root.find_all("table", **{"class": "tw-links"})
                     for r in t.find_all("tr") if "data-from" in r.attrs]
        check(len(link_rows) == len(exported["links"]),
              "the links table has %d rows, the export %d links"
              % (len(link_rows), len(exported["links"])))
        titles = {e["id"]: e["title"] for e in source["events"]}
        for i, link in enumerate(exported["links"]):
            if not check(i < len(link_rows), "no row for link %d" % i):
                continue
            row = link_rows[i]
            cells = [c.text() for c in row.find_all("td")]
            check(row.attrs["data-from"] == link["from"] and row.attrs["data-to"] == link["to"],
                  "link %d: row is %r -> %r" % (i, row.attrs["data-from"], row.attrs["data-to"]))
            check(cells[:3] == [titles[link["from"]], titles[link["to"]], link["rule"]]
                  and cells[4] == link["certainty"], "link %d: cells %r" % (i, cells))

        # Every finding, in order, with its summary as text.
        items = root.find_all(**{"class": "tw-finding"})
        check(len(items) == len(exported["findings"]), "%d findings listed, %d exported"
              % (len(items), len(exported["findings"])))
        for item, finding in zip(items, exported["findings"]):
            summary = item.find(**{"class": "tw-fsum"})
            check(summary is not None and summary.text() == finding["summary"],
                  "finding %r: %r" % (finding["rule"], summary.text() if summary else None))
            check(finding["rule"] in item.text(), "finding %r: rule not shown" % finding["rule"])

        # The details panel, filled by the script from the data block, keeps text as text; the
        # javascript: URL is not made a link.
        url = "file://" + page + "#event=hostile-script"
        root, raw, log = dump_dom(chromium, url)
        check_no_injection(root, raw, url)
        check_log(log, url)
        details = root.find(id="tw-details")
        heading = details.find("h3") if details else None
        check(heading is not None and heading.text() == "<script>alert(1)</script>",
              "details heading: %r" % (heading.text() if heading else None))
        text = details.text() if details else ""
        hostile = next(e for e in source["events"] if e["id"] == "hostile-script")
        for needle in (hostile["description"], hostile["url"], "An exact instant", "<rule>&amp;",
                       "<b>tag</b>", "O'Brien & \"Sons\"", "</script><!--"):
            check(needle in text, "details panel lacks %r" % needle)
        check(details is not None and not details.find_all("a"),
              "the javascript: url became a link")

        # A finding selected: its details list its events by title.
        url = "file://" + page + "#finding=1"
        root, raw, log = dump_dom(chromium, url)
        check_no_injection(root, raw, url)
        details = root.find(id="tw-details")
        heading = details.find("h3") if details else None
        check(heading is not None and heading.text() == exported["findings"][1]["summary"],
              "finding details heading: %r" % (heading.text() if heading else None))

        check_long_table(chromium, timeweave, tmp)
        check_edges(chromium, timeweave, tmp)
        check_widths(chromium, timeweave, tmp)
        check_zones(chromium, timeweave, tmp)
        check_keyboard(chromium, page)
        hostile = next(e for e in source["events"] if e["id"] == "hostile-script")
        check_hash(chromium, page, hostile["id"], hostile["title"],
                   exported["findings"][1]["summary"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("ok: events, links and findings in the DOM; hostile text stayed text")
    return 0


if __name__ == "__main__":
    sys.exit(main())
