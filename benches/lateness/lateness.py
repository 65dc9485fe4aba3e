#!/usr/bin/env python3
"""Lateness of `schedctl run` under load, beside APScheduler 3.11.3 under the same load.

N jobs fire together every second (N = 50, 200, 1000 by default), each running the command
`true`, on one pool of 10 workers, with APScheduler's defaults (coalesce on, max_instances 1,
misfire grace 1 s). Each load runs for --seconds (20 by default) in:

- `schedctl run --output discard` with the jobs in the default SQLite store (a fresh file),
- the same with every job in a memory store (`[jobstores.mem] kind = "memory"`),
- APScheduler 3.11.3: BackgroundScheduler, MemoryJobStore, ThreadPoolExecutor(10), each job
  running `subprocess.run(["true"])` (when the oracle venv is there).

Lateness is start - fire of each run that started: from the run log for schedctl (`start` minus
`fire` of `executed` events), from inside the job for APScheduler (time.time() when the job
function starts minus its scheduled run time, which a thin wrapper around the pool's `run_job`
hands it). Runs later than the grace are `missed`, in both, and are counted, not in the
percentiles. The first fire is at a whole second 3 s after the start, so start-up is not
measured.

Usage (from the repository root, after `cargo build --release -p schedctl`):

    python3 benches/lateness/lateness.py [--loads 50,200,1000] [--seconds 20] [--repeat 1]
        [--schedctl target/release/schedctl] [--oracle-python PATH] [--json results.json]

Prints one row per (load, system, repeat) and a Markdown table of the medians over repeats.
Needs only python3; the APScheduler rows need the oracle venv (../shared/oracle/setup.sh),
found at ../shared/oracle/.venv or given with --oracle-python.
"""

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

WORKERS = 10


def percentile(sorted_values, p):
    """Nearest-rank percentile of a sorted list (None when empty)."""
    if not sorted_values:
        return None
    k = max(0, math.ceil(p / 100 * len(sorted_values)) - 1)
    return sorted_values[k]


def rfc3339(ts):
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text):
    return datetime.fromisoformat(text).timestamp()


def loadavg():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def summarize(system, n, lateness, missed, dropped, first_of_second, seconds, load_before):
    """The row of one run; the lists hold only the fires of the measured window."""
    lateness.sort()
    firsts = sorted(first_of_second.values())
    return {
        "system": system,
        "jobs": n,
        "seconds": seconds,
        "started": len(lateness),
        "missed": missed,
        "dropped": dropped,
        "p50_ms": percentile(lateness, 50) * 1e3 if lateness else None,
        "p99_ms": percentile(lateness, 99) * 1e3 if lateness else None,
        "max_ms": lateness[-1] * 1e3 if lateness else None,
        # The earliest start of each fire second: what a wake-up costs before the first run.
        "first_start_p50_ms": percentile(firsts, 50) * 1e3 if firsts else None,
        "load_before": load_before,
        "load_after": loadavg(),
    }


def job_file(n, start, memory):
    lines = ['timezone = "UTC"', "[executor]", f"max_workers = {WORKERS}"]
    if memory:
        lines += ["[jobstores.mem]", 'kind = "memory"']
    for i in range(n):
        lines += [
            "[[job]]",
            f'id = "j{i:04}"',
            f'trigger = "interval:seconds=1 start_date={rfc3339(start)}"',
            'command = ["true"]',
        ]
        if memory:
            lines.append('jobstore = "mem"')
    return "\n".join(lines) + "\n"


def run_schedctl(binary, n, seconds, memory):
    work = tempfile.mkdtemp(prefix="schedctl-lateness-")
    try:
        start = math.ceil(time.time()) + 3
        path = os.path.join(work, "jobs.toml")
        with open(path, "w") as f:
            f.write(job_file(n, start, memory))
        load_before = loadavg()
        subprocess.run(
            [binary, "run", path, "--until", f"+{math.ceil(start + seconds + 1 - time.time())}s",
             "--output", "discard",
             "--store", os.path.join(work, "schedctl.db"),
             "--log", os.path.join(work, "runs.jsonl")],
            cwd=work, stdout=subprocess.DEVNULL, check=False,
        )
        lateness, missed, dropped, firsts = [], 0, 0, {}
        with open(os.path.join(work, "runs.jsonl")) as f:
            for line in f:
                e = json.loads(line)
                if not start <= parse_time(e["fire"]) < start + seconds:
                    continue
                if e["status"] in ("executed", "error"):
                    late = parse_time(e["start"]) - parse_time(e["fire"])
                    lateness.append(late)
                    firsts[e["fire"]] = min(late, firsts.get(e["fire"], late))
                elif e["status"] == "missed":
                    missed += 1
                elif e["status"] == "dropped":
                    dropped += 1
        system = "schedctl memory" if memory else "schedctl sqlite"
        return summarize(system, n, lateness, missed, dropped, firsts, seconds, load_before)
    finally:
        shutil.rmtree(work, ignore_errors=True)


