#!/usr/bin/env python3
"""Throughput of `outflow hunt --rules` with SigmaHQ rule sets.

Builds a corpus from the shared corpus's SigmaHQ regression samples (the
`.json` twins, evtx_dump style, one event per line), repeated to EVENTS
events and split over FILES files (files are read in parallel, one per
thread), then runs the release binary with each rule set and output
discarded (`--format none`):

  none        no rules: reading and normalizing only (the baseline)
  t1567       the T1567-related rules (sigma/t1567)
  win-100     100 rule files of sigma/full/rules/windows, evenly spaced in name order
  win-500     500 of them, likewise
  win-all     every rule of sigma/full/rules/windows (~2,400)

The machine is shared, so figures are events per second of *process CPU
time* (user + system of the child, from getrusage), i.e. per core; wall
time and the CPU/wall ratio (cores kept busy) are shown beside them. Each
figure is the best of REPEAT runs.

Usage: python3 bench/sigma.py [--quick]   (results also in bench-data/sigma/results.json)
"""

import glob
import json
import os
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared", "corpus")
DATA = os.path.join(os.environ.get("BENCH_DATA", os.path.join(ROOT, "bench-data")), "sigma")
QUICK = "--quick" in sys.argv
EVENTS = int(os.environ.get("EVENTS", 50_000 if QUICK else 200_000))
FILES = int(os.environ.get("FILES", 8))
REPEAT = int(os.environ.get("REPEAT", 1 if QUICK else 3))
THREADS = os.environ.get("THREADS")
BIN = os.path.join(ROOT, "target", "release", "outflow")


def objects(text):
    """The JSON objects of a file holding one or several concatenated ones."""
    dec = json.JSONDecoder()
    i, out = 0, []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return out
        obj, i = dec.raw_decode(text, i)
        out.append(obj)


def build_corpus():
    os.makedirs(DATA, exist_ok=True)
    parts = [os.path.join(DATA, f"part-{i:02}.jsonl") for i in range(FILES)]
    stamp = os.path.join(DATA, f"corpus-{EVENTS}-{FILES}.done")
    if os.path.exists(stamp):
        return parts
    lines = []
    for f in sorted(glob.glob(os.path.join(SHARED, "regression", "regression_data", "**", "*.json"), recursive=True)):
        with open(f, encoding="utf-8") as fh:
            lines += [json.dumps(o, separators=(",", ":")) for o in objects(fh.read())]
    outs = [open(p, "w", encoding="utf-8") for p in parts]
    for n in range(EVENTS):
        outs[n % FILES].write(lines[n % len(lines)] + "\n")
    for o in outs:
        o.close()
    open(stamp, "w").close()
    print(f"corpus: {EVENTS} events ({len(lines)} distinct samples) in {FILES} files under {DATA}")
    return parts


def spread(items, n):
    """n items evenly spaced over the list (every folder represented)."""
    return [items[i * len(items) // n] for i in range(n)]


def rule_sets():
    win = sorted(glob.glob(os.path.join(SHARED, "sigma", "full", "rules", "windows", "**", "*.yml"), recursive=True))
    return [
        ("none", []),
        ("t1567", [os.path.join(SHARED, "sigma", "t1567")]),
        ("win-100", spread(win, 100)),
        ("win-500", spread(win, 500)),
        ("win-all", [os.path.join(SHARED, "sigma", "full", "rules", "windows")]),
    ]


def run(rules, inputs):
    # Without rules, `hunt` would run the built-in rule pack and analytics:
    # the baseline is `events`, reading and normalizing only.
    verb = "hunt" if rules else "events"
    cmd = [BIN, verb, "--format", "none", "--summary", "json"]
    if THREADS:
        cmd += ["-j", THREADS]
    for r in rules:
        cmd += ["--rules", r]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd + inputs, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = json.loads(p.stdout.strip().splitlines()[-1])
    loaded = next((l for l in p.stderr.splitlines() if "rules loaded" in l), "")
    return cpu, wall, summary, loaded


def main():
    subprocess.run(["cargo", "build", "--release", "-p", "outflow-cli"], check=True, cwd=ROOT)
    inputs = build_corpus()
    results = []
    print(f"{'rules':<9} {'loaded':>7} {'events':>8} {'alerts':>7} {'cpu s':>7} {'wall s':>7} {'cores':>5} {'events/s/core':>14} {'sigma µs/event':>15}")
    base_us = None
    for name, rules in rule_sets():
        best = None
        for _ in range(REPEAT):
            r = run(rules, inputs)
            if best is None or r[0] < best[0]:
                best = r
        cpu, wall, s, loaded = best
        events = s["totals"]["events"]
        alerts = s.get("hunt", {}).get("alerts", 0)
        n_rules = loaded.split(" rules loaded")[0].split()[-1] if loaded else "0"
        us = cpu / events * 1e6
        if base_us is None:
            base_us = us
        row = {
            "rules": name, "rules_loaded": n_rules, "events": events, "alerts": alerts,
            "cpu_s": round(cpu, 3), "wall_s": round(wall, 3), "cores": round(cpu / wall, 2),
            "events_per_cpu_s": round(events / cpu), "sigma_us_per_event": round(us - base_us, 2),
        }
        results.append(row)
        print(f"{name:<9} {n_rules:>7} {events:>8} {alerts:>7} {cpu:>7.2f} {wall:>7.2f} {cpu / wall:>5.2f} {events / cpu:>14,.0f} {us - base_us:>15.2f}")
    with open(os.path.join(DATA, "results.json"), "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
