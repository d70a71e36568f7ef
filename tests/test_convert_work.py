"""Work a conversion does not repeat or need (issue 27, distinct content): a table split by
rows is rendered once, the last-boundary pattern is compiled only for a text that needs
it, CJK ranges are compared without a regular expression, and the doc id keeps its value
while it is read faster."""

from __future__ import annotations

import re
from typing import Any

import pytest

from somark_loaders import ParseResult, to_chunks
from somark_loaders.convert import _seams, _table, _table_rows
from somark_loaders.convert._ids import result_hash

from .fixtures import block, page


def _result(blocks: list[dict[str, Any]]) -> ParseResult:
    data = {
        "task_id": "t",
        "result": {"file_name": "r.pdf", "outputs": {"json": {"pages": [page(0, blocks)]}}},
    }
    return ParseResult.from_data(data)


def test_a_table_split_by_rows_is_rendered_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its pipe rows are made for the element's text, and the parts reuse them (they were
    made a second time for the parts)."""
    head = "<tr><th>Item</th><th>Amount</th><th>Note</th></tr>"
    body = "".join(
        f"<tr><td>item {r}</td><td>{r * 17.5:.2f}</td><td>note number {r}</td></tr>"
        for r in range(80)
    )
    parsed = _result([block(0, "table", f"<table>{head}{body}</table>", 100)])
    rendered: list[tuple[str, ...]] = []
    md_row = _table.md_row

    def counting(row: tuple[str, ...], width: int) -> str:
        rendered.append(row)
        return md_row(row, width)

    monkeypatch.setattr(_table, "md_row", counting)  # the header row
    monkeypatch.setattr(_table_rows, "md_row", counting)  # the rest, through short_row
    chunks = to_chunks(parsed, chunk_size=120, doc_id="d")
    assert sum("|---" in c.text for c in chunks) > 3  # split by rows
    assert len(rendered) == 81, len(rendered)  # the header row and each body row, once


def test_prose_does_not_compile_the_last_boundary_pattern(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The last pre-token boundary of a text is searched back from its end: the pattern
    that finds it in one match (milliseconds to compile, a cold conversion's cost) is
    compiled only for a text with no boundary near its end."""
    compiled: list[str] = []
    compile_ = re.compile

    def recording(pattern: str, flags: int = 0) -> re.Pattern[str]:
        compiled.append(pattern)
        return compile_(pattern, flags)

    for value in vars(_seams).values():  # compiled anew, whatever ran before
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()
    monkeypatch.setattr(_seams, "_MEETS", {})  # pairs of characters found before
    monkeypatch.setattr(_seams.re, "compile", recording)
    blocks = [block(0, "title", "1 Terms", 100, title_level=1)]
    blocks += [
        block(i, "text", f"Paragraph {i} says what the supplier delivers, and when. " * 9, 100)
        for i in range(1, 12)
    ]
    chunks = to_chunks(_result(blocks), chunk_size=200, doc_id="d")
    assert len(chunks) > 2
    assert compiled, "no seam was counted"
    assert not [p for p in compiled if p.startswith("(?s:.*)")]
    # a text without a boundary in its last characters still finds its last one
    text = "word. " + "中" * 100
    assert _seams.last_cut(text) == 5
    assert _seams.last_cut("中" * 100) == 0


@pytest.mark.parametrize(
    ("ranges", "pattern"),
    [
        (((0x3040, 0x30FF), (0x3400, 0x9FFF), (0xAC00, 0xD7AF), (0xFF00, 0xFFEF)), "_elements"),
        (((0x3000, 0x30FF), (0x3400, 0x9FFF), (0xAC00, 0xD7AF), (0xFF00, 0xFFEF)), "_cont"),
    ],
)
def test_cjk_ranges_match_what_their_character_class_matched(
    ranges: tuple[tuple[int, int], ...], pattern: str
) -> None:
    from somark_loaders.convert import _continuation, _elements
    from somark_loaders.convert._continuation import in_ranges

    used = _elements._CJK if pattern == "_elements" else _continuation._CJK
    assert used == ranges
    klass = re.compile("[" + "".join(f"\\u{low:04x}-\\u{high:04x}" for low, high in ranges) + "]")
    for code in [*range(0x10000), 0x10000, 0x20000, 0x10FFFF]:
        char = chr(code)
        assert in_ranges(char, ranges) == bool(klass.match(char)), hex(code)
    assert not in_ranges("", ranges)


def test_the_doc_id_of_non_ascii_content_keeps_its_value() -> None:
    """Ids without ``doc_id`` are read a page at a time now: the same value as before for
    non-ASCII text, lone surrogates, a missing box and an empty page (pinned)."""
    data = {
        "task_id": "t",
        "result": {
            "file_name": "résumé.pdf",
            "outputs": {
                "markdown": "# Ünïcode \ud800",
                "json": {
                    "pages": [
                        {
                            "page_num": 0,
                            "page_size": {"w": 1000, "h": 1400},
                            "blocks": [
                                {
                                    "idx": 0,
                                    "type": "title",
                                    "bbox": [10, 20.5, 300, 40],
                                    "content": "第一章 引言",
                                    "format": "text",
                                    "title_level": 1,
                                },
                                {
                                    "idx": 1,
                                    "type": "text",
                                    "bbox": [10, 50, 300, 90],
                                    "content": "plain ASCII text.",
                                    "format": "text",
                                    "captions": ["see é"],
                                },
                                {
                                    "idx": 2,
                                    "type": "text",
                                    "bbox": None,
                                    "content": "lone \udfff surrogate and 😀",
                                    "format": "text",
                                },
                            ],
                        },
                        {
                            "page_num": 1,
                            "blocks": [{"idx": 0, "type": "text", "content": "", "format": "text"}],
                        },
                    ]
                },
            },
        },
    }
    assert (
        result_hash(ParseResult.from_data(data))
        == "621c04abad6e3d5e827087bb4565fc4328771bd4c60f3c74665f13b4604f2d5d"
    )


