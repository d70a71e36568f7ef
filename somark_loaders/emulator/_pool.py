"""The emulator's parse workers: a bounded pool of processes, fed at submit.

Parsing holds the GIL for seconds; in worker processes it leaves the server's threads free
to answer checks at once. The pool starts its processes on demand from a fork server (the
server process has threads, which ``fork`` does not survive safely), so an emulator that
parses nothing starts none. A worker that dies fails only the jobs it may have held (each
is tried once more on a fresh pool first), never the server. Results are memoised per
content and options (bounded), so a test suite parsing one document many times pays once.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ._parse_job import Job, Parsed, run

logger = logging.getLogger("somark_loaders.emulator")

Hook = Callable[[Job], None]
Done = Callable[[Parsed], None]

_MEMO: OrderedDict[tuple[str, str, str], Parsed] = OrderedDict()
_MEMO_LOCK = threading.Lock()
MEMO_ENTRIES = 32
STOPPED = "The emulator stopped before the file was parsed."
DIED = "the parsing worker process died while parsing the file"
MEMO_BYTES = 8 * 1024 * 1024  # larger results are not kept after their task


WORKERS_ENV = "SOMARK_EMULATOR_WORKERS"


def default_workers() -> int:
    """``SOMARK_EMULATOR_WORKERS`` when set (``0``: parse in the server's own process),
    else all the cores this process may use."""
    chosen = os.environ.get(WORKERS_ENV, "").strip()
    if chosen:
        if not chosen.isdigit():
            raise ValueError(
                f"{WORKERS_ENV}={chosen!r}: give a number of worker processes, 0 or more "
                "(0 parses in the emulator's own process)."
            )
        return int(chosen)
    return _cores()


def _cores() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


if sys.platform != "win32":
    from multiprocessing.context import ForkServerContext, ForkServerProcess

    class SoMarkParseWorker(ForkServerProcess):
        """A parse worker: its name tells the fork server not to import ``__main__`` in
        it (see :mod:`._worker_boot`)."""

    class _ForkServerContext(ForkServerContext):
        Process = SoMarkParseWorker


def _context() -> Any:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = _ForkServerContext()
        # Workers fork from a server that imported the engines once: a new worker is ready
        # in milliseconds instead of importing pdfplumber again. The boot module keeps
        # the user's script from running again in each worker.
        context.set_forkserver_preload(
            ["somark_loaders.emulator._worker_boot", "somark_loaders.emulator._parse_job"]
        )
        return context
    # Without a fork server (Windows) a worker imports ``__main__`` before any of our code
    # runs: a script must start the emulator under ``if __name__ == "__main__":``.
    return multiprocessing.get_context("spawn")


def _worker_start(ocr_threads: int) -> None:
    """Ctrl+C in a terminal reaches the whole process group: the server stops its workers
    itself, they need not each print a KeyboardInterrupt. The worker's OCR takes
    ``ocr_threads`` (:func:`ocr_share`: every core). A worker also ends when
    the emulator's process is gone without stopping it (killed, ``kill -9``, a notebook
    kernel restarted): nothing would ever send it a job or stop it, and it would hold its
    memory and keep the fork server alive for good."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(
            target=_exit_with, args=(parent,), name="somark-parent-watch", daemon=True
        ).start()
    from . import ocr

    ocr.set_threads(ocr_threads)


def _exit_with(parent: Any) -> None:
    """Wait for the parent's sentinel (closed when its process ends), then end at once."""
    multiprocessing.connection.wait([parent.sentinel])
    os._exit(1)


def ocr_share(workers: int) -> int:
    """The threads of one worker's OCR when ``workers`` parse side by side: every core.
    A page read alone, the usual case, then has the whole machine; workers reading side
    by side share the cores through the system's scheduler, at little cost since their
    OCR threads sleep while they wait (:mod:`.ocr_engine`). Spinning threads, as
    onnxruntime's were, made more threads than cores burn the cores they waited for."""
    return _cores()


def _remember(key: tuple[str, str, str], parsed: Parsed) -> None:
    if parsed.error is not None:
        return
    if len(parsed.result or "") + len(parsed.zip or b"") > MEMO_BYTES:
        return
    with _MEMO_LOCK:
        _MEMO[key] = parsed
        _MEMO.move_to_end(key)
        while len(_MEMO) > MEMO_ENTRIES:
            _MEMO.popitem(last=False)


def remembered(job: Job) -> Parsed | None:
    """The memoised result of a job with the same content and options, if any."""
    with _MEMO_LOCK:
        return _MEMO.get(job.key)


