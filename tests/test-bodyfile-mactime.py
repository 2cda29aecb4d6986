#!/usr/bin/python3
"""The bodyfile source against The Sleuth Kit's own mactime, on the same body file.

For each date range, `timeweave build -s bodyfile:F -f csv -o -` (with --from/--to giving the
same range) and `mactime -b F -d -y -z ZONE RANGE` must list the same rows: the same
(time, macb, name, inode, size, mode, uid, gid) tuples, as many of each. mactime sorts by
time, inode and name as text, timeweave by time and id, so the rows are compared as sorted
lists. mactime's range A..B is [A, B) in the zone of -z; timeweave's --to is inclusive of the
whole date or second it names, so B's day or second before is given.

Also checked: the differences documented in plugins/bodyfile/bodyfile-source.c (mactime lists
unknown times as 0000-00-00 rows when it has no start date; it drops a line whose name has a
raw `|`, as fls writes it).

argv[1]: the timeweave binary. mactime missing: exit 77 (skip), or 1 under CI=true.
"""
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
checks = 0
failures = 0


def report(ok, what, detail=""):
    global checks, failures
    checks += 1
    print(("ok" if ok else "not ok") + f" {checks} - {what}")
    if not ok:
        failures += 1
        for line in detail.splitlines()[:40]:
            print("#   " + line)


def run(argv, env=None):
    p = subprocess.run(argv, capture_output=True, env=env)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def mactime_rows(mactime, body, zone, date_range):
    argv = [mactime, "-b", body, "-d", "-y", "-z", zone]
    if date_range:
        argv.append(date_range)
    # mactime reads its range with mktime() in TZ (-z sets it too); it prints UTC with -y.
    env = dict(os.environ, TZ=zone)
    code, out, err = run(argv, env)
    if code != 0 or err:
        raise SystemExit(f"mactime {' '.join(argv[1:])} failed ({code}): {err}")
    reader = csv.reader(io.StringIO(out))
    header = next(reader)
    assert header == ["Date", "Size", "Type", "Mode", "UID", "GID", "Meta", "File Name"], header
    # (time, macb, name, inode, size, mode, uid, gid)
    return [(r[0], r[2], r[7], r[6], r[1], r[3], r[4], r[5]) for r in reader]


def timeweave_rows(tw, body, options, tw_range):
    source = "bodyfile:" + body + "".join("," + o for o in options)
    code, out, err = run([tw, "build", "-s", source, "-f", "csv", "-o", "-", "--quiet"] + tw_range)
    rows = []
    if code != 0:
        return code, err, rows, []
    reader = csv.DictReader(io.StringIO(out, newline=""))
    zones = set()
    for r in reader:
        a = json.loads(r["attributes"])
        # The title is trimmed (titles are one trimmed line): the path attribute is the name.
        rows.append((r["start"], r["kind"], a["path"], a.get("inode", ""), a.get("size", ""),
                     a.get("mode", ""), a.get("uid", ""), a.get("gid", "")))
        zones.add(r["zone"])
    return code, err, rows, sorted(zones)


def compare(what, mine, theirs):
    mine_sorted, theirs_sorted = sorted(mine), sorted(theirs)
    if mine_sorted == theirs_sorted:
        report(True, f"{what}: {len(mine)} rows, the same as mactime's")
        return
    only_mine = [r for r in mine_sorted if r not in theirs_sorted]
    only_theirs = [r for r in theirs_sorted if r not in mine_sorted]
    detail = f"timeweave {len(mine)} rows, mactime {len(theirs)}\n"
    detail += "".join(f"only timeweave: {r}\n" for r in only_mine[:10])
    detail += "".join(f"only mactime:   {r}\n" for r in only_theirs[:10])
    report(False, what, detail)


