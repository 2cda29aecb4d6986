#!/usr/bin/env bash
# The plugin SDK as a third party meets it (issue 8). timeweave is installed into a temporary
# prefix (`meson install` of a build configured with --prefix=TMP); the plugin skeleton is copied
# from the *installed* documentation and built with nothing but PKG_CONFIG_PATH pointing at the
# installed timeweave.pc (its own tests run too), installed into `pkg-config --variable=plugindir
# timeweave`, and run by the installed timeweave: its events and its analyzer's findings must be
# in the export. The installed program must also find its bundled plugins in plugindir, run the
# embedded default timeline exactly as the build tree's does, search plugin folders in the
# documented order, and have a man page that describes every option its --help lists.
#
# argv[1]: the build tree's timeweave (for comparisons). The installed copy is built in a
# configured build of its own, kept in TW_BUILD_ROOT/tests/sdk-install/build so that a second
# run only rebuilds what changed; the prefix is new for every run and removed at the end.
set -uo pipefail

tw=${1:?usage: test-sdk-install.sh TIMEWEAVE}
root=${TW_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
build_root=${TW_BUILD_ROOT:-$(cd "$(dirname "$tw")/.." && pwd)}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1767225600}
export LC_ALL=${LC_ALL:-C.UTF-8}
py=/usr/bin/python3

skip()
{
  if [ "${CI:-}" = true ]; then
    echo "not ok - CI=true: skip not allowed: $1"
    exit 1
  fi
  echo "SKIP: $1"
  exit 77
}
for tool in meson ninja pkg-config readelf ldd groff cc "$py"; do
  command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed"
done

