#!/usr/bin/env bash
# timeweave -> Timesketch JSONL -> timeweave keeps every field; the JSONL passes the checks
# Timesketch's importer makes (its mandatory fields, dateutil's reading of datetime, the tag
# list); the OpenSearch bulk files are cut below max-bytes and add up to the whole body.
# argv[1]: the timeweave binary. Env: TW_SOURCE_ROOT (meson sets it).
set -uo pipefail

tw=${1:?usage: test-timesketch-roundtrip.sh TIMEWEAVE}
root=${TW_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
every=$root/tests/fixtures/json/every-field.json
fixtures=$root/tests/fixtures/timesketch
# Debian's python, for python3-dateutil (which Timesketch reads datetime with; python3-icalendar,
# a test dependency, depends on it).
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
[ -x "$python" ] || skip "no $python"
"$python" -c 'import dateutil.parser' 2>/dev/null || skip "no python3-dateutil for $python"

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
# run_tw NAME EXPECTED_STATUS ARGS...: runs timeweave, keeps stdout and stderr in files.
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

# What Timesketch's importer (timesketch/lib/utils.py, read_and_validate_jsonl) requires of each
# line, and what its index then does with it.
timesketch_accepts()
{
  "$python" - "$1" <<'EOF'
import datetime, json, re, sys
from dateutil import parser

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
# OpenSearch's date detection (strict_date_optional_time) would make a field of these a date.
ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T[\d:.]*(Z|[+-][\d:]+)?)?)?)?$")
path = sys.argv[1]
assert path.endswith(".jsonl"), "Timesketch wants the name to end in .jsonl"
n = 0
with open(path, encoding="utf-8") as f:
    for number, line in enumerate(f, 1):
        assert line.endswith("\n"), f"line {number}: no newline"
        event = json.loads(line)
        for field in ("message", "datetime", "timestamp_desc"):
            assert isinstance(event.get(field), str) and event[field], f"line {number}: {field}"
        when = parser.parse(event["datetime"])
        assert when.tzinfo is not None, f"line {number}: datetime without a zone"
        usec = (when - EPOCH) // datetime.timedelta(microseconds=1)
        assert event["timestamp"] == usec, f"line {number}: timestamp {event['timestamp']} != {usec}"
        # Timesketch computes it so when timestamp is missing: the same within a microsecond.
        assert abs(int(when.timestamp() * 1000000) - usec) <= 1
        assert isinstance(event["tag"], list) and all(isinstance(t, str) for t in event["tag"])
        assert not any(k.startswith("_") for k in event), f"line {number}: Timesketch drops _ fields"
        if "date" in event:
            assert not ISO_DATE.match(event["date"]), f"line {number}: date {event['date']}"
        if event["precision"] != "exact":
            assert "end" in event and parser.parse(event["end"]) > when, f"line {number}: no end"
        n += 1
assert n > 0
print(f"{n} lines accepted")
EOF
}

# same_timeline A B: two json exports hold the same document; links compared as sets (on the way
# back they come in the order of their events).
same_timeline()
{
  "$python" - "$1" "$2" <<'EOF'
import json, sys
a, b = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3])
for doc in (a, b):
    doc["links"] = sorted(doc["links"], key=lambda l: json.dumps(l, sort_keys=True))
for key in a.keys() | b.keys():
    if key == "events":
        continue
    assert a.get(key) == b.get(key), f"{key}: {a.get(key)} != {b.get(key)}"
assert len(a["events"]) == len(b["events"]) == 32, (len(a["events"]), len(b["events"]))
for x, y in zip(a["events"], b["events"]):
    # The same members in the same order with the same values.
    assert list(x.items()) == list(y.items()), f"\n{x}\n{y}"
assert len(a["links"]) == 4
print("events, links, title the same")
EOF
}

# -- every field there and back, in UTC and in an output zone with half-hour offsets.
for zone in "" Asia/Kolkata; do
  label=${zone:-UTC}
  zone_args=()
  [ -n "$zone" ] && zone_args=(--output-zone "$zone")
  out=$work/$label
  run_tw "$label: export json and timesketch" 0 build -s "json:$every" -f json -f timesketch \
    --title "Every field" "${zone_args[@]}" -o "$out"
  check "$label: Timesketch's importer would take every line" timesketch_accepts "$out/timeline.jsonl"
  run_tw "$label: read the JSONL back with preset=timesketch" 0 build \
    -s "json:$out/timeline.jsonl,preset=timesketch" -f json -f timesketch --title "Every field" \
    "${zone_args[@]}" -o "$out/back"
  check "$label: the json export keeps every field" same_timeline "$out/timeline.json" \
    "$out/back/timeline.json"
  check "$label: and the JSONL written again is byte-identical" cmp "$out/timeline.jsonl" \
    "$out/back/timeline.jsonl"
done

run_tw "export again" 0 build -s "json:$every" -f json -f timesketch --title "Every field" -o again
check "two runs give the same JSONL" cmp UTC/timeline.jsonl again/timeline.jsonl

# -- plaso's json_line through timeweave to Timesketch: plaso's fields ride along as attributes.
run_tw "plaso json_line to timesketch" 0 build -s "json:$fixtures/plaso-json_line.jsonl,preset=plaso" \
  -f timesketch -o plaso.jsonl
check "Timesketch would take the plaso events" timesketch_accepts plaso.jsonl
check "plaso's parser, display_name, kind and tags are kept" "$python" - plaso.jsonl <<'EOF'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(events) == 5
logon = next(e for e in events if e["message"].startswith("[4624"))
assert logon["timestamp_desc"] == "Creation Time" and logon["kind"] == "Creation Time"
assert logon["tag"] == ["logon", "lateral_movement"]
assert logon["attributes"]["parser"] == "winevtx"
assert logon["attributes"]["display_name"] == "TSK:/Windows/System32/winevt/Logs/Security.evtx"
assert logon["datetime"] == "2021-03-08T04:25:01.234567+00:00"
EOF

# -- OpenSearch: files under max-bytes that add up to the whole body; standard output unsplit.
run_tw "opensearch split at 3000 bytes" 0 build -s "json:$every" -f opensearch:max-bytes=3000 \
  -o bulk/case.ndjson
run_tw "opensearch to standard output" 0 build -s "json:$every" -f opensearch -o -
cp "$work/stdout" whole.ndjson
check "every file is whole entries under 3000 bytes, together the whole body" "$python" - <<'EOF'
import glob, json
parts = ["bulk/case.ndjson"] + sorted(glob.glob("bulk/case-[0-9][0-9][0-9][0-9].ndjson"))
assert len(parts) > 3, parts
body = b""
for path in parts:
    data = open(path, "rb").read()
    assert 0 < len(data) <= 3000 and data.endswith(b"\n"), (path, len(data))
    lines = data.decode("utf-8").split("\n")[:-1]
    assert len(lines) % 2 == 0
    for action, document in zip(lines[0::2], lines[1::2]):
        action, document = json.loads(action), json.loads(document)
        assert action == {"index": {"_index": "timeweave", "_id": document["id"]}}
    body += data
assert body == open("whole.ndjson", "rb").read()
template = json.load(open("bulk/case.template.json"))
assert template["index_patterns"] == ["timeweave"]
print(len(parts), "files")
EOF
run_tw "standard output cannot be split" 1 build -s "json:$every" -f opensearch:max-bytes=3000 -o -
check "nothing reached standard output" test ! -s "$work/stdout"
check "the message says why" grep -q "standard output cannot be split into files" "$work/stderr"

echo "1..$checks"
[ "$failures" -eq 0 ]
