"""The ``doc_id`` of a result converted without one: a digest of what its chunks are made of.

Read in one pass over the blocks (fed to the digest a page at a time, no copy of the
whole result): stable for the same result across runs and processes, different when a
page's text, kinds, heading levels, positions or captions differ.
"""

from __future__ import annotations

import hashlib

from ..models import ParseResult

__all__ = ["result_hash"]


def result_hash(result: ParseResult) -> str:
    """sha256 hex over the file name, the Markdown and every block of every page.

    Each text is fed as its length in UTF-8 bytes, ``:``, then its UTF-8 bytes; a page's
    texts are joined first and encoded at once (UTF-8 encodes a character at a time, so
    the bytes are those of each text in turn), and an ASCII text's length is its length.
    """
    digest = hashlib.sha256()
    parts: list[str] = []
    add = parts.append

    def text(value: str) -> None:
        size = len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))
        add(f"{size}:")  # length first: no two sequences of texts read alike
        add(value)

    def feed() -> None:
        digest.update("".join(parts).encode("utf-8", "surrogatepass"))
        parts.clear()

    text(result.file_name)
    text(result.markdown or "")
    feed()
    for page in result.pages:
        text(f"page {page.page_num} {page.merge_content_from_pre_page}")
        for block in page.blocks:
            text(
                f"{block.type} {block.title_level} {block.bbox} {block.format} "
                f"{block.img_url} {block.captions if block.captions else ''}"
            )
            text(block.content)
        feed()
    return digest.hexdigest()
