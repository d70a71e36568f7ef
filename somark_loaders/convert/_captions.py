"""Which caption belongs to which table or figure on a page, by where they sit.

The service lists a page's blocks in reading order, and on a two-column page a caption
below a full-width table (or above one, or a figure's below it) is often read many blocks
away, after a column of prose. Paired by reading order only, such a caption is left loose
and glued to that prose, and the table goes without it. Where the blocks say where they
are, a caption belongs to the table or figure it sits against: directly above or below
it (a small gap, a few lines of headnote at most) and overlapping it horizontally.

A caption between two tables could belong to either. A document puts its captions on one
side: :func:`caption_sides` reads that side from the captions that sit against a table
(or figure) on one side only. A caption on that side is taken first, then one near in
reading order, and only then one on the other side. Without evidence, tables have theirs
above and figures below, the usual conventions.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..models import Block, ElementType, Page
from ._continuation import CAPTIONED, CAPTIONS

__all__ = ["caption_sides", "captions_by_position"]

# A caption further than this (a share of the page's height) from its table or figure is
# not taken for it by position: 12s0324.pdf's caption sits 4.7% above its table, over a
# bracketed headnote; body text paragraphs sit further.
MAX_GAP = 0.06
# Overlap of the x ranges, as a share of the narrower of the two.
MIN_OVERLAP = 0.5
# How many more captions must sit on the unusual side to make it the document's.
EVIDENCE = 2
# Boxes may overlap a little (a share of the page's height).
SLACK = 0.01


def _wanted(kind: ElementType) -> ElementType:
    return ElementType.TABLE_CAPTION if kind is ElementType.TABLE else ElementType.FIGURE_CAPTION


def _family(kind: ElementType) -> ElementType:
    """``TABLE`` for a table, ``FIGURE`` for a figure or any other picture."""
    return ElementType.TABLE if kind is ElementType.TABLE else ElementType.FIGURE


def _placed(item: Block, caption: Block, height: float) -> tuple[float, bool] | None:
    """(gap as a share of the page's height, whether the caption is above) when
    ``caption`` sits against ``item``; ``None`` when it does not."""
    assert item.bbox is not None and caption.bbox is not None
    ix0, iy0, ix1, iy1 = item.bbox
    cx0, cy0, cx1, cy1 = caption.bbox
    narrower = min(ix1 - ix0, cx1 - cx0)
    if narrower <= 0 or min(ix1, cx1) - max(ix0, cx0) < MIN_OVERLAP * narrower:
        return None
    above = cy0 + cy1 <= iy0 + iy1  # the caption's middle is higher
    gap = ((iy0 - cy1) if above else (cy0 - iy1)) / height
    if gap < -SLACK or gap > MAX_GAP:
        return None
    return max(gap, 0.0), above


def _pairs(
    page: Page, blocks: list[tuple[Block, ElementType]]
) -> Iterable[tuple[Block, ElementType, Block, float, bool]]:
    """Every (item, its kind, caption, gap, caption above) that sits against each other."""
    height = page.page_size.h if page.page_size is not None else 0
    if height <= 0:
        return
    items = [(b, k) for b, k in blocks if k in CAPTIONED and b.bbox]
    captions = [(b, k) for b, k in blocks if k in CAPTIONS and b.bbox]
    for item, kind in items:
        for caption, caption_kind in captions:
            if caption_kind is _wanted(kind):
                placed = _placed(item, caption, height)
                if placed is not None:
                    yield item, kind, caption, *placed


def caption_sides(pages: Iterable[Page]) -> dict[ElementType, bool]:
    """Whether the document puts its table captions (key ``TABLE``) and its figure
    captions (``FIGURE``) above them: the side of the captions that sit against a table
    (or figure) on one side only, by majority; tables above and figures below unless
    ``EVIDENCE`` more captions say otherwise."""
    votes = {ElementType.TABLE: 0, ElementType.FIGURE: 0}  # above minus below
    for page in pages:
        blocks = [(b, b.element_type) for b in page.blocks]
        sides: dict[int, set[bool]] = {}
        kinds: dict[int, ElementType] = {}
        for _, kind, caption, _, above in _pairs(page, blocks):
            sides.setdefault(id(caption), set()).add(above)
            kinds[id(caption)] = _family(kind)
        for key, found in sides.items():
            if len(found) == 1:
                votes[kinds[key]] += 1 if found.pop() else -1
    return {
        ElementType.TABLE: votes[ElementType.TABLE] > -EVIDENCE,
        ElementType.FIGURE: votes[ElementType.FIGURE] >= EVIDENCE,
    }


def captions_by_position(
    page: Page,
    blocks: list[tuple[Block, ElementType]],
    done: set[int],
    used: set[int],
    sides: dict[ElementType, bool],
    *,
    either_side: bool,
) -> dict[int, Block]:
    """Captions found by position for the tables and figures of ``blocks`` whose ``idx``
    is not in ``done`` (they have theirs), among the caption blocks not in ``used`` (to
    which the captions taken are added): ``{idx of the table or figure: caption block}``. Only
    captions on the document's side (``sides``, see :func:`caption_sides`) unless
    ``either_side``, and then those first; the nearest first."""
    ranked = []
    for item, kind, caption, gap, above in _pairs(page, blocks):
        if item.idx in done or caption.idx in used or not caption.content.strip():
            continue
        unusual = above != sides[_family(kind)]
        if unusual and not either_side:
            continue
        ranked.append((unusual, gap, item.idx, caption.idx, caption))
    found: dict[int, Block] = {}
    for *_, item_idx, caption_idx, caption in sorted(ranked, key=lambda r: r[:4]):
        if item_idx not in found and caption_idx not in used:
            found[item_idx] = caption
            used.add(caption_idx)
    return found
