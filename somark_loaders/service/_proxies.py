"""The proxies the environment names, as httpx mount patterns.

An ``httpx.Client`` given its own ``transport=`` no longer reads ``HTTP_PROXY``,
``HTTPS_PROXY``, ``ALL_PROXY`` and ``NO_PROXY``; the sync client's bounded transport
(:mod:`._transport`) reads them here instead and mounts one bounded transport per proxy,
so that a client behind a proxy keeps both its proxy and its deadlines. The patterns
follow httpx's own reading of these variables (curl's ``NO_PROXY`` conventions).
"""

from __future__ import annotations

import ipaddress
import urllib.request

__all__ = ["environment_proxies"]


def environment_proxies() -> dict[str, str | None]:
    """``{mount pattern: proxy URL}``, ``None`` for a host that ``NO_PROXY`` exempts
    (``NO_PROXY=*`` exempts every host: no proxy at all)."""
    named = urllib.request.getproxies()
    exempt = [host.strip() for host in named.get("no", "").split(",") if host.strip()]
    if "*" in exempt:
        return {}
    routes: dict[str, str | None] = {}
    for scheme in ("http", "https", "all"):
        url = named.get(scheme)
        if url:
            routes[f"{scheme}://"] = url if "://" in url else f"http://{url}"
    routes.update({_exempt_pattern(host): None for host in exempt})
    return routes


def _exempt_pattern(host: str) -> str:
    """The mount pattern of one ``NO_PROXY`` entry: a URL pattern as it is, an address
    exactly, a name with its subdomains (``example.com``: it and ``*.example.com``)."""
    if "://" in host:
        return host
    try:
        address = ipaddress.ip_address(host.split("/", maxsplit=1)[0])
    except ValueError:
        return "all://localhost" if host.lower() == "localhost" else f"all://*{host}"
    return f"all://[{host}]" if address.version == 6 else f"all://{host}"