APS_CHILD = r'''
import json, logging, subprocess, sys, threading, time
from datetime import datetime, timezone
import apscheduler
import apscheduler.executors.pool as pool_mod
from apscheduler.events import EVENT_JOB_MISSED, EVENT_JOB_MAX_INSTANCES
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler

n, seconds, workers = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
logging.getLogger("apscheduler").setLevel(logging.ERROR)  # no warning per missed run
current = threading.local()
original_run_job = pool_mod.run_job

def run_job(job, jobstore_alias, run_times, logger_name):
    # coalesce = True: one run time per submission; the job reads it when it starts.
    current.run_time = run_times[-1]
    return original_run_job(job, jobstore_alias, run_times, logger_name)

pool_mod.run_job = run_job
records, lock = [], threading.Lock()
counts = {"missed": 0, "dropped": 0}

start = int(time.time()) + 3

def measured(run_time):
    return start <= run_time.timestamp() < start + seconds

def work():
    late = time.time() - current.run_time.timestamp()
    if measured(current.run_time):
        with lock:
            records.append((current.run_time.timestamp(), late))
    subprocess.run(["true"])

def listener(event):
    if measured(event.scheduled_run_time):
        with lock:
            counts["missed" if event.code == EVENT_JOB_MISSED else "dropped"] += 1

sched = BackgroundScheduler(
    jobstores={"default": MemoryJobStore()},
    executors={"default": ThreadPoolExecutor(workers)},
    timezone=timezone.utc,
)
sched.add_listener(listener, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
first = datetime.fromtimestamp(start, timezone.utc)
for i in range(n):
    sched.add_job(work, "interval", seconds=1, start_date=first, id=f"j{i:04}")
sched.start()
time.sleep(max(0.0, start + seconds + 1 - time.time()))
sched.shutdown(wait=True)
json.dump({"version": apscheduler.__version__, "records": records, **counts}, sys.stdout)
'''


def run_apscheduler(python, n, seconds):
    load_before = loadavg()
    out = subprocess.run(
        [python, "-c", APS_CHILD, str(n), str(seconds), str(WORKERS)],
        stdout=subprocess.PIPE, check=True, text=True,
    )
    data = json.loads(out.stdout)
    lateness = [late for _, late in data["records"]]
    firsts = {}
    for fire, late in data["records"]:
        firsts[fire] = min(late, firsts.get(fire, late))
    result = summarize(f"APScheduler {data['version']}", n, lateness, data["missed"],
                       data["dropped"], firsts, seconds, load_before)
    return result


def fmt(v, digits=1):
    return "—" if v is None else f"{v:.{digits}f}"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--loads", default="50,200,1000")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--schedctl", default=os.path.join(root, "target/release/schedctl"))
    ap.add_argument("--oracle-python",
                    default=os.path.join(os.path.dirname(root), "shared/oracle/.venv/bin/python"))
    ap.add_argument("--systems", default="sqlite,memory,apscheduler")
    ap.add_argument("--json", help="write every row to this file")
    args = ap.parse_args()
    loads = [int(x) for x in args.loads.split(",")]
    systems = args.systems.split(",")
    if "apscheduler" in systems and not os.access(args.oracle_python, os.X_OK):
        print(f"no oracle python at {args.oracle_python}: APScheduler skipped", file=sys.stderr)
        systems.remove("apscheduler")
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()}, {args.seconds:g} s per run",
          file=sys.stderr)
    rows = []
    for rep in range(args.repeat):
        for n in loads:
            # Odd repeats run the systems in reverse order, so that none always runs first.
            for system in (systems if rep % 2 == 0 else systems[::-1]):
                if system == "apscheduler":
                    r = run_apscheduler(args.oracle_python, n, args.seconds)
                else:
                    r = run_schedctl(args.schedctl, n, args.seconds, system == "memory")
                r["repeat"] = rep
                rows.append(r)
                print(f"{n:>5} fires/s  {r['system']:<20} p50 {fmt(r['p50_ms'], 2):>8} ms  "
                      f"p99 {fmt(r['p99_ms'], 2):>8} ms  first {fmt(r['first_start_p50_ms'], 2):>6} ms  "
                      f"started {r['started']}  missed {r['missed']}  dropped {r['dropped']}  "
                      f"load {r['load_before']:.2f}->{r['load_after']:.2f}",
                      file=sys.stderr, flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    # The medians over repeats, as a Markdown table.
    print("| fires/s | system | p50 lateness | p99 lateness | first start (p50) | runs started | missed runs |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for n in loads:
        for system in sorted({r["system"] for r in rows}, key=lambda s: ("sqlite" not in s, "memory" not in s, s)):
            rs = [r for r in rows if r["jobs"] == n and r["system"] == system]
            if not rs:
                continue
            med = lambda k: statistics.median(r[k] for r in rs) if all(r[k] is not None for r in rs) else None
            missed = statistics.median(r["missed"] for r in rs)
            print(f"| {n:,} | {system} | {fmt(med('p50_ms'))} ms | {fmt(med('p99_ms'))} ms | "
                  f"{fmt(med('first_start_p50_ms'))} ms | {statistics.median(r['started'] for r in rs):,.0f} | "
                  f"{missed:,.0f} |")
    # SQLite against memory, run by run (each repeat runs them one after the other, so the
    # ratio of a pair is less exposed to the machine's load than the medians above).
    for n in loads:
        pairs = []
        for rep in range(args.repeat):
            by = {r["system"]: r for r in rows if r["jobs"] == n and r["repeat"] == rep}
            sq, mem = by.get("schedctl sqlite"), by.get("schedctl memory")
            if sq and mem and sq["p50_ms"] and mem["p50_ms"]:
                pairs.append((sq["p50_ms"] / mem["p50_ms"],
                              sq["first_start_p50_ms"] - mem["first_start_p50_ms"]))
        if pairs:
            ratios = sorted(p[0] for p in pairs)
            print(f"\n{n:,} fires/s: SQLite p50 / memory p50 over {len(pairs)} pairs: median "
                  f"{statistics.median(ratios):.3f} (from {ratios[0]:.3f} to {ratios[-1]:.3f}); "
                  f"first start later by {statistics.median(p[1] for p in pairs):.2f} ms (median)")


if __name__ == "__main__":
    main()
