"""The ``somark-loaders`` command.

``somark-loaders emulator`` runs the local SoMark-compatible server. Parsing and loading
commands come with the cache and ledger (see the README's roadmap).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _emulator(args: argparse.Namespace) -> int:
    try:
        from .emulator import Emulator
    except ImportError as err:  # pragma: no cover - depends on the install
        print(
            f"The emulator needs its extra: pip install 'somark-loaders[emulator]' ({err}).",
            file=sys.stderr,
        )
        return 2
    emulator = Emulator(
        host=args.host,
        port=args.port,
        api_keys=args.api_key or None,
        queue_seconds=args.queue_seconds,
        seconds_per_page=args.seconds_per_page,
        qps=args.qps,
        max_in_flight=args.max_in_flight,
        quota_pages=args.quota_pages,
        max_pages=args.max_pages,
        fail_rate=args.fail_rate,
        error_rate=args.error_rate,
        drop_rate=args.drop_rate,
        slow_rate=args.slow_rate,
        seed=args.seed,
    )
    emulator.start()
    print(f"SoMark emulator on {emulator.base_url} (Ctrl+C to stop)", file=sys.stderr)
    print(f"  export SOMARK_BASE_URL={emulator.base_url}", file=sys.stderr)
    sys.stderr.flush()
    emulator.serve_forever()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="somark-loaders", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log requests")
    commands = parser.add_subparsers(dest="command", required=True)

    emu = commands.add_parser("emulator", help="run the local SoMark-compatible server")
    emu.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    emu.add_argument("--port", type=int, default=8765, help="port (0 = any free port)")
    emu.add_argument(
        "--api-key", action="append", help="accepted key (repeat; default: accept any key)"
    )
    emu.add_argument("--queue-seconds", type=float, default=0.0, help="time a task stays QUEUING")
    emu.add_argument("--seconds-per-page", type=float, default=0.0, help="service time per page")
    emu.add_argument("--qps", type=float, default=None, help="submits per second before 1101")
    emu.add_argument("--max-in-flight", type=int, default=None, help="tasks in flight before 1124")
    emu.add_argument("--quota-pages", type=int, default=None, help="pages left before 1123")
    emu.add_argument("--max-pages", type=int, default=300, help="page limit per file (1132)")
    emu.add_argument("--fail-rate", type=float, default=0.0, help="probability of FAILED tasks")
    emu.add_argument("--error-rate", type=float, default=0.0, help="probability of HTTP 503")
    emu.add_argument(
        "--drop-rate", type=float, default=0.0, help="probability of dropped connections"
    )
    emu.add_argument("--slow-rate", type=float, default=0.0, help="probability of slow answers")
    emu.add_argument("--seed", type=int, default=0, help="seed of the fault dice")
    emu.set_defaults(func=_emulator)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``somark-loaders``."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
