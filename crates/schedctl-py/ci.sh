#!/usr/bin/env bash
# The Python wheel, as a user gets it: built by maturin in one fresh virtual environment,
# installed in another with APScheduler 3.11.3 and pytest from the package index (no Rust on
# PATH there), then its tests and the book's pytest example run. `.ci/run` calls this.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v python3 >/dev/null 2>&1; then
    if [[ "${CI:-}" == true ]]; then
        echo "error: python3 is not installed: the Python wheel's tests cannot run (CI=true)" >&2
        exit 1
    fi
    echo "skipped: the Python wheel's tests need python3, which is not installed"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/build"
"$work/build/bin/pip" install -q "maturin>=1.9,<2"
# The workspace's target directory: the engine's crates are already built there.
CARGO_TARGET_DIR="$PWD/target" "$work/build/bin/maturin" build --release \
    -m crates/schedctl-py/Cargo.toml -o "$work/wheels"

python3 -m venv "$work/test"
# tzdata pinned to the IANA release schedctl bundles (2026f): the tests compare with
# APScheduler, which reads zones from it.
PATH="$work/test/bin:/usr/bin:/bin" "$work/test/bin/pip" install -q --only-binary schedctl \
    "$work"/wheels/schedctl-*.whl "apscheduler==3.11.3" pytest "tzdata==2026.6" sqlalchemy
# The tests that run the command use the one the wheel installed.
SCHEDCTL_BIN="$work/test/bin/schedctl" PATH="$work/test/bin:/usr/bin:/bin" \
    "$work/test/bin/python" -m pytest -q crates/schedctl-py/tests
(cd book/src/examples/python && PATH="$work/test/bin:/usr/bin:/bin" CI=true "$work/test/bin/python" -m pytest -q tests)
