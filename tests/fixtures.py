"""Shared test builders: realistic SoMark results, distinct real PDFs, a loader on the emulator.

Realistic results are written from the reference (shared/reference/somark-api.md, b).

``paper()`` is a 4-page paper: title levels 1-3, running headers and footers, a table with
rowspan/colspan and its caption above, a table continued on the next page without its
header (``merge_content_from_pre_page``), a paragraph continued across pages, display
equations, a figure with its caption below, a footnote, legacy chemical types, an unsorted
``idx``, and ``outputs.json`` as a JSON string.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from somark_loaders.emulator import Emulator
from somark_loaders.emulator.samples import pdf_file
from somark_loaders.langchain import SoMarkLoader
from somark_loaders.models import ParseResult

from .conftest import KEY, ONE_PAGE_PDF

if TYPE_CHECKING:
    from PIL.Image import Image

ROOT = Path(__file__).resolve().parents[1]
# the shared corpus beside the repository (CI lays out shared/ next to the clone)
CORPUS = next(
    (up / "shared" / "corpus" for up in ROOT.parents if (up / "shared" / "corpus").is_dir()),
    ROOT.parent / "shared" / "corpus",
)
needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"the shared corpus is not beside the repository ({CORPUS})"
)


def text_pdf(path: Path, content: bytes) -> Path:
    """A one-page Letter PDF whose content stream is ``content`` (text in font /F1,
    Helvetica)."""
    return pages_pdf(path, [content])


def pages_pdf(path: Path, contents: list[bytes]) -> Path:
    """A Letter PDF of a page per content stream of ``contents`` (text in font /F1,
    Helvetica)."""
    path.write_bytes(pdf_file(pages_objects(contents), root=1))
    return path


def pages_objects(contents: list[bytes]) -> list[bytes]:
    """The objects of :func:`pages_pdf`'s file (the catalog is the first)."""
    count = len(contents)
    kids = b" ".join(b"%d 0 R" % (4 + n) for n in range(count))
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >> >> >>" % (4 + count + n)
            for n in range(count)
        ),
        *(b"<< /Length %d >>\nstream\n" % len(c) + c + b"\nendstream" for c in contents),
    ]


def pdf_with_picture(
    path: Path,
    picture: Image,
    at: tuple[int, int],
    text: bytes,
    page_boxes: bytes = b"/MediaBox [0 0 612 792]",
) -> None:
    """A one-page PDF: ``picture`` (RGB) drawn at its pixel size in points with its lower
    left corner at ``at``, ``text`` (a content stream of text in font /F1), and the page's
    boxes as written (``page_boxes``: Letter by default)."""
    width, height = picture.size
    pixels = zlib.compress(picture.tobytes())
    content = text + b"\nq %d 0 0 %d %d %d cm /Im1 Do Q" % (width, height, *at)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R %s /Contents 6 0 R " % page_boxes
        + b"/Resources << /Font << /F1 4 0 R >> /XObject << /Im1 5 0 R >> >> >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
        % (width, height, len(pixels))
        + pixels
        + b"\nendstream",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    path.write_bytes(pdf_file(objects, root=1))


W, H = 1241, 1754


def block(idx: int, kind: str, content: str, y: int, **extra: Any) -> dict[str, Any]:
    return {
        "idx": idx,
        "type": kind,
        "bbox": [100, y, 1100, y + 40],
        "content": content,
        "format": "text",
        "captions": [],
        "img_url": "",
        "display": True,
        **extra,
    }


def page(num: int, blocks: list[dict[str, Any]], merge: bool = False) -> dict[str, Any]:
    return {
        "page_num": num,
        "page_size": {"w": W, "h": H},
        "merge_content_from_pre_page": merge,
        "blocks": blocks,
    }


RESULTS_TABLE = (
    '<table><thead><tr><th rowspan="2">Retriever</th><th colspan="2">Top-20</th></tr>'
    "<tr><th>NQ</th><th>TQA</th></tr></thead><tbody>"
    "<tr><td>BM25</td><td>59.1</td><td>66.9</td></tr>"
    "<tr><td>DPR</td><td>78.4</td><td>79.4</td></tr></tbody></table>"
)
LONG_TABLE_1 = (
    "<table><tr><th>Year</th><th>Revenue</th><th>Notes</th></tr>"
    + "".join(f"<tr><td>{2000 + i}</td><td>{i * 10}</td><td>row {i}</td></tr>" for i in range(6))
    + "</table>"
)
LONG_TABLE_2 = (
    "<table>"
    + "".join(
        f"<tr><td>{2006 + i}</td><td>{(6 + i) * 10}</td><td>row {6 + i}</td></tr>" for i in range(4)
    )
    + "</table>"
)


