"""Keeping the pictures of a result before their URLs expire (issue 23): :class:`ImageKeeper`.

For one :class:`ParseResult`, every image-like block (``figure``, ``stamp``, ``cs``,
``qrcode``) that has an ``img_url`` gets its picture kept in the image store: read from
the manifest when a run kept it before (no request), decoded when it came inline
(``data:`` URI or base64), downloaded otherwise (:class:`ImageFetcher`). What comes back
is ``{img_url: KeptImage}`` for :func:`somark_loaders.to_chunks` and, for each picture
that could not be kept, a line naming the figure (page, block, why): the file is loaded
all the same, no file fails because of a picture.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ..convert import KeptImage
from ..models import Block, ParseResult
from ..store._images import ImageStore, NotAnImageError, inline_bytes
from ._images import ImageFetcher, ImageFetchError

__all__ = ["ImageKeeper", "KeptImages"]

logger = logging.getLogger("somark_loaders")

PARALLEL = 8  # pictures of one result downloaded at once


@dataclass
class KeptImages:
    """The pictures of one result: those kept, by ``img_url``, and those not, one line
    each (``page 3, block 7 (figure): HTTP 404 from ... (the URL may have expired)``)."""

    images: dict[str, KeptImage] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def warn(self, source: str) -> None:
        """One warning line for the pictures of ``source`` that could not be kept."""
        if self.problems:
            logger.warning(
                "%s: %d picture(s) not kept (the file is loaded without them): %s",
                source,
                len(self.problems),
                "; ".join(self.problems),
            )


class ImageKeeper:
    """Keeps the pictures of results in ``store``, downloading through ``fetcher``.

    Thread-safe: the batch keeps the pictures of several files at once. Concurrent
    keepers of one URL may both download it; they end with one file all the same.
    """

    def __init__(self, store: ImageStore, fetcher: ImageFetcher) -> None:
        self.store = store
        self.fetcher = fetcher

    def keep(self, result: ParseResult) -> KeptImages:
        """Keep the picture of every image-like block of ``result`` that has one (each
        URL once, up to :data:`PARALLEL` at a time)."""
        figures = [
            (page.page_num, block)
            for page in result.pages
            for block in page.blocks
            if block.img_url and block.element_type.is_image_like
        ]
        urls = list(dict.fromkeys(block.img_url for _, block in figures))
        if len(urls) > 1:
            with ThreadPoolExecutor(min(PARALLEL, len(urls)), "somark-image") as pool:
                outcomes = list(pool.map(self._outcome, urls))
        else:
            outcomes = [self._outcome(url) for url in urls]
        done = dict(zip(urls, outcomes, strict=True))
        out = KeptImages()
        for page_num, block in figures:
            got = done[block.img_url]
            if isinstance(got, KeptImage):
                out.images[block.img_url] = got
            else:
                out.problems.append(_naming(page_num, block, got))
        return out

    def _outcome(self, url: str) -> KeptImage | str:
        """The picture behind ``url``, or why it could not be kept."""
        try:
            return self.keep_one(url)
        except Exception as err:  # no file fails because of a picture
            return _reason(err)

    def keep_one(self, url: str) -> KeptImage:
        """The picture behind one ``img_url``, kept.

        Raises:
            ImageFetchError: it could not be downloaded.
            NotAnImageError: what came is not a picture.
            OSError: the image directory could not be written.
        """
        data = inline_bytes(url)
        if data is not None:
            return self.store.put(data)
        kept = self.store.lookup(url)
        if kept is not None:
            return kept
        kept = self.store.put(self.fetcher.fetch(url))
        self.store.remember(url, kept)
        return kept

    def close(self) -> None:
        self.fetcher.close()

    def __enter__(self) -> ImageKeeper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _reason(err: Exception) -> str:
    if isinstance(err, (ImageFetchError, NotAnImageError)):
        return str(err)
    if isinstance(err, OSError):
        return f"it could not be written to the image directory ({type(err).__name__}: {err})"
    return f"{type(err).__name__}: {err}"


def _naming(page_num: int, block: Block, why: str) -> str:
    """``page 3, block 7 (figure): why``: the figure, for a person to find (not its URL:
    a signed URL carries a token of its own)."""
    return f"page {page_num + 1}, block {block.idx} ({block.element_type.value}): {why}"
