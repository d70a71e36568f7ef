"""Items joined into groups pair by pair (a union-find): the tables of a sheet, the drawn
objects of a figure."""

from __future__ import annotations

__all__ = ["Groups"]


class Groups:
    """``count`` items, each its own group until :meth:`join` puts two together."""

    def __init__(self, count: int) -> None:
        self._parent = list(range(count))

    def root(self, item: int) -> int:
        """The item that stands for ``item``'s group."""
        parent = self._parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def join(self, a: int, b: int) -> None:
        self._parent[self.root(b)] = self.root(a)

    def members(self) -> list[list[int]]:
        """The groups, each its items in order, in the order of their first items."""
        found: dict[int, list[int]] = {}
        for item in range(len(self._parent)):
            found.setdefault(self.root(item), []).append(item)
        return list(found.values())
