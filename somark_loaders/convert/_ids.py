"""The ``doc_id`` of a result converted without one: a digest of what its chunks are made of.

Read in one pass over the blocks (their text fed to the digest as it is, no copy of the
whole result): stable for the same result across runs and processes, different when a
page's text, kinds, heading levels, positions or captions differ.
"""

from __future__ import annotations

import hashlib

from ..models import ParseResult

__all__ = ["result_hash"]


def result_hash(result: ParseResult) -> str:
    """sha256 hex over the file name, the Markdown and every block of every page."""
    digest = hashlib.sha256()
    update = digest.update

    def text(value: str) -> None:
        data = value.encode("utf-8", "surrogatepass")
        update(b"%d:" % len(data))  # length first: no two sequences of texts read alike
        update(data)

    text(result.file_name)
    text(result.markdown or "")
    for page in result.pages:
        text(f"page {page.page_num} {page.merge_content_from_pre_page}")
        for block in page.blocks:
            text(
                f"{block.type} {block.title_level} {block.bbox} {block.format} "
                f"{block.img_url} {block.captions if block.captions else ''}"
            )
            text(block.content)
    return digest.hexdigest()
