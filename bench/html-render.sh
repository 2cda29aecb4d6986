#!/usr/bin/env bash
# bench/html-render.sh: how fast the HTML export draws in a real browser. For 100, 1,000,
# 10,000 and 100,000 synthetic events (with a link per 10 events) it exports a page and loads it
# in headless Chromium, reading the time to the chart's first render that the page records on
# <html data-tw-first-render-ms> (performance.now() at the end of the first draw). The reference
# in the same run is the 100-event page: the ratio says what the timeline's size costs.
# Never run as a test. Usage: bench/html-render.sh [BUILD_DIR]   (default build)
set -euo pipefail

build=${1:-build}
tw=$build/cli/timeweave
[ -x "$tw" ] || { echo "bench/html-render.sh: no $tw: build first (tools/setup)" >&2; exit 1; }
chromium=$(command -v chromium || true)
[ -n "$chromium" ] || { echo "bench/html-render.sh: chromium is not installed" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

gen()
{
  # gen N FILE: N events over five years, 8 tags, 4 sources, a link every 10 events.
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(42)
events, links = [], []
for i in range(n):
    t = 1577836800 + rnd.randrange(5 * 365 * 86400)
    day = rnd.random() < 0.3
    ev = {"id": "e%d" % i, "title": "Event %d on host h%d" % (i, rnd.randrange(100)),
          "source": "src%d" % (i % 4), "tags": ["t%d" % rnd.randrange(8)]}
    if day:
        import time
        ev["date"] = time.strftime("%Y-%m-%d", time.gmtime(t))
    else:
        import time
        ev["date"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
    events.append(ev)
    if i % 10 == 9:
        links.append({"from": "e%d" % (i - 1), "to": "e%d" % i, "rule": "bench",
                      "lag_min": "0s", "lag_max": "1d", "certainty": "possible"})
json.dump({"events": events, "links": links}, open(path, "w"))
PY
}

render_ms()
{
  # render_ms PAGE: the first render time Chromium's page reports (real time, no virtual clock).
  "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile-$RANDOM" --window-size=1400,900 --dump-dom "file://$1" 2>/dev/null |
    grep -o 'data-tw-first-render-ms="[0-9.]*"' | head -1 | grep -o '[0-9.]*'
}

printf '%-8s %10s %14s %14s %8s\n' events "page KiB" "export s" "first render ms" ratio
base=
for n in 100 1000 10000 100000; do
  gen "$n" "$work/e$n.json"
  start=$(date +%s.%N)
  SOURCE_DATE_EPOCH=0 "$tw" build -q -s "json:$work/e$n.json" -f html -o "$work/e$n.html"
  export_s=$(echo "$(date +%s.%N) - $start" | bc)
  kib=$(($(stat -c %s "$work/e$n.html") / 1024))
  # The median of three loads: a single load is noisy on a shared machine.
  ms=$(for _ in 1 2 3; do render_ms "$work/e$n.html"; done | sort -n | sed -n 2p)
  [ -n "$base" ] || base=$ms
  printf '%-8s %10s %14.2f %14s %8.1f\n' "$n" "$kib" "$export_s" "$ms" "$(echo "$ms / $base" | bc -l)"
done
echo "(machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); Chromium $("$chromium" --version 2>/dev/null | awk '{print $2}'))"
