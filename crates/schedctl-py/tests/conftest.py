import functools
import importlib.util
import os
import subprocess
import sys
import zoneinfo
from pathlib import Path

import pytest

# Zone rules only from the pinned `tzdata` package, as the oracle (and schedctl's bundled IANA
# release) use them, never the host's /usr/share/zoneinfo.
zoneinfo.reset_tzpath(to=[])

HERE = Path(__file__).resolve().parent
if importlib.util.find_spec("schedctl") is None:
    # Not installed (maturin develop): use the pure-Python sources beside the tests.
    sys.path.insert(0, str(HERE.parent / "python"))

from schedctl_cli import TriggerLoops, next_fires_cli, schedctl_bin  # noqa: E402

TZDB = "2026f"  # IANA release schedctl bundles (schedctl-trigger's TZDB_VERSION)


def pytest_report_header(config):
    import tzdata

    return f"tzdata {tzdata.IANA_VERSION} (schedctl bundles {TZDB}); schedctl binary: {schedctl_bin()}"


@pytest.fixture(scope="session", autouse=True)
def _same_tzdb():
    import tzdata

    assert tzdata.IANA_VERSION == TZDB, (
        f"tzdata {tzdata.IANA_VERSION} is not schedctl's IANA {TZDB}: pin tzdata==2026.6")


def _native_next_fires():
    """schedctl.next_fires when the native module is built, else None ($SCHEDCTL_NEXT=cli
    forces the CLI)."""
    if os.environ.get("SCHEDCTL_NEXT") == "cli":
        return None
    try:
        # find_spec, not `from schedctl import _native`: the package has a function of that name
        if importlib.util.find_spec("schedctl._native") is None:
            return None
        import schedctl
    except ImportError:
        return None
    return getattr(schedctl, "next_fires", None)


@pytest.fixture(scope="session")
def next_fires():
    """schedctl.next_fires(trigger_string, start, count, tz) -> [aware datetime]: the native
    function when the module is built, else the CLI binary (which raises
    schedctl_cli.TriggerLoops, holding the fires, where schedctl reports an AndTrigger loop)."""
    native = _native_next_fires()
    if native is not None:
        return native
    binary = schedctl_bin()
    if binary is None:
        pytest.skip("no schedctl native module and no schedctl binary (SCHEDCTL_BIN)")
    return functools.partial(next_fires_cli, binary=binary)


@pytest.fixture(scope="session")
def fires_and_end(next_fires):
    """(fires, loops): loops is True when schedctl reports APScheduler's AndTrigger loop after
    the fires, False when it does not."""
    native = _native_next_fires() is not None

    def run(trigger, start, count, tz):
        try:
            fires = next_fires(trigger, start, count, tz)
        except TriggerLoops as e:
            return e.fires, True
        except ValueError as e:  # schedctl.ScheduleError, holding the fires before the loop
            if native and "never returns" in str(e):
                return list(getattr(e, "fires", [])), True
            raise
        return fires, False

    return run


@pytest.fixture(scope="session")
def schedctl_run():
    """Runs the schedctl binary with arguments; returns the CompletedProcess."""
    binary = schedctl_bin()
    if binary is None:
        pytest.skip("no schedctl binary (SCHEDCTL_BIN)")

    def run(*args, timeout=300):
        return subprocess.run([binary, *map(str, args)], capture_output=True, text=True, timeout=timeout)

    return run
