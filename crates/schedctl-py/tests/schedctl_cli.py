"""`schedctl next` through the CLI binary: the fallback for `schedctl.next_fires` until the
native module provides it.

    next_fires_cli(trigger, start, count, tz) -> [aware datetime, ...]

runs `schedctl next TRIGGER --from ISO --count N --tz ZONE --format rfc3339`. When schedctl stops
on an AndTrigger loop (exit status 2 after the fires before it), TriggerLoops is raised with those
fires in `.fires`.
"""
import os
import subprocess
from datetime import datetime
from pathlib import Path

DEFAULT_BIN = Path(__file__).resolve().parents[3] / "target" / "release" / "schedctl"


def schedctl_bin():
    """$SCHEDCTL_BIN, else target/release/schedctl of this workspace; None when neither exists."""
    path = os.environ.get("SCHEDCTL_BIN") or str(DEFAULT_BIN)
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else None


class TriggerLoops(RuntimeError):
    """schedctl reports that APScheduler 3.11's AndTrigger never returns after `fires[-1]`."""

    def __init__(self, message, fires):
        super().__init__(message)
        self.fires = fires


def parse_fire(line):
    text = line.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return datetime.fromisoformat(text)


def next_fires_cli(trigger, start, count, tz, binary=None):
    binary = binary or schedctl_bin()
    if binary is None:
        raise FileNotFoundError("no schedctl binary: set SCHEDCTL_BIN or build target/release/schedctl")
    args = [binary, "next", trigger, "--from", start.isoformat(), "--count", str(count),
            "--tz", tz, "--format", "rfc3339"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    fires = [parse_fire(line) for line in done.stdout.splitlines() if line.strip()]
    if done.returncode == 0:
        return fires
    if done.returncode == 2 and "never returns" in done.stderr:
        raise TriggerLoops(done.stderr.strip(), fires)
    raise RuntimeError(f"{' '.join(args)!r} exited {done.returncode}: {done.stderr.strip()}")
