"""The `schedctl` command of the wheel: the same command line as the Rust binary."""
import sys


def main() -> None:
    from . import _native

    sys.exit(_native.run_cli(["schedctl", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
