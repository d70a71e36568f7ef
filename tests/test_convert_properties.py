"""Property tests: random well-formed results never crash, and every chunk keeps its bounds."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from somark_loaders import ParseResult, to_chunks
from somark_loaders.convert import MODES
from somark_loaders.convert.chunking import token_counter

TYPES = [
    "title", "text", "figure", "figure_caption", "table", "table_caption", "equation", "header",
    "footer", "sider", "footnote", "cate", "cate_item", "choice", "code", "blank", "reference",
    "qrcode", "stamp", "cs", "cs_equation", "chemical_structure", "chemical_equation",
]  # fmt: skip
WORDS = st.sampled_from(
    [
        "dense",
        "retrieval",
        "表格",
        "passage",
        "BM25",
        "$x^2$",
        "|",
        "-",
        "Q.",
        "end.",
        "https://a.b/c?d=e",
    ]
)
TEXT = st.lists(WORDS, min_size=0, max_size=60).map(" ".join)


@st.composite
def tables(draw: st.DrawFn) -> str:
    rows = draw(st.integers(1, 12))
    cols = draw(st.integers(1, 5))
    out = ["<table>"]
    for r in range(rows):
        cells = []
        for _ in range(cols):
            tag = "th" if r == 0 and draw(st.booleans()) else "td"
            span = draw(st.sampled_from(["", " rowspan='2'", " colspan='2'", ""]))
            cells.append(f"<{tag}{span}>{draw(TEXT)}</{tag}>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "".join(out)


@st.composite
def blocks(draw: st.DrawFn, idx: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(TYPES))
    content = draw(tables()) if kind == "table" and draw(st.booleans()) else draw(TEXT)
    block: dict[str, Any] = {
        "idx": idx,
        "type": kind,
        "bbox": [0, 0, 10, 10],
        "content": content,
        "format": "text",
        "captions": [],
        "img_url": draw(st.sampled_from(["", "https://i/x.png"])),
    }
    if kind == "title" and draw(st.booleans()):
        block["title_level"] = draw(st.integers(1, 6))
    return block


@st.composite
def results(draw: st.DrawFn) -> ParseResult:
    pages = []
    for number in range(draw(st.integers(0, 5))):
        count = draw(st.integers(0, 8))
        page_blocks = [draw(blocks(i)) for i in draw(st.permutations(list(range(count))))]
        pages.append(
            {
                "page_num": number,
                "page_size": {"w": 1241, "h": 1754},
                "merge_content_from_pre_page": draw(st.booleans()),
                "blocks": page_blocks,
            }
        )
    data = {"task_id": "t", "result": {"file_name": "r.pdf", "outputs": {"json": {"pages": pages}}}}
    return ParseResult.from_data(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    result=results(),
    mode=st.sampled_from(MODES),
    size=st.integers(8, 200),
    overlap=st.integers(0, 7),
    prepend=st.booleans(),
    headers=st.booleans(),
)
def test_random_results_never_crash_and_keep_their_bounds(
    result: ParseResult, mode: str, size: int, overlap: int, prepend: bool, headers: bool
) -> None:
    count = token_counter()
    chunks = to_chunks(
        result,
        mode,  # type: ignore[arg-type]
        chunk_size=size,
        chunk_overlap=overlap,
        prepend_heading_path=prepend,
        include_headers_footers=headers,
    )
    pages = len(result.pages)
    assert len({c.id for c in chunks}) == len(chunks)
    for index, chunk in enumerate(chunks):
        meta = chunk.metadata
        assert meta["chunk_index"] == index
        assert all(isinstance(v, (str, int, float, bool)) for v in meta.values())
        assert 1 <= int(meta["page_number"]) <= int(meta["page_end"]) <= pages
        assert chunk.text.strip()
        if mode == "chunk" and count(chunk.text) > size:
            assert meta.get("oversized") is True, (size, chunk.text)
            assert _allowed_excess(chunk.text, str(meta["heading_path"]), prepend, size), chunk.text


def _allowed_excess(text: str, path: str, prepend: bool, size: int) -> bool:
    """Only two things may exceed chunk_size: one unsplittable run, or a prepended heading
    path that alone fills the budget (a table row too long is cut into its cells)."""
    count = token_counter()
    if prepend and path and count(path + "\n\n") >= size - 2:
        return True
    return any(count(run) > size // 2 for run in text.split())
