#!/usr/bin/env python3
"""Whole-process benchmark of `outflow events` (read + normalize, output discarded).

Generates a deterministic corpus (Zeek conn TSV, evtx_dump-style JSON lines),
then times the release binary on it and reports each figure next to a
baseline measured in the same run, since the machine is shared and noisy:

  zeek / json   events per second on one thread, beside `wc -l` on the same file
  evtx          outflow on the shared corpus's EVTX files vs the evtx crate alone
  scaling       2 threads vs 1 thread on the multi-file corpus
  memory        peak RSS reading a ~2 GB input (set BENCH_MEMORY=0 to skip)

Usage: python3 bench/run.py [--quick]    (results also written to bench-data/results.json)
"""

import glob
import json
import os
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("BENCH_DATA", os.path.join(ROOT, "bench-data"))
QUICK = "--quick" in sys.argv
ZEEK_LINES = int(os.environ.get("ZEEK_LINES", 400_000 if QUICK else 4_000_000))
JSON_EVENTS = int(os.environ.get("JSON_EVENTS", 100_000 if QUICK else 1_000_000))
FILES = int(os.environ.get("FILES", 4))
MEMORY = os.environ.get("BENCH_MEMORY", "0" if QUICK else "1") == "1"
REPEAT = int(os.environ.get("REPEAT", 3))
BIN = os.path.join(ROOT, "target", "release", "outflow")
TOOLS = os.path.join(ROOT, "target", "release")
SHARED = os.path.join(ROOT, "..", "shared", "corpus", "regression")


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def build():
    sh(["cargo", "build", "--release", "--locked", "-p", "outflow-cli", "-p", "outflow-bench"], cwd=ROOT)


def generate(folder, zeek_lines, json_events, files):
    stamp = os.path.join(folder, ".params")
    want = f"{zeek_lines} {json_events} {files}"
    if os.path.exists(stamp) and open(stamp).read() == want:
        return
    sh([os.path.join(TOOLS, "gen_corpus"), folder, str(zeek_lines), str(json_events), str(files)])
    open(stamp, "w").write(want)


def run_once(cmd):
    """Wall seconds, CPU seconds (user + system) and peak RSS (KiB) of one child, and its stdout."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        raise SystemExit(f"bench: {cmd[0]} failed with status {status}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, out


def timed(cmd):
    """The run with the least CPU time of REPEAT runs: (wall, cpu, rss_kib, stdout)."""
    runs = [run_once(cmd) for _ in range(REPEAT)]
    return min(runs, key=lambda r: r[1])


def outflow_events(files, threads):
    """(events, wall seconds, cpu seconds, peak RSS MiB) of `outflow events` with output discarded."""
    wall, cpu, rss, out = timed([BIN, "events", "--format", "none", "--quiet", "--summary", "json",
                                 "-j", str(threads)] + files)
    summary = json.loads(out.decode().strip().splitlines()[-1])
    assert summary["totals"]["rejects"] == 0, summary["rejects"]
    return summary["totals"]["events"], wall, cpu, rss / 1024


def wc(files):
    return timed(["wc", "-l"] + files)[1]


def per_core(label, files):
    n, wall, cpu, rss = outflow_events(files, 1)
    base = wc(files)
    return {"events": n, "wall_seconds": wall, "cpu_seconds": cpu,
            "events_per_cpu_second": n / cpu, "events_per_wall_second": n / wall,
            "baseline_wc_l_cpu_seconds": base, "ratio_to_wc_l": cpu / base if base else None,
            "peak_rss_mb": rss}


def main():
    build()
    generate(DATA, ZEEK_LINES, JSON_EVENTS, FILES)
    zeek = sorted(glob.glob(os.path.join(DATA, "conn-*.log")))
    js = sorted(glob.glob(os.path.join(DATA, "sysmon-*.jsonl")))
    results = {}

    results["zeek_conn_tsv"] = per_core("zeek", zeek[:1])
    results["evtx_dump_json_lines"] = per_core("json", js[:1])

    evtx_files = sorted(glob.glob(os.path.join(SHARED, "**", "*.evtx"), recursive=True))
    if evtx_files:
        # Process start-up and loading the mapping files are fixed costs that the
        # small corpus files would let dominate: measure them on an empty run and
        # compare the decoding cost beyond them as well as the totals.
        _, base_cpu, _, base_out = timed([os.path.join(TOOLS, "evtx_baseline")] + evtx_files)
        _, base_fixed, _, _ = timed([os.path.join(TOOLS, "evtx_baseline")])
        base = json.loads(base_out)
        n, _, cpu, _ = outflow_events(evtx_files, 1)
        empty = os.path.join(DATA, "one-line.jsonl")
        open(empty, "w").write("{\"a\": 1}\n")
        _, fixed, _, _ = outflow_events([empty], 1)
        results["evtx"] = {"files": len(evtx_files), "events": n, "evtx_crate_records": base["records"],
                           "outflow_cpu_seconds": cpu, "evtx_crate_cpu_seconds": base_cpu,
                           "ratio_total": cpu / base_cpu,
                           "outflow_fixed_cpu_seconds": fixed, "evtx_crate_fixed_cpu_seconds": base_fixed,
                           "ratio_beyond_fixed_costs": (cpu - fixed) / max(base_cpu - base_fixed, 1e-9)}
    else:
        print("bench: ../shared/corpus absent: EVTX figure skipped", file=sys.stderr)

    every = zeek + js
    n1, s1, _, _ = outflow_events(every, 1)
    n2, s2, _, _ = outflow_events(every, 2)
    results["scaling"] = {"files": len(every), "events": n1, "one_thread_wall_seconds": s1,
                          "two_threads_wall_seconds": s2, "speedup": s1 / s2,
                          "load_average": os.getloadavg()[0]}

    if MEMORY:
        big = os.path.join(DATA, "big")
        # ~150 bytes per conn line: 14 M lines is a little over 2 GB.
        generate(big, int(os.environ.get("BIG_LINES", 14_000_000)), 0, 1)
        files = sorted(glob.glob(os.path.join(big, "conn-*.log")))
        size = sum(os.path.getsize(f) for f in files)
        n, wall, cpu, rss = outflow_events(files, 2)
        results["memory"] = {"input_mb": size / 2**20, "events": n, "wall_seconds": wall,
                             "cpu_seconds": cpu, "peak_rss_mb": rss}

    out = json.dumps(results, indent=2)
    print(out)
    open(os.path.join(DATA, "results.json"), "w").write(out + "\n")


if __name__ == "__main__":
    main()