# Nothing of the caller's may leak in: the plugin folders, the library path, pkg-config's path.
unset TIMEWEAVE_PLUGIN_PATH LD_LIBRARY_PATH PKG_CONFIG_PATH PKG_CONFIG_LIBDIR
work=$(mktemp -d "${TMPDIR:-/tmp}/tw-sdk-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
export XDG_DATA_HOME=$work/xdg

checks=0
failures=0
pass()
{
  checks=$((checks + 1))
  echo "ok $checks - $1"
}
fail()
{
  checks=$((checks + 1))
  failures=$((failures + 1))
  echo "not ok $checks - $1"
}
check()
{
  # check DESCRIPTION COMMAND...: COMMAND must succeed; its output is kept in $work/out, err.
  local what=$1
  shift
  if "$@" >"$work/out" 2>"$work/err"; then
    pass "$what"
  else
    fail "$what: exit $?"
    sed 's/^/#   /' "$work/err" "$work/out" | tail -15
  fi
}
same()
{
  # same DESCRIPTION GOT WANTED
  if [ "$2" = "$3" ]; then
    pass "$1"
  else
    fail "$1: got '$2', wanted '$3'"
  fi
}
finish()
{
  echo "1..$checks"
  [ "$failures" = 0 ]
  exit $?
}

# ---------------------------------------------------------------- install into the prefix

sub=$build_root/tests/sdk-install
mkdir -p "$sub"
exec 9>"$sub/lock"
command -v flock >/dev/null && flock 9 # one run at a time per build tree
if [ -f "$sub/build/meson-private/coredata.dat" ] &&
  meson setup --reconfigure --prefix="$prefix" "$sub/build" "$root" >"$sub/setup.log" 2>&1; then
  :
else
  rm -rf "$sub/build"
  meson setup --prefix="$prefix" "$sub/build" "$root" >"$sub/setup.log" 2>&1
fi || {
  fail "meson setup --prefix=$prefix"
  tail -20 "$sub/setup.log" | sed 's/^/#   /'
  finish
}
pass "meson setup --prefix=TMP"

# Build only what is installed (not the tests), then install exactly that.
targets=$(cd "$sub/build" && meson introspect --installed . | "$py" -c '
import json, os, subprocess, sys
known = {line.split(":")[0] for line in subprocess.run(["ninja", "-t", "targets", "all"],
         capture_output=True, text=True, check=True).stdout.splitlines()}
build = os.getcwd() + "/"
for path in json.load(sys.stdin):
    rel = path[len(build):] if path.startswith(build) else None
    if rel and rel in known:
        print(rel)
')
if [ -z "$targets" ]; then
  fail "no installed targets in the build"
  finish
fi
# shellcheck disable=SC2086 # one target per word
check "build the installed targets ($(echo $targets | wc -w))" ninja -C "$sub/build" -j2 $targets
check "meson install into TMP" meson install -C "$sub/build" --no-rebuild --quiet
libdir=$(cd "$sub/build" && meson introspect --buildoptions . | "$py" -c '
import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "libdir"))')
case $libdir in
/*) ;;
*) libdir=$prefix/$libdir ;;
esac
plugindir=$libdir/timeweave/plugins
abi_major=$(sed -n 's/^#define TW_ABI_MAJOR \([0-9]*\)$/\1/p' "$prefix/include/timeweave/version.h")
abi_minor=$(sed -n 's/^#define TW_ABI_MINOR \([0-9]*\)$/\1/p' "$prefix/include/timeweave/version.h")

# ---------------------------------------------------------------- what is installed

missing=
for f in bin/timeweave share/man/man1/timeweave.1 share/doc/timeweave/writing-plugins.md \
  share/doc/timeweave/examples/plugin-skeleton/meson.build \
  share/timeweave/timelines/ai-chip-race/ai-chip-race.timeline include/timeweave/version.h; do
  [ -e "$prefix/$f" ] || missing="$missing $f"
done
for h in "$root"/include/timeweave/*.h; do
  [ -e "$prefix/include/timeweave/$(basename "$h")" ] || missing="$missing include/$(basename "$h")"
done
for f in "libtimeweave.so.$abi_major" libtimeweave.so pkgconfig/timeweave.pc; do
  [ -e "$libdir/$f" ] || missing="$missing ${libdir#"$prefix"/}/$f"
done
same "the program, library, headers (version.h too), timeweave.pc, man page, docs, timelines" \
  "${missing:-none}" none
soname=$(readelf -d "$libdir/libtimeweave.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
same "libtimeweave's soname follows the ABI major" "$soname" "libtimeweave.so.$abi_major"
runpath=$(readelf -d "$prefix/bin/timeweave" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')
same "the installed program's runpath is the prefix's libdir, not the build tree" "$runpath" "$libdir"
resolved=$(ldd "$prefix/bin/timeweave" | sed -n "s/^[[:space:]]*libtimeweave\.so\.$abi_major => \([^ ]*\) .*/\1/p")
same "the installed program loads the installed libtimeweave" "$resolved" "$libdir/libtimeweave.so.$abi_major"

itw=$prefix/bin/timeweave
check "installed timeweave --version" "$itw" --version
same "installed and build-tree versions agree" "$(cat "$work/out")" "$("$tw" --version)"
same "the installed version.h has the program's plugin ABI" \
  "$(grep -o "plugin ABI [0-9.]*" "$work/out")" "plugin ABI $abi_major.$abi_minor"

# Every plugin folder of the source tree gives one installed plugin, loaded from plugindir.
n_bundled=0
for m in "$root"/plugins/*/meson.build; do
  [ -e "$m" ] && n_bundled=$((n_bundled + 1))
done
check "installed timeweave plugins --json" "$itw" plugins --json
cp "$work/out" "$work/plugins.json"
same "bundled plugins are loaded from plugindir, none refused" "$("$py" - "$work/plugins.json" "$plugindir" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
files = [p["file"] for p in doc["plugins"] if p["file"] != "built-in"]
outside = [f for f in files if not f.startswith(sys.argv[2] + "/")]
names = {c["name"] for p in doc["plugins"] for c in p["components"]}
print(len(files), "outside:", outside, "refused:", doc["refused"], "json+correlate:",
      {"json", "correlate"} <= names)
EOF
)" "$n_bundled outside: [] refused: [] json+correlate: True"

# The embedded default timeline, run by the installed program outside any build tree, gives
# the same bytes as the build tree's program.
mkdir -p "$work/run-installed" "$work/run-tree"
if (cd "$work/run-installed" && "$itw" run -q -o out) >"$work/out" 2>"$work/err"; then
  pass "installed timeweave run (the embedded default timeline)"
else
  fail "installed timeweave run"
  sed 's/^/#   /' "$work/err"
fi
(cd "$work/run-tree" && "$tw" run -q -o out) >/dev/null 2>&1
n_out=$(find "$work/run-installed/out" -type f | wc -l)
differ=
for f in "$work/run-tree/out"/*; do
  cmp -s "$f" "$work/run-installed/out/$(basename "$f")" || differ="$differ $(basename "$f")"
done
same "its $n_out exports are those of the build tree's program, byte for byte" \
  "${differ:-none} $([ "$n_out" -ge 5 ] && echo 5+)" "none 5+"

# ---------------------------------------------------------------- pkg-config

export PKG_CONFIG_PATH=$libdir/pkgconfig
same "pkg-config --modversion timeweave" "$(pkg-config --modversion timeweave)" \
  "$("$tw" --version | sed 's/^timeweave \([^ ]*\) .*/\1/')"
same "pkg-config --variable=plugindir timeweave" "$(pkg-config --variable=plugindir timeweave)" \
  "$plugindir"
cflags=" $(pkg-config --cflags timeweave) "
libs=" $(pkg-config --libs timeweave) "
same "pkg-config --cflags gives the prefix's headers" \
  "$(case $cflags in *" -I$prefix/include "*) echo yes ;; *) echo "no: $cflags" ;; esac)" yes
libs_ok="no: $libs"
case $libs in *" -L$libdir "*) case $libs in *" -ltimeweave "*) libs_ok=yes ;; esac ;; esac
same "pkg-config --libs gives the prefix's libtimeweave" "$libs_ok" yes

