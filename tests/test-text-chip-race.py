#!/usr/bin/python3
"""The chip-race story told in prose gives the curated timeline's dated events.

timelines/ai-chip-race/story.md retells the facts of /work/shared/chip-race-facts.md in prose;
timelines/ai-chip-race/events.json is the curated timeline of the same facts. The text source on
the story must yield the same dated events at the same precision: the multiset of (date, end)
pairs of the text events, as the json exporter writes them (canonical date text such as
"early 2025" or "2026-02-13", and the exclusive end), equals the curated one. So neither side has
a date the other lacks, and a fact told at another precision ("2026" for "early 2026") fails.

The mapping below then pins each curated event to the sentence of the story that tells it (a
phrase of that sentence): the text event whose description holds the phrase must have the
curated event's date and end. NVIDIA's fiscal first quarter of 2026 is told with its calendar
months in brackets; the source keeps the calendar months (the fiscal phrase becomes the gloss
attribute), and with fiscal-year-start=february the fiscal phrase alone gives the same months:
both runs are checked.

argv[1]: the timeweave binary. Env: TW_SOURCE_ROOT.
"""
import collections
import json
import os
import subprocess
import sys

# curated event id -> a phrase of the story sentence that tells it
MAPPING = {
    "us-export-controls-2022": "first restricted exports of advanced AI chips",
    "bytedance-seedchip-start-2024": "began designing an AI chip of its own",
    "nvidia-china-revenue-2024": "13% of NVIDIA's sales",
    "us-h20-ban-2025": "Washington banned NVIDIA's H20",
    "bytedance-seedchip-expanded-2025": "widening SeedChip",
    "nvidia-h20-charge-fy2026q1": "$4.5 billion charge on H20 inventory",
    "huawei-ascend-ecosystem-2025": "4 million developers",
    "us-h200-conditional-exports-2026": "import NVIDIA's H200",
    "bytedance-ai-procurement-budget-2026": "160 billion yuan",
    "bytedance-ascend-purchase-2026": "$5.6 billion to Huawei's Ascend",
    "huawei-ascend-950pr-2026": "Ascend 950PR",
    "us-h200-cap-proposed-2026": "cap of 75,000 H200s",
    "bytedance-samsung-talks-2026": "dual-track talks with Samsung",
    "bytedance-seedchip-public-2026": "SeedChip program became public",
    "bytedance-seedream-5-lite-2026": "Seedream 5.0 Lite",
    "deepseek-domestic-multimodal-2026": "DeepSeek said",
    "google-nano-banana-2-leads-2026": "Nano Banana 2",
    "bytedance-seedchip-samples-2026": "SeedChip samples are expected",
    "china-domestic-servers-double-2026": "doubling their AI servers",
    "china-self-sufficiency-target-2027": "70% semiconductor self-sufficiency",
    "bytedance-seedchip-inference-share-2027": "meaningful share of ByteDance's inference",
    "domestic-inference-self-sufficient-2029": "largely self-sufficient",
}

checks = 0
failures = 0


def check(ok, what, detail=""):
    global checks, failures
    checks += 1
    if ok:
        print("ok %d - %s" % (checks, what))
    else:
        failures += 1
        print("not ok %d - %s%s" % (checks, what, (": " + detail) if detail else ""))


def build(tw, spec):
    r = subprocess.run([tw, "build", "-s", spec, "-f", "json", "-o", "-"], capture_output=True,
                       text=True)
    if r.returncode != 0:
        print("not ok - timeweave build -s %s: exit %d: %s" % (spec, r.returncode, r.stderr))
        sys.exit(1)
    return json.loads(r.stdout), r.stderr


def main():
    tw = sys.argv[1]
    root = os.environ.get("TW_SOURCE_ROOT") or os.path.join(os.path.dirname(__file__), "..")
    folder = os.path.join(root, "timelines", "ai-chip-race")
    story = os.path.join(folder, "story.md")
    curated_doc, _ = build(tw, "json:" + os.path.join(folder, "events.json"))
    curated = {e["id"]: e for e in curated_doc["events"]}
    check(set(curated) == set(MAPPING), "the mapping names every curated event",
          "unmapped: %s; unknown: %s" % (sorted(set(curated) - set(MAPPING)),
                                         sorted(set(MAPPING) - set(curated))))
    want = collections.Counter((e["date"], e["end"]) for e in curated.values())

    for options in ("", ",fiscal-year-start=february"):
        label = "story.md" + (" with" + options.replace(",", " ") if options else "")
        doc, stderr = build(tw, "text:" + story + options)
        events = doc["events"]
        check(stderr.strip() == "", label + ": no warnings", stderr.strip())
        got = collections.Counter((e["date"], e["end"]) for e in events)
        missing = want - got
        extra = got - want
        check(not missing and not extra,
              label + ": the same dated events as the curated timeline (%d)" % sum(want.values()),
              "missing %s; extra %s" % (sorted(missing.elements()), sorted(extra.elements())))
        for cid, phrase in sorted(MAPPING.items()):
            if cid not in curated:
                continue
            c = curated[cid]
            hits = [e for e in events if phrase in e.get("description", "")]
            if len(hits) != 1:
                check(False, "%s: %s is told once" % (label, cid),
                      "%d events whose sentence holds %r" % (len(hits), phrase))
                continue
            e = hits[0]
            check((e["date"], e["end"], e["precision"]) == (c["date"], c["end"], c["precision"]),
                  "%s: %s at %s (%s)" % (label, cid, c["date"], e["attributes"]["expression"]),
                  "the text says %s (end %s, %s), the timeline %s (end %s, %s)" %
                  (e["date"], e["end"], e["precision"], c["date"], c["end"], c["precision"]))
            check(e.get("kind") == "statement" and e["title"] and e["description"],
                  "%s: %s is a statement with a title and a description" % (label, cid))
        fiscal = [e for e in events if "$4.5 billion charge" in e.get("description", "")]
        if options:
            check(len(fiscal) == 1 and fiscal[0]["attributes"].get("fiscal-period") == "FY2026 Q1",
                  label + ": the fiscal quarter is read with NVIDIA's fiscal calendar")
        else:
            check(len(fiscal) == 1 and "fiscal first quarter of 2026" in
                  fiscal[0]["attributes"].get("gloss", ""),
                  label + ": the calendar months are kept and the fiscal phrase is their gloss")

    print("1..%d" % checks)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
