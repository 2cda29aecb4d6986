#!/bin/bash
# timeweave bench: builds bench/correlate.c against a build tree and runs it.
#
#   bench/correlate.sh BUILD [--events N] [--groups G] [--seed S] [--rules TYPE,...]
#
# BUILD is a configured and built meson build folder (ninja -C BUILD first). The program is
# compiled with -O2 against BUILD's libtimeweave (its uninstalled pkg-config file) into
# BUILD/bench/correlate and loads BUILD/plugins/correlate/libtw-correlate.so. It is not part of
# the test suite: it needs minutes and a few GiB of memory at the default 10 million events.
set -euo pipefail
build=${1:?usage: bench/correlate.sh BUILD [--events N] [--groups G] [--seed S] [--rules TYPE,...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$build" && pwd)
plugin=$build/plugins/correlate/libtw-correlate.so
[ -f "$plugin" ] || { echo "bench/correlate.sh: $plugin: not built (ninja -C $build)" >&2; exit 1; }
mkdir -p "$build/bench"
export PKG_CONFIG_PATH=$build/meson-uninstalled${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
# shellcheck disable=SC2046
cc -O2 -g -std=gnu11 -Wall -Wextra -o "$build/bench/correlate" "$here/correlate.c" \
  $(pkg-config --cflags --libs timeweave) -Wl,-rpath,"$build/core"
cpus=$(nproc)
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench/correlate: $(uname -m), $cpus CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), load $load"
"$build/bench/correlate" "$@" "$plugin"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
