"""The ``somark-loaders`` command.

* ``parse FILE... --out DIR``: Markdown and JSON per file (cache and ledger: a re-run costs
  nothing and resumes interrupted tasks; large PDFs are split and merged).
* ``load FILE... --mode M --format jsonl``: documents as JSON lines (stdout or ``--out``).
* ``usage``: the account's remaining pages.
* ``emulator``: the local SoMark-compatible server.

Progress goes to stderr; a summary table ends each run; the exit code is 1 when a file
was not loaded, 2 on a usage or configuration error, 130 after Ctrl-C (the report of what
was done is printed first). Settings come from the environment (``SOMARK_API_KEY``,
``SOMARK_BASE_URL``...) unless given as flags.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any, TextIO

from ._cli_args import Parser, UsageError, json_arg, os_reason, output_file, output_folder
from ._errors import SoMarkError
from .convert import ConvertOptions  # the chunk flags' defaults (loaded with the package)

__all__ = ["main"]


def _print(*args: Any, file: TextIO | None = None) -> None:
    print(*args, file=file or sys.stderr)


def _emulator(args: argparse.Namespace) -> int:
    try:
        from .emulator import Emulator
    except ImportError as err:  # pragma: no cover - depends on the install
        _print(f"The emulator needs its extra: pip install 'somark-loaders[emulator]' ({err}).")
        return 2
    if args.workers is not None and args.workers < 0:
        raise UsageError("--workers must be 0 (parse in the server process) or more")
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
        workers=args.workers,
    )
    try:
        emulator.start()
    except OSError as err:
        raise UsageError(
            f"cannot listen on {args.host}:{args.port} ({os_reason(err)}): "
            "choose another --port (0 = any free port)"
        ) from None
    _print(f"SoMark emulator on {emulator.base_url} (Ctrl+C to stop)")
    _print(f"  export SOMARK_BASE_URL={emulator.base_url}")
    sys.stderr.flush()
    # `kill`, `docker stop`, systemd: stop as Ctrl+C does (workers ended, uploads deleted)
    signal.signal(signal.SIGTERM, _interrupt)
    emulator.serve_forever()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _settings(args: argparse.Namespace, **extra: Any) -> Any:
    from ._loading import LoaderSettings

    features = json_arg(args.feature_config, "feature-config") or {}
    if args.title_levels:
        features["enable_title_level_recognition"] = True
    client_options = {"poll_interval": args.poll_interval} if args.poll_interval else None
    settings = LoaderSettings(
        api_key=args.api_key,
        base_url=args.base_url,
        client_options=client_options,
        output_formats=args.formats,
        element_formats=json_arg(args.element_formats, "element-formats"),
        feature_config=features or None,
        max_concurrency=args.concurrency,
        requests_per_second=args.rps,
        on_error="collect",
        show_progress=False if args.quiet else None,  # a bar only on a terminal
        cache=False if args.no_cache else (args.cache_dir or True),
        pages_per_part=args.pages_per_part,
        max_pages=args.max_pages,
        strict_page_budget=args.strict_page_budget,
        resubmit_ambiguous=args.resubmit_ambiguous,
        **extra,
    )
    settings.log_summary = False  # the report is printed at the end
    return settings


def _run_batch(args: argparse.Namespace, settings: Any, handle: Any) -> int:
    """Run a load with ``handle(loaded)`` per file; print the report; the exit code."""
    from .batch import resolve_sources

    sources, problems = resolve_sources(args.files)
    if args.dry_run:
        estimate = settings.estimate(sources)
        _print(estimate.table())
        for given, err in problems:
            _print(f"  not loadable: {given}: {err}")
        return 1 if problems or estimate.not_loadable else 0
    runner = settings.runner()
    try:
        with closing(settings.load(runner, sources, problems)) as loads:
            for loaded in loads:
                handle(loaded)
    except KeyboardInterrupt:
        _print(runner.report.table())
        _print(runner.report.summary())
        _print("Interrupted: run the same command again to resume (nothing is paid twice).")
        return 130
    except SoMarkError:
        _print(runner.report.table())  # the report is complete even when the load stopped
        raise
    report = runner.report
    _print(report.table())
    _print(report.summary())
    return 0 if not report.failed else 1


def _parse(args: argparse.Namespace) -> int:
    settings = _settings(args)
    out = Path(args.out) if args.dry_run else output_folder(args.out)

    def write(loaded: Any) -> None:
        stem = Path(loaded.source.name).stem
        result = loaded.result
        if result.markdown is not None:
            (out / f"{stem}.md").write_text(result.markdown, encoding="utf-8")
        (out / f"{stem}.json").write_text(
            json.dumps(result.raw, ensure_ascii=False, indent=1), encoding="utf-8"
        )

    return _run_batch(args, settings, write)


def _load(args: argparse.Namespace) -> int:
    settings = _settings(
        args,
        mode=args.mode,
        chunk_size=args.chunk_size,
        chunk_overlap=args.chunk_overlap,
        min_chunk_tokens=args.min_chunk_tokens,
        include_images=args.include_images,
        image_dir=args.image_dir,
    )
    sink: TextIO = output_file(args.out) if args.out else sys.stdout

    def emit(loaded: Any) -> None:
        for chunk in loaded.chunks:
            record = {"id": chunk.id, "text": chunk.text, "metadata": chunk.metadata}
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
        sink.flush()

    try:
        return _run_batch(args, settings, emit)
    finally:
        if sink is not sys.stdout:
            sink.close()


def _usage(args: argparse.Namespace) -> int:
    from .service.client import SoMarkClient

    with SoMarkClient(api_key=args.api_key, base_url=args.base_url) as client:
        usage = client.usage()
    print(f"remaining paid pages            {usage.remaining_paid_pages}")
    print(f"remaining free pages today      {usage.remaining_free_pages_today}")
    print(f"remaining free pages this month {usage.remaining_free_pages_this_month}")
    if usage.dashboard_url:
        print(f"dashboard                       {usage.dashboard_url}")
    return 0 if usage.has_quota else 1


def _service_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--api-key", help="API key (default: SOMARK_API_KEY)")
    parser.add_argument(
        "--base-url", help="API root (default: SOMARK_BASE_URL or https://somark.cn/api/v1)"
    )


def _batch_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", help="files, directories or glob patterns")
    _service_flags(parser)
    parser.add_argument(
        "--formats", nargs="+", default=None, help="output formats (none given: markdown json)"
    )
    parser.add_argument(
        "--title-levels",
        action="store_true",
        help="ask for title levels (the default already does; for old scripts)",
    )
    parser.add_argument(
        "--feature-config",
        help="feature_config as JSON, over the defaults (title levels, tables and text "
        "across pages on)",
    )
    parser.add_argument("--element-formats", help="element_formats as JSON")
    parser.add_argument("--concurrency", type=int, default=1, help="files in flight")
    parser.add_argument(
        "--rps",
        type=float,
        default=None,
        help="submits per second (none given: 1, the account limit; 50 against the emulator)",
    )
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=None,
        help="seconds between checks (none given: 3; 0.1 against the emulator)",
    )
    parser.add_argument("--no-cache", action="store_true", help="do not use the result cache")
    parser.add_argument(
        "--cache-dir", help="cache directory (default: SOMARK_CACHE_DIR or the user's)"
    )
    parser.add_argument(
        "--pages-per-part",
        type=int,
        default=300,
        help="split PDFs and Word files over this many pages",
    )
    parser.add_argument(
        "--max-pages", type=int, default=None, help="refuse to parse more pages than this"
    )
    parser.add_argument(
        "--strict-page-budget",
        action="store_true",
        help="with --max-pages, refuse files whose page count is unknown locally",
    )
    parser.add_argument(
        "--resubmit-ambiguous",
        action="store_true",
        help="upload again files whose earlier upload may have been accepted without a "
        "task id (they may be billed twice); default: report them as ambiguous",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="count pages locally; upload nothing"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


class _Help(argparse.RawDescriptionHelpFormatter):
    """Examples as written, and a switch's default after its help when it has a value
    (flags and unset options say what happens in their own words)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        unset = default is None or default is False or default == argparse.SUPPRESS
        if unset or "default" in text or "none given" in text:
            return text
        return f"{text} (default: %(default)s)"


