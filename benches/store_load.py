#!/usr/bin/env python3
"""Throughput and lateness of `schedctl run` with each job store: SQLite, and PostgreSQL with
one and with three runners.

For each setup a job file of N jobs (--jobs, 200 by default) is generated, every job firing
every second (`cron:second=*`) and running the command `true`, on one pool of --max-workers
workers (8) per runner, with `misfire_grace_time = "none"` (coalesce on, max_instances 1: the
defaults). The setups are:

- `sqlite`: one `schedctl run --store FILE` on a fresh SQLite file;
- `pg1`: one `schedctl run --store postgres://.../DB` on a fresh PostgreSQL database;
- `pg3`: three such runners sharing one fresh database (each fire is claimed by one of them).

Each runner runs for --seconds (20) with `--output discard` and its own run log. The first
runner is started alone; the others start once it has synced the job file into the store (its
banner is printed), so that the three do not race to create the same rows. A fresh database is
created for each PostgreSQL setup (`CREATE DATABASE`, through `psql` on --pg-admin-db) and
dropped afterwards (`DROP DATABASE ... WITH (FORCE)`).

Measured window: the fire times (whole seconds) from --warmup (3) seconds after the last runner
was started up to the last whole second before the first runner's `--for` ends. From the run
logs (all runners together), for the fires of the window:

- executed/s: `executed` records divided by the window's length in seconds (N is the offered
  rate: every job fires once a second);
- p50/p99/max lateness: `start - fire` of those `executed` records;
- dropped, missed, coalesced, error and abandoned records;
- duplicates: executions beyond the first of one job+fire, over the whole run (must be 0);
- split: executed records per runner (pg3);
- first start, last start: when the first and the last run of a fire second started, after
  the fire (p50 over the seconds): the first is the cost of a wake-up before any run is handed
  to a worker, the distance between them how fast the workers get through one second's runs;
  run: how long one run of `true` took, start to end (p50).

Also, averaged over each setup's whole run, from /proc: the CPU used by the runner processes
themselves, by the `true` commands they waited for, by the PostgreSQL backends serving them,
and by the whole machine (every process, including whatever else runs there), with the load
average before and after; and for PostgreSQL the transactions committed in the benchmark
database (pg_stat_database.xact_commit) per executed fire, and a warning if the server
restarted during the setup.

Usage (from the repository root, after `cargo build --release -p schedctl`):

    python3 benches/store_load.py [--jobs 200] [--seconds 20] [--binary target/release/schedctl]
        [--setups sqlite,pg1,pg3] [--pg postgres://postgres@127.0.0.1:5432]
        [--workdir DIR] [--json results.json]

Prints progress on standard error and a Markdown table on standard output. Needs python3 (the
standard library only), `psql` for the PostgreSQL setups, and Linux for the CPU columns.
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from urllib.parse import urlsplit

SETUPS = {"sqlite": ("sqlite", 1), "pg1": ("postgres", 1), "pg3": ("postgres", 3)}
OUTCOMES = ("executed", "error", "missed", "dropped", "coalesced", "abandoned")


def percentile(sorted_values, p):
    """Nearest-rank percentile of a sorted list (None when empty)."""
    if not sorted_values:
        return None
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def micros(text):
    """An RFC 3339 time of the run log, in microseconds since the epoch (exact)."""
    d = datetime.fromisoformat(text.replace("Z", "+00:00")) - EPOCH
    return (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds


def job_file(n, workers):
    lines = [
        'timezone = "UTC"',
        "",
        "[executor]",
        f"max_workers = {workers}",
        "",
        "[job_defaults]",
        'misfire_grace_time = "none"',
    ]
    for i in range(n):
        lines += ["", "[[job]]", f'id = "j{i:04}"', 'trigger = "cron:second=*"',
                  'command = ["true"]']
    return "\n".join(lines) + "\n"


# --- /proc sampling ---------------------------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def machine_busy():
    """(busy, total) clock ticks of all CPUs since boot, or None off Linux."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def process_cpu(pid):
    """(self, waited-for children) CPU seconds of a live process, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    # utime stime cutime cstime are fields 14-17 of stat; fields[0] here is field 3.
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime) / CLK_TCK, (cutime + cstime) / CLK_TCK


# --- PostgreSQL -------------------------------------------------------------------------------

class Postgres:
    def __init__(self, base, admin_db, psql):
        u = urlsplit(base)
        self.base = base.rstrip("/")
        self.psql = psql
        self.conn = ["-h", u.hostname or "127.0.0.1", "-p", str(u.port or 5432),
                     "-U", u.username or "postgres"]
        self.admin_db = admin_db

    def query(self, sql, db=None):
        out = subprocess.run(
            [self.psql, *self.conn, "-d", db or self.admin_db, "-v", "ON_ERROR_STOP=1",
             "-X", "-A", "-t", "-c", sql],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)
        if out.returncode != 0:
            raise RuntimeError(f"psql: {sql}: {out.stderr.strip()}")
        return out.stdout.strip()

    def url(self, db):
        return f"{self.base}/{db}"


# --- one setup --------------------------------------------------------------------------------

def wait_for_banner(path, proc, timeout=60):
    """Waits until the runner has printed `running N jobs` (its stores are synced)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with open(path) as f:
                if f.readline().startswith("running "):
                    return
        except OSError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"the runner stopped with status {proc.returncode} before it "
                               f"started; see {path} and its .err")
        time.sleep(0.02)
    raise RuntimeError(f"no banner from the runner in {timeout} s; see {path}")


