# tools/deps.sh: the Debian packages timeweave needs, in one place. Sourced (not run) by
# tools/setup, which installs the build dependencies, and tools/check, which also installs the
# tools the test suite checks exports with.

# shellcheck disable=SC2034 # the lists are used by the scripts that source this file

# The library, the CLI and the plugins (tzdata: GTimeZone reads IANA zones from it).
TW_BUILD_DEPS=(build-essential meson ninja-build pkg-config libglib2.0-dev libjson-glib-dev
  libical-dev tzdata)

# The test suite: independent consumers of the exports (python3-icalendar, khal, chromium),
# inputs for the source plugins (sleuthkit's bodyfiles, git repositories), the formatter and the
# memory checker, locales (an export must not change under a decimal-comma locale). Tests use /usr/bin/python3, Debian's, for its modules.
# Fuzzing (tools/fuzz): clang, and libclang-rt-14-dev for libFuzzer and the sanitizer runtimes
# (clang 14 is bookworm's; -fsanitize=fuzzer fails to link without it).
TW_TEST_DEPS=(python3 python3-icalendar khal sleuthkit chromium clang-format valgrind git locales
  clang libclang-rt-14-dev)

# Prints the packages among "$@" that are not installed.
tw_missing_packages()
{
  local package
  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q '^install ok installed$'; then
      echo "$package"
    fi
  done
}

# Installs the packages among "$@" that are missing: apt-get update once, then one install.
tw_install_packages()
{
  if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
    echo "tools: not a Debian system: make sure these are installed: $*" >&2
    return 0
  fi
  local missing
  mapfile -t missing < <(tw_missing_packages "$@")
  if [ "${#missing[@]}" -eq 0 ]; then
    return 0
  fi
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
  fi
  echo "tools: installing ${missing[*]}" >&2
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
}
