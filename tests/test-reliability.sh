#!/usr/bin/env bash
# Reliability of the command line against bad input and injected faults (docs/reliability.md):
# empty, binary and non-UTF-8 files, folders and paths that are no files, dates out of range, a
# full disk (a small tmpfs when one can be mounted, RLIMIT_FSIZE and /dev/full always), SIGINT
# and SIGTERM in the middle of a run, a source failing under --strict, and where plugins are
# loaded from. Each fault must give its one-line message and its exit status, leave no
# temporary file and keep the previous export as it was; exports of hostile text are checked
# with Python's json and icalendar modules.
# argv[1]: the timeweave binary. Env: TW_SOURCE_ROOT, TW_BUILD_ROOT (meson sets them).
set -uo pipefail

tw=${1:?usage: test-reliability.sh TIMEWEAVE}
root=${TW_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
build=${TW_BUILD_ROOT:-$(dirname "$(dirname "$tw")")}
python=/usr/bin/python3
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1767225600} LC_ALL=${LC_ALL:-C.UTF-8}
unset TIMEWEAVE_PLUGIN_PATH
work=$(mktemp -d)
mounted=
cleanup()
{
  [ -n "$mounted" ] && umount "$mounted" 2>/dev/null
  chmod -R u+rwx "$work" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
# Plugins are found in the build tree; the per-user folder must not add any.
export XDG_DATA_HOME=$work/xdg

checks=0
failures=0
pass() { checks=$((checks + 1)); echo "ok $checks - $1"; }
fail()
{
  checks=$((checks + 1))
  failures=$((failures + 1))
  echo "not ok $checks - $1"
}
# check DESCRIPTION EXPECTED_STATUS COMMAND...: runs COMMAND with stdout in out, stderr in err.
check()
{
  local what=$1 want=$2
  shift 2
  "$@" >out 2>err
  local got=$?
  if [ "$got" = "$want" ]; then
    pass "$what"
  else
    fail "$what: exit $got, wanted $want"
    sed 's/^/#   stderr: /' err | head -5
  fi
}
# says DESCRIPTION MESSAGE: stderr (err) is exactly the one line MESSAGE.
says()
{
  if [ "$(cat err)" = "$2" ]; then
    pass "$1"
  else
    fail "$1: stderr is not the one line '$2'"
    sed 's/^/#   stderr: /' err | head -5
  fi
}
# says_line DESCRIPTION REGEX: stderr has a line matching REGEX.
says_line()
{
  if grep -Eq -- "$2" err; then
    pass "$1"
  else
    fail "$1: no stderr line matching /$2/"
    sed 's/^/#   stderr: /' err | head -5
  fi
}
# no_temporary DESCRIPTION DIR: no temporary export (.NAME.XXXXXX) is left in DIR.
no_temporary()
{
  local left
  left=$(find "$2" -maxdepth 1 -name '.*.??????' 2>/dev/null)
  if [ -z "$left" ]; then
    pass "$1: no temporary file left"
  else
    fail "$1: temporary files left: $left"
  fi
}
# same DESCRIPTION FILE SUM: FILE still has the checksum SUM.
same()
{
  if [ "$(md5sum <"$2" 2>/dev/null)" = "$3" ]; then
    pass "$1: the previous export is intact"
  else
    fail "$1: $2 changed"
  fi
}
sum() { md5sum <"$1"; }

printf '{"date": "2026-01-01", "title": "old"}\n' >old.jsonl
printf '{"date": "2026-01-02", "title": "new"}\n' >new.jsonl
"$tw" build -s json:old.jsonl -f json -o previous.json || exit 1
previous=$(sum previous.json)

# ---------------------------------------------------------------- files that are not input
sources=(json csv log ics bodyfile text)
: >empty.dat
for s in "${sources[@]}"; do
  if [ "$s" = ics ]; then
    check "ics: an empty file" 1 "$tw" build -s ics:empty.dat -f json -o previous.json
    says "ics: an empty file says so" "timeweave: empty.dat:1: not an iCalendar file (it is empty)"
  else
    check "$s: an empty file gives an empty timeline" 0 "$tw" build -s "$s:empty.dat" -f json -o empty.json
    says "$s: an empty file says so" "timeweave: empty.dat: warning: the file is empty: no events"
    if [ "$($python -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["events"]))' empty.json)" = 0 ]; then
      pass "$s: an empty file: no events"
    else
      fail "$s: an empty file: events from nothing"
    fi
    check "$s: an empty file fails under --strict" 1 "$tw" build --strict -s "$s:empty.dat" -f json -o previous.json
    says "$s: an empty file under --strict: one line" "timeweave: empty.dat: the file is empty: no events"
  fi
done

mkdir folder
echo text >plain.txt
for s in "${sources[@]}"; do
  check "$s: a folder given as a file" 1 "$tw" build -s "$s:folder" -f json -o previous.json
  says "$s: a folder: one line" "timeweave: folder: is a directory, not a file"
  check "$s: a path through a file (ENOTDIR, unreadable even as root)" 1 \
    "$tw" build -s "$s:plain.txt/x" -f json -o previous.json
  says "$s: a path through a file: one line" "timeweave: plain.txt/x: a part of the path is not a folder"
  check "$s: a missing file" 1 "$tw" build -s "$s:missing.dat" -f json -o previous.json
  says "$s: a missing file: one line" "timeweave: missing.dat: no such file"
done
same "failed runs" previous.json "$previous"

# An unreadable file: chmod does not stop root, whose runs the ENOTDIR checks above stand for.
echo '{"date": "2026-01-01", "title": "x"}' >locked.jsonl
chmod 000 locked.jsonl
if [ "$(id -u)" != 0 ]; then
  check "an unreadable file" 1 "$tw" build -s json:locked.jsonl -f json -o previous.json
  says "an unreadable file: one line" "timeweave: locked.jsonl: permission denied"
else
  echo "# running as root: chmod 000 does not stop reading; plain.txt/x above is the unreadable file"
fi
chmod 644 locked.jsonl

# A binary file: each source refuses it or skips its lines, one line each, never a crash. The
# program's own file, not argv[1], which may be a script that runs it (tools/valgrind's).
head -c 65536 "$build/cli/timeweave" >binary.dat
check "json: a binary file" 1 "$tw" build -s json:binary.dat -f json -o previous.json
says_line "json: a binary file says why" '^timeweave: binary.dat:1: not JSON: (a NUL byte \(a binary file, or UTF-16\?\)|invalid UTF-8) \(column [0-9]+\)$'
check "csv: a binary file" 1 "$tw" build -s csv:binary.dat -f json -o previous.json
says_line "csv: a binary file says why" '^timeweave: binary.dat:[0-9]+: '
check "log: a binary file" 1 "$tw" build -s log:binary.dat -f json -o previous.json
says "log: a binary file says why" "timeweave: binary.dat:1: not UTF-8 text: a NUL byte (a binary file, or UTF-16?)"
check "ics: a binary file" 1 "$tw" build -s ics:binary.dat -f json -o previous.json
says "ics: a binary file says why" "timeweave: binary.dat:1: not an iCalendar file (it does not begin with BEGIN:VCALENDAR)"
check "text: a binary file" 1 "$tw" build -s text:binary.dat -f json -o previous.json
says "text: a binary file says why" "timeweave: binary.dat:1: not UTF-8 text: a NUL byte (a binary file, or UTF-16?)"
check "bodyfile: a binary file is skipped line by line" 0 "$tw" build -s bodyfile:binary.dat -f json -o binary.json
if grep -vqE '^timeweave: binary\.dat:[0-9]+: warning: ' err; then
  fail "bodyfile: a binary file: only warnings with their lines"
  grep -vE '^timeweave: binary\.dat:[0-9]+: warning: ' err | head -3 | sed 's/^/#   /'
else
  pass "bodyfile: a binary file: only warnings with their lines"
fi
same "binary files" previous.json "$previous"

# An I/O error on the first read (/proc/self/mem at offset 0 is not mapped: EIO).
for s in json csv; do
  check "$s: an I/O error while reading" 1 "$tw" build -s "$s:/proc/self/mem" -f json -o previous.json
  says "$s: an I/O error: one line" "timeweave: /proc/self/mem:1: cannot read: Input/output error"
done
same "I/O errors" previous.json "$previous"

# ---------------------------------------------------------------- arguments that are not UTF-8
# Text options are UTF-8: GLib's option parser refuses other bytes (a usage error, in its
# words). File names are bytes: an export may be written to a name that is not UTF-8.
check "an option value that is not UTF-8" 2 "$tw" build -s json:old.jsonl --title $'caf\xe9' -f json -o previous.json
says "an option value that is not UTF-8: one line" \
  "timeweave: Invalid byte sequence in conversion input (see 'timeweave build --help')"
check "a source path that is not UTF-8 (-s is text)" 2 "$tw" build -s $'json:\xff.jsonl' -f json -o previous.json
says "a source path that is not UTF-8: one line" \
  "timeweave: Invalid byte sequence in conversion input (see 'timeweave build --help')"
cp old.jsonl $'\xff.jsonl'
check "a source that is not UTF-8 by name is read from standard input" 0 \
  sh -c '"$0" build -s json:- -f json -o - <"$1"' "$tw" $'\xff.jsonl'
grep -q '"title": "old"' out && pass "... with its events" || fail "... no events from standard input"
check "an output file name that is not UTF-8" 0 "$tw" build -s json:old.jsonl -f json -o $'caf\xe9.json'
[ -f $'caf\xe9.json' ] && pass "an output file name that is not UTF-8: written under its name" ||
  fail "an output file name that is not UTF-8: not written"
same "arguments that are not UTF-8" previous.json "$previous"

# ---------------------------------------------------------------- text that is not UTF-8
# Invalid UTF-8 and NUL bytes in every source that reads text: each bad byte becomes U+FFFD,
# and the JSON, JSON Lines, iCalendar, CSV and HTML exports are valid UTF-8 that Python's json
# and icalendar read.
printf 'date,title,description\n2026-01-01,caf\xe9 \xff,a\0b\n' >dirty.csv
printf '2026-01-01T10:00:00Z host app[1]: caf\xe9 \0 end \xc3\x28\n' >dirty.log
printf '0|/caf\xe9/\xff.txt|1|r/rrwxrwxrwx|0|0|10|1767225600|1767225600|1767225600|1767225600\n' >dirty.body
printf 'On 13 February 2026 the caf\xe9 \xff opened.\n' >dirty.txt
printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:u\xff\r\nDTSTART:20260101T100000Z\r\nSUMMARY:caf\xe9\r\nDESCRIPTION:bad \xc3\x28\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' >dirty.ics
printf '{"date": "2026-01-01", "title": "nul\\u0000cut", "description": "ctl\\u0001\\u001f"}\n{"date": "2026-01-02", "title": "lone \\ud800 surrogate"}\n' >dirty.jsonl
for input in csv:dirty.csv log:dirty.log bodyfile:dirty.body text:dirty.txt,reference-date=2026-01-01 ics:dirty.ics json:dirty.jsonl; do
  name=${input%%:*}
  rm -rf "dirty-$name"
  check "$name: invalid UTF-8 and NUL bytes are read" 0 \
    "$tw" build -s "$input" -f json -f jsonl -f ics -f csv -f html -o "dirty-$name"
  if "$python" - "dirty-$name" >py.out 2>&1 <<'PY'; then
import glob, json, sys
import icalendar
folder = sys.argv[1]
for path in glob.glob(folder + "/*"):
    data = open(path, "rb").read()
    data.decode("utf-8")  # strict: raises on any invalid byte
    assert b"\0" not in data, path + ": a NUL byte"
doc = json.load(open(folder + "/timeline.json", encoding="utf-8"))
assert doc["events"], "no events"
text = json.dumps(doc["events"], ensure_ascii=False)
assert "\ufffd" in text or "ctl" in text, "bad bytes were not replaced: " + text
for line in open(folder + "/timeline.jsonl", encoding="utf-8"):
    json.loads(line)
cal = icalendar.Calendar.from_ical(open(folder + "/timeline.ics", "rb").read())
assert len(cal.walk("VEVENT")) == len(doc["events"])
PY
    pass "$name: every export is valid UTF-8; json and icalendar read them"
  else
    fail "$name: exports of invalid text"
    sed 's/^/#   /' py.out | tail -5
  fi
done

# ---------------------------------------------------------------- dates out of range
printf '%s\n' \
  '{"date": "0000-06-01", "title": "year 0"}' \
  '{"date": "99999-01-01", "title": "year 99999"}' \
  '{"date": "2038-01-19T03:14:08Z", "title": "after 32-bit time"}' \
  '{"date": "2016-12-31T23:59:60Z", "title": "leap second"}' \
  '{"date": "2026-02-30", "title": "February 30"}' \
  '{"date": "0001-01-01T00:00:00Z", "title": "first instant"}' \
  '{"date": "9999-12-31T23:59:59Z", "title": "last second"}' >dates.jsonl
check "dates out of range are skipped with a warning each" 0 "$tw" build -s json:dates.jsonl -f json -o dates.json
says_line "year 0" "^timeweave: dates.jsonl:1: warning: bad date in 'date': '0000-06-01' is out of range: year 0 is outside 0001 to 9999$"
says_line "year 99999" "^timeweave: dates.jsonl:2: warning: bad date in 'date': '99999-01-01' is out of range: years after 9999 are not supported$"
says_line "a leap second" "^timeweave: dates.jsonl:4: warning: bad date in 'date': '2016-12-31T23:59:60Z' is not a date: second 60 is a leap second, which timeweave does not represent \(use :59\)$"
says_line "February 30" "^timeweave: dates.jsonl:5: warning: bad date in 'date': '2026-02-30' is not a date: day 30 is out of range \(February 2026 has 28 days\)$"
if [ "$(grep -c warning err)" = 4 ] &&
  [ "$("$python" -c 'import json,sys; print(" ".join(e["start"] for e in json.load(open(sys.argv[1]))["events"]))' dates.json)" = \
    "0001-01-01T00:00:00Z 2038-01-19T03:14:08Z 9999-12-31T23:59:59Z" ]; then
  pass "2038 and the first and last representable instants are kept, exactly"
else
  fail "dates at the edges"
  cat err | sed 's/^/#   /'
fi
# The last year and day: their exclusive end, 10000-01-01T00:00:00, is past the last instant;
# the exports write it and the json source reads it back (before: each such event was skipped).
printf '%s\n' '{"date": "9999", "title": "the last year"}' '{"date": "9999-12-31", "title": "the last day"}' \
  '{"date": "9999-12-31T23Z", "title": "the last hour"}' >last.jsonl
for f in json jsonl; do
  "$tw" build -s json:last.jsonl -f "$f" --output-zone Europe/Berlin -o "last.$f" 2>/dev/null
  check "$f: events of 9999 read back from their export" 0 \
    "$tw" build --strict -s "json:last.$f" -f "$f" --output-zone Europe/Berlin -o "last-again.$f"
  if cmp -s "last.$f" "last-again.$f" && [ "$(grep -c 10000-01-01T "last.$f")" -ge 2 ]; then
    pass "$f: events of 9999: the same bytes after a round trip"
  else
    fail "$f: events of 9999 changed in a round trip"
  fi
done
printf 'date,title\n0000-06-01,year 0\n2038-01-19 03:14:08,after 2038\n2026-02-30,Feb 30\n' >dates.csv
check "csv: dates out of range are skipped" 0 "$tw" build -s csv:dates.csv,timezone=UTC -f json -o dates-csv.json
says_line "csv: year 0 says why" "^timeweave: dates.csv:2: warning: .*0000-06-01.*"
says_line "csv: February 30 says why" "^timeweave: dates.csv:4: warning: .*2026-02-30.*"

# ---------------------------------------------------------------- a full disk
# /dev/full: a device is written in place; the failing write is reported when the export closes.
"$python" -c '
import json
with open("many.jsonl", "w") as f:
    for i in range(20000):
        f.write(json.dumps({"date": "2026-01-01T00:00:%02dZ" % (i % 60), "title": "event %d" % i}) + "\n")
'
check "/dev/full" 1 "$tw" build -s json:many.jsonl -f json -o /dev/full
says "/dev/full: one line" "timeweave: /dev/full: No space left on device"

# RLIMIT_FSIZE (works everywhere, as tests/test-output.c does in process): write(2) fails with
# EFBIG past 64 KiB; SIGXFSZ is ignored as a shell would pass it on.
cp previous.json limited.json
limited=$(sum limited.json)
check "a file size limit (RLIMIT_FSIZE)" 1 bash -c 'trap "" XFSZ; ulimit -f 64; exec "$0" build -s json:many.jsonl -f json -o limited.json' "$tw"
says "a file size limit: one line" "timeweave: limited.json: File too large"
same "a file size limit" limited.json "$limited"
no_temporary "a file size limit" .
# The same with SIGXFSZ at its default, as bash leaves it for `ulimit -f N; timeweave ...`
# (before: the process died of SIGXFSZ and left its temporary file beside the export).
check "a file size limit, SIGXFSZ not ignored" 1 "$python" -c 'import os, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
os.execv(sys.argv[1], sys.argv[1:])' "$tw" build -s json:many.jsonl -f json -o limited.json
says "a file size limit, SIGXFSZ not ignored: one line" "timeweave: limited.json: File too large"
same "a file size limit, SIGXFSZ not ignored" limited.json "$limited"
no_temporary "a file size limit, SIGXFSZ not ignored" .

# Several formats and the csv's findings file: when a later one passes the limit (an html page
# is over 50 KiB), none of the files is replaced, not even those written whole before it
# (before: the new findings, csv and json stood beside the older html, after an exit 1).
mkdir several
"$tw" build -q -s json:last.jsonl --title older -f csv:findings=several/findings.csv -f json \
  -f html -o several 2>/dev/null
printf 'older findings\n' >several/findings.csv
declare -A older
for f in findings timeline.csv timeline.json timeline.html; do
  older[$f]=$(sum "several/${f/findings/findings.csv}")
done
check "several formats, one over the limit" 1 bash -c 'trap "" XFSZ; ulimit -f 48; exec "$0" build -q -s json:new.jsonl --title newer -f csv:findings=several/findings.csv -f json -f html -o several' "$tw"
says "several formats, one over the limit: one line" "timeweave: several/timeline.html: File too large"
same "several formats: the findings" several/findings.csv "${older[findings]}"
same "several formats: the csv written before the failure" several/timeline.csv "${older[timeline.csv]}"
same "several formats: the json written before the failure" several/timeline.json "${older[timeline.json]}"
same "several formats: the html" several/timeline.html "${older[timeline.html]}"
no_temporary "several formats, one over the limit" several

# A failed run into folders that did not exist leaves none of them behind (before: the empty
# folders it had made for its exports stayed).
check "a failed export into new folders" 1 bash -c 'trap "" XFSZ; ulimit -f 48; exec "$0" build -q -s json:new.jsonl -f json -f html -o fresh/nested/out' "$tw"
checks=$((checks + 1))
if [ ! -e fresh ]; then
  echo "ok $checks - a failed export into new folders leaves no folder"
else
  failures=$((failures + 1)); echo "not ok $checks - a failed export left $(find fresh | tr '\n' ' ')"
fi

# A real full file system: a 256 KiB tmpfs, when this machine lets us mount one (root, or a
# user namespace); else the two checks above stand for it.
mkdir small
tmpfs_run()
{
  # Runs the full-disk scenario on a tmpfs at small/; prints its results in small-result.
  cat >full.sh <<'SH'
set -u
tw=$1
mount -t tmpfs -o size=256k tw-test small || exit 77
"$tw" build -s json:old.jsonl -f json -o small/out.json || exit 78
before=$(md5sum <small/out.json)
"$tw" build -s json:many.jsonl -f json -f csv -o small/ 2>small-err
echo "status=$?" >small-result
echo "left=$(find small -maxdepth 1 -name '.*.??????' | wc -l)" >>small-result
"$tw" build -s json:many.jsonl -f json -o small/out.json 2>small-err2
echo "status2=$?" >>small-result
[ "$(md5sum <small/out.json)" = "$before" ] && echo intact2=yes >>small-result
umount small
SH
  if [ "$(id -u)" = 0 ] && bash full.sh "$tw" 2>/dev/null; then
    return 0
  fi
  unshare --user --map-root-user --mount bash full.sh "$tw" 2>/dev/null
}
if tmpfs_run; then
  grep -q '^status=1$' small-result && pass "a full tmpfs: exit 1" || fail "a full tmpfs: $(cat small-result)"
  mv small-err err
  says_line "a full tmpfs: the message names the export" '^timeweave: small/timeline\.(json|csv): No space left on device$'
  [ "$(wc -l <err)" = 1 ] && pass "a full tmpfs: one line" || fail "a full tmpfs: $(wc -l <err) lines"
  grep -q '^left=0$' small-result && pass "a full tmpfs: no temporary file left" || fail "a full tmpfs: temporary files left"
  grep -q '^status2=1$' small-result && grep -q '^intact2=yes$' small-result &&
    pass "a full tmpfs: the previous export is intact" || fail "a full tmpfs: the previous export changed"
  mv small-err2 err
  says "a full tmpfs replacing an export: one line" "timeweave: small/out.json: No space left on device"
else
  echo "# no tmpfs can be mounted here (not root, no user namespaces): /dev/full and RLIMIT_FSIZE stand for a full disk"
fi

# ---------------------------------------------------------------- signals
# SIGINT while a source blocks (a FIFO nobody writes to): the run ends at once, by the signal,
# with nothing written and the previous export intact. The signal is sent once the program has
# opened the FIFO (a helper holds its write end, so the read blocks): not while it starts, where
# under valgrind a process dying of a signal mid-function shows the function's memory as lost.
mkfifo stalled.fifo
cp previous.json interrupted.json
interrupted=$(sum interrupted.json)
"$tw" build -s json:new.jsonl -s json:stalled.fifo -f json -o interrupted.json 2>err &
pid=$!
"$python" - stalled.fifo <<'PY' &
import os, sys, time
while True:
    try:
        fd = os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK)  # ENXIO until a reader opens it
        break
    except OSError:
        time.sleep(0.05)
