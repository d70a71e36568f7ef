"""Benchmark: does every word of a document reach our chunks? Extraction losses without
questions.

For each document of a half (``public``: the top level of ``../shared/corpus``, ``dev``,
``test``), the words of the source's own text (PDFium's text layer for a PDF; python-docx,
python-pptx and openpyxl for Office files, merged cells once) are compared, as a
multiset, with the words of ``to_chunks(result, "chunk")`` of the emulator's parse (the
loader's RAG features, running headers and footers kept in the parse and the chunks:
leaving them out is a default, not a loss). A word is a run of letters or digits,
compared lower case (a Chinese or Japanese character on its own); a word hyphenated over
a line in the source counts whole; in a sheet only words with a letter count (the source
has raw numbers where the sheet shows ``40.0%``). Images and scans have no text of their
own to compare and are left out.

Prints, per document, the source's words, the share missing from our chunks and the
most frequent missing words, and each half's total. A word the text layer itself reads
wrongly (a ligature PDFium swaps, words it glues) counts as missing too: read the list,
not only the share. No target: this finds what questions did not ask about.

Run: ``.venv/bin/python bench/coverage.py [--half public|dev|test|all] [--folder DIR]``
(``--folder``: any folder of documents, e.g. new ones nobody tuned on)
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's package

from somark_loaders import SoMarkClient, TaskFailedError, to_chunks
from somark_loaders._loading import RAG_FEATURES
from somark_loaders.emulator import Emulator

ROOT = Path(__file__).resolve().parents[1]
CORPUS = next(
    (up / "shared" / "corpus" for up in ROOT.parents if (up / "shared" / "corpus").is_dir()),
    ROOT.parent / "shared" / "corpus",
)
HALVES = {"public": CORPUS, "dev": CORPUS / "dev", "test": CORPUS / "test"}
SUFFIXES = (".pdf", ".docx", ".pptx", ".xlsx")
OPTIONS = {
    "output_formats": ["json"],
    "feature_config": {**RAG_FEATURES, "keep_header_footer": True},
}
_WORD = re.compile(r"[^\W_]+")
_IDEOGRAPH = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
_HYPHENATED = re.compile(r"(\w)[-\u00ad\ufffe]\s*\r?\n\s*(\w)")  # "Fundamen-\ntal": one word


def words(text: str, letters_only: bool = False) -> Counter[str]:
    """The words of ``text``, lower case, a word hyphenated over a line counted whole;
    Chinese and Japanese characters one by one (no spaces mark their words)."""
    found = _WORD.findall(_HYPHENATED.sub(r"\1\2", text.replace("\ufffe", "-\n")))
    out: Counter[str] = Counter()
    for word in found:
        if letters_only and not any(c.isalpha() for c in word):
            continue
        out.update(_IDEOGRAPH.findall(word))
        out.update(part.lower() for part in _IDEOGRAPH.sub(" ", word).split())
    return out


def source_text(path: Path) -> str:
    """The document's own text, as its format's reader gives it."""
    kind = path.suffix.lower()
    if kind == ".pdf":
        import pypdfium2

        document = pypdfium2.PdfDocument(path)
        try:
            return "\n".join(page.get_textpage().get_text_range() for page in document)
        finally:
            document.close()
    if kind == ".docx":
        import docx

        doc = docx.Document(str(path))
        out = [p.text for p in doc.paragraphs]
        for table in doc.tables:
            seen: list[object] = []  # the cells' elements, kept alive: compared by identity
            for row in table.rows:
                for cell in row.cells:  # a merged cell is given once per grid position
                    if not any(cell._tc is element for element in seen):
                        seen.append(cell._tc)
                        out.append(cell.text)
        return "\n".join(out)
    if kind == ".pptx":
        import pptx

        out = []
        for slide in pptx.Presentation(str(path)).slides:
            for shape in slide.shapes:
                if shape.has_text_frame:
                    out.append(shape.text_frame.text)
                if getattr(shape, "has_table", False):
                    out += [cell.text for row in shape.table.rows for cell in row.cells]
        return "\n".join(out)
    import openpyxl

    book = openpyxl.load_workbook(path, data_only=True, read_only=True)
    try:
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    finally:
        book.close()


def report(half: str, client: SoMarkClient, folder: Path) -> tuple[int, int]:
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES)
    print(f"\n## {half}: {len(paths)} documents ({folder})\n")
    print("| document | source words | missing | most frequent missing words |")
    print("| --- | ---: | ---: | --- |")
    total = missing_total = 0
    for path in paths:
        sheet = path.suffix.lower() == ".xlsx"
        try:
            source = words(source_text(path), letters_only=sheet)
            result = client.parse(path, OPTIONS)
        except TaskFailedError as err:  # damaged or encrypted: the service refuses it too
            print(f"| {path.name} | | | refused: {err.message[:60]} |")
            continue
        except Exception as err:  # the format's own reader cannot open it
            print(f"| {path.name} | | | source unreadable ({type(err).__name__}) |")
            continue
        ours: Counter[str] = Counter()
        for chunk in to_chunks(result, "chunk", chunk_size=400, include_headers_footers=True):
            ours += words(chunk.text, letters_only=sheet)
        lost = source - ours
        count, missing = sum(source.values()), sum(lost.values())
        total, missing_total = total + count, missing_total + missing
        top = " ".join(f"{w}×{n}" if n > 1 else w for w, n in lost.most_common(12))
        share = 100 * missing / max(count, 1)
        print(f"| {path.name} | {count} | {share:.1f}% | {top} |")
    print(
        f"\n{half}: {missing_total} of {total} words missing ({100 * missing_total / max(total, 1):.1f}%)"
    )
    return total, missing_total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--half", choices=[*HALVES, "all"], default="all")
    parser.add_argument(
        "--folder", type=Path, help="measure this folder's documents instead of a half"
    )
    args = parser.parse_args()
    folders = {args.folder.name: args.folder} if args.folder else HALVES
    if args.folder is None and not CORPUS.is_dir():
        print(f"{CORPUS} not found: the shared corpus sits beside the repository")
        return 1
    halves = list(folders) if args.folder or args.half == "all" else [args.half]
    with (
        Emulator() as emulator,
        SoMarkClient(
            base_url=emulator.base_url, api_key="bench", poll_interval=0.05, cache=False
        ) as client,
    ):
        for half in halves:
            report(half, client, folders[half])
    return 0


if __name__ == "__main__":
    sys.exit(main())
