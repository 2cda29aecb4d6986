#!/usr/bin/env bash
# The command line as a user meets it: help, version, plugins, usage errors (exit 2), runtime
# failures (exit 1, one line `timeweave: ...`), standard input and output, several formats into a
# folder, exports that never leave a partial file, and the default timeline.
# argv[1]: the timeweave binary. Env: TW_SOURCE_ROOT (meson sets it).
set -uo pipefail

tw=${1:?usage: test-cli.sh TIMEWEAVE}
root=${TW_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
fixtures=$root/tests/fixtures
# Formats that record when they were made (ics, html) take it from here: pinned, so two runs
# can be compared byte for byte.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1767225600}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

checks=0
failures=0
check()
{
  # check DESCRIPTION EXPECTED_STATUS COMMAND...: runs COMMAND, keeps its stdout and stderr in
  # out and err, and compares its exit status.
  local what=$1 want=$2
  shift 2
  "$@" >out 2>err
  local got=$?
  checks=$((checks + 1))
  if [ "$got" = "$want" ]; then
    echo "ok $checks - $what"
  else
    failures=$((failures + 1))
    echo "not ok $checks - $what: exit $got, wanted $want"
    sed 's/^/#   stderr: /' err | head -5
  fi
}
expect()
{
  # expect DESCRIPTION FILE REGEX: FILE must contain a line matching REGEX.
  checks=$((checks + 1))
  if grep -Eq -- "$3" "$2"; then
    echo "ok $checks - $1"
  else
    failures=$((failures + 1))
    echo "not ok $checks - $1: no line matching /$3/ in $2:"
    sed 's/^/#   /' "$2" | head -5
  fi
}
one_line()
{
  checks=$((checks + 1))
  local n
  n=$(wc -l <"$2")
  if [ "$n" = 1 ]; then
    echo "ok $checks - $1: one line"
  else
    failures=$((failures + 1))
    echo "not ok $checks - $1: $n lines on stderr"
    sed 's/^/#   /' "$2" | head -5
  fi
}

every=$fixtures/json/every-field.json

# -- help and version
check "--version" 0 "$tw" --version
expect "--version names the ABI" out '^timeweave [0-9]+\.[0-9]+\.[0-9]+ \(plugin ABI [0-9]+\.[0-9]+\)$'
check "--help" 0 "$tw" --help
expect "--help lists the commands" out '^  build '
check "no command is a usage error" 2 "$tw"
check "unknown command" 2 "$tw" frobnicate
expect "unknown command says so" err "^timeweave: unknown command 'frobnicate'"
one_line "unknown command" err
check "build --help" 0 "$tw" build --help
expect "build --help documents -s" out 'PLUGIN:PATH'
expect "build --help documents --output-zone" out '--output-zone'

# -- plugins
check "plugins" 0 "$tw" plugins
expect "plugins lists the json source" out '^  source +json '
expect "plugins lists the csv exporter" out '^  exporter +csv '
check "plugins json" 0 "$tw" plugins json
expect "plugins json prints its option table" out '^  NAME +TYPE +DEFAULT$'
expect "plugins json documents timezone" out '^  timezone +zone +-$'
check "plugins --json" 0 "$tw" plugins --json
/usr/bin/python3 -c 'import json,sys; d=json.load(open("out")); assert any(c["name"]=="json" and c["kind"]=="source" for p in d["plugins"] for c in p["components"])' &&
  { checks=$((checks + 1)); echo "ok $checks - plugins --json parses and lists json"; } ||
  { checks=$((checks + 1)); failures=$((failures + 1)); echo "not ok $checks - plugins --json"; }
# plugins NAME --json describes what plugins NAME does (NAME used to be ignored: the whole list)
check "plugins csv --json" 0 "$tw" plugins csv --json
/usr/bin/python3 -c 'import json; d=json.load(open("out")); got=sorted((c["kind"], c["name"]) for p in d["plugins"] for c in p["components"]); assert got == [("exporter", "csv"), ("source", "csv")], got' &&
  { checks=$((checks + 1)); echo "ok $checks - plugins csv --json lists the two csv components only"; } ||
  { checks=$((checks + 1)); failures=$((failures + 1)); echo "not ok $checks - plugins csv --json"; }
# an unknown name is a usage error, as an unknown -s, -a or -f name is (the man page says 2)
check "plugins nosuchthing --json" 2 "$tw" plugins nosuchthing --json
check "plugins with an unknown name" 2 "$tw" plugins nosuchthing
one_line "plugins nosuchthing" err

# -- usage errors: exit 2, one line
check "build without a source" 2 "$tw" build -f json -o -
expect "no source message" err "^timeweave: no source: add one with -s PLUGIN:PATH"
check "-s without a path" 2 "$tw" build -s json -o -
expect "-s syntax message" err "^timeweave: -s needs PLUGIN:PATH"
one_line "-s without a path" err
# an option whose value was left out, followed by another option: GOption took `-o` for the date
# and complained of an "unexpected argument '-'"; a value that merely begins with - is a value
check "--from without its value" 2 "$tw" build -s "json:$every" --from -o -
expect "says which option lacks its value" err "^timeweave: --from needs a value, and '-o' after it is an option"
one_line "--from without its value" err
check "run --to without its value" 2 "$tw" run --to --from 2025
expect "run says it too" err "^timeweave: --to needs a value, and '--from' after it is an option"
check "--output-zone -05:00 is a value" 0 "$tw" build -q -s "json:$every" --output-zone -05:00 -f jsonl -o -
expect "times in -05:00" out '"start":"[0-9-]+T[0-9:]+-05:00"'
check "unknown source plugin" 2 "$tw" build -s nosuch:x.json -o -
expect "unknown plugin lists the available ones, sorted" err "^timeweave: no source named 'nosuch' \(available: bodyfile, csv, git, ics, json, log, text\)"
check "unknown source option" 2 "$tw" build -s "json:$every,colour=red" -o -
expect "unknown option names the known ones" err "unknown option 'colour' for json \(known: "
check "bad option value" 2 "$tw" build -s "json:$every,timezone=Mars/Olympus" -o -
expect "bad zone is quoted" err "'Mars/Olympus' is not a time zone"
# A value only the plugin can judge (checked when it runs) is as much a usage error.
check "bad csv delimiter" 2 "$tw" build -s "csv:$fixtures/csv/events.csv,delimiter=:" -o -
expect "bad delimiter is named" err "^timeweave: option 'delimiter' of csv: ':' is not one of"
one_line "bad csv delimiter" err
check "log regex without a time group" 2 "$tw" build -s "log:$every,regex=^(?<msg>.*)$" -o -
expect "regex message" err "^timeweave: option 'regex' of log: no \(\?<time>\.\.\.\) group"
check "option without =" 2 "$tw" build -s "json:$every,oops" -o -
expect "KEY=VALUE message" err "'oops' is not KEY=VALUE"
check "unknown format" 2 "$tw" build -s "json:$every" -f docx -o -
expect "unknown format lists formats, sorted" err "no format named 'docx' \(available: csv, html, ics, json, jsonl, opensearch, timesketch\)"
check "bad --from" 2 "$tw" build -s "json:$every" --from yesterday-ish -o -
one_line "bad --from" err
check "--to before --from" 2 "$tw" build -s "json:$every" --from 2026 --to 2025 -o -
check "several formats to stdout" 2 "$tw" build -s "json:$every" -f json -f csv -o -

# A short option's value attached to it, as make and sort take it (GOption alone read `-j2` as
# -j with the next argument for its value): the same export as with the value apart.
check "-j 2 -f jsonl -o -" 0 "$tw" build -j 2 -s "json:$every" -f jsonl -o -
mv out apart.jsonl
check "-j2 -fjsonl -o-" 0 "$tw" build -j2 -s "json:$every" -fjsonl -o-
cmp -s out apart.jsonl && { checks=$((checks + 1)); echo "ok $checks - -j2 -fjsonl -o- gives the same export"; } ||
  { checks=$((checks + 1)); failures=$((failures + 1)); echo "not ok $checks - -j2 -fjsonl -o- differs"; }
check "-qj1 (flags, then a value)" 0 "$tw" build -qj1 -s "json:$every" -fjsonl -o-
cmp -s out apart.jsonl && { checks=$((checks + 1)); echo "ok $checks - -qj1 gives the same export"; } ||
  { checks=$((checks + 1)); failures=$((failures + 1)); echo "not ok $checks - -qj1 differs"; }
check "-s - is a value, not an option" 0 sh -c "\"$tw\" build -s json:- -f jsonl -o - < \"$every\""
check "-jx is a usage error" 2 "$tw" build -jx -s "json:$every" -o -
expect "-jx names the value" err "for -j"
one_line "-jx" err
# -j 0 and -j -1 ran with the default number of threads as if understood.
check "-j 0 is a usage error" 2 "$tw" build -j 0 -s "json:$every" -o -
expect "-j 0 says what it takes" err "^timeweave: -j 0: give the number of sources to read at once, 1 or more"
check "run -j -1 is a usage error" 2 "$tw" run -j -1 -o jneg

# -- docs/analyzers.md's tag example, as written there, run by the shell: its selector has spaces
# (the example was unquoted, and the shell split it: "unexpected argument 'and'")
doc_tag=$(grep -m1 "^timeweave build \.\.\. -a .*tag:select=" "$root/docs/analyzers.md")
check "docs/analyzers.md tag example runs" 0 sh -c "${doc_tag/timeweave build .../\"\$1\" build -s json:\$2} -f jsonl -o -" sh "$tw" "$root/timelines/ai-chip-race/events.json"
expect "the example tags the restrictions" out '"id":"us-h20-ban-2025".*"restriction"'

# -- a source's name is its identity (ids hash it with the line or row): two files given one
# name lost the second's rows without a word (their ids were the first's), so it is refused
printf '2026-03-02T08:00:00Z first file, line one\n2026-03-02T08:01:00Z first file, line two\n' >one.log
printf '2026-03-02T09:00:00Z second file, line one\n2026-03-02T09:01:00Z second file, line two\n' >two.log
check "two sources given one name" 2 "$tw" build -s log:one.log,name=app -s log:two.log,name=app -f jsonl -o -
expect "the name is named" err "^timeweave: two sources named 'app': give each its own name"
one_line "two sources given one name" err
check "a name given that a derived one took" 2 "$tw" build -s log:one.log -s log:two.log,name=one -f jsonl -o -
check "two logs with names of their own" 0 "$tw" build -s log:one.log,name=app -s log:two.log,name=app-2 -f jsonl -o -
checks=$((checks + 1))
if [ "$(grep -c . out)" = 4 ]; then echo "ok $checks - all four lines"; else failures=$((failures + 1)); echo "not ok $checks - $(grep -c . out) lines"; fi
printf '[timeline]\ntitle=x\n[source a]\nplugin=json\npath=%s\n[source b]\nplugin=json\npath=%s\nname=a\n' "$every" "$every" >samename.timeline
check "spec with two sources of one name" 1 "$tw" run samename.timeline -o samename
expect "the name= line is named" err "^timeweave: .*samename.timeline:9: \[source b\]: two sources named 'a'"

# -- runtime failures: exit 1, one line naming the file
check "missing file" 1 "$tw" build -s json:nothere.json -o -
expect "missing file message" err "^timeweave: nothere.json: no such file$"
one_line "missing file" err
mkdir adir
check "a directory as a file" 1 "$tw" build -s json:adir -o -
expect "directory message" err "^timeweave: adir: is a directory"
printf 'hello, world\n' >garbage.json
check "not JSON" 1 "$tw" build -s json:garbage.json -o -
expect "not JSON names file and line" err "^timeweave: garbage.json:1: not JSON"
one_line "not JSON" err
check "output folder cannot be made" 1 "$tw" build -s "json:$every" -f json -o /proc/nope/x.json
one_line "output folder" err

# -- streams and folders
check "stdin to stdout" 0 sh -c "\"$tw\" build -s json:- -f jsonl -o - < \"$every\""
expect "jsonl on stdout" out '^\{"id":'
expect "stdin source is named stdin" out '"source":"stdin"|"source":'
check "two sources of standard input" 2 sh -c "\"$tw\" build -s json:- -s csv:- -f jsonl -o - < \"$every\""
expect "standard input is read once" err "^timeweave: standard input \(-\) can be read by one source only, and source 'stdin' reads it"
one_line "two sources of standard input" err
# One format into a folder: `-o DIR/` (made when missing) or a folder that exists receives
# DIR/timeline.EXT, as several formats do (it used to make the folder, then fail "Is a directory")
check "one format into a new folder/" 0 "$tw" build -s "json:$every" -f csv -o onefolder/
checks=$((checks + 1))
if [ -s onefolder/timeline.csv ]; then echo "ok $checks - onefolder/timeline.csv written"; else failures=$((failures + 1)); echo "not ok $checks - onefolder/timeline.csv missing"; fi
check "one format into an existing folder" 0 "$tw" build -s "json:$every" -f jsonl -o onefolder
checks=$((checks + 1))
if [ -s onefolder/timeline.jsonl ]; then echo "ok $checks - onefolder/timeline.jsonl written"; else failures=$((failures + 1)); echo "not ok $checks - onefolder/timeline.jsonl missing"; fi
check "several formats into a folder" 0 "$tw" build -s "json:$every" -f json -f csv -f jsonl -o multi
for f in multi/timeline.json multi/timeline.csv multi/timeline.jsonl; do
  checks=$((checks + 1))
  if [ -s "$f" ]; then echo "ok $checks - $f written"; else failures=$((failures + 1)); echo "not ok $checks - $f missing"; fi
done
checks=$((checks + 1))
if [ ! -s err ]; then echo "ok $checks - no progress noise when stderr is not a terminal"; else failures=$((failures + 1)); echo "not ok $checks - stderr not empty:"; sed 's/^/#   /' err; fi

# jsonl and timesketch share an extension: each keeps a file of its own.
check "jsonl and timesketch into one folder" 0 "$tw" build -s "json:$every" -f jsonl -f timesketch -o shared
checks=$((checks + 1))
if [ -s shared/timeline.jsonl ] && [ -s shared/timeline.timesketch.jsonl ] &&
  ! grep -q '"timestamp_desc"' shared/timeline.jsonl && grep -q '"timestamp_desc"' shared/timeline.timesketch.jsonl; then
  echo "ok $checks - timeline.jsonl and timeline.timesketch.jsonl, neither overwriting the other"
else
  failures=$((failures + 1))
  echo "not ok $checks - shared extension:"
  ls -l shared | sed 's/^/#   /'
fi
# `plugins timesketch` names the members in the order the lines have them.
checks=$((checks + 1))
members='\b(message|datetime|timestamp_desc|timestamp) \('
help_order=$("$tw" plugins timesketch | tr -s ' \n' '  ' | grep -oE "$members" | cut -d' ' -f1 |
  awk '!seen[$0]++' | tr '\n' ' ')
line_order=$(head -n 1 shared/timeline.timesketch.jsonl |
  grep -oE '"(message|datetime|timestamp_desc|timestamp)":' | tr -d '":' | tr '\n' ' ')
if [ -n "$line_order" ] && [ "$help_order" = "$line_order" ]; then
  echo "ok $checks - plugins timesketch gives the members' order of the lines"
else
  failures=$((failures + 1))
  echo "not ok $checks - plugins timesketch says '$help_order', the lines have '$line_order'"
fi

# -- a failed run keeps the older export and leaves no temporary file
"$tw" build -s "json:$every" -f json -o keep.json 2>/dev/null
cp keep.json keep.orig
check "failing run" 1 "$tw" build -s "json:$every" -s json:garbage.json -f json -o keep.json
checks=$((checks + 1))
if cmp -s keep.json keep.orig && [ -z "$(ls -A | grep '^\.keep\.json\.')" ]; then
  echo "ok $checks - older export intact, no temporary file"
else
  failures=$((failures + 1)); echo "not ok $checks - older export changed or temporary left"
fi

# -- a source that fails mid-stream: the others are still exported, exit 3, the summary says so
"$tw" build -s "json:$every" -f jsonl -o every.jsonl 2>/dev/null
for i in $(seq 1 200); do sed "s/\"id\":\"\([^\"]*\)\"/\"id\":\"\1-$i\"/" every.jsonl; done >big.jsonl
gzip -k big.jsonl
head -c $(($(stat -c %s big.jsonl.gz) / 2)) big.jsonl.gz >cut.jsonl.gz
check "a source failing mid-stream gives a partial timeline" 3 "$tw" build -s json:cut.jsonl.gz -s json:every.jsonl -f csv -o partial.csv
expect "mid-stream failure names file, line and the partial timeline" err "^timeweave: cut.jsonl.gz:[0-9]+: cannot read on: the compressed data ends early \(a truncated .gz file\?\) \(source 'cut' stopped after [0-9]+ events: the timeline is partial\)$"
one_line "mid-stream failure" err
checks=$((checks + 1))
if [ "$(grep -c '^[a-z0-9-]*-1,' partial.csv)" -gt 0 ] && [ "$(wc -l <partial.csv)" -gt "$(($(wc -l <every.jsonl) + 1))" ]; then echo "ok $checks - partial export has both sources' events"; else failures=$((failures + 1)); echo "not ok $checks - partial export lacks events"; fi
check "--strict makes the mid-stream failure fatal" 1 "$tw" build --strict -s json:cut.jsonl.gz -s json:every.jsonl -f csv -o strict.csv
checks=$((checks + 1))
if [ ! -e strict.csv ]; then echo "ok $checks - no export under --strict"; else failures=$((failures + 1)); echo "not ok $checks - strict export written"; fi
# The log source holds each record until the next line (which may continue it): the record read
# last before the failure is kept too, so every line before the failing one is an event.
for i in $(seq 1 20000); do echo "2026-03-30T01:00:00Z INFO line $i"; done | gzip >big.log.gz
head -c $(($(stat -c %s big.log.gz) / 2)) big.log.gz >cut.log.gz
check "a log failing mid-stream gives a partial timeline" 3 "$tw" build -s log:cut.log.gz -f jsonl -o cut-log.jsonl
cut_line=$(sed -n 's/^timeweave: cut\.log\.gz:\([0-9]*\): .*/\1/p' err)
checks=$((checks + 1))
if [ -n "$cut_line" ] && [ "$(wc -l <cut-log.jsonl)" = $((cut_line - 1)) ] && grep -q "stopped after $((cut_line - 1)) events" err; then
  echo "ok $checks - a log cut mid-stream keeps every line before the failing one"
else
  failures=$((failures + 1)); echo "not ok $checks - a log cut at line $cut_line gave $(wc -l <cut-log.jsonl) events"
fi

# -- the default timeline
check "run (default timeline)" 0 "$tw" run -o default
expect "summary names the title" out '^The AI chip race, 2022-2027: [0-9]+ events'
for f in json jsonl csv ics html; do
  expect "summary gives the $f path" out "^  $f +-> default/ai-chip-race\.$f$"
  checks=$((checks + 1))
  if [ -s "default/ai-chip-race.$f" ]; then echo "ok $checks - default $f written"; else failures=$((failures + 1)); echo "not ok $checks - default $f missing"; fi
done
check "run --quiet prints nothing" 0 "$tw" run -q -o quiet
checks=$((checks + 1))
if [ ! -s out ] && [ ! -s err ]; then echo "ok $checks - quiet"; else failures=$((failures + 1)); echo "not ok $checks - quiet printed"; fi
checks=$((checks + 1))
if cmp -s default/ai-chip-race.json quiet/ai-chip-race.json && cmp -s default/ai-chip-race.ics quiet/ai-chip-race.ics && cmp -s default/ai-chip-race.html quiet/ai-chip-race.html; then
  echo "ok $checks - two runs are byte-identical"
else
  failures=$((failures + 1)); echo "not ok $checks - two runs differ"
fi
check "run -j1 gives the same bytes" 0 "$tw" run -q -j 1 -o one
checks=$((checks + 1))
if cmp -s default/ai-chip-race.csv one/ai-chip-race.csv; then echo "ok $checks - thread count does not matter"; else failures=$((failures + 1)); echo "not ok $checks - -j1 differs"; fi
# -- a limit counts the memory the events take, not the blocks mapped for them (a source's 1 MiB
# of text block, of which a small timeline touches a page): the default timeline runs, with its
# analyzers, under a limit far below that, and writes the same bytes as without it.
check "run under --memory-limit 512K" 0 "$tw" run -q --memory-limit 512K -o limited
checks=$((checks + 1))
if cmp -s default/ai-chip-race.json limited/ai-chip-race.json && cmp -s default/ai-chip-race.html limited/ai-chip-race.html; then
  echo "ok $checks - a small timeline under a small limit is the same"
else
  failures=$((failures + 1)); echo "not ok $checks - limited run differs"
fi
check "a limit below the timeline's memory, with analyzers" 1 "$tw" run -q --memory-limit 4K -o tiny
expect "the refusal names the limit as given" err "^timeweave: the events do not fit in --memory-limit \(4K\) and went to temporary files"
one_line "the refusal" err
check "run a missing spec" 1 "$tw" run nothere.timeline
expect "missing spec message" err "^timeweave: nothere.timeline: no such file$"
printf '[timeline]\ntitle=x\n\n[source a]\nplugin=json\npath=a.json\ncolour=red\n' >bad.timeline
check "spec with an unknown option" 1 "$tw" run bad.timeline
expect "spec error names its line" err "^timeweave: .*bad.timeline:7: \[source a\]: unknown option 'colour'"
# -- values that only the component can judge (TwComponentCheck) are refused when the spec is
# loaded, at the line of the key, for sources and exports alike; from the command line they are
# usage errors before anything is read
printf '[timeline]\ntitle=x\n\n[source a]\nplugin=csv\npath=a.csv\ndelimiter=:\n' >badcsv.timeline
check "spec with a csv delimiter the source refuses" 1 "$tw" run badcsv.timeline
expect "the component's refusal names its line" err "^timeweave: .*badcsv.timeline:7: \[source a\]: option 'delimiter' of csv: ':' is not one of"
one_line "the component's refusal" err
printf '[timeline]\ntitle=x\n[source a]\nplugin=log\npath=a.log\nregex=^(?<msg>.*)$\nkind=x\n' >badlog.timeline
check "spec with a log regex without a time group" 1 "$tw" run badlog.timeline
expect "the regex's line" err "^timeweave: .*badlog.timeline:6: \[source a\]: option 'regex' of log: no"
printf '[timeline]\ntitle=x\n[source a]\nplugin=json\npath=a.json\n[export]\nformats=csv\n[export csv]\ndelimiter=:\n' >badexport.timeline
check "spec with a csv export delimiter the exporter refuses" 1 "$tw" run badexport.timeline
expect "the export option's line" err "^timeweave: .*badexport.timeline:9: \[export csv\]: option 'delimiter' of csv"
check "a csv export delimiter is checked before reading" 2 "$tw" build -s "json:/nonexistent/x.json" -f csv:delimiter=: -o -
expect "the delimiter, not the missing file" err "^timeweave: option 'delimiter' of csv: ':' is not one of"
# The analyzers of the correlate plugin check their options as sources do: at their spec line,
# and from build as usage errors before any source is read (they used to fail after reading
# everything, exit 1, with no line).
printf '[timeline]\ntitle=x\n[source a]\nplugin=json\npath=a.json\n[analyzer d]\nplugin=dedup\nsimilarity=1.5\n' >baddedup.timeline
check "spec with a dedup similarity above 1" 1 "$tw" run baddedup.timeline
expect "the similarity's line" err "^timeweave: .*baddedup.timeline:8: \[analyzer d\]: option 'similarity' of dedup: '1.5' is not a number from 0 to 1"
one_line "the similarity's refusal" err
printf '[timeline]\ntitle=x\n[source a]\nplugin=json\npath=a.json\n[analyzer s]\nplugin=sessionize\nby=actor\nselect=title:x\n' >badsession.timeline
check "spec with a sessionize selector that does not compile" 1 "$tw" run badsession.timeline
expect "the selector's line" err "^timeweave: .*badsession.timeline:9: \[analyzer s\]: option 'select' of sessionize: selector 'title:x' column 1"
printf '[timeline]\ntitle=x\n[source a]\nplugin=json\npath=a.json\n[analyzer c]\nplugin=correlate\n' >norules.timeline
check "spec with a correlate analyzer without rules" 1 "$tw" run norules.timeline
expect "the analyzer's section is named" err "^timeweave: .*norules.timeline:7: \[analyzer c\]: correlate needs a rules file"
check "a dedup similarity is checked before reading" 2 "$tw" build -s "json:/nonexistent/x.json" -a dedup:similarity=2 -o -
expect "the similarity, not the missing file" err "^timeweave: option 'similarity' of dedup: '2' is not"
check "a tag without tag= is checked before reading" 2 "$tw" build -s "json:/nonexistent/x.json" -a tag:select=* -o -
expect "tag= is asked for" err "give both select=SELECTOR and tag=TAG"
check "a sessionize gap below zero is a usage error" 2 "$tw" build -s "json:$every" -a sessionize:gap=-1m -o -
# min-events=0 (or less) and an empty tag prefix (which tagged sessions -1, -2 ...) say so
check "sessionize min-events=0 is a usage error" 2 "$tw" build -s "json:/nonexistent/x.json" -a sessionize:min-events=0 -o -
expect "min-events is named" err "^timeweave: option 'min-events' of sessionize: 0 is not a count of events"
check "sessionize with an empty tag prefix is a usage error" 2 "$tw" build -s "json:/nonexistent/x.json" -a sessionize:tag= -o -
expect "the prefix is named" err "^timeweave: option 'tag' of sessionize: '' is not a tag prefix"
check "correlate without rules is a usage error" 2 "$tw" build -s "json:/nonexistent/x.json" -a correlate -o -
expect "rules= is asked for" err "^timeweave: correlate needs a rules file: give rules=FILE"
# Options for a format the spec does not write (a typo, or a format left out of formats=) are
# refused at their section, not dropped without a word.
printf '[timeline]\ntitle=x\n[source a]\nplugin=json\npath=%s\n[export]\nformats=json,html\n[export cvs]\ndelimiter=;\n' "$every" >typo.timeline
check "spec with options for a format it does not write" 1 "$tw" run typo.timeline -o typo
expect "the section is named" err "^timeweave: .*typo.timeline:8: \[export cvs\] gives options to 'cvs', which is not among the formats written \(formats=json,html\)$"
checks=$((checks + 1))
if [ ! -e typo ]; then echo "ok $checks - nothing written"; else failures=$((failures + 1)); echo "not ok $checks - typo/ was written"; fi
printf '[timeline]\ntitle=x\n[source a]\nplugin=json\npath=%s\n[export]\nformats= ,\n' "$every" >noformat.timeline
check "spec whose formats= names none" 1 "$tw" run noformat.timeline -o noformat
expect "the formats line is named" err "^timeweave: .*noformat.timeline:7: \[export\] formats: no format given"
# The files are DIRECTORY/NAME.EXT: a name that is a path would write them outside the folder
# given with -o, and an empty one would write hidden files.
printf '[timeline]\ntitle=x\n[source a]\nplugin=json\npath=%s\n[export]\nformats=csv\nname=../escaped\n' "$every" >badname.timeline
mkdir -p badname-out
check "spec whose export name is a path" 1 "$tw" run badname.timeline -o badname-out
expect "the name's line" err "^timeweave: .*badname.timeline:8: \[export\] name: '../escaped' is not a file name"
one_line "the name's refusal" err
checks=$((checks + 1))
if [ ! -e escaped.csv ] && [ -z "$(ls badname-out)" ]; then echo "ok $checks - nothing written"; else failures=$((failures + 1)); echo "not ok $checks - an export was written"; fi
# A folder given as the spec, and an empty path= (which named the spec's folder): said plainly,
# at the spec's line (GIO's "Error opening file /abs/path: Is a directory" before)
mkdir -p specdir
check "a folder as the spec" 1 "$tw" run specdir
expect "the folder is named as given" err "^timeweave: specdir: is a directory, not a file$"
printf '[timeline]\ntitle=x\n[source a]\nplugin=json\npath=\n' >emptypath.timeline
check "spec with an empty path=" 1 "$tw" run emptypath.timeline -o emptypath
expect "the empty path's line" err "^timeweave: .*emptypath.timeline:5: \[source a\] path= is empty"
# A path that ends in a space, written `\s` as GKeyFile escapes it, is that file: the check for an
# empty path= must not strip the path it then reads
printf 'time,title\n2026-01-01,x\n' >'spaced.csv '
printf '[timeline]\ntitle=x\n[source a]\nplugin=csv\npath=spaced.csv\\s\n' >spacedpath.timeline
check "spec whose path= ends in an escaped space" 0 "$tw" run spacedpath.timeline -o spacedpath
# -o '' is a usage error, found before any source is read
# Empty standard input (a producer that failed at the other end of a pipe) is said, as an empty
# file is: a warning, fatal under --strict (it read as no events, exit 0, before)
check "empty standard input under --strict" 1 sh -c "\"\$0\" build --strict -s json:- -f jsonl -o - </dev/null" "$tw"
expect "the empty input is named" err "^timeweave: <stdin>: standard input is empty: no events$"
check "empty standard input" 0 sh -c "\"\$0\" build -s csv:- -f jsonl -o - </dev/null" "$tw"
expect "a warning without --strict" err "^timeweave: <stdin>: warning: standard input is empty: no events$"
# A range open at both ends (--to 9999 ends past the last instant) is no range: no "range": {}
check "--to 9999" 0 "$tw" build -q -s "json:$every" --to 9999 -f json -o -
checks=$((checks + 1))
if ! grep -q '"range"' out; then echo "ok $checks - no empty range"; else failures=$((failures + 1)); echo "not ok $checks - $(grep '"range"' out)"; fi
check "--to 2030" 0 "$tw" build -q -s "json:$every" --to 2030 -f json -o -
expect "a range with an end" out '^  "range": \{"to": "2031-01-01T00:00:00Z"\},$'
# An option before the command is named as such, not as an unknown command
check "an option before the command" 2 "$tw" --plugin-dir /tmp build -s "json:$every" -o -
expect "the option goes after the command" err "^timeweave: '--plugin-dir' comes after the command: timeweave run\|build\|plugins --plugin-dir"
check "build -o ''" 2 "$tw" build -s "json:$every" -o ''
expect "-o needs a name" err "^timeweave: -o needs a file name"
check "run -o ''" 2 "$tw" run -o ''
printf '[timeline]\ntitle=x\n' >nosource.timeline
check "spec without a source" 1 "$tw" run nosource.timeline -o nosource
expect "a spec without a source says so" err "^timeweave: .*nosource.timeline:1: no \[source NAME\] section"
checks=$((checks + 1))
if [ ! -e nosource ]; then echo "ok $checks - no empty exports"; else failures=$((failures + 1)); echo "not ok $checks - empty exports written"; fi
printf '[timeline]\ntitle=x\n[sauce a]\nplugin=json\n' >bad2.timeline
check "spec with an unknown section" 1 "$tw" run bad2.timeline
expect "unknown section names its line" err "bad2.timeline:3: unknown section \[sauce a\]"
# -- what GKeyFile refuses is placed at its line; what it would merge without a word (a section
# or a key given twice) is refused
printf '[timeline]\ntitle=x\n# a comment\n[source a]\nplugin=json\nnot a key\npath=a.json\n' >bad3.timeline
check "spec with a line that is no key" 1 "$tw" run bad3.timeline
expect "a line GKeyFile refuses is named" err "^timeweave: .*bad3.timeline:6: not a timeline spec: .*not a key"
one_line "a line GKeyFile refuses" err
printf 'title=x\n[timeline]\n' >bad4.timeline
check "spec with a key before any section" 1 "$tw" run bad4.timeline
expect "a key before any section is named" err "^timeweave: .*bad4.timeline:1: not a timeline spec"
printf '[timeline]\ntitle=x\n\n[source a]\nplugin=json\npath=a.json\n[source a]\npath=b.json\n' >twice.timeline
check "spec with a section twice" 1 "$tw" run twice.timeline
expect "a section twice is named at its second line" err "^timeweave: .*twice.timeline:7: section \[source a\] is given twice \(first on line 4\)$"
printf '[timeline]\ntitle=x\n[source a]\nplugin=json\npath=a.json\n  path = b.json\n[export]\nformats=json\n' >twice2.timeline
check "spec with a key twice" 1 "$tw" run twice2.timeline
expect "a key twice is named at its second line" err "^timeweave: .*twice2.timeline:6: \[source a\]: key 'path' is given twice \(first on line 5\)$"
one_line "a key twice" err
printf '[timeline]\ntitle=x\ntitle[de]=y\n[source a]\nplugin=json\npath=%s\n[source b]\nplugin=json\npath=%s\n' "$every" "$every" >locale.timeline
check "a localized key and one key in two sections are no repeats" 0 "$tw" run -q locale.timeline -o locale

# -- a range's `to` is inclusive of the whole second an exact time names, in a spec as on the
# command line (a spec's exact `to` used to keep nothing at that instant, and --to 10:30:00 not
# 10:30:00.25); a spec's `to` before its `from` is refused, as --to before --from is
printf '%s\n' '{"date":"2026-02-13T10:29:59Z","title":"before"}' \
  '{"date":"2026-02-13T10:30:00Z","title":"at"}' '{"date":"2026-02-13T10:30:00.25Z","title":"within"}' \
  '{"date":"2026-02-13T10:30:01Z","title":"after"}' >second.jsonl
printf '[timeline]\nto=2026-02-13T10:30:00Z\n[source s]\nplugin=json\npath=second.jsonl\n[export]\nformats=jsonl\n' >second.timeline
check "spec with an exact to" 0 "$tw" run -q second.timeline -o second
check "--to an exact time" 0 "$tw" build -s json:second.jsonl,name=s --to 2026-02-13T10:30:00Z -f jsonl -o second/cli.jsonl
for f in second/second.jsonl second/cli.jsonl; do
  checks=$((checks + 1))
  titles=$(grep -o '"title":"[a-z]*"' "$f" 2>/dev/null | tr '\n' ' ')
  if [ "$titles" = '"title":"before" "title":"at" "title":"within" ' ]; then
    echo "ok $checks - $f keeps the whole second of to"
  else
    failures=$((failures + 1)); echo "not ok $checks - $f keeps: $titles"
  fi
done
check "--to an instant with a fraction" 0 "$tw" build -s json:second.jsonl --to 2026-02-13T10:30:00.1Z -f jsonl -o -
checks=$((checks + 1))
if [ "$(grep -c . out)" = 2 ] && ! grep -q within out; then echo "ok $checks - a fraction names that instant"; else failures=$((failures + 1)); echo "not ok $checks - --to with a fraction"; fi
# --from or --to on run's command line replaces that bound of the spec's range and keeps the
# other (--from used to drop the spec's `to`, and --to its `from`, without a word)
printf '[timeline]\nfrom=2026-02-13T10:30:00Z\nto=2026-02-13T10:30:00Z\n[source s]\nplugin=json\npath=second.jsonl\n[export]\nformats=jsonl\n' >bounds.timeline
check "run --from keeps the spec's to" 0 "$tw" run -q bounds.timeline --from 2026-02-13T10:29:59Z -o bounds
checks=$((checks + 1))
titles=$(grep -o '"title":"[a-z]*"' bounds/bounds.jsonl 2>/dev/null | tr '\n' ' ')
if [ "$titles" = '"title":"before" "title":"at" "title":"within" ' ]; then
  echo "ok $checks - --from with the spec's to"
else
  failures=$((failures + 1)); echo "not ok $checks - --from with the spec's to keeps: $titles"
fi
check "run --to before the spec's from" 2 "$tw" run -q bounds.timeline --to 2026-02-13T10:29:00Z -o bounds
expect "says which bound" err "^timeweave: --to is before the spec's from"
printf '[timeline]\nfrom=2027\nto=2025\n[source s]\nplugin=json\npath=second.jsonl\n' >reversed.timeline
check "spec with to before from" 1 "$tw" run reversed.timeline -o reversed
expect "to before from names its line" err "^timeweave: .*reversed.timeline:3: to is before from$"
one_line "spec with to before from" err

# -- a SOURCE_DATE_EPOCH past what timeweave represents is not used (its microseconds overflowed
# into a DTSTAMP of a ten-digit year), and the warning is one `timeweave:` line
check "SOURCE_DATE_EPOCH out of range" 0 env SOURCE_DATE_EPOCH=99999999999999 "$tw" build -s "json:$every" -f ics -o -
expect "DTSTAMP stays a valid DATE-TIME" out $'^DTSTAMP:[0-9]{8}T[0-9]{6}Z\r$'
expect "SOURCE_DATE_EPOCH warning" err "^timeweave: warning: SOURCE_DATE_EPOCH '99999999999999' is not a number of seconds"
one_line "SOURCE_DATE_EPOCH warning" err
check "SOURCE_DATE_EPOCH not a number" 0 env SOURCE_DATE_EPOCH=tomorrow "$tw" build -s "json:$every" -f ics -o -
one_line "SOURCE_DATE_EPOCH not a number" err

# -- two outputs of one run to one destination: the csv's findings given the events' own file
# (the findings used to be lost under it, exit 0) or standard output with the events (two tables
# mixed): refused before anything is written, and an older file is kept
hostile=$fixtures/html/hostile.json
hostile_rules=$fixtures/html/hostile.rules
printf 'older\n' >both.csv
check "findings= the events' own file" 1 "$tw" build -q -s "json:$hostile" -a "correlate:rules=$hostile_rules" -f csv:findings=both.csv -o both.csv
expect "says the file is written twice" err "^timeweave: both.csv: another output of this run writes it too"
one_line "findings= the events' own file" err
checks=$((checks + 1))
if [ "$(cat both.csv)" = older ] && [ -z "$(ls -A . | grep '^\.both')" ]; then
  echo "ok $checks - the older file is kept, no temporary file left"
else
  failures=$((failures + 1)); echo "not ok $checks - both.csv now: $(head -c 60 both.csv)"
fi
check "findings=- with the events on standard output" 1 "$tw" build -q -s "json:$hostile" -a "correlate:rules=$hostile_rules" -f csv:findings=- -o -
expect "says standard output is written twice" err "^timeweave: standard output: another output of this run writes it too"
checks=$((checks + 1))
if [ ! -s out ]; then
  echo "ok $checks - nothing went to standard output"
else
  failures=$((failures + 1)); echo "not ok $checks - standard output got $(wc -c <out) bytes"
fi
check "findings= a file of its own" 0 "$tw" build -q -s "json:$hostile" -a "correlate:rules=$hostile_rules" -f csv:findings=own-findings.csv -o events.csv
expect "the findings file has its header" own-findings.csv "^analyzer,rule,kind,summary,events,attributes"

# -- --output-zone reaches the analyzers: a burst's dates in its summary and attributes are
# written in the zone, as the events' are (they were always UTC)
printf '{"id":"a","date":"2026-01-01T23:30:00Z","title":"a","tags":["x"]}\n{"id":"b","date":"2026-01-01T23:40:00Z","title":"b","tags":["x"]}\n' >zoned.jsonl
printf '[rule burst]\ntype=threshold\na=tag:x\ncount=2\nwithin=1h\n' >zoned.rules
check "findings under --output-zone" 0 "$tw" build -q -s json:zoned.jsonl -a correlate:rules=zoned.rules --output-zone Asia/Tokyo -f csv:findings=zoned-findings.csv -o zoned.csv
expect "the burst's summary is in the zone" zoned-findings.csv "from 2026-01-02T08:30:00\+09:00 to 2026-01-02T08:40:00\+09:00"

# -- records that share an id merge into one event: the summary says how many, in words that
# count ("1 duplicate records merged" before)
printf '{"id":"1","date":"2024-01-01","title":"a"}\n{"id":"1","date":"2024-01-05","title":"b"}\n{"id":"2","date":"2024-01-02","title":"c"}\n' >ids.jsonl
printf '[timeline]\ntitle=ids\n[source s]\nplugin=json\npath=ids.jsonl\n[export]\nformats=jsonl\n' >ids.timeline
check "records sharing an id" 0 "$tw" run ids.timeline -o ids
expect "the summary counts the merged record" out "^  1 record merged into an event of the same id$"
expect "two events are left" out "^ids: 2 events, "

# -- a unix time-format on text that is no number names its unit in full ("a number of s" before)
printf '{"ts":"2024-01-01T00:00:00Z","uid":"x"}\n' >zeek.log
check "time-format=unix-s on an ISO member" 0 "$tw" build -s "json:zeek.log,time=ts,title=uid,time-format=unix-s" -f jsonl -o -
expect "the unit is a word" err "^timeweave: zeek.log:1: warning: 'ts' is not a number of seconds: '2024-01-01T00:00:00Z'$"

echo "1..$checks"
echo "# $((checks - failures)) passed, $failures failed"
[ "$failures" = 0 ]