open("fifo-opened", "w").close()
time.sleep(3600)  # holds the write end, writing nothing, until killed
PY
holder=$!
for _ in $(seq 1 2400); do
  [ -e fifo-opened ] || ! kill -0 "$pid" 2>/dev/null && break
  sleep 0.05
done
# A background job starts with SIGINT ignored until the program sets its handler: signal until
# it is gone (once is enough when it is blocked reading).
for _ in $(seq 1 120); do
  kill -INT "$pid" 2>/dev/null || break
  sleep 0.25
done
wait "$pid"
status=$?
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
[ -e fifo-opened ] && pass "SIGINT while reading: the FIFO was opened" || fail "SIGINT while reading: the FIFO was never opened"
[ "$status" = 130 ] && pass "SIGINT while reading: dies of the signal (130)" || fail "SIGINT while reading: exit $status"
same "SIGINT while reading" interrupted.json "$interrupted"
no_temporary "SIGINT while reading" .

# SIGTERM while an export is being written: stop the process as soon as a temporary file
# exists, check it is still there, then send SIGTERM: the handler removes it.
"$python" -c '
import json
with open("large.jsonl", "w") as f:
    for i in range(60000):
        f.write(json.dumps({"date": "2026-01-01T00:00:%02dZ" % (i % 60), "title": "event %d with words" % i, "tags": ["a", "b"]}) + "\n")