def run_setup(name, args, work, pg):
    kind, runners = SETUPS[name]
    d = os.path.join(work, name)
    os.makedirs(d)
    jobs_path = os.path.join(d, "jobs.toml")
    with open(jobs_path, "w") as f:
        f.write(job_file(args.jobs, args.max_workers))
    db = None
    if kind == "sqlite":
        store = os.path.join(d, "schedctl.db")
    else:
        db = f"schedctl_bench_{os.getpid()}_{name}"
        pg.query(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        pg.query(f"CREATE DATABASE {db}")
        store = pg.url(db)
    procs, launched, logs, outs, files = [], [], [], [], []
    cpu = {}  # pid -> last (self, children) sample
    pg_cpu = {}  # PostgreSQL backend pid -> last sample
    started_pg = pg.query("SELECT pg_postmaster_start_time()") if pg is not None else None
    load_before = os.getloadavg()[0]
    before = machine_busy()
    try:
        for i in range(runners):
            log = os.path.join(d, f"runs-{i + 1}.jsonl")
            out = os.path.join(d, f"runner-{i + 1}.out")
            fo, fe = open(out, "w"), open(out + ".err", "w")
            files += [fo, fe]
            cmd = [args.binary, "run", jobs_path, "--store", store, "--for", f"{args.seconds:g}s",
                   "--log", log, "--output", "discard"]
            launched.append(time.time())
            procs.append(subprocess.Popen(cmd, cwd=d, stdout=fo, stderr=fe,
                                          stdin=subprocess.DEVNULL))
            logs.append(log)
            outs.append(out)
            if i == 0 and runners > 1:
                wait_for_banner(out, procs[0])
        # Sample the runners' CPU, and their PostgreSQL backends', until they exit (the last
        # sample of each process is kept). The backends are looked up twice (a runner that
        # reconnects gets a new one).
        lookups = [launched[-1] + 2, launched[-1] + args.seconds / 2]
        backends = set()
        while any(p.poll() is None for p in procs):
            for p in procs:
                s = process_cpu(p.pid)
                if s is not None and p.poll() is None:
                    cpu[p.pid] = s
            if db is not None and lookups and time.time() >= lookups[0]:
                lookups.pop(0)
                found = pg.query(f"SELECT pid FROM pg_stat_activity WHERE datname = '{db}'")
                backends.update(int(x) for x in found.split())
            for b in backends:
                s = process_cpu(b)
                if s is not None:
                    pg_cpu[b] = s
            time.sleep(0.2)
    except BaseException:
        # Interrupted or failed: stop the runners and leave no database behind.
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait()
        if db is not None:
            pg.query(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        raise
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait()
        for f in files:
            f.close()
    after = machine_busy()
    load_after = os.getloadavg()[0]
    commits = None
    restarted = False
    try:
        if db is not None:
            time.sleep(0.7)  # backends flush their statistics as they exit
            commits = int(pg.query(
                f"SELECT xact_commit FROM pg_stat_database WHERE datname = '{db}'"))
            restarted = pg.query("SELECT pg_postmaster_start_time()") != started_pg
    finally:
        if db is not None:
            pg.query(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")

    w0 = math.ceil(max(launched) + args.warmup)
    w1 = math.floor(min(launched) + args.seconds)  # fires at w0 .. w1-1
    seconds = w1 - w0
    if seconds <= 0:
        raise RuntimeError("--seconds is too short for the warm-up: no fire is measured")
    counts = Counter()
    lateness = []
    starts = {}  # fire -> [earliest, latest] start (µs) of its executed runs, on any runner
    walls = []  # end - start of each executed run (ms): how long one `true` took
    per_runner = Counter()
    executions = Counter()
    for i, log in enumerate(logs):
        try:
            f = open(log)
        except OSError:
            continue
        with f:
            for line in f:
                e = json.loads(line)
                fire = micros(e["fire"])
                if e["status"] == "executed":
                    executions[(e["job"], fire)] += 1
                if not w0 * 1_000_000 <= fire < w1 * 1_000_000:
                    continue
                counts[e["status"]] += 1
                if e["status"] == "executed":
                    start = micros(e["start"])
                    lateness.append((start - fire) / 1e3)
                    walls.append((micros(e["end"]) - start) / 1e3)
                    span = starts.setdefault(fire, [start, start])
                    span[0], span[1] = min(span[0], start), max(span[1], start)
                    per_runner[i] += 1
    lateness.sort()
    walls.sort()
    first = sorted((a - f) / 1e3 for f, (a, _) in starts.items())
    last = sorted((b - f) / 1e3 for f, (_, b) in starts.items())
    statuses = [p.returncode for p in procs]
    row = {
        "setup": name,
        "store": kind,
        "runners": runners,
        "jobs": args.jobs,
        "window_s": seconds,
        "offered": args.jobs * seconds,
        **{o: counts[o] for o in OUTCOMES},
        "executed_per_s": counts["executed"] / seconds,
        "p50_ms": percentile(lateness, 50),
        "p99_ms": percentile(lateness, 99),
        "max_ms": lateness[-1] if lateness else None,
        # Of each fire second: when its first and its last run started (p50 over the seconds),
        # and how long one run of `true` took, start to end (p50 over the runs).
        "first_start_p50_ms": percentile(first, 50),
        "last_start_p50_ms": percentile(last, 50),
        "run_p50_ms": percentile(walls, 50),
        "duplicates": sum(c - 1 for c in executions.values() if c > 1),
        "executed_whole_run": sum(executions.values()),
        "split": [per_runner[i] for i in range(runners)],
        "exit_status": statuses,
        "run_s": None,
        "runner_cpu_s": sum(s[0] for s in cpu.values()) if cpu else None,
        "commands_cpu_s": sum(s[1] for s in cpu.values()) if cpu else None,
        "machine_cpu_s": None,
        "pg_backends_cpu_s": sum(s[0] for s in pg_cpu.values()) if pg_cpu else None,
        "pg_restarted": restarted,
        "load_before": load_before,
        "load_after": load_after,
        "pg_commits": commits,
    }
    if before and after:
        busy, total = after[0] - before[0], after[1] - before[1]
        ncpu = os.cpu_count() or 1
        row["run_s"] = total / CLK_TCK / ncpu
        row["machine_cpu_s"] = busy / CLK_TCK
    return row


# --- output -----------------------------------------------------------------------------------

def fmt(v, digits=1):
    return "—" if v is None else f"{v:,.{digits}f}"


def describe_machine(args, pg):
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    parts = [f"{os.cpu_count()} CPUs ({model})", f"Linux {os.uname().release}",
             f"load average {os.getloadavg()[0]:.2f}"]
    try:
        v = subprocess.run([args.binary, "--version"], stdout=subprocess.PIPE, text=True,
                           check=False).stdout.strip()
        parts.append(v)
    except OSError:
        pass
    if pg is not None:
        try:
            parts.append("PostgreSQL " + pg.query("SHOW server_version").split()[0])
        except RuntimeError:
            pass
    return ", ".join(parts)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0].replace("\n", " "),
        epilog="See the top of this file, or the section `Job stores under load` of "
               "benches/README.md, for what is measured.")
    ap.add_argument("--jobs", type=int, default=200, metavar="N",
                    help="jobs in the job file, each firing every second (default 200)")
    ap.add_argument("--seconds", type=float, default=20, metavar="S",
                    help="how long each runner runs, `--for S` (default 20)")
    ap.add_argument("--binary", default=os.path.join(root, "target/release/schedctl"),
                    metavar="PATH", help="the schedctl binary (default target/release/schedctl)")
    ap.add_argument("--setups", default="sqlite,pg1,pg3",
                    help="which setups, in this order (default sqlite,pg1,pg3)")
    ap.add_argument("--warmup", type=float, default=3, metavar="S",
                    help="seconds after the last runner's start that are not measured (default 3)")
    ap.add_argument("--max-workers", type=int, default=8, metavar="W",
                    help="workers of each runner's pool (default 8)")
    ap.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", metavar="URL",
                    help="the PostgreSQL server, without a database "
                         "(default postgres://postgres@127.0.0.1:5432)")
    ap.add_argument("--pg-admin-db", default="test", metavar="DB",
                    help="database psql connects to for CREATE/DROP DATABASE (default test)")
    ap.add_argument("--psql", default="psql", metavar="PATH", help="the psql client")
    ap.add_argument("--workdir", metavar="DIR",
                    help="keep the job files, run logs and runners' output here (default: a "
                         "temporary directory, removed at the end)")
    ap.add_argument("--json", metavar="FILE", help="also write every row to this file")
    args = ap.parse_args()
    setups = [s.strip() for s in args.setups.split(",") if s.strip()]
    for s in setups:
        if s not in SETUPS:
            ap.error(f"unknown setup `{s}` (known: {', '.join(SETUPS)})")
    if args.jobs < 1 or args.max_workers < 1:
        ap.error("--jobs and --max-workers must be at least 1")
    if not os.access(args.binary, os.X_OK):
        ap.error(f"no schedctl binary at {args.binary}: run `cargo build --release -p schedctl`")
    binary = os.path.abspath(args.binary)
    args.binary = binary
    pg = None
    if any(SETUPS[s][0] == "postgres" for s in setups):
        pg = Postgres(args.pg, args.pg_admin_db, args.psql)
        pg.query("SELECT 1")
    if args.workdir:
        work = os.path.abspath(args.workdir)
        os.makedirs(work, exist_ok=True)
        if os.listdir(work):
            ap.error(f"--workdir {work} is not empty")
    else:
        work = tempfile.mkdtemp(prefix="schedctl-store-load-")
    machine = describe_machine(args, pg)
    print(f"{machine}; {args.jobs} jobs, {args.seconds:g} s per setup, {args.max_workers} "
          f"workers per runner, work in {work}", file=sys.stderr, flush=True)
    rows = []
    try:
        for s in setups:
            r = run_setup(s, args, work, pg)
            rows.append(r)
            print(f"{s:<7} executed {r['executed']} in {r['window_s']} s "
                  f"({r['executed_per_s']:.1f}/s of {args.jobs}/s)  p50 {fmt(r['p50_ms'], 2)} ms  "
                  f"p99 {fmt(r['p99_ms'], 2)} ms  max {fmt(r['max_ms'], 1)} ms  "
                  f"dup {r['duplicates']}  dropped {r['dropped']}  missed {r['missed']}  "
                  f"coalesced {r['coalesced']}  error {r['error']}  abandoned {r['abandoned']}  "
                  f"split {r['split']}  exit {r['exit_status']}", file=sys.stderr, flush=True)
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine, "rows": rows}, f, indent=1)

    print(f"{args.jobs} jobs firing every second ({args.jobs} fires/s offered), "
          f"{args.max_workers} workers per runner, {args.seconds:g} s per setup; "
          f"{machine}\n")
    print("| store | runners | fires scheduled | executed fires/s | p50 lateness | p99 lateness "
          "| max lateness | duplicates | dropped | missed | coalesced | errors | per runner |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        split = " / ".join(f"{x:,}" for x in r["split"]) if r["runners"] > 1 else "—"
        print(f"| {'SQLite' if r['store'] == 'sqlite' else 'PostgreSQL'} | {r['runners']} "
              f"| {r['offered']:,} in {r['window_s']} s "
              f"| {r['executed_per_s']:,.1f} ({100 * r['executed_per_s'] / args.jobs:.0f} %) "
              f"| {fmt(r['p50_ms'])} ms | {fmt(r['p99_ms'])} ms | {fmt(r['max_ms'])} ms "
              f"| {r['duplicates']} | {r['dropped']:,} | {r['missed']:,} | {r['coalesced']:,} "
              f"| {r['error'] + r['abandoned']:,} | {split} |")
    print()
    print("| store | runners | first start (p50) | last start (p50) | run of `true` (p50) "
          "| runners' CPU | their `true` commands' CPU | PostgreSQL backends' CPU "
          "| whole machine busy | load average | PostgreSQL commits per executed fire |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        per_s = (lambda v: "—" if v is None or not r["run_s"] else f"{v / r['run_s']:.2f} cores")
        tx = ("—" if r["pg_commits"] is None or not r["executed_whole_run"]
              else f"{r['pg_commits'] / r['executed_whole_run']:.2f}")
        print(f"| {'SQLite' if r['store'] == 'sqlite' else 'PostgreSQL'} | {r['runners']} "
              f"| {fmt(r['first_start_p50_ms'])} ms | {fmt(r['last_start_p50_ms'])} ms "
              f"| {fmt(r['run_p50_ms'], 2)} ms | {per_s(r['runner_cpu_s'])} "
              f"| {per_s(r['commands_cpu_s'])} | {per_s(r['pg_backends_cpu_s'])} "
              f"| {per_s(r['machine_cpu_s'])} | {r['load_before']:.2f} → {r['load_after']:.2f} "
              f"| {tx} |")
    for r in rows:
        if r["pg_restarted"]:
            print(f"\nWarning: the PostgreSQL server restarted during `{r['setup']}`: its row "
                  f"is not a measurement of the store.")
        if any(x not in (0, None) for x in r["exit_status"]):
            print(f"\nNote: `{r['setup']}`: runner exit status {r['exit_status']} (see the "
                  f"runners' .err files with --workdir).")


if __name__ == "__main__":
    main()