def main():
    tw = sys.argv[1]
    mactime = shutil.which("mactime")
    if not mactime:
        if os.environ.get("CI") == "true":
            print("not ok: mactime (Debian's sleuthkit) is not installed, and CI=true does not allow "
                  "skipping")
            return 1
        print("1..0 # SKIP mactime (Debian's sleuthkit) is not installed")
        return SKIP

    root = os.environ.get("TW_SOURCE_ROOT",
                          os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    body = os.path.join(root, "tests", "fixtures", "bodyfile", "realistic.body")

    # (what, mactime zone, mactime range, timeweave range, expected row count)
    cases = [
        ("two whole days in UTC", "UTC", "2020-03-28..2020-03-30",
         ["--from", "2020-03-28", "--to", "2020-03-29"], 46),
        ("seconds in UTC: the start kept, the end left out", "UTC",
         "2020-03-28T22:03:05..2020-03-29T01:00:00",
         ["--from", "2020-03-28T22:03:05Z", "--to", "2020-03-29T00:59:59Z"], 29),
        ("a day in Europe/Berlin across the spring-forward night", "Europe/Berlin",
         "2020-03-29..2020-03-30",
         ["--from", "2020-03-29T00:00:00+01:00", "--to", "2020-03-29T23:59:59+02:00"], 13),
        ("a start date only", "UTC", "2020-03-20", ["--from", "2020-03-20"], 61),
        ("a wide range over every file", "UTC", "2000-01-01..2030-01-01",
         ["--from", "2000-01-01", "--to", "2029-12-31"], 87),
    ]
    for what, zone, mac_range, tw_range, expected in cases:
        theirs = mactime_rows(mactime, body, zone, mac_range)
        code, err, mine, zones = timeweave_rows(tw, body, [], tw_range)
        report(code == 0 and err == "", f"{what}: timeweave runs without a warning",
               f"exit {code}\n{err}")
        report(len(theirs) == expected, f"{what}: mactime lists {expected} rows",
               f"mactime listed {len(theirs)}")
        compare(what, mine, theirs)

    # The timezone option is mactime's -z: it moves no instant, it is the events' zone.
    theirs = mactime_rows(mactime, body, "Europe/Berlin", "2020-03-29..2020-03-30")
    code, err, mine, zones = timeweave_rows(
        tw, body, ["timezone=Europe/Berlin"],
        ["--from", "2020-03-29T00:00:00+01:00", "--to", "2020-03-29T23:59:59+02:00"])
    compare("timezone=Europe/Berlin: the same instants", mine, theirs)
    report(zones == ["Europe/Berlin"], "timezone=Europe/Berlin: recorded as the zone", str(zones))

    # Without a start date mactime also lists the unknown (0) times, as 0000-00-00 rows.
    theirs = mactime_rows(mactime, body, "UTC", None)
    unknown = [r for r in theirs if r[0] == "0000-00-00T00:00:00Z"]
    code, err, mine, zones = timeweave_rows(tw, body, [], [])
    report(len(unknown) == 4, "no range: mactime lists 4 unknown times as 0000-00-00 rows",
           f"{len(unknown)}: {unknown}")
    compare("no range: every known time", mine, [r for r in theirs if r not in unknown])

    # fls writes a `|` in a name as it is: mactime drops such a line, timeweave joins the name.
    with tempfile.TemporaryDirectory() as work:
        raw = os.path.join(work, "raw-pipe.body")
        with open(raw, "w", encoding="utf-8") as f:
            f.write("0|/srv/a|b c.txt|12|r/rrw-r--r--|0|0|3|1585433441|1585433441|1585433441|"
                    "1585433441\n"
                    "0|/srv/plain.txt|13|r/rrw-r--r--|0|0|4|1585433441|1585433442|1585433442|"
                    "1585433441\n")
        theirs = mactime_rows(mactime, raw, "UTC", "2020-01-01")
        code, err, mine, zones = timeweave_rows(tw, raw, [], ["--from", "2020-01-01"])
        compare("a raw | in a name: the other lines", [r for r in mine if r[2] != "/srv/a|b c.txt"],
                theirs)
        report(("2020-03-28T22:10:41Z", "macb", "/srv/a|b c.txt", "12", "3", "r/rrw-r--r--", "0",
                "0") in mine, "a raw | in a name: timeweave reads the line mactime drops",
               str(mine))

    print(f"1..{checks}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