'
mkdir exports
for f in json csv ics; do cp previous.json "exports/timeline.$f"; done
caught=
for attempt in 1 2 3; do
  "$tw" build -s json:large.jsonl -f json -f csv -f ics -f html -o exports 2>err &
  pid=$!
  temp=
  while kill -0 "$pid" 2>/dev/null; do
    temp=$(find exports -maxdepth 1 -name '.timeline.*.??????' | head -1)
    if [ -n "$temp" ]; then
      kill -STOP "$pid"
      [ -e "$temp" ] && break
      kill -CONT "$pid"
      temp=
    fi
  done
  if [ -n "$temp" ]; then
    kill -TERM "$pid"
    kill -CONT "$pid"
    wait "$pid"
    status=$?
    caught=yes
    break
  fi
  wait "$pid"
done
if [ -n "$caught" ]; then
  [ "$status" = 143 ] && pass "SIGTERM while writing $temp: dies of the signal (143)" || fail "SIGTERM while writing: exit $status"
  [ ! -e "$temp" ] && pass "SIGTERM while writing: $temp was removed" || fail "SIGTERM while writing: $temp is left"
  no_temporary "SIGTERM while writing" exports
  if "$python" -c 'import json,sys; json.load(open(sys.argv[1]))' exports/timeline.json; then
    pass "SIGTERM while writing: the json export is whole (old or new, never cut)"
  else
    fail "SIGTERM while writing: a cut json export"
  fi