# ---------------------------------------------------------------- the skeleton, out of tree

cp -r "$prefix/share/doc/timeweave/examples/plugin-skeleton" "$work/skeleton"
check "skeleton: meson setup --werror with PKG_CONFIG_PATH only" \
  meson setup --werror "$work/skeleton-build" "$work/skeleton"
check "skeleton: build" ninja -C "$work/skeleton-build" -j2
leaks=$(grep -c -F -e "$root" -e "$build_root" "$work/skeleton-build/compile_commands.json")
same "skeleton: no compile command names the source or build tree" "$leaks" 0
check "skeleton: its own tests (meson test)" meson test -C "$work/skeleton-build" --print-errorlogs
check "skeleton: meson install into plugindir" meson install -C "$work/skeleton-build" --quiet
same "skeleton: installed as plugindir/skeleton.so" \
  "$([ -f "$plugindir/skeleton.so" ] && echo yes)" yes

check "installed timeweave plugins skeleton" "$itw" plugins skeleton
if grep -q "^source skeleton: " "$work/out" && grep -q "^analyzer skeleton-gaps: " "$work/out" &&
  grep -qF "from plugin skeleton 0.1.0 ($plugindir/skeleton.so)" "$work/out" &&
  grep -q "^  min-gap  *duration  *30d" "$work/out"; then
  pass "plugins skeleton: both components, from plugindir, with their options"
else
  fail "plugins skeleton: $(head -3 "$work/out" | tr '\n' '|')"
fi

cat >"$work/diary.txt" <<'EOF'
# A diary in the skeleton's format
2025-11-03 | Started the survey | #survey @kim site=north
2025-11-05 | Survey notes typed up | #survey
late 2025-12 | Second visit | #survey @kim @lee
2026-02-16 | Report sent | #report
EOF
check "installed timeweave build -s skeleton -a skeleton-gaps -f json" \
  "$itw" build -s "skeleton:$work/diary.txt,tags=field" -a skeleton-gaps:min-gap=20d,tag=after-quiet \
  -f json -o "$work/diary.json"
same "the skeleton's events and its analyzer's findings are in the export" \
  "$("$py" - "$work/diary.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
ids = {e["id"]: e["title"] for e in doc["events"]}
print([(e["date"], e["title"], e["source"], e["kind"], e["tags"], e.get("actors"),
        e.get("attributes")) for e in doc["events"]])
print([(f["analyzer"], f["kind"], f["summary"], [ids[i] for i in f["events"]], f["attributes"])
       for f in doc["findings"]])
