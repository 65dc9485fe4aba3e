"""Snapshot tests of a real APScheduler scheduler, for pytest.

.. code-block:: python

    from datetime import datetime
    import schedctl.pytest
    from myapp.scheduling import build_scheduler

    def test_next_month():
        schedctl.pytest.assert_schedule(
            build_scheduler(), "tests/schedules/app.snap",
            datetime(2027, 3, 1), datetime(2027, 4, 1),
        )

The scheduler (built, not started) is converted with :func:`schedctl.from_apscheduler`; the
job file is written beside the snapshot (``app.toml`` for ``app.snap``) so that a review sees
what the schedule is, and the snapshot holds every fire of the window with its outcome. When
the schedule changes, the test fails with ``schedctl check``'s readable diff. To accept a
change, run the tests with ``SCHEDCTL_UPDATE=1`` (or pass ``update=True``): the snapshot and
the job file are rewritten. A missing snapshot is written and the test passes, as insta and
syrupy do on a first run, except under ``CI=true``, where it fails.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping, Optional, Union

import schedctl

__all__ = ["assert_schedule", "ScheduleChanged"]


class ScheduleChanged(AssertionError):
    """The schedule's fires or outcomes differ from the snapshot; the message is the diff."""


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def assert_schedule(
    scheduler: Any,
    snapshot_path: Union[str, "os.PathLike[str]"],
    start: schedctl.When,
    end: schedctl.When,
    *,
    update: Optional[bool] = None,
    durations: Optional[Mapping[str, Any]] = None,
    max_lines: Union[int, str] = 40,
) -> None:
    """Fail unless ``scheduler``'s fires and outcomes from ``start`` to ``end`` match the
    snapshot at ``snapshot_path``.

    ``update`` (default: the ``SCHEDCTL_UPDATE`` environment variable) rewrites the snapshot
    instead; ``durations`` (job id -> run time: a timedelta, seconds or ``"45m"``) lets the
    simulation see overruns. Naive ``start``/``end`` are in the scheduler's zone.
    """
    if update is None:
        update = _truthy("SCHEDCTL_UPDATE")
    snap = Path(snapshot_path)
    job_file = snap.with_suffix(".toml")
    text = schedctl.from_apscheduler(scheduler, jobfile_dir=str(snap.parent), durations=durations)
    if update or not snap.exists():
        if not snap.exists() and not update and _truthy("CI"):
            raise ScheduleChanged(
                f"{snap} does not exist; under CI=true a snapshot is never written by a test. "
                "Run the tests with SCHEDCTL_UPDATE=1 and commit the snapshot."
            )
        snap.parent.mkdir(parents=True, exist_ok=True)
        job_file.write_text(text, encoding="utf-8")
        schedctl.snapshot(job_file, start, end, output=snap)
        return
    # `check` reads the window from the snapshot's header: a test asking for another window
    # must say so, not be checked silently over the old one.
    asked = _window(schedctl.snapshot(text, start, end))
    held = _window(snap.read_text(encoding="utf-8"))
    if asked != held:
        raise ScheduleChanged(
            f"{snap} covers {held[0]} to {held[1]}, the test asks for {asked[0]} to {asked[1]}; "
            f"SCHEDCTL_UPDATE=1 rewrites it over the new window"
        )
    # The converted scheduler is checked as it is now; the file beside the snapshot is only
    # rewritten when the snapshot is.
    import tempfile

    with tempfile.TemporaryDirectory(prefix="schedctl-") as tmp:
        converted = Path(tmp) / job_file.name
        converted.write_text(text, encoding="utf-8")
        result = schedctl.check_snapshot(snap, converted, max_lines=max_lines)
    if not result.ok:
        # The report names the converted file and how to accept with the CLI: say it in terms
        # of the test instead.
        lines = [
            line.replace(str(converted), "the scheduler")
            for line in result.report.rstrip().splitlines()
            if not line.startswith("run `schedctl check")
        ]
        lines.append(f"(SCHEDCTL_UPDATE=1 rewrites {snap} and {job_file.name} beside it)")
        raise ScheduleChanged("\n".join(lines))


def _window(snapshot_text: str) -> tuple:
    """The `# from:` and `# to:` header values of a snapshot."""
    values = {}
    for line in snapshot_text.splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].partition(":")
        values[key.strip()] = value.strip()
    return values.get("from"), values.get("to")
