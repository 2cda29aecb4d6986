#!/usr/bin/env bash
# The json source reads back what the json and jsonl exporters write, without loss: export,
# import, export again and the bytes are the same. Also: determinism, --from/--to with fuzzy
# dates, and the messages and exit codes for broken input.
# argv[1]: the timeweave binary. Env: TW_SOURCE_ROOT (meson sets it).
set -uo pipefail

tw=${1:?usage: test-roundtrip.sh TIMEWEAVE}
root=${TW_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
fixtures=$root/tests/fixtures/json
python=/usr/bin/python3

skip()
{
  echo "# SKIP: $1"
  if [ "${CI:-}" = true ]; then
    echo "CI=true: a skip is a failure"
    exit 1
  fi
  exit 77
}

[ -x "$tw" ] || skip "no timeweave binary at $tw"
[ -x "$python" ] || skip "no $python to read the exports"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

failures=0
checks=0
ok()
{
  checks=$((checks + 1))
  echo "ok $checks - $1"
}
not_ok()
{
  checks=$((checks + 1))
  failures=$((failures + 1))
  echo "not ok $checks - $1"
  if [ -n "${2:-}" ]; then
    sed 's/^/#   /' <<<"$2"
  fi
}

# check NAME COMMAND...: passes when the command succeeds.
check()
{
  local name=$1
  shift
  local out
  if out=$("$@" 2>&1); then
    ok "$name"
  else
    not_ok "$name" "$out"
  fi
}

# run_tw NAME EXPECTED_STATUS ARGS...: runs timeweave, keeps stderr in $work/stderr.
run_tw()
{
  local name=$1 expected=$2
  shift 2
  "$tw" "$@" >"$work/stdout" 2>"$work/stderr"
  local status=$?
  if [ "$status" -eq "$expected" ]; then
    ok "$name (exit $status)"
  else
    not_ok "$name: exit $status, expected $expected" "$(cat "$work/stderr")"
  fi
}

# stderr_has TEXT: the last run's stderr has a line that is exactly TEXT, or starts with it.
stderr_has()
{
  if grep -qxF -- "$1" "$work/stderr" || grep -q -- "^$(printf '%s' "$1" | sed 's/[][\.*^$/]/\\&/g')" "$work/stderr"; then
    ok "stderr: $1"
  else
    not_ok "stderr lacks: $1" "$(cat "$work/stderr")"
  fi
}

# ids FILE: the event ids of a json export, one per line, in order.
ids()
{
  "$python" -c 'import json, sys; [print(e["id"]) for e in json.load(open(sys.argv[1]))["events"]]' "$1"
}

every=$fixtures/every-field.json

# -- json -> json -> json: byte-identical, and the same on a second run.
run_tw "export every-field.json" 0 build -s "json:$every" -f json --title "Every field" -o a.json
run_tw "re-import a.json" 0 build -s "json:a.json" -f json --title "Every field" -o b.json
check "json round trip is byte-identical (cmp a.json b.json)" cmp a.json b.json
run_tw "export again" 0 build -s "json:$every" -f json --title "Every field" -o a2.json
check "two runs give the same bytes" cmp a.json a2.json
run_tw "re-import again" 0 build -s "json:a.json" -f json --title "Every field" -o b2.json
check "two re-imports give the same bytes" cmp b.json b2.json

# The export really holds every precision, qualifier and zone form, and the links.
check "the export has every precision, qualifier, floating and zoned dates, links" \
  "$python" - a.json <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
events = doc["events"]
precisions = {e["precision"] for e in events}
want = {"exact", "minute", "hour", "day", "week", "month", "quarter", "half", "season", "year",
        "decade", "century"}
assert precisions == want, precisions ^ want
qualifiers = {e.get("qualifier") for e in events} - {None}
assert qualifiers == {"early", "mid", "late", "approx", "before", "after"}, qualifiers
assert any(e.get("floating") for e in events)
assert any(e["precision"] == "exact" and e.get("floating") for e in events)
zones = {e.get("zone") for e in events} - {None}
assert {"Europe/Berlin", "-05:00", "Asia/Tokyo"} <= zones, zones
by_id = {e["id"]: e for e in events}
assert by_id["exact-usec"]["start"] == "2026-02-13T09:30:00.123456Z"
assert by_id["exact-span"]["end"] == "2026-03-01T11:30:00Z"
assert by_id["unicode"]["title"] == "Unicode: Café ☕, 東京, Ελληνικά, emoji 🚀👩🏽‍💻"
assert by_id["unicode"]["geo"] == {"lat": -33.8688, "lon": -151.2093}
assert list(by_id["exact-usec"]["attributes"]) == ["zeta", "alpha", "empty", "json-ish"]
assert by_id["exact-usec"]["actors"] == ["Ada Lovelace", "Grace Hopper"]
assert by_id["day-utc"]["start"] == "2026-02-20T00:00:00Z" and "floating" not in by_id["day-utc"]
assert by_id["day-berlin"]["start"] == "2026-02-19T23:00:00Z", by_id["day-berlin"]
assert by_id["day-berlin"]["end"] == "2026-02-20T23:00:00Z" and "floating" not in by_id["day-berlin"]
assert any(e["source"] == "press" for e in events)
assert all(e["source"] in ("every-field", "press") for e in events)
assert len(doc["links"]) == 4, doc["links"]
assert {l["certainty"] for l in doc["links"]} == {"certain", "possible"}
assert any(l["lag_min"] == "-12d" for l in doc["links"])
EOF

# -- jsonl -> jsonl: byte-identical; jsonl -> json keeps every event.
run_tw "export jsonl" 0 build -s "json:$every" -f jsonl -o a.jsonl
run_tw "re-import a.jsonl" 0 build -s "json:a.jsonl" -f jsonl -o b.jsonl
check "jsonl round trip is byte-identical" cmp a.jsonl b.jsonl
run_tw "jsonl to json" 0 build -s "json:a.jsonl" -f json --title "Every field" -o c.json
check "jsonl to json gives the same events as json" \
  "$python" -c 'import json, sys; a, c = (json.load(open(p))["events"] for p in sys.argv[1:]); sys.exit(a != c)' \
  a.json c.json
# JSON Lines in a file named .json are found by their content.
cp a.jsonl lines.json
run_tw "JSON Lines named .json" 0 build -s "json:lines.json" -f jsonl -o d.jsonl
check "content detection reads them as JSON Lines" cmp a.jsonl d.jsonl
# Standard input.
"$tw" build -s json:- -f json --title "Every field" -o e.json <a.json 2>"$work/stderr"
check "a document on standard input" cmp a.json e.json

# -- --output-zone: instants written with offsets read back to the same events.
for zone in Asia/Tokyo America/St_Johns -03:30; do
  run_tw "export in $zone" 0 build -s "json:$every" -f json --title "Every field" \
    --output-zone "$zone" -o z.json
  run_tw "re-import the $zone export" 0 build -s "json:z.json" -f json --title "Every field" -o z2.json
  check "$zone export reads back to the UTC export" cmp a.json z2.json
  run_tw "re-export in $zone" 0 build -s "json:z.json" -f json --title "Every field" \
    --output-zone "$zone" -o z3.json
  check "$zone round trip is byte-identical" cmp z.json z3.json
done

# -- --from/--to keep the events that overlap, whatever their precision.
run_tw "range 2026-02-13" 0 build -s "json:$every" -f json --from 2026-02-13 --to 2026-02-13 -o r.json
ids r.json >r.ids
for id in exact-usec exact-offset exact-floating minute hour day week month quarter year decade \
  century winter approx-exact; do
  if grep -qx "$id" r.ids; then ok "in range: $id"; else not_ok "in range: $id" "$(cat r.ids)"; fi
done
for id in day-utc day-berlin exact-span mid early late before after approx half season unicode start-precision; do
  if grep -qx "$id" r.ids; then not_ok "out of range: $id" "$(cat r.ids)"; else ok "out of range: $id"; fi
done
run_tw "re-import with the same range" 0 build -s "json:r.json" -f json --from 2026-02-13 --to 2026-02-13 -o r2.json
check "a ranged export round trips" cmp r.json r2.json

# -- broken input.
broken=$fixtures/not-json.json
# Its first event was read before the broken second one: outside --strict the run exports
# what it read and says the timeline is partial (exit 3); --strict fails with no export.
run_tw "a document broken after its first event" 3 build -s "json:$broken" -f json -o x.json
stderr_has "timeweave: $broken:4: not JSON: "
check "the message says the timeline is partial" \
  grep -qF "(source 'not-json' stopped after 1 events: the timeline is partial)" "$work/stderr"
check "what was read is exported" grep -q '"id": "one"' x.json
run_tw "the same under --strict" 1 build --strict -s "json:$broken" -f json -o xs.json
stderr_has "timeweave: $broken:4: not JSON: "
check "no export is left behind under --strict" test ! -e xs.json
printf 'hello, world\n' >garbage.json
run_tw "a file that is not JSON at all" 1 build -s json:garbage.json -f json -o g.json
stderr_has "timeweave: garbage.json:1: not JSON: "
check "no export is left behind" test ! -e g.json

lines=$fixtures/broken-lines.jsonl
run_tw "JSON Lines with broken lines" 0 build -s "json:$lines" -f jsonl -o ok.jsonl
stderr_has "timeweave: $lines:2: warning: not JSON: "
stderr_has "timeweave: $lines:5: warning: no date: none of date, start, datetime, timestamp, time"
stderr_has "timeweave: $lines:6: warning: bad date in 'date': "
stderr_has "timeweave: $lines:7: warning: no title: neither title nor message"
stderr_has "timeweave: $lines:8: warning: 'tags' is a number, not a list of text"
stderr_has "timeweave: $lines:9: warning: not an event: an array, where an event object belongs"
stderr_has "timeweave: $lines:10: warning: not JSON Lines: more than one JSON value on the line"
check "blank line 4 is no warning" bash -c "! grep -q ':4:' '$work/stderr'"
check "the good lines are kept" \
  "$python" -c 'import json, sys; ids = [json.loads(l)["id"] for l in open(sys.argv[1])]; sys.exit(ids != ["ok-1", "ok-2", "ok-3"])' \
  ok.jsonl
run_tw "--strict: the first broken line fails" 1 build --strict -s "json:$lines" -f jsonl -o strict.jsonl
stderr_has "timeweave: $lines:2: not JSON: "
check "--strict prints one line" test "$(wc -l <"$work/stderr")" -eq 1
check "--strict leaves no export" test ! -e strict.jsonl

# A broken event in a document: the line where its object begins.
sed 's/"date": "2026-W07"/"date": "2026-W54"/' "$every" >doc-broken.json
line=$(grep -n '2026-W54' doc-broken.json | cut -d: -f1)
run_tw "a document with a broken event" 0 build -s json:doc-broken.json -f json -o f.json
stderr_has "timeweave: doc-broken.json:$line: warning: bad date in 'date': "
run_tw "--strict on a document" 1 build --strict -s json:doc-broken.json -f json -o f.json
stderr_has "timeweave: doc-broken.json:$line: bad date in 'date': "

printf '{"title": "no events here"}\n' >no-events.json
run_tw "an object that is neither a document nor an event" 1 build -s json:no-events.json -f json -o g.json
stderr_has "timeweave: no-events.json:1: not a timeweave document: no 'events' array, and no date for an event"
: >empty.json
run_tw "an empty .json file" 0 build -s json:empty.json -f json -o h.json
run_tw "format=json refuses an empty file" 1 build -s json:empty.json,format=json -f json -o h.json
stderr_has "timeweave: empty.json:1: not JSON: the document is empty"
run_tw "an unknown option" 2 build -s json:a.json,colour=blue -f json -o i.json

echo "1..$checks"
[ "$failures" -eq 0 ]