class ParsePool:
    """At most ``workers`` parses at once, each in a worker process.

    Args:
        workers: processes (``None``: all cores; ``0``: one thread of this process, as
            the emulator parsed before it had workers, for comparisons and for tests that
            patch an engine in this process).
        hook: called in the worker before each parse (tests: hold, count or crash).
    """

    def __init__(self, workers: int | None = None, hook: Hook | None = None) -> None:
        if workers is not None and workers < 0:
            raise ValueError(f"workers must be 0 (in this process) or more, not {workers}")
        self.workers = default_workers() if workers is None else workers
        self._hook = hook
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)  # notified when _waiting empties
        self._executor: Executor | None = None
        self._closed = False
        self._tokens = itertools.count()
        self._waiting: dict[int, Done] = {}  # jobs submitted and not yet delivered
        self._dispatcher = ThreadPoolExecutor(1, thread_name_prefix="somark-parse-dispatch")

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"ParsePool(workers={self.workers}, {state})"

    def _get_executor(self) -> Executor:
        with self._lock:
            if self._closed:
                raise RuntimeError("The emulator's parse pool is closed.")
            if self._executor is None and self.workers == 0:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="somark-parse")
            elif self._executor is None:
                self._executor = ProcessPoolExecutor(
                    self.workers,
                    mp_context=_context(),
                    initializer=_worker_start,
                    initargs=(ocr_share(self.workers),),
                )
            return self._executor

    def _replace(self, broken: Executor) -> None:
        """Drop a broken executor (a worker died); the next job starts a fresh one."""
        with self._lock:
            if self._executor is broken:
                self._executor = None
        broken.shutdown(wait=False, cancel_futures=True)

    def parse(self, job: Job, done: Done, *, attempts: int = 2) -> None:
        """Parse ``job`` in a worker; ``done`` gets the outcome exactly once (in a pool
        thread, at once when the result is memoised, or when the pool closes)."""
        known = remembered(job)
        if known is not None:
            done(known)
            return
        with self._lock:
            token = next(self._tokens)
            self._waiting[token] = done

        def deliver(parsed: Parsed) -> None:
            with self._lock:
                callback = self._waiting.get(token)
            if callback is not None:  # not already told by close()
                callback(parsed)
            self._forget(token)

        def start() -> None:  # in the dispatcher thread
            try:
                executor = self._get_executor()
                future = executor.submit(run, job, self._hook)
            except (RuntimeError, BrokenProcessPool):
                deliver(Parsed(error=STOPPED))
                return

            def finished(future: Future[Parsed]) -> None:
                error = None if future.cancelled() else future.exception()
                if future.cancelled() or (error is not None and self._closed):
                    deliver(Parsed(error=STOPPED))
                elif isinstance(error, BrokenProcessPool):
                    self._replace(executor)
                    with self._lock:
                        again = self._waiting.get(token) if attempts > 1 else None
                    if again is not None:  # it may have been another job's worker that died
                        logger.warning("A parse worker died; parsing %s again.", job.file_name)
                        self.parse(job, again, attempts=attempts - 1)
                        self._forget(token)  # after the retry is registered: never idle between
                    else:
                        deliver(Parsed(error=DIED))
                elif error is not None:
                    deliver(Parsed(error=f"Internal extraction error ({type(error).__name__})."))
                else:
                    parsed = future.result()
                    _remember(job.key, parsed)
                    deliver(parsed)

            future.add_done_callback(finished)

        try:  # starting a worker process can take a second: never in the request's thread
            self._dispatcher.submit(start)
        except RuntimeError:  # closed meanwhile
            deliver(Parsed(error=STOPPED))

    def _forget(self, token: int) -> None:
        with self._lock:
            self._waiting.pop(token, None)
            if not self._waiting:
                self._idle.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every job submitted so far is delivered (``False`` on timeout)."""
        with self._lock:
            return self._idle.wait_for(lambda: not self._waiting, timeout)

    def close(self) -> None:
        """Stop the workers now; the jobs not finished end with an error at once (a parse
        in progress is abandoned, never waited for)."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
            waiting = list(self._waiting.values())
            self._waiting.clear()
            self._idle.notify_all()
        self._dispatcher.shutdown(wait=False, cancel_futures=True)
        for done in waiting:
            done(Parsed(error=STOPPED))
        if executor is None:
            return
        processes = list(getattr(executor, "_processes", {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join(1)