def paper_pages() -> list[dict[str, Any]]:
    header = lambda i: block(0, "header", "DPR · EMNLP 2020", 20)  # noqa: E731
    footer = lambda i, n: block(i, "footer", f"Page {n}", 1700)  # noqa: E731
    return [
        page(
            0,
            [
                header(0),
                block(1, "title", "Dense Passage Retrieval", 80, title_level=1),
                block(
                    2,
                    "text",
                    "Open-domain question answering relies on efficient passage retrieval.",
                    150,
                ),
                block(3, "title", "1 Introduction", 220, title_level=2),
                block(
                    4,
                    "text",
                    "Retrieval in open-domain QA is usually implemented using TF-IDF or BM25.",
                    280,
                ),
                # listed out of idx order: the reader sorts by idx
                block(6, "text", "We show that dense retrieval can be practically imple-", 420),
                block(5, "equation", "\\mathrm{sim}(q, p) = E_Q(q)^\\top E_P(p)", 360),
                block(7, "footnote", "1 Code is released.", 1600),
                footer(8, 1),
            ],
        ),
        page(
            1,
            [
                header(0),
                block(1, "text", "mented using dense representations alone.", 80),
                block(2, "title", "2 Background", 160, title_level=2),
                block(3, "title", "2.1 Retrieval units", 220, title_level=3),
                block(4, "table_caption", "Table 1: Top-20 accuracy.", 280),
                block(5, "table", RESULTS_TABLE, 320),
                block(
                    6,
                    "figure",
                    "A plot of accuracy against k.",
                    600,
                    img_url="https://img.example/f1.png",
                ),
                block(7, "figure_caption", "Figure 1: Retrieval accuracy.", 900),
                block(8, "CS", "", 950, img_url="https://img.example/cs.png"),
                block(9, "chemical_equation", "\\ce{2H2 + O2 -> 2H2O}", 1000),
                block(10, "table_caption", "Table 2: Revenue by year.", 1400),
                block(11, "table", LONG_TABLE_1, 1450),
                footer(12, 2),
            ],
            merge=True,
        ),
        page(
            2,
            [
                header(0),
                block(1, "table", LONG_TABLE_2, 80),
                block(2, "title", "3 Method", 400, title_level=2),
                block(3, "text", "The dual encoder maps questions and passages to vectors.", 460),
                block(
                    4,
                    "chemical_structure",
                    "Benzene ring",
                    520,
                    img_url="https://img.example/b.png",
                ),
                block(5, "blank", "", 600),
                block(6, "code", "def score(q, p):\n    return q @ p", 640, code_language="python"),
                footer(7, 3),
            ],
            merge=True,
        ),
        page(
            3,
            [
                block(1, "title", "4 Conclusion", 80, title_level=2),
                block(2, "text", "Dense retrieval outperforms BM25.", 140),
                block(3, "reference", "[1] Karpukhin et al. 2020.", 200),
            ],
        ),
    ]


def paper_data(*, json_as_string: bool = True, status: str = "SUCCESS") -> dict[str, Any]:
    """The ``data`` of a SUCCESS check answer for the paper."""
    doc = {"pages": paper_pages()}
    return {
        "record_id": 7,
        "task_id": "0123456789abcdef0123456789abcdef",
        "status": status,
        "file_name": "dpr.pdf",
        "metadata": {"page_num": 4, "file_type": ".pdf"},
        "result": {
            "file_name": "dpr.pdf",
            "imgs": ["https://img.example/f1.png"],
            "outputs": {
                "markdown": "# Dense Passage Retrieval",
                "json": json.dumps(doc) if json_as_string else doc,
            },
        },
    }


def paper() -> ParseResult:
    return ParseResult.from_data(paper_data())


# Raw httpx calls in tests wait this long: httpx's 5 s default fails a test on a loaded
# machine while the emulator is busy parsing, which says nothing about the code under test.
HTTP_TIMEOUT = 120.0


# Client settings for tests against the emulator: it answers at once, so poll often.
FAST = {"poll_interval": 0.05}


def loader(paths: Any, emulator: Emulator, **kwargs: Any) -> SoMarkLoader:
    """A ``SoMarkLoader`` on ``emulator`` with the test key, fast polling and a pace the
    emulator allows (each overridable by ``kwargs``)."""
    kwargs.setdefault("requests_per_second", 50)
    kwargs.setdefault("api_key", KEY)
    kwargs.setdefault("client_options", FAST)
    return SoMarkLoader(paths, base_url=emulator.base_url, **kwargs)


def distinct_pdfs(folder: Path, count: int, stem: str = "doc") -> list[Path]:
    """``count`` valid one-page PDFs with different bytes (a comment after %%EOF): as many
    documents to parse, not one cached ``count`` times."""
    folder.mkdir(parents=True, exist_ok=True)
    base = ONE_PAGE_PDF.read_bytes()
    paths = []
    for index in range(count):
        path = folder / f"{stem}{index:03d}.pdf"
        path.write_bytes(base + f"\n% copy {stem} {index}\n".encode())
        paths.append(path)
    return paths
