#!/usr/bin/env python3
"""Cost of detection in `outflow hunt`, against reading alone, and its memory.

Generates a simulated corpus (`outflow simulate`, fixed seed) large enough to
hold about a million network flows over a thousand hosts, then runs the
release binary on it with output discarded:

  events      `outflow events --format none`: reading and normalizing only (the baseline)
  pipeline    `outflow hunt --no-rule-pack` with every analytic disabled: reading
              and the merge by event time; with nothing stateful to feed, the
              reader threads drop each event where it was read, so this row
              does not include handing events over
  handover    `outflow hunt --no-rule-pack` with one analytic, `code-repo-push`,
              whose own work is near nothing: every event handed to the
              detection thread in event-time order (the analytics' copies of
              network records), and the engine naming each flow's destination
              and looking it up in the catalog -- what any analytic costs
              before its own work
  analytics   `outflow hunt --no-rule-pack`: the built-in analytics
  hunt        `outflow hunt`: the rule pack and the analytics (the default)

The machine is shared, so throughput is events per second of *process CPU
time* (user + system, from wait4), each figure the best of REPEAT runs, and
the cost of detection is the ratio to the baseline measured in the same run.
Peak RSS comes from the same rusage.

Usage: python3 bench/analytics.py [--quick]   (results in bench-data/analytics/results.json)
Environment: HOSTS (1000), DAYS (1), EPD (records per host per day, 2100),
REPEAT (3), BENCH_DATA (bench-data).
"""

import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUICK = "--quick" in sys.argv
DATA = os.path.join(os.environ.get("BENCH_DATA", os.path.join(ROOT, "bench-data")), "analytics")
HOSTS = int(os.environ.get("HOSTS", 100 if QUICK else 1000))
DAYS = int(os.environ.get("DAYS", 1))
EPD = int(os.environ.get("EPD", 2100))
REPEAT = int(os.environ.get("REPEAT", 1 if QUICK else 3))
BIN = os.path.join(ROOT, "target", "release", "outflow")


def corpus():
    out = os.path.join(DATA, f"sim-{HOSTS}-{DAYS}-{EPD}")
    if not os.path.exists(os.path.join(out, "summary.json")):
        os.makedirs(DATA, exist_ok=True)
        subprocess.run(
            [BIN, "simulate", "--out", out, "--seed", "1", "--hosts", str(HOSTS),
             "--days", str(DAYS), "--events-per-host-day", str(EPD), "--overwrite"],
            check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    flows = sum(
        f["records"] for f in summary["files"]
        if f["format"] == "panos" or f["path"].endswith(("conn.log", "conn.json.log"))
    )
    return out, summary, flows


def analytics_config(keep=()):
    """A settings file that turns every built-in analytic off but those in
    `keep` (names read from the shipped `analytics.yml`): none for the
    `pipeline` row, one near-free analytic for the `handover` row."""
    shipped = os.path.join(ROOT, "crates", "outflow-analytics", "data", "analytics.yml")
    with open(shipped) as f:
        names = re.findall(r"^  ([a-z0-9-]+):\s*$", f.read(), flags=re.M)
    missing = [k for k in keep if k not in names]
    if missing:
        sys.exit(f"analytics.yml names no analytic {missing}")
    path = os.path.join(DATA, "only-" + "-".join(keep) + ".yml" if keep else "no-analytics.yml")
    with open(path, "w") as f:
        f.write("analytics:\n" + "".join(
            f"  {n}:\n    enabled: false\n" for n in names if n not in keep))
    return path


def timed(args):
    """CPU seconds, wall seconds, peak RSS (MB) and the summary JSON of one run."""
    t0 = time.time()
    p = subprocess.Popen([BIN] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err_chunks = []
    # Read stderr before waiting, so a large summary cannot block the child.
    for chunk in iter(lambda: p.stderr.read(65536), b""):
        err_chunks.append(chunk)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.time() - t0
    if status != 0:
        sys.exit(f"{' '.join(args)} failed: {b''.join(err_chunks).decode(errors='replace')}")
    return ru.ru_utime + ru.ru_stime, wall, ru.ru_maxrss / 1024, b"".join(err_chunks)


def best(args):
    runs = [timed(args) for _ in range(REPEAT)]
    return min(runs, key=lambda r: r[0])


def main():
    if not os.path.exists(BIN):
        sys.exit("build first: cargo build --release -p outflow-cli")
    out, summary, flows = corpus()
    logs = os.path.join(out, "logs")
    records = summary["records"]
    print(f"corpus: {records:,} records ({flows:,} flows), {summary['bytes'] / 1e9:.2f} GB, "
          f"{HOSTS} hosts, {DAYS} day(s)")
    runs = {
        "events": ["events", "-q", "--format", "none", logs],
        "pipeline": ["hunt", "-q", "--format", "none", "--no-rule-pack",
                     "--analytics-config", analytics_config(), logs],
        "handover": ["hunt", "-q", "--format", "none", "--no-rule-pack",
                     "--analytics-config", analytics_config(("code-repo-push",)), logs],
        "analytics": ["hunt", "-q", "--format", "none", "--no-rule-pack", logs],
        "hunt": ["hunt", "-q", "--format", "none", logs],
    }
    results = {"records": records, "flows": flows, "hosts": HOSTS, "days": DAYS}
    base = None
    for name, args in runs.items():
        cpu, wall, rss, _ = best(args)
        rate = records / cpu
        base = base or rate
        results[name] = {"cpu_s": cpu, "wall_s": wall, "events_per_cpu_s": rate,
                         "peak_rss_mb": rss, "vs_events": rate / base}
        print(f"{name:10} {rate:>12,.0f} events/CPU-s  {cpu:7.2f} CPU-s  {wall:7.2f} s wall  "
              f"{rss:7.1f} MB peak RSS  {rate / base:5.2f}× of reading alone")
    os.makedirs(DATA, exist_ok=True)
    with open(os.path.join(DATA, "results.json"), "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