EOF
)" "[('2025-11-03', 'Started the survey', 'diary', 'note', ['field', 'survey'], ['kim'], {'site': 'north'}), ('2025-11-05', 'Survey notes typed up', 'diary', 'note', ['field', 'survey'], None, None), ('late 2025-12', 'Second visit', 'diary', 'note', ['field', 'survey', 'after-quiet'], ['kim', 'lee'], None), ('2026-02-16', 'Report sent', 'diary', 'note', ['field', 'report', 'after-quiet'], None, None)]
[('skeleton-gaps', 'gap', '45d without events between Survey notes typed up (2025-11-05) and Second visit (late 2025-12)', ['Survey notes typed up', 'Second visit'], {'gap': '45d', 'from': '2025-11-06T00:00:00', 'to': '2025-12-21T00:00:00'}), ('skeleton-gaps', 'gap', '46d without events between Second visit (late 2025-12) and Report sent (2026-02-16)', ['Second visit', 'Report sent'], {'gap': '46d', 'from': '2026-01-01T00:00:00', 'to': '2026-02-16T00:00:00'})]"

# ---------------------------------------------------------------- the page's own examples

# writing-plugins.md as a reader follows it, from its installed copy: the skeleton's command line
# run in the skeleton's folder, the smallest source built as the page says (warnings as errors),
# loaded and run, then the page's option check added to it and a bad value refused.
doc=$prefix/share/doc/timeweave/writing-plugins.md
doc_line=$(grep -m1 '^timeweave build -s skeleton:' "$doc")
# shellcheck disable=SC2086 # the page's command line, split as a shell does
if (cd "$work/skeleton" && "$itw" ${doc_line#timeweave } >"$work/doc.json" 2>"$work/err") &&
  grep -q '"analyzer": "skeleton-gaps"' "$work/doc.json"; then
  pass "writing-plugins.md's skeleton command, run in the skeleton's folder"
else
  fail "writing-plugins.md's skeleton command: $doc_line: $(head -2 "$work/err" | tr '\n' '|')"
fi

mkdir -p "$work/hello/plugins"
if "$py" - "$doc" "$work/hello" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
blocks = re.findall(r"```c\n(.*?)```", text, re.S)
source, check = blocks[0], blocks[1]
open(sys.argv[2] + "/hello.c", "w").write(source)
# The check as the page shows it: the function before the descriptor, `.check` after `.read`.
check = check.replace("/* ... .read = hello_read, .check = hello_check, */\n", "")
anchor = "static const TwSourceInfo hello_source"
with_check = source.replace(anchor, check + "\n" + anchor).replace(
    "  .read = hello_read,\n", "  .read = hello_read,\n  .check = hello_check,\n")
assert with_check.count("hello_check") == 2, "the page's examples changed shape"
open(sys.argv[2] + "/hello-check.c", "w").write(with_check)
EOF
then
  pass "writing-plugins.md: the smallest source and the check example extracted"
else
  fail "writing-plugins.md: the smallest source and the check example extracted"
fi
printf '2025-01-02\nnot a date\n2025-03-04T10:00:00Z\n' >"$work/hello/dates.txt"
for variant in hello hello-check; do
  # shellcheck disable=SC2046 # pkg-config's flags, one per word, as the page writes them
  check "writing-plugins.md: $variant.c builds with -Wall -Wextra -Werror as the page says" \
    cc -shared -fPIC -fvisibility=hidden -Wall -Wextra -Werror $(pkg-config --cflags timeweave) \
    "$work/hello/$variant.c" -o "$work/hello/plugins/hello.so" $(pkg-config --libs timeweave)
  check "writing-plugins.md: $variant: timeweave plugins hello" \
    "$itw" plugins hello --plugin-dir "$work/hello/plugins"
  (cd "$work/hello" && "$itw" build --plugin-dir plugins -s hello:dates.txt -f csv -o - \
    >"$work/out" 2>"$work/err")
  same "writing-plugins.md: $variant: build -s hello:dates.txt -f csv -o -" \
    "$(cut -d, -f2,5,6,8 "$work/out" | tail -n +2 | tr '\n' ' ')$(grep -c 'dates.txt:2: warning: ' "$work/err")" \
    "2025-01-02T00:00:00,hello,dates,hello 2025-03-04T10:00:00Z,hello,dates,hello 1"
done
# The check: a usage error (exit 2) of one line on the command line, at the key's line in a spec.
(cd "$work/hello" && "$itw" build --plugin-dir plugins -s "hello:dates.txt,greeting=two
lines" -f csv -o - >"$work/out" 2>"$work/err")
same "writing-plugins.md: the check refuses a bad value on the command line, one line, exit 2" \
  "$? $(wc -l <"$work/err") $(cat "$work/err")" \
  "2 1 timeweave: option 'greeting' of hello: 'two\\nlines' is more than one line (see 'timeweave build --help')"
printf '[timeline]\n\n[source d]\nplugin=hello\npath=dates.txt\ngreeting=two\\nlines\n\n[export]\nformats=csv\n' \
  >"$work/hello/t.timeline"
(cd "$work/hello" && "$itw" run --plugin-dir plugins t.timeline >"$work/out" 2>"$work/err")
same "writing-plugins.md: the check refuses a bad value in a spec at the key's line" \
  "$? $(cat "$work/err")" \
  "1 timeweave: t.timeline:6: [source d]: option 'greeting' of hello: 'two\\nlines' is more than one line"
unset PKG_CONFIG_PATH

# ---------------------------------------------------------------- the plugin search order

# The same plugin in every folder: the first folder wins, each later copy is refused, naming the
# copy that won. Removing the winner each time walks the documented order: plugindir,
# $XDG_DATA_HOME/timeweave/plugins, TIMEWEAVE_PLUGIN_PATH, --plugin-dir.
xdg_dir=$XDG_DATA_HOME/timeweave/plugins
env_dir=$work/env-plugins
cli_dir=$work/cli-plugins
mkdir -p "$xdg_dir" "$env_dir" "$cli_dir"
for d in "$xdg_dir" "$env_dir" "$cli_dir"; do
  cp "$plugindir/skeleton.so" "$d/"
done
order=
for winner in "$plugindir" "$xdg_dir" "$env_dir" "$cli_dir"; do
  TIMEWEAVE_PLUGIN_PATH=$env_dir "$itw" plugins --json --plugin-dir "$cli_dir" >"$work/order.json"
  order="$order$("$py" - "$work/order.json" "$winner" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
winner = sys.argv[2]
loaded = [p["file"] for p in doc["plugins"] if p["name"] == "skeleton"]
refused = [r for r in doc["refused"] if "skeleton" in r]
ok = loaded == [winner + "/skeleton.so"] and all(
    r.endswith(": source 'skeleton' is already provided by " + winner + "/skeleton.so")
    for r in refused)
print(f"{len(refused)}{'' if ok else '!'} ", end="")
EOF
  )"
  rm "$winner/skeleton.so"
done
same "plugin folders are searched in order: plugindir, XDG, TIMEWEAVE_PLUGIN_PATH, --plugin-dir" \
  "$order" "3 2 1 0 "

# ---------------------------------------------------------------- the man page

man=$prefix/share/man/man1/timeweave.1
groff -man -Tutf8 -ww -z "$man" >"$work/out" 2>"$work/err"
same "the man page renders without groff warnings" "$(cat "$work/err")" ""
undocumented=
for cmd in run build plugins; do
  grep -Eq "^\.BR? $cmd( |$)" "$man" || undocumented="$undocumented $cmd"
done
for help in "--help" "build --help" "run --help" "plugins --help"; do
  # shellcheck disable=SC2086 # the command and its flag
  for opt in $("$itw" $help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
    grep -qF -- "$(printf '%s' "$opt" | sed 's/-/\\-/g')" "$man" || undocumented="$undocumented $opt"
  done
done
# The exit statuses: "Exit status: 0 success, 1 a failure, ..." in --help, `.B N` in the page.
for status in $("$itw" --help | sed -n '/^Exit status:/,$p' | grep -oE '(^|[ :,])[0-9] [a-z]' |
  grep -oE '[0-9]'); do
  grep -qx "\.B $status" "$man" || undocumented="$undocumented exit-$status"
done
same "the man page describes every command, option and exit status --help lists" \
  "${undocumented:-none}" none

finish
