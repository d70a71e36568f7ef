"""Execute the notebooks in place, so that they are committed with their outputs.

``make notebooks`` runs this; ``make test`` executes them again (nbmake) without writing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent


def main() -> int:
    for path in sorted(HERE.glob("*.ipynb")):
        book = nbformat.read(path, as_version=4)
        NotebookClient(
            book, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
        ).execute()
        nbformat.write(book, path)
        print("executed", path.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
