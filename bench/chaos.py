"""Chaos: 300 distinct files through SoMarkLoader (sync and async) against a faulty emulator,
the load interrupted at random moments (SIGKILL, SIGINT, cancellation), then re-run until
done. Does the loader keep its promises: no file lost, every file reported, no upload paid
twice outside the documented ambiguous case?

The emulator runs in this process (so every accepted task can be counted per file) with
FAILED tasks, HTTP 503s, dropped connections and slow answers at random, a 1124 storm
(``max_in_flight`` below the loader's concurrency) in every round, and a few uploads
accepted and then dropped or answered with a 5xx (the ambiguous case). The rounds load a
third of the files, then two thirds from round 3, then all from round 5, the new files
first: round 3 runs on a cache directory made read-only (its results must still be read:
0 uploads of cached files), and in round 5 the disk fills up at a random moment (the
ledger's "submitting" entry fits, the task id and the results do not). Each round is a child process
(``bench/_chaos_worker.py``) sharing one cache directory; a round is killed (SIGKILL),
interrupted (SIGINT) or cancelled at a random moment (the first 8 rounds), then rounds run
to their end until one ends by itself; a last round with ``--resubmit-ambiguous`` then settles the
ambiguous files, as a user who accepts paying for them again would.

Counted per mode (one table):

* delivered: files whose documents reached the consumer in some round;
* reported: files in the final report with a status; lost: files neither delivered nor
  reported as failed or ambiguous with a reason;
* uploads/file: tasks the service accepted per file (mean, max);
* after FAILED: uploads that followed a FAILED task (a new attempt, documented);
* ambiguous re-uploads: uploads in the ``--resubmit-ambiguous`` round (the documented case);
* after not kept: uploads that followed a result delivered but reported not kept (the
  read-only and full-disk rounds: documented, a re-run pays for what could not be stored);
* stale ambiguous: files reported ambiguous although their last task was delivered (a
  stale ledger entry; target: 0);
* double uploads: every other extra upload (target: 0).

Run: ``.venv/bin/python bench/chaos.py [--files 300] [--seed 1] [--modes sync async]``
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from somark_loaders.emulator import Drop, Emulator, HTTPError
from somark_loaders.emulator.samples import write_pdf

HERE = Path(__file__).resolve().parent
WORKER = HERE / "_chaos_worker.py"
MAX_ROUNDS = 40
INTERRUPTED_ROUNDS = 8  # the first rounds are all stopped, at a random moment of WINDOW
WINDOW = (0.5, 10.0)  # seconds after the start of a round
READ_ONLY_ROUND = 3  # its cache directory cannot be written
DISK_FULL_ROUND = 5  # the disk fills up at a random moment of FILL_WINDOW
FILL_WINDOW = (0.3, 3.0)


@dataclass
class Outcome:
    mode: str
    files: int
    rounds: int = 0
    interrupts: collections.Counter[str] = field(default_factory=collections.Counter)
    delivered: int = 0
    reported: int = 0
    lost: int = 0
    ambiguous_left: int = 0
    uploads_mean: float = 0.0
    uploads_max: int = 0
    after_failed: int = 0
    ambiguous_reuploads: int = 0
    after_not_kept: int = 0
    stale_ambiguous: int = 0
    double_uploads: int = 0
    seconds: float = 0.0
    special: dict[str, tuple[int, int]] = field(default_factory=dict)  # uploads, not kept


def make_files(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True)
    return [
        write_pdf(folder / f"doc{i:04d}.pdf", 1 + i % 3, note=f"chaos file {i}")
        for i in range(count)
    ]


@dataclass
class Round:
    kind: str  # "normal", "read-only" or "disk-full"
    resubmit: bool
    accepted: list[str]
    report: dict[str, list[object]] | None
    sent: set[str]  # the sha256 of every file uploaded in the round, answered or not


def without_root_powers() -> list[str] | None:
    """A prefix that makes file permissions bind this user (root ignores them); ``None``
    when that cannot be done (root without setpriv)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    caps = "-dac_override,-dac_read_search,-fowner"
    return [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"]


def set_modes(folder: Path, *, writable: bool) -> None:
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            path.chmod(0o700 if writable else 0o500)
        else:
            path.chmod(0o600 if writable else 0o400)


def round_files(files: list[Path], round_no: int) -> list[Path]:
    """The files of a round: a third of them until the read-only round, which loads a new
    third first and then the third loaded before (cached, or not yet); the last third joins,
    first again, in the full-disk round. Each of those two rounds has results to read and
    results to write."""
    third = len(files) // 3
    if round_no < READ_ONLY_ROUND:
        return files[:third]
    if round_no < DISK_FULL_ROUND:
        return files[third : 2 * third] + files[:third]
    return files[2 * third :] + files[: 2 * third]


def upload_faults(rng: random.Random) -> list[Drop | HTTPError]:
    """0-2 uploads accepted then dropped, 0-2 accepted then answered with a 5xx."""
    faults: list[Drop | HTTPError] = [Drop(process=True)] * rng.randint(0, 2)
    faults += [HTTPError(rng.choice([500, 502, 507]), process=True)] * rng.randint(0, 2)
    rng.shuffle(faults)
    return faults


def run_mode(mode: str, count: int, rng: random.Random, workdir: Path) -> Outcome:
    outcome = Outcome(mode, count)
    folder = workdir / mode
    folder.mkdir()
    files = make_files(folder / "docs", count)
    listing = folder / "files.txt"
    cache = folder / "cache"
    delivered: set[str] = set()
    delivered_tasks: set[str] = set()
    rounds: list[Round] = []
    read_only_prefix = without_root_powers()
    started = time.monotonic()
    with Emulator(
        fail_rate=0.03,
        error_rate=0.03,
        drop_rate=0.02,
        slow_rate=0.02,
        slow_seconds=0.5,
        seconds_per_page=0.02,
        max_in_flight=3,  # the loader runs 4: a 1124 storm in every round
        seed=rng.randrange(1 << 30),
    ) as emulator:
        final: dict[str, list[object]] = {}
        resubmit = False
        for round_no in range(1, MAX_ROUNDS + 1):
            outcome.rounds = round_no
            kind = {READ_ONLY_ROUND: "read-only", DISK_FULL_ROUND: "disk-full"}.get(
                round_no, "normal"
            )
            if kind == "read-only" and read_only_prefix is None:
                kind = "normal"  # root without setpriv: permissions cannot bind
            if not resubmit and kind == "normal":
                # the settling rounds face the random faults only; a cache that cannot
                # record an upload cannot remember it was ambiguous either
                emulator.script("/parse/async", *upload_faults(rng))
            while kind != "normal" and emulator.service.next_action("/parse/async"):
                pass  # faults left by a round stopped early are not meant for this one
            how = (
                "none"
                if resubmit or kind != "normal" or round_no > INTERRUPTED_ROUNDS
                else rng.choice(["kill", "int", "cancel"])
            )
            out = folder / f"round{round_no}.jsonl"
            before = len(emulator.accepted_tasks)
            sent_before = len(emulator.requests_to("/parse/async"))
            listing.write_text("\n".join(map(str, round_files(files, round_no))))
            command = [sys.executable, str(WORKER), emulator.base_url, str(listing), str(out)]
            if mode == "async":
                command.append("--async")
            if how == "cancel":
                command += ["--cancel-after", f"{rng.uniform(*WINDOW):.2f}"]
            if resubmit and kind == "normal":
                command.append("--resubmit-ambiguous")
            if kind == "disk-full":
                command += ["--disk-full-after", f"{rng.uniform(*FILL_WINDOW):.2f}"]
            if kind == "read-only" and read_only_prefix is not None:
                set_modes(cache, writable=False)
                command = read_only_prefix + command
            env = {"SOMARK_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin"}
            if "PYTHONPATH" in os.environ:  # the package under test, when not installed
                env["PYTHONPATH"] = os.environ["PYTHONPATH"]
            worker = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
            if how in ("kill", "int"):
                time.sleep(rng.uniform(*WINDOW))
                if worker.poll() is None:
                    worker.send_signal(signal.SIGKILL if how == "kill" else signal.SIGINT)
                    outcome.interrupts[how] += 1
                else:
                    how = "none"
            elif how == "cancel":
                outcome.interrupts[how] += 1
            code = worker.wait(timeout=600)
            if kind == "read-only":
                set_modes(cache, writable=True)
            if out.exists():
                for line in out.read_text().splitlines():
                    doc = json.loads(line)
                    delivered.add(doc["source"])
                    delivered_tasks.update(str(doc["task"]).split("+"))
            report_path = Path(f"{out}.report")
            report = json.loads(report_path.read_text()) if report_path.exists() else None
            rounds.append(
                Round(
                    kind,
                    resubmit and kind == "normal",
                    emulator.accepted_tasks[before:],
                    report["files"] if report else None,
                    {
                        f.sha256
                        for r in emulator.requests_to("/parse/async")[sent_before:]
                        for f in r.files
                    },
                )
            )
            if code == 0 and report is not None and kind == "normal":
                final = report["files"]
                ambiguous = [s for s, (status, *_r) in final.items() if status == "ambiguous"]
                if not ambiguous and round_no > DISK_FULL_ROUND:
                    break
                # settle the ambiguous files, knowingly (new faults may leave a few
                # ambiguous again: another round settles those)
                resubmit = resubmit or bool(ambiguous)
        outcome.seconds = time.monotonic() - started
        tasks = emulator.service.tasks
    outcome.delivered = len(delivered)
    names = {str(f) for f in files}
    outcome.reported = sum(1 for s in names if s in final and final[s][0])
    settled = {s for s, (status, *_r) in final.items() if status in ("failed", "ambiguous")}
    outcome.ambiguous_left = sum(1 for s in final.values() if s[0] == "ambiguous")
    outcome.lost = len(names - delivered - settled)
    # uploads per file, and why any file was uploaded more than once
    sha = {str(f): _sha(f) for f in files}
    by_file: dict[str, list[str]] = collections.defaultdict(list)
    resubmitted: set[str] = set()
    not_kept: set[str] = set()
    last_upload: dict[str, list[str]] = {}  # the tasks of each file's last round uploading it
    for past in rounds:
        for task_id in past.accepted:
            by_file[tasks[task_id].sha256].append(task_id)
        for digest in past.sent:
            last_upload[digest] = [t for t in past.accepted if tasks[t].sha256 == digest]
        for source, (status, *_r) in (past.report or {}).items():
            # stale: "ambiguous" although the last upload of the file was delivered (an
            # upload dropped before the service took it creates no task: ambiguous, rightly)
            last = last_upload.get(sha.get(source, ""), [])
            if status == "ambiguous" and any(t in delivered_tasks for t in last):
                outcome.stale_ambiguous += 1
                print(f"stale ambiguous: {source} ({mode}, a {past.kind} round)")
        if past.resubmit:
            resubmitted.update(past.accepted)
        unkept = [t for _s, t, _e, *k in (past.report or {}).values() if k and k[0] and t]
        for ids in unkept:
            not_kept.update(str(ids).split("+"))
        if past.kind != "normal":
            outcome.special[past.kind] = (len(past.accepted), len(unkept))
    counts = [len(by_file.get(sha[str(f)], [])) for f in files]
    outcome.uploads_mean = sum(counts) / len(counts)
    outcome.uploads_max = max(counts)
    for task_ids in by_file.values():
        for previous, task_id in itertools.pairwise(task_ids):
            if tasks[previous].fail_message is not None:
                outcome.after_failed += 1
            elif previous in not_kept:
                outcome.after_not_kept += 1
            elif task_id in resubmitted:
                outcome.ambiguous_reuploads += 1
            else:
                outcome.double_uploads += 1
                where = [
                    (n + 1, r.kind)
                    for n, r in enumerate(rounds)
                    for t in (previous, task_id)
                    if t in r.accepted
                ]
                print(f"double upload: {tasks[task_id].file_name}, rounds {where}")
    return outcome


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--modes", nargs="+", default=["sync", "async"])
    args = parser.parse_args()
    rng = random.Random(args.seed)
    results = []
    with tempfile.TemporaryDirectory(prefix="somark-chaos-") as tmp:
        for mode in args.modes:
            results.append(run_mode(mode, args.files, rng, Path(tmp)))
    print(
        f"{args.files} distinct files per mode; faults: 3% FAILED, 3% 503, 2% dropped, 2% slow, "
        "1124 storm (3 in flight allowed, 4 asked), 0-2 uploads accepted then dropped and 0-2 "
        f"answered 5xx per round, a read-only cache in round {READ_ONLY_ROUND}, a disk that "
        f"fills up in round {DISK_FULL_ROUND}"
    )
    header = (
        f"{'mode':<6} {'rounds':>6} {'kill/int/cancel':>15} {'delivered':>9} {'reported':>8} "
        f"{'lost':>4} {'ambig.':>6} {'uploads/file':>12} {'after FAILED':>12} "
        f"{'ambig. re-up':>12} {'not kept':>8} {'stale':>5} {'double':>6} {'wall s':>7}"
    )
    print(header)
    failures = 0
    for r in results:
        stops = f"{r.interrupts['kill']}/{r.interrupts['int']}/{r.interrupts['cancel']}"
        print(
            f"{r.mode:<6} {r.rounds:>6} {stops:>15} {r.delivered:>9} {r.reported:>8} "
            f"{r.lost:>4} {r.ambiguous_left:>6} {r.uploads_mean:>7.2f} max {r.uploads_max:<1} "
            f"{r.after_failed:>12} {r.ambiguous_reuploads:>12} {r.after_not_kept:>8} "
            f"{r.stale_ambiguous:>5} {r.double_uploads:>6} {r.seconds:>7.1f}"
        )
        failures += r.lost + (r.files - r.reported) + r.double_uploads + r.stale_ambiguous
    for r in results:
        rounds = "; ".join(
            f"{kind} round: {uploads} uploads, {unkept} results not kept"
            for kind, (uploads, unkept) in r.special.items()
        )
        print(f"{r.mode}: {rounds or 'no read-only or full-disk round ran'}")
    verdict = "meets" if failures == 0 else "MISSES"
    print(f"-> {verdict} the target: 0 lost, 0 unreported, 0 double uploads, 0 stale ambiguous")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