DESCRIPTION = """\
Parse PDFs, images, Word, PowerPoint and Excel files with SoMark, or turn them into
documents for a RAG index. Results are cached (a re-run costs nothing), interrupted tasks
are resumed, long files are split and merged, and every file's fate is reported.

Settings come from the environment (SOMARK_API_KEY, SOMARK_BASE_URL, SOMARK_CACHE_DIR...)
unless given as flags. Progress goes to stderr (a bar on a terminal); the exit code is 1
when a file was not loaded, 2 on a usage or configuration error, 130 after Ctrl-C."""

EXAMPLES = """\
examples:
  somark-loaders emulator &                       # a local SoMark on 127.0.0.1:8765
  export SOMARK_BASE_URL=http://127.0.0.1:8765/api/v1
  somark-loaders parse report.pdf --out parsed/   # report.md and report.json
  somark-loaders load docs/ --chunk-size 400 > chunks.jsonl
  somark-loaders load "docs/**/*.pdf" --dry-run   # pages and cost, nothing uploaded
  somark-loaders usage                            # pages left on the account"""


def build_parser() -> Parser:
    from ._version import __version__

    parser = Parser(
        prog="somark-loaders", description=DESCRIPTION, epilog=EXAMPLES, formatter_class=_Help
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log requests")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=summary, description=summary, formatter_class=_Help)
        parser.commands[name] = sub
        return sub

    parse = command(
        "parse", "parse files to Markdown and JSON (<name>.md and <name>.json per file)"
    )
    _batch_flags(parse)
    parse.add_argument("--out", required=True, help="directory for <name>.md and <name>.json")
    parse.set_defaults(func=_parse)

    load = command("load", "documents as JSON lines (text and metadata), as the loaders give them")
    _batch_flags(load)
    load.add_argument(
        "--mode",
        default=ConvertOptions.mode,
        choices=["document", "page", "element", "section", "chunk"],
        help="one document per file, page, block, section, or token-sized chunk",
    )
    load.add_argument(
        "--chunk-size", type=int, default=ConvertOptions.chunk_size, help="most tokens per chunk"
    )
    load.add_argument(
        "--chunk-overlap",
        type=int,
        default=ConvertOptions.chunk_overlap,
        help="tokens repeated between the pieces of one long paragraph",
    )
    load.add_argument(
        "--min-chunk-tokens",
        type=int,
        default=ConvertOptions.min_chunk_tokens,
        help="a smaller chunk joins its neighbour when they fit (0: off)",
    )
    load.add_argument(
        "--include-images",
        action="store_true",
        help="keep the picture of every figure, stamp, cs and qrcode block on disk and "
        "add one image document per picture",
    )
    load.add_argument(
        "--image-dir", help="where the pictures are kept (default: images/ in the cache)"
    )
    load.add_argument("--format", default="jsonl", choices=["jsonl"], help="output format")
    load.add_argument("--out", help="file to write (default: stdout)")
    load.set_defaults(func=_load)

    usage = command("usage", "the pages left on the account (paid, free today, free this month)")
    _service_flags(usage)
    usage.set_defaults(func=_usage)

    emu = command(
        "emulator", "run the local SoMark-compatible server (offline, for tests and demos)"
    )
    emu.add_argument("--host", default="127.0.0.1", help="address to bind")
    emu.add_argument("--port", type=int, default=8765, help="port (0 = any free port)")
    emu.add_argument("--api-key", action="append", help="accepted key (repeat; default: any key)")
    emu.add_argument("--queue-seconds", type=float, default=0.0, help="time a task stays QUEUING")
    emu.add_argument("--seconds-per-page", type=float, default=0.0, help="service time per page")
    emu.add_argument(
        "--qps",
        type=float,
        default=None,
        help="submits per second before 1101 (none given: no limit)",
    )
    emu.add_argument(
        "--max-in-flight",
        type=int,
        default=None,
        help="tasks in flight before 1124 (none given: no limit)",
    )
    emu.add_argument(
        "--quota-pages",
        type=int,
        default=None,
        help="pages left before 1123 (none given: no limit)",
    )
    emu.add_argument("--max-pages", type=int, default=300, help="page limit per file (1132)")
    emu.add_argument("--fail-rate", type=float, default=0.0, help="probability of FAILED tasks")
    emu.add_argument("--error-rate", type=float, default=0.0, help="probability of HTTP 503")
    emu.add_argument(
        "--drop-rate", type=float, default=0.0, help="probability of dropped connections"
    )
    emu.add_argument("--slow-rate", type=float, default=0.0, help="probability of slow answers")
    emu.add_argument("--seed", type=int, default=0, help="seed of the fault dice")
    emu.add_argument(
        "--workers",
        type=int,
        default=None,
        help="parse worker processes (none given: all cores; 0: in the server process)",
    )
    emu.set_defaults(func=_emulator)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``somark-loaders``."""
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if extras:
        command = parser.commands.get(args.command, parser)
        command.refuse(extras, command.flags + parser.flags)
    if args.command != "emulator":  # the emulator's --api-key lists keys it accepts
        from .service._config import as_secret

        args.api_key = as_secret(args.api_key)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    logging.captureWarnings(True)  # libraries' warnings (pypdf on a damaged PDF) in the log
    try:
        return int(args.func(args))
    except (SoMarkError, UsageError) as err:
        _print(f"error: {err}")
        return 2
    except OSError as err:  # writing the results failed mid-run (disk full, folder removed)
        where = f" ({err.filename})" if err.filename else ""
        _print(f"error: {os_reason(err)}{where}: check that path, its permissions and free space")
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
