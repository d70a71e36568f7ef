"""pdfplumber's characters of a page, made as pdfplumber makes them, in less time.

pdfplumber turns each of pdfminer's layout objects into a dict (``Page.process_object``),
passing every attribute through ``resolve_all``, which resolves references inside lists,
tuples and dicts. A character's attributes are numbers, strings and a tuple of numbers,
which it returns as they are: on a page of text that is a third of the time pdfplumber
takes to read the page (and the emulator reads every page that way first).

:func:`fast_chars` gives one page (its instance only: pdfplumber itself, in the same
process, is left as it is) a ``process_object`` that builds the same dict for a
character, keys in the same order, values equal, and resolves only the values that can
hold a reference; every other object goes through pdfplumber's own. Only with the
pdfplumber it was written against (:data:`VERSION`): another keeps its own way.
"""

from __future__ import annotations

import re
from types import MethodType
from typing import Any

__all__ = ["VERSION", "fast_chars"]

VERSION = re.compile(r"0\.11\.")  # pdfplumber's process_object as of 0.11.x

_PLAIN = frozenset({float, int, str, bool, type(None)})  # resolve_all returns them as they are
_DECODED: dict[str, Any] = {}  # colour space names, decoded once each
_KEEP = 256


def fast_chars(page: Any) -> Any:
    """``page`` (a pdfplumber page whose objects are not read yet), made to read its
    characters the fast way; the same page with another pdfplumber."""
    import pdfplumber

    if VERSION.match(pdfplumber.__version__) and "_objects" not in page.__dict__:
        page.process_object = MethodType(_process_object(), page)
    return page


def _process_object() -> Any:
    """pdfplumber's ``Page.process_object`` (0.11), for characters without its detours."""
    from unicodedata import normalize

    from pdfminer.layout import LTChar
    from pdfplumber.page import ALL_ATTRS, Page, fix_fontname_bytes
    from pdfplumber.utils.pdfinternals import resolve_all

    def process_object(page: Any, obj: Any) -> dict[str, Any]:
        if type(obj) is not LTChar:
            return Page.process_object(page, obj)
        attr: dict[str, Any] = {}
        for key, value in obj.__dict__.items():
            if key not in ALL_ATTRS:
                continue
            kind = type(value)
            if kind in _PLAIN or (kind is tuple and _PLAIN.issuperset(map(type, value))):
                attr[key] = value  # what resolve_all returns (the tuple: an equal one)
            else:
                attr[key] = resolve_all(value)
        attr["object_type"] = "char"
        attr["page_number"] = page.page_number
        for space in ("ncs", "scs"):
            if hasattr(obj, space):
                name = getattr(obj, space).name
                known = _DECODED.get(name) if type(name) is str else None
                attr[space] = known if known is not None else _decoded(name)
        text = obj.get_text()
        norm = page.pdf.unicode_norm
        attr["text"] = normalize(norm, text) if norm is not None else text
        state = obj.graphicstate
        scolor, ncolor = state.scolor, state.ncolor
        attr["stroking_color"] = scolor if isinstance(scolor, tuple) else (scolor,)
        attr["non_stroking_color"] = ncolor if isinstance(ncolor, tuple) else (ncolor,)
        if isinstance(attr["fontname"], bytes):
            attr["fontname"] = fix_fontname_bytes(attr["fontname"])
        x0, top = page.mediabox[:2]
        if "y0" in attr:
            attr["top"] = (page.height - attr["y1"]) + top
            attr["bottom"] = (page.height - attr["y0"]) + top
            attr["doctop"] = page.initial_doctop + attr["top"]
        if "x0" in attr and x0 != 0:
            attr["x0"] = attr["x0"] + x0
            attr["x1"] = attr["x1"] + x0
        return attr

    return process_object


def _decoded(name: Any) -> Any:
    """pdfplumber's ``resolve_and_decode`` of a colour space's name (a string: once each)."""
    from pdfplumber.utils.pdfinternals import resolve_and_decode

    if type(name) is not str:
        return resolve_and_decode(name)
    known = _DECODED.get(name)
    if known is None:
        known = resolve_and_decode(name)
        if len(_DECODED) < _KEEP:  # a few names in any document; never a growing store
            _DECODED[name] = known
    return known
