"""Execute the notebooks in place, so that they are committed with their outputs.

``make notebooks`` runs this; ``make test`` executes them again (nbmake) without writing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent


def tidy(book: nbformat.NotebookNode) -> None:
    """Outputs as a reader sees them: a progress bar's redraws collapsed to its last state
    (``\\r`` in a stream), and a picture stored once (the smaller of PNG and JPEG)."""
    for cell in book.cells:
        merged: list[nbformat.NotebookNode] = []
        for output in cell.get("outputs", []):
            previous = merged[-1] if merged else None
            if (
                previous is not None
                and output.get("output_type") == "stream"
                and previous.get("output_type") == "stream"
                and previous.get("name") == output.get("name")
            ):
                previous["text"] += output["text"]  # one stream, as a reader sees it
            else:
                merged.append(output)
        if "outputs" in cell:
            cell["outputs"] = merged
        for output in merged:
            if output.get("output_type") == "stream":
                text = output["text"].replace("\r\n", "\n")
                lines = [line.rsplit("\r", 1)[-1] for line in text.split("\n")]
                output["text"] = "\n".join(lines)
            data = output.get("data", {})
            if "image/png" in data and "image/jpeg" in data:
                larger = max(("image/png", "image/jpeg"), key=lambda kind: len(data[kind]))
                del data[larger]


def main() -> int:
    for path in sorted(HERE.glob("*.ipynb")):
        book = nbformat.read(path, as_version=4)
        NotebookClient(
            book, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
        ).execute()
        tidy(book)
        nbformat.write(book, path)
        print("executed", path.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
