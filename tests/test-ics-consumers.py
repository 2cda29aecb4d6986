#!/usr/bin/python3
"""timeweave's ics export read by independent consumers.

Every fixture is exported through the CLI (`timeweave build -s SOURCE... -f ics`), then:
- parsed with Python's icalendar (Debian python3-icalendar): the same number of events, the same
  DTSTART/DTEND and the same titles as the timeline (the json export of the same run);
- imported with khal (Debian khal) into a temporary calendar and listed back: the same events,
  dates and titles;
- read back by timeweave's own ics source: the json export of the re-import equals the first,
  and its ics export is the same file;
- written again under a locale with a decimal comma (de_DE): byte-identical.

argv[1] is the timeweave binary. A missing tool skips (exit 77) locally and fails under CI=true.
"""
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77


def skip(message):
    if os.environ.get("CI") == "true":
        print("CI=true: skip not allowed: " + message)
        sys.exit(1)
    print("SKIP: " + message)
    sys.exit(SKIP)


try:
    import icalendar
except ImportError:
    skip("python3-icalendar is not installed (apt install python3-icalendar)")

KHAL = shutil.which("khal")
if KHAL is None:
    skip("khal is not installed (apt install khal)")

TIMEWEAVE = sys.argv[1]
ROOT = os.environ.get("TW_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), ".."))
# Each fixture is the sources of one run. The last gives the same ids from two sources (two
# events each, which must be two VEVENTs with UIDs of their own: calendars keep one event of a
# UID), and an id twice within one source (one event).
FIXTURES = [
    ["json:" + os.path.join(ROOT, "tests/fixtures/ics/events.json")],
    ["json:" + os.path.join(ROOT, "timelines/ai-chip-race/events.json")],
    ["ics:" + os.path.join(ROOT, "tests/fixtures/ics/recurrence.ics")],
    ["ics:" + os.path.join(ROOT, "tests/fixtures/ics/fields.ics")],
    ["json:" + os.path.join(ROOT, "tests/fixtures/ics/shared-a.jsonl"),
     "json:" + os.path.join(ROOT, "tests/fixtures/ics/shared-b.jsonl")],
]
ALL_DAY = {"day", "week", "month", "quarter", "half", "season", "year", "decade", "century"}

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL: " + message)


def run(args, env=None):
    result = subprocess.run(args, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        print("command failed: %s\n%s%s" % (" ".join(args), result.stdout, result.stderr))
        sys.exit(1)
    return result.stdout


def rfc_escape(text):
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def icalendar_reading(title):
    """What python-icalendar makes of the RFC 5545 encoding of @title.

    python-icalendar 4.0 unescapes TEXT with chained replacements, so a backslash before `n`,
    `,` or `;` is read wrongly (C:\\new becomes C: and a line break; upstream
    collective/icalendar#355). A title it gets wrong is accepted only if it is wrong in exactly
    the way it reads the correct encoding, which this works out with icalendar itself.
    """
    text = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:x\r\n"
            "DTSTART:20260101T000000Z\r\nSUMMARY:%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            % rfc_escape(title))
    cal = icalendar.Calendar.from_ical(text.encode("utf-8"))
    return str(cal.walk("VEVENT")[0]["SUMMARY"])


def title_matches(got, title, who):
    if got == title:
        return True
    if "\\" in title and got == icalendar_reading(title):
        print("note: %s reads %r as %r (python-icalendar's backslash defect; the file has the "
              "RFC 5545 escapes)" % (who, title, got))
        return True
    return False


def expected_uids(events):
    """The UID of each event (docs/formats-ics.md): ID@timeweave, or ID@SOURCE.timeweave (the
    source's % and @ percent-encoded) when another event of the timeline has the same id."""
    counts = {}
    for event in events:
        counts[event["id"]] = counts.get(event["id"], 0) + 1
    uids = []
    for event in events:
        if counts[event["id"]] == 1:
            uids.append(event["id"] + "@timeweave")
        else:
            source = event["source"].replace("%", "%25").replace("@", "%40")
            uids.append("%s@%s.timeweave" % (event["id"], source))
    check(len(set(uids)) == len(uids), "the timeline's UIDs are not unique: %r" % uids)
    return uids


def parse_instant(text):
    """A json "start"/"end": aware UTC for `Z`, naive for floating."""
    if text.endswith("Z"):
        return datetime.datetime.fromisoformat(text[:-1]).replace(tzinfo=datetime.timezone.utc)
    return datetime.datetime.fromisoformat(text)


def expected_times(event):
    """(DTSTART, DTEND or None) as python-icalendar gives them, worked out from the json."""
    start = parse_instant(event["start"])
    end = parse_instant(event["end"])
    if event["precision"] in ALL_DAY:
        return start.date(), end.date() if end > start else start.date() + datetime.timedelta(1)
    first = start.replace(microsecond=0)
    if end <= start:
        return first, None
    last = end.replace(microsecond=0)
    if last < end:
        last += datetime.timedelta(seconds=1)
    return first, last


def check_icalendar(name, path, events):
    with open(path, "rb") as f:
        cal = icalendar.Calendar.from_ical(f.read())
    vevents = cal.walk("VEVENT")
    check(len(vevents) == len(events), "%s: icalendar sees %d VEVENTs, the timeline has %d"
          % (name, len(vevents), len(events)))
    by_uid = {str(v["UID"]): v for v in vevents}
    check(len(by_uid) == len(vevents), "%s: %d VEVENTs share a UID with another"
          % (name, len(vevents) - len(by_uid)))
    for event, uid in zip(events, expected_uids(events)):
        v = by_uid.get(uid)
        if v is None:
            check(False, "%s: icalendar has no VEVENT for %s" % (name, event["id"]))
            continue
        start, end = expected_times(event)
        got_start = v["DTSTART"].dt
        got_end = v["DTEND"].dt if "DTEND" in v else None
        check(type(got_start) is type(start) and got_start == start,
              "%s: %s: DTSTART %r, expected %r" % (name, event["id"], got_start, start))
        check(got_end == end, "%s: %s: DTEND %r, expected %r" % (name, event["id"], got_end, end))
        if isinstance(start, datetime.datetime):
            check((got_start.tzinfo is None) == (start.tzinfo is None),
                  "%s: %s: floating and UTC mixed up" % (name, event["id"]))
        check(title_matches(str(v["SUMMARY"]), event["title"], "icalendar"),
              "%s: %s: SUMMARY %r, expected %r" % (name, event["id"], str(v["SUMMARY"]),
                                                   event["title"]))
    return len(vevents)


def khal_config(folder):
    vdir = os.path.join(folder, "calendar")
    os.makedirs(vdir)
    config = os.path.join(folder, "khal.conf")
    with open(config, "w") as f:
        f.write("[calendars]\n[[timeweave]]\npath = %s\ntype = calendar\n"
                "[sqlite]\npath = %s\n"
                "[locale]\ntimeformat = %%H:%%M:%%S\ndateformat = %%Y-%%m-%%d\n"
                "longdateformat = %%Y-%%m-%%d\ndatetimeformat = %%Y-%%m-%%d %%H:%%M:%%S\n"
                "longdatetimeformat = %%Y-%%m-%%d %%H:%%M:%%S\n"
                "local_timezone = UTC\ndefault_timezone = UTC\n"
                "[default]\ndefault_calendar = timeweave\n"
                % (vdir, os.path.join(folder, "khal.db")))
    return config


def as_date(value):
    return value.date() if isinstance(value, datetime.datetime) else value


def check_khal(name, path, events, folder):
    config = khal_config(folder)
    env = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8", XDG_CONFIG_HOME=folder,
               XDG_DATA_HOME=folder, XDG_CACHE_HOME=folder)
    run([KHAL, "--config", config, "import", "--batch", "-a", "timeweave", path], env)
    # khal lists day by day, so a century takes minutes: list the shortest range that every
    # event overlaps (from the earliest end to the latest start).
    spans = [expected_times(e) for e in events]
    ends = [as_date(end or start) for start, end in spans]
    starts = [as_date(start) for start, end in spans]
    first = min(min(ends), max(starts)) - datetime.timedelta(1)
    last = max(max(starts), min(ends)) + datetime.timedelta(1)
    out = run([KHAL, "--config", config, "list", "--once", "--day-format", "",
               "--format", "{uid}\x1f{start}\x1f{end}\x1f{title}\x1e",
               first.isoformat(), last.isoformat()], env)
    listed = {}
    for record in out.split("\x1e"):
        record = record.strip("\n")
        if not record:
            continue
        uid, start, end, title = record.split("\x1f", 3)
        listed[uid] = (start, end, title)
    check(len(listed) == len(events), "%s: khal lists %d events, the timeline has %d"
          % (name, len(listed), len(events)))
    for event, uid in zip(events, expected_uids(events)):
        got = listed.get(uid)
        if got is None:
            check(False, "%s: khal does not list %s" % (name, event["id"]))
            continue
        start, end = expected_times(event)
        if isinstance(start, datetime.datetime):
            want_start = start.strftime("%Y-%m-%d %H:%M:%S")
            # khal gives an instant (no DTEND) its own default length: only spans are compared.
            want_end = end.strftime("%Y-%m-%d %H:%M:%S") if end else None
        else:
            # khal shows the inclusive last day of an all-day event.
            want_start = start.isoformat()
            want_end = (end - datetime.timedelta(1)).isoformat()
        check(got[0] == want_start, "%s: %s: khal start %s, expected %s"
              % (name, event["id"], got[0], want_start))
        check(want_end is None or got[1] == want_end, "%s: %s: khal end %s, expected %s"
              % (name, event["id"], got[1], want_end))
        check(title_matches(got[2], event["title"], "khal"),
              "%s: %s: khal title %r, expected %r" % (name, event["id"], got[2], event["title"]))
    return len(listed)


def decimal_comma_locale(folder):
    """A de_DE.UTF-8 locale compiled into @folder (LOCPATH), or None."""
    localedef = shutil.which("localedef")
    if localedef is None or not os.path.exists("/usr/share/i18n/locales/de_DE"):
        return None
    target = os.path.join(folder, "de_DE.UTF-8")
    subprocess.run([localedef, "-i", "de_DE", "-f", "UTF-8", target], capture_output=True)
    if not os.path.isdir(target):
        return None
    # Make sure the locale is really in force, or the comparison would prove nothing.
    env = dict(os.environ, LC_ALL="de_DE.UTF-8", LOCPATH=folder)
    point = subprocess.run(["locale", "decimal_point"], capture_output=True, text=True, env=env)
    return target if point.stdout.strip() == "," else None


def main():
    env = dict(os.environ, SOURCE_DATE_EPOCH="1767225600", LC_ALL="C.UTF-8", TZ="UTC")
    total_icalendar = total_khal = 0
    with tempfile.TemporaryDirectory(prefix="tw-ics-consumers-") as tmp:
        locale_dir = decimal_comma_locale(tmp)
        if locale_dir is None:
            skip("cannot build a de_DE.UTF-8 locale (apt install locales)")
        for i, sources in enumerate(FIXTURES):
            name = "+".join(os.path.basename(source.split(":", 1)[1]) for source in sources)
            source_args = [arg for source in sources for arg in ("-s", source)]
            ics = os.path.join(tmp, "%d.ics" % i)
            out_json = os.path.join(tmp, "%d.json" % i)
            run([TIMEWEAVE, "build", "--quiet"] + source_args + ["--title", "Consumers, test",
                 "-f", "ics", "-o", ics], env)
            run([TIMEWEAVE, "build", "--quiet"] + source_args + ["--title", "Consumers, test",
                 "-f", "json", "-o", out_json], env)
            with open(out_json, encoding="utf-8") as f:
                document = json.load(f)
            events = document["events"]
            check(len(events) > 0, "%s: no events" % name)

            total_icalendar += check_icalendar(name, ics, events)
            khal_dir = os.path.join(tmp, "khal-%d" % i)
            os.makedirs(khal_dir)
            total_khal += check_khal(name, ics, events, khal_dir)

            # timeweave's own ics source gives the same timeline back.
            back_json = os.path.join(tmp, "%d-back.json" % i)
            run([TIMEWEAVE, "build", "--quiet", "-s", "ics:" + ics, "--title", "Consumers, test",
                 "-f", "json", "-o", back_json], env)
            with open(back_json, encoding="utf-8") as f:
                back = json.load(f)
            check(back["events"] == events, "%s: the ics source did not give the events back"
                  % name)
            check(back["links"] == document["links"],
                  "%s: the ics source did not give the links back" % name)
            # ... and the same calendar once more: the same UIDs.
            again = os.path.join(tmp, "%d-again.ics" % i)
            run([TIMEWEAVE, "build", "--quiet", "-s", "ics:" + ics, "--title", "Consumers, test",
                 "-f", "ics", "-o", again], env)
            with open(ics, "rb") as a, open(again, "rb") as b:
                check(a.read() == b.read(), "%s: the re-imported export differs" % name)

            # A decimal-comma locale changes nothing: not GEO, not the re-import.
            de = dict(env, LC_ALL="de_DE.UTF-8", LOCPATH=tmp)
            ics_de = os.path.join(tmp, "%d-de.ics" % i)
            run([TIMEWEAVE, "build", "--quiet"] + source_args + ["--title", "Consumers, test",
                 "-f", "ics", "-o", ics_de], de)
            with open(ics, "rb") as a, open(ics_de, "rb") as b:
                check(a.read() == b.read(), "%s: the export differs under de_DE.UTF-8" % name)
            back_de = os.path.join(tmp, "%d-back-de.json" % i)
            run([TIMEWEAVE, "build", "--quiet", "-s", "ics:" + ics, "--title", "Consumers, test",
                 "-f", "json", "-o", back_de], de)
            with open(back_json, "rb") as a, open(back_de, "rb") as b:
                check(a.read() == b.read(), "%s: the re-import differs under de_DE.UTF-8" % name)
            print("%s: %d events: icalendar, khal, re-import and de_DE agree" % (name, len(events)))

    if failures:
        print("%d failures" % len(failures))
        sys.exit(1)
    print("ok: %d events through python-icalendar, %d through khal" % (total_icalendar,
                                                                     total_khal))


if __name__ == "__main__":
    main()
