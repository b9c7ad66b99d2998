"""Code generation for DECnet Phase IV addresses (`decnet host 50.764`).

An address is area.node, 16 bits: area (6 bits) above node (10 bits), stored
little-endian in the routing header. The header follows a 2-byte length and
may start with one padding byte (0x81); its flags say whether it is the short
form (addresses at 1 and 3) or the long one (at 7 and 15, after 6-byte
Ethernet-style prefixes). libpcap tests the four layouts one after another.

Mixed into codegen.CodeGen.
"""

from __future__ import annotations

import re

from . import ast as A
from .codegen_base import Frag, and_, or_
from .errors import FilterError

ETHERTYPE_DN = 0x6003
# (mask, value) of the flags, as a byte at 2 or as a word with the padding byte
_SHORT, _LONG = 0x02, 0x06
_AREA_NODE = re.compile(r"([0-9]+)\.([0-9]+)")
# where the destination and source addresses are, per layout, from the network header
_LAYOUTS = (  # (size of the flag test, mask, value, dst offset, src offset)
    (1, 0x07, _SHORT, 3, 5), (2, 0xFF07, 0x8100 | _SHORT, 4, 6),
    (1, 0x07, _LONG, 9, 17), (2, 0xFF07, 0x8100 | _LONG, 10, 18),
)


def parse_dnaddr(text: str, col: int) -> int:
    """area.node as libpcap reads it (sscanf's "%d.%d": decimal digits up to
    the first other character, anything after the node ignored), area and
    node each cut to their bits of the 16-bit address."""
    m = _AREA_NODE.match(text)
    if m is None:
        raise FilterError(f"malformed decnet address '{text}'", col)
    area, node = int(m.group(1)), int(m.group(2))
    return ((area << 10) & 0xFC00) | (node & 0x3FF)


class DecnetGen:
    """`decnet host|src|dst A.N`."""

    def decnet_host(self, addr: int, q: A.Quals, col: int) -> Frag:
        if q.addr not in (None, "host", "net"):
            raise FilterError(f"'{q.addr}' modifier applied to decnet host", col)
        d = self._dir(q)
        swapped = ((addr & 0xFF) << 8) | (addr >> 8)

        def one(src: bool) -> Frag:
            f: Frag | None = None
            for size, mask, value, dst_off, src_off in _LAYOUTS:
                g = and_(self.cmp("nl", 2, size, value, mask=mask),
                         self.cmp("nl", src_off if src else dst_off, 2, swapped))
                f = g if f is None else or_(f, g)
            assert f is not None
            return and_(self.linktype_test(ETHERTYPE_DN, col), f)

        return self._dirop(d, lambda: one(True), lambda: one(False))
