"""What the network layer hands to the protocol above it, and how it finds
that protocol's printer: one table, modules loaded on first use so that a
capture of plain TCP never imports the DHCP or SNMP decoders."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from zcap.printing.context import Ctx


class IpHdr:
    """The enclosing IP header, as an upper-layer printer needs it.

    ``addrs`` is false when tcpdump prints only ports for TCP/UDP (after IPv6
    extension headers, where the next-header field of the fixed header no
    longer names the transport). ``fragmented``: more fragments follow (or an
    IPv6 fragment header was seen), so lengths and checksums are not checked.
    """

    __slots__ = ("src", "dst", "srcs", "dsts", "fragmented", "addrs", "ttl")

    def __init__(self, src: bytes, dst: bytes, srcs: str, dsts: str, fragmented: bool = False,
                 addrs: bool = True, ttl: int = 64) -> None:
        self.src = src
        self.dst = dst
        self.srcs = srcs
        self.dsts = dsts
        self.fragmented = fragmented
        self.addrs = addrs
        self.ttl = ttl

    @property
    def v6(self) -> bool:
        """An IPv6 header (pseudo-header and address formats differ)."""
        return len(self.src) == 16


# printer(ctx, ip, payload captured, payload length the IP header claims) -> text
UpperPrinter = Callable[[Ctx, IpHdr, bytes, int], str]

_loaded: dict[tuple[str, str], UpperPrinter] = {}


def lazy(module: str, func: str) -> UpperPrinter:
    """``zcap.printing.<module>.<func>``, imported the first time it is called."""
    key = (module, func)
    fn = _loaded.get(key)
    if fn is None:
        fn = getattr(importlib.import_module(f"zcap.printing.{module}"), func)
        _loaded[key] = fn
    return fn
