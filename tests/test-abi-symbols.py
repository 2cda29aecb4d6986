#!/usr/bin/python3
"""The exported ABI of libtimeweave, made visible in review.

Lists the dynamic symbols the built library defines (`nm -D --defined-only`) and compares them
with the checked-in list tests/abi/libtimeweave.symbols: a symbol added, removed or moved to
another version node fails the test until the list is updated in the same change, so every ABI
change shows in the diff. It also checks that the library exports only the public API: every
exported function is declared in include/timeweave/*.h and every function declared there is
exported; and that the soname carries the ABI major.

argv[1]: the timeweave binary (the library is TW_BUILD_ROOT/core/libtimeweave.so).
`test-abi-symbols.py --update TIMEWEAVE` rewrites the list from the built library.
"""
import glob
import os
import re
import shutil
import subprocess
import sys

HEADER = """\
# The dynamic symbols that libtimeweave exports: its ABI (`nm -D --defined-only`, sorted by name;
# the letter is nm's type, A for a version node, T for a function). tests/test-abi-symbols.py
# compares the built library with this list, so a change to the ABI shows in review. Adding a
# function needs a new ABI minor; removing or changing one needs a new major
# (docs/writing-plugins.md, "The ABI policy"). After a deliberate change, regenerate it with
#   tests/test-abi-symbols.py --update BUILD/cli/timeweave
"""


def skip(why):
    if os.environ.get("CI") == "true":
        print(f"not ok - CI=true: skip not allowed: {why}")
        sys.exit(1)
    print(f"SKIP: {why}")
    sys.exit(77)


def exported(library):
    out = subprocess.run(["nm", "-D", "--defined-only", library], capture_output=True, text=True,
                         check=True).stdout
    symbols = []
    for line in out.splitlines():
        fields = line.split()
        symbols.append(f"{fields[-2]} {fields[-1]}")
    return sorted(symbols, key=lambda s: (s.split()[1], s))


def declared_functions(include_dir):
    """Names of the functions the public headers declare."""
    names = set()
    for header in sorted(glob.glob(os.path.join(include_dir, "*.h"))):
        text = open(header, encoding="utf-8").read()
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        text = re.sub(r"//[^\n]*", " ", text)
        text = re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", " ", text, flags=re.M)  # directives
        names.update(re.findall(r"\b(tw_[a-z0-9_]+)\s*\(", text))
    return names


def main():
    args = sys.argv[1:]
    update = bool(args) and args[0] == "--update"
    if update:
        args = args[1:]
    if not args:
        sys.exit("usage: test-abi-symbols.py [--update] TIMEWEAVE")
    for tool in ("nm", "readelf"):
        if not shutil.which(tool):
            skip(f"{tool} is not installed")
    here = os.path.dirname(os.path.abspath(__file__))
    source_root = os.environ.get("TW_SOURCE_ROOT") or os.path.dirname(here)
    build_root = os.environ.get("TW_BUILD_ROOT") or os.path.dirname(
        os.path.dirname(os.path.abspath(args[0])))
    library = os.path.join(build_root, "core", "libtimeweave.so")
    listing = os.path.join(source_root, "tests", "abi", "libtimeweave.symbols")

    got = exported(library)
    if update:
        with open(listing, "w", encoding="utf-8") as f:
            f.write(HEADER + "".join(s + "\n" for s in got))
        print(f"wrote {len(got)} symbols to {listing}")
        return 0

    checks = []

    def check(ok, what, details=()):
        checks.append(ok)
        print(f"{'ok' if ok else 'not ok'} {len(checks)} - {what}")
        for d in details if not ok else ():
            print(f"#   {d}")

    wanted = [l.strip() for l in open(listing, encoding="utf-8")
              if l.strip() and not l.startswith("#")]
    added = sorted(set(got) - set(wanted))
    removed = sorted(set(wanted) - set(got))
    check(not added and not removed,
          f"the {len(got)} exported symbols are those of tests/abi/libtimeweave.symbols",
          [f"+ {s}  (exported, not in the list)" for s in added] +
          [f"- {s}  (in the list, not exported)" for s in removed] +
          (["an ABI change: update the list (--update) and the ABI version as "
            "docs/writing-plugins.md says"] if added or removed else []))

    functions = {s.split()[1].split("@")[0] for s in got if s.split()[0] in "Tt"}
    others = [s for s in got if s.split()[0] not in "TtA"]
    foreign = sorted(s for s in got if not s.split()[1].startswith(("tw_", "TIMEWEAVE_")))
    check(not foreign and not others, "only tw_* functions and TIMEWEAVE_* version nodes",
          foreign + others)
    declared = declared_functions(os.path.join(source_root, "include", "timeweave"))
    check(functions <= declared, "every exported function is declared in a public header",
          sorted(functions - declared))
    check(declared <= functions, "every function a public header declares is exported",
          sorted(declared - functions))

    version_h = open(os.path.join(build_root, "include", "timeweave", "version.h")).read()
    major = re.search(r"^#define TW_ABI_MAJOR (\d+)$", version_h, re.M).group(1)
    dynamic = subprocess.run(["readelf", "-d", library], capture_output=True, text=True,
                             check=True).stdout
    soname = re.search(r"\(SONAME\).*\[(.*)\]", dynamic)
    check(soname and soname.group(1) == f"libtimeweave.so.{major}",
          f"the soname is libtimeweave.so.{major} (the ABI major)",
          [soname.group(1) if soname else "no SONAME"])

    print(f"1..{len(checks)}")
    return 0 if all(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
