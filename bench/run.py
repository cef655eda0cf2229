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
EXAMPLES = os.path.join(ROOT, "target", "release", "examples")
SHARED = os.path.join(ROOT, "..", "shared", "corpus", "regression")


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def build():
    sh(["cargo", "build", "--release", "--locked", "-p", "outflow-cli", "--bin", "outflow",
        "--example", "gen_corpus", "--example", "evtx_baseline"], cwd=ROOT)


def generate(folder, zeek_lines, json_events, files):
    stamp = os.path.join(folder, ".params")
    want = f"{zeek_lines} {json_events} {files}"
    if os.path.exists(stamp) and open(stamp).read() == want:
        return
    sh([os.path.join(EXAMPLES, "gen_corpus"), folder, str(zeek_lines), str(json_events), str(files)])
    open(stamp, "w").write(want)


def timed(cmd):
    """Best wall time of REPEAT runs, with the child's peak RSS and stdout of the best run."""
    best = None
    for _ in range(REPEAT):
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t0 = time.perf_counter()
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        secs = time.perf_counter() - t0
        rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if best is None or secs < best[0]:
            best = (secs, max(rss_kb, before), out.stdout)
    return best


def outflow_events(files, threads):
    secs, rss, out = timed([BIN, "events", "--format", "none", "--quiet", "--summary", "json",
                            "-j", str(threads)] + files)
    summary = json.loads(out.decode().strip().splitlines()[-1])
    assert summary["totals"]["rejects"] == 0, summary["rejects"]
    return summary["totals"]["events"], secs, rss


def wc(files):
    secs, _, _ = timed(["wc", "-l"] + files)
    return secs


def main():
    build()
    generate(DATA, ZEEK_LINES, JSON_EVENTS, FILES)
    zeek = sorted(glob.glob(os.path.join(DATA, "conn-*.log")))
    js = sorted(glob.glob(os.path.join(DATA, "sysmon-*.jsonl")))
    results = {}

    n, secs, rss = outflow_events(zeek[:1], 1)
    results["zeek_conn_tsv"] = {"events": n, "seconds": secs, "events_per_second": n / secs,
                                "wc_l_seconds": wc(zeek[:1]), "peak_rss_mb": rss / 1024}
    n, secs, rss = outflow_events(js[:1], 1)
    results["evtx_dump_json_lines"] = {"events": n, "seconds": secs, "events_per_second": n / secs,
                                       "wc_l_seconds": wc(js[:1]), "peak_rss_mb": rss / 1024}

    evtx_files = sorted(glob.glob(os.path.join(SHARED, "**", "*.evtx"), recursive=True))
    if evtx_files:
        base_secs, _, base_out = timed([os.path.join(EXAMPLES, "evtx_baseline")] + evtx_files)
        base = json.loads(base_out)
        n, secs, _ = outflow_events(evtx_files, 1)
        results["evtx"] = {"files": len(evtx_files), "events": n, "outflow_seconds": secs,
                           "evtx_crate_seconds": base_secs, "evtx_crate_records": base["records"],
                           "ratio_outflow_to_evtx_crate": secs / base_secs}
    else:
        print("bench: ../shared/corpus absent: EVTX figure skipped", file=sys.stderr)

    every = zeek + js
    n1, s1, _ = outflow_events(every, 1)
    n2, s2, _ = outflow_events(every, 2)
    results["scaling"] = {"files": len(every), "events": n1, "one_thread_seconds": s1,
                          "two_threads_seconds": s2, "speedup": s1 / s2}

    if MEMORY:
        big = os.path.join(DATA, "big")
        # ~190 bytes per conn line: 11 M lines is about 2 GB.
        generate(big, int(os.environ.get("BIG_LINES", 11_000_000)), 0, 1)
        files = sorted(glob.glob(os.path.join(big, "conn-*.log")))
        size = sum(os.path.getsize(f) for f in files)
        n, secs, rss = outflow_events(files, 2)
        results["memory"] = {"input_mb": size / 2**20, "events": n, "seconds": secs, "peak_rss_mb": rss / 1024}

    out = json.dumps(results, indent=2)
    print(out)
    open(os.path.join(DATA, "results.json"), "w").write(out + "\n")


if __name__ == "__main__":
    main()