def _recording_counts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts tiktoken is given from now on (through the counter's core encoder, or
    through tiktoken's method on code that calls it)."""
    import tiktoken

    from somark_loaders.convert.chunking import token_counter

    given: list[str] = []
    counter = token_counter()
    method = tiktoken.Encoding.encode_ordinary

    def through_method(self: Any, text: str) -> list[int]:
        given.append(text)
        return method(self, text)  # type: ignore[no-any-return]

    monkeypatch.setattr(tiktoken.Encoding, "encode_ordinary", through_method)
    core = counter.__dict__.get("ordinary")
    if core is not None:

        def through_core(text: str) -> list[int]:
            given.append(text)
            return core(text)  # type: ignore[no-any-return]

        monkeypatch.setitem(counter.__dict__, "ordinary", through_core)
    return given


def test_a_table_that_most_likely_fits_is_counted_in_one_encoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A table of at most twice the budget in characters most likely fits: its text is
    encoded once, whole, not a row at a time (a call each); one longer is counted a row
    at a time (it will most likely be split: its rows' counts serve its parts)."""
    head = "<tr><th>Item</th><th>Amount</th></tr>"
    rows = "".join(f"<tr><td>item {r}</td><td>{r * 17.5:.2f}</td></tr>" for r in range(12))
    parsed = _result([block(0, "table", f"<table>{head}{rows}</table>", 100)])
    given = _recording_counts(monkeypatch)
    chunks = to_chunks(parsed, chunk_size=150, doc_id="d")
    assert len(chunks) == 1 and len(chunks[0].text) > 150  # one part, over the byte bound
    assert len(chunks[0].text) <= 2 * 150
    assert [t for t in given if t.startswith("| item")] == []  # no row on its own
    assert chunks[0].text in given
    given.clear()
    small = to_chunks(parsed, chunk_size=60, doc_id="d")  # split by rows: counted by rows
    assert len(small) > 1
    assert chunks[0].text not in given  # not whole: its rows (in one encoding, see _seams)
    assert [t for t in given if "| item 0 |" in t and "| item 11 |" in t]


def test_counts_of_text_with_lone_surrogates_are_tiktokens() -> None:
    """The counter calls tiktoken's core encoder; a text it refuses (a lone surrogate) is
    counted as tiktoken's own method counts it."""
    import tiktoken

    from somark_loaders.convert.chunking import token_counter

    text = "lone \udfff surrogate and 😀 " * 3
    assert token_counter()(text) == len(tiktoken.get_encoding("cl100k_base").encode_ordinary(text))


def test_a_conversion_of_plain_tables_does_not_import_html() -> None:
    """Plain table markup (what SoMark writes) is read without a parser: neither
    :mod:`html.parser` nor :mod:`html` (its entity tables) is imported for it, a cold
    conversion's milliseconds; escaping for a part's HTML is what ``html.escape`` gives."""
    import subprocess
    import sys

    from somark_loaders.convert._table_rows import esc

    code = """
import sys
from somark_loaders import ParseResult, to_chunks
rows = "".join(f"<tr><td>r{n} > 'q'</td><td>{n}</td></tr>" for n in range(40))
block = {"idx": 0, "type": "table", "content": "<table><tr><th>A</th><th>B</th></tr>" + rows
         + "</table>", "bbox": [0, 0, 100, 100]}
data = {"task_id": "t", "result": {"file_name": "f.pdf", "outputs": {"json": {"pages": [
    {"page_num": 0, "page_size": {"w": 200, "h": 200}, "blocks": [block]}]}}}}
chunks = to_chunks(ParseResult.from_data(data), chunk_size=64, doc_id="d")
assert len(chunks) > 1 and "r0 &gt; &#x27;q&#x27;" in chunks[0].metadata["table_html"]
print(sorted(m for m in ("html", "html.parser", "html.entities") if m in sys.modules))
"""
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == "[]", found
    import html

    for text in ("a & b <c> \"d\" 'e'\nf", "&amp;", "", "中文 &#x27;"):
        assert esc(text) == html.escape(text).replace("\n", "<br>")


def test_the_header_of_a_table_split_by_rows_is_rendered_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every part's HTML repeats the header: its rows are rendered for the first part
    and reused (the same HTML), unless a merged header cell reaches into the body."""
    head = (
        "<tr><th rowspan='2'>Item</th><th colspan='2'>Values</th></tr>"
        "<tr><th>low</th><th>high</th></tr>"
    )
    body = "".join(f"<tr><td>item {r}</td><td>{r}.5</td><td>{r}.9</td></tr>" for r in range(60))
    parsed = _result([block(0, "table", f"<table>{head}{body}</table>", 100)])
    escaped: list[str] = []
    esc = _table_rows.esc

    def counting(text: str) -> str:
        escaped.append(text)
        return esc(text)

    monkeypatch.setattr(_table_rows, "esc", counting)
    chunks = to_chunks(parsed, chunk_size=120, doc_id="d")
    parts = [c.metadata["table_html"] for c in chunks if "table_html" in c.metadata]
    assert len(parts) > 3
    thead = parts[0][: parts[0].index("</thead>")]
    assert 'rowspan="2"' in thead and all(p.startswith(thead) for p in parts)
    assert escaped.count("Item") == 1, escaped.count("Item")