else
  fail "SIGTERM while writing: never saw a temporary export in three runs"
fi

# ---------------------------------------------------------------- a source failing mid-stream
gzip -c many.jsonl >whole.jsonl.gz
head -c $(($(stat -c %s whole.jsonl.gz) / 2)) whole.jsonl.gz >cut.jsonl.gz
cp previous.json strict.json
check "--strict: a source failing mid-stream fails the run" 1 \
  "$tw" build --strict -s json:cut.jsonl.gz -s json:new.jsonl -f json -o strict.json
says_line "--strict: names the file and the line" '^timeweave: cut\.jsonl\.gz:[0-9]+: cannot read on: the compressed data ends early \(a truncated \.gz file\?\)$'
same "--strict" strict.json "$previous"
check "without --strict: a partial timeline is exported (exit 3)" 3 \
  "$tw" build -s json:cut.jsonl.gz -s json:new.jsonl -f json -o partial.json
says_line "without --strict: the timeline is partial" "\(source 'cut' stopped after [0-9]+ events: the timeline is partial\)$"

# ---------------------------------------------------------------- where plugins come from
good=$build/tests/plugins/good.so
if [ ! -f "$good" ]; then
  fail "plugins: $good is not built (meson builds it with the tests)"
else
  # A plugin in the working directory is never loaded: only the named folders are searched.
  mkdir here
  cp "$good" here/good.so
  (cd here && "$tw" plugins >../out 2>../err)
  grep -q 'good' out && fail "plugins: a plugin in the working directory was loaded" ||
    pass "plugins: the working directory is not searched"
  # The variable names a folder: it is loaded, and a world-writable one draws a warning.
  mkdir named
  cp "$good" named/good.so
  chmod 755 named
  check "plugins: TIMEWEAVE_PLUGIN_PATH is searched" 0 env TIMEWEAVE_PLUGIN_PATH="$work/named" "$tw" plugins
  grep -Eq '^  source +good ' out && pass "plugins: the named folder's plugin is listed" ||
    fail "plugins: the named folder's plugin is not listed"
  [ -s err ] && fail "plugins: a private folder draws a warning: $(head -1 err)" || pass "plugins: a private folder: no warning"
  chmod 777 named
  check "plugins: a world-writable folder" 0 env TIMEWEAVE_PLUGIN_PATH="$work/named" "$tw" plugins
  says "plugins: a world-writable folder draws a warning" \
    "timeweave: warning: plugin folder $work/named is world-writable: anyone can make this program run their code"
  chmod 1777 named
  check "plugins: a world-writable folder with the sticky bit (like /tmp)" 0 env TIMEWEAVE_PLUGIN_PATH="$work/named" "$tw" plugins
  [ -s err ] && fail "plugins: a sticky folder warned: $(head -1 err)" || pass "plugins: a sticky folder: no warning"
fi

echo "1..$checks"
echo "# $((checks - failures)) passed, $failures failed"
[ "$failures" = 0 ]
