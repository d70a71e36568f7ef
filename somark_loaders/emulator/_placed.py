"""What the emulator's layout rules read of a line or a piece of one: its box on the page."""

from __future__ import annotations

from typing import Protocol

__all__ = ["Placed"]


class Placed(Protocol):
    """A box on the page (points for PDF lines, pixels for OCR lines), top down."""

    @property
    def x0(self) -> float: ...
    @property
    def x1(self) -> float: ...
    @property
    def top(self) -> float: ...
    @property
    def bottom(self) -> float: ...
