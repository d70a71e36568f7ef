"""A folder of documents through SoMark on Ray Data: chunks embedded in ``map_batches`` and
written to parquet, with every file's fate in a report.

Run offline (the emulator stands in for SoMark, Ray runs on this machine):
``.venv/bin/python examples/ray_pipeline.py``. On a cluster, call ``run`` with your key,
a folder or bucket every node reads, and a cache directory every node sees.
"""

from __future__ import annotations

import hashlib
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import ray

from somark_loaders.ray import chunks_of, read_somark_files, report_of
from somark_loaders.report import LoadReport

DIMENSIONS = 8


def embed(batch: dict[str, Any]) -> dict[str, Any]:
    """A stand-in for an embedding model: a few numbers from each text's hash."""
    batch["vector"] = np.stack(
        [
            np.frombuffer(hashlib.sha256(str(text).encode()).digest(), dtype=np.uint8)[
                :DIMENSIONS
            ].astype(np.float32)
            / 255
            for text in batch["text"]
        ]
    )
    return batch


def run(source: str | Path, out: str | Path, **somark: Any) -> LoadReport:
    """Parse ``source`` once, embed its chunks, write them to ``out`` as parquet."""
    files = read_somark_files(source, **somark).materialize()  # each file parsed once
    chunks = chunks_of(files).map_batches(embed, batch_format="numpy")
    chunks.write_parquet(str(out))
    return report_of(files)


class _NotTheReminder(logging.Filter):
    """Ray Data's reminder that its progress bars are off, which ``quiet_ray`` chose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Progress bars disabled")


def quiet_ray() -> None:
    """Local Ray that prints its errors and warnings, and our workers' warnings (the file
    they name), but not its start-up lines, execution plans or progress bars."""
    # logging_level: the driver's "ray" logger (start-up lines, the token notice)
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.ERROR)
    ray.data.DataContext.get_current().enable_progress_bars = False
    for handler in logging.getLogger("ray.data").handlers:  # Ray Data's logger
        if isinstance(handler, logging.StreamHandler):  # its console; its log file keeps all
            handler.setLevel(logging.WARNING)  # execution plans, progress logged off a terminal
            handler.addFilter(_NotTheReminder())


def main() -> None:
    from somark_loaders.emulator import Emulator

    data = Path(__file__).resolve().parent / "data"
    quiet_ray()
    with Emulator() as emulator, tempfile.TemporaryDirectory() as tmp:
        report = run(
            data,
            Path(tmp) / "chunks",
            base_url=emulator.base_url,
            api_key="sk-demo",
            cache=Path(tmp) / "cache",
        )
        print(report.table())
        written = ray.data.read_parquet(str(Path(tmp) / "chunks"))
        print(f"{written.count()} chunks written, columns: {', '.join(written.schema().names)}")
    ray.shutdown()
    sys.exit(0 if all(f.ok or f.status == "empty" for f in report.files) else 1)


if __name__ == "__main__":
    main()
