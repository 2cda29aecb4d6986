#!/usr/bin/env bash
# The ABI policy as a plugin meets it: a plugin built against the headers of the previous minor
# (tests/abi/include, ABI 1.0) loads in the current core and its source, analyzer and exporter
# work; plugins that claim a newer minor or another major (tests/plugins/abi-version.c, shared
# with the registry test) are refused, and `timeweave plugins` says why with both versions.
# argv[1]: the timeweave binary. Env: TW_SOURCE_ROOT, TW_BUILD_ROOT (meson sets them).
set -uo pipefail

tw=${1:?usage: test-previous-minor.sh TIMEWEAVE}
root=${TW_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
build_root=${TW_BUILD_ROOT:-$(cd "$(dirname "$tw")/.." && pwd)}
abi_dir=$build_root/tests/abi
broken_dir=$build_root/tests/plugins
fixture=$root/tests/fixtures/abi/events.txt
py=/usr/bin/python3
unset TIMEWEAVE_PLUGIN_PATH
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME=$work/xdg

checks=0
failures=0
same()
{
  # same DESCRIPTION GOT WANTED
  checks=$((checks + 1))
  if [ "$2" = "$3" ]; then
    echo "ok $checks - $1"
  else
    failures=$((failures + 1))
    echo "not ok $checks - $1"
    diff <(printf '%s\n' "$3") <(printf '%s\n' "$2") | sed 's/^/#   /'
  fi
}

# The copy in tests/abi is ABI 1.0: a previous minor only while the core's major is 1.
version=$("$tw" --version)
core_abi=$(printf '%s' "$version" | sed -n 's/.*(plugin ABI \([0-9]*\.[0-9]*\))$/\1/p')
major=${core_abi%.*}
minor=${core_abi#*.}
same "the core's ABI major is still that of tests/abi/include (else replace the copy with the new major's .0 headers)" \
  "$major" 1

# Loaded, and listed with the ABI it was built for.
"$tw" plugins --json --plugin-dir "$abi_dir" >"$work/plugins.json" 2>"$work/err"
same "the ABI 1.0 plugin is loaded with its three components and option tables" "$("$py" - "$work/plugins.json" "$abi_dir" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
mine = [p for p in doc["plugins"] if p["name"] == "abi-1.0"]
refused = [r for r in doc["refused"] if "abi-1.0" in r]
for p in mine:
    print(p["file"] == sys.argv[2] + "/abi-1.0.so", p["abi"])
    for c in p["components"]:
        print(c["kind"], c["name"], [(o["name"], o["type"], o["default"]) for o in c["options"]])
print("refused:", refused)
EOF
)" "True 1.0
source abi10 [('prefix', 'string', ''), ('priority', 'int', '3'), ('mode', 'choice', 'keep'), ('keep-empty', 'bool', 'false')]
analyzer abi10-count [('tag', 'string', 'seen')]
exporter abi10-lines []
refused: []"

# Run: its source reads with its options, its analyzer adds tags and a finding, its exporter
# writes them; the impossible date is a warning with its line.
"$tw" build -q --plugin-dir "$abi_dir" \
  -s "abi10:$fixture,prefix=[1.0] ,priority=7,mode=upper,keep-empty=true" \
  -a abi10-count:tag=counted -f abi10-lines -o - >"$work/out" 2>"$work/err"
same "build with the ABI 1.0 source, analyzer and exporter: exit status" "$?" 0
same "its export" "$(cat "$work/out")" "$(printf '%s\n' \
  "2025-H1	[1.0] PLANNING	events	counted	priority=7" \
  "2026-02-13	[1.0] KICKOFF	events	counted	priority=7" \
  "2026-03-01T10:00:00Z	[1.0] CAFÉ OPENS	events	counted	priority=7" \
  "2026-Q2	[1.0] (UNTITLED)	events	counted	priority=7" \
  "finding	abi10-count	threshold	counted 4 events	4 events")"
same "its warning" "$(sed 's/: day .*//' "$work/err")" \
  "timeweave: $fixture:3: warning: '2026-02-30' is not a date"

"$tw" build -q --strict --plugin-dir "$abi_dir" -s "abi10:$fixture" -f json -o - \
  >"$work/out" 2>"$work/err"
same "under --strict its warning is the failure: exit status" "$?" 1
same "under --strict: the message" "$(sed 's/: day .*//' "$work/err")" \
  "timeweave: $fixture:3: '2026-02-30' is not a date"

# The same loader refuses a newer minor and another major, naming both versions.
"$tw" plugins --json --plugin-dir "$broken_dir" >"$work/broken.json" 2>"$work/err"
same "newer minor and other major refused with both versions; an older minor loads" "$("$py" - "$work/broken.json" "$broken_dir" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
prefix = sys.argv[2] + "/"
for r in sorted(doc["refused"]):
    if r.startswith(prefix + "abi-"):
        print(r[len(prefix):])
print("loaded:", sorted(p["name"] for p in doc["plugins"] if p["name"].startswith("abi-")))
EOF
)" "abi-major.so: built for plugin ABI $((major + 1)).$minor, this timeweave has $major.$minor (the major version must match: rebuild the plugin against these headers)
abi-minor-newer.so: built for plugin ABI $major.$((minor + 1)), this timeweave has $major.$minor (the plugin needs a newer timeweave)
loaded: ['abi-minor-older']"

echo "1..$checks"
[ "$failures" = 0 ]
