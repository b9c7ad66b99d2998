"""ARP, RARP and InARP (RFC 826, 903, 2390) with any hardware address length,
as tcpdump prints them."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx, ip4_str
from zcap.printing.l2common import default_print, hexaddr, trunc

OPS = {1: "Request", 2: "Reply", 3: "Reverse Request", 4: "Reverse Reply",
       8: "Inverse Request", 9: "Inverse Reply", 10: "NACK Reply"}
HARDWARE = {1: "Ethernet", 6: "TokenRing", 7: "ArcNet", 15: "FrameRelay", 23: "Strip",
            24: "IEEE 1394", 32: "InfiniBand"}
PROTO_IP, PROTO_TRAIL = 0x0800, 0x1000


def _proto_addr(b: bytes, pro: int, pln: int) -> str:
    if pro not in (PROTO_IP, PROTO_TRAIL):
        return "<wrong proto type>"
    if pln != 4:
        return "<wrong len>"
    return ip4_str(bytes(b))


def arp_text(ctx: Ctx, b: bytes, length: int) -> str:
    """An ARP packet, with tcpdump's ``ARP, `` in front unless -e named the type."""
    if len(b) < 8:
        return trunc("arp")
    hrd, pro, hln, pln, op = struct.unpack_from("!HHBBH", b, 0)
    sha_o = 8
    spa_o = sha_o + hln
    tha_o = spa_o + pln
    tpa_o = tha_o + hln
    if len(b) < tpa_o + pln:
        return trunc("arp")
    sha, spa = b[sha_o:spa_o], b[spa_o:tha_o]
    tha, tpa = b[tha_o:tpa_o], b[tpa_o:tpa_o + pln]
    from zcap.printing.link import ETHERTYPES
    verbose = ctx.opts.verbose
    text = "" if ctx.opts.link_header else "ARP, "
    if pro not in (PROTO_IP, PROTO_TRAIL) or pln != 4 or hln == 0 or verbose:
        text += (f"{HARDWARE.get(hrd, f'Unknown Hardware ({hrd})')} (len {hln}), "
                f"{ETHERTYPES.get(pro, f'Unknown Protocol (0x{pro:04x})')} (len {pln})")
        if not verbose:
            return text + f", length {length}"
    text += (", " if verbose else "") + OPS.get(op, f"Unknown ({op})") + " "
    if op == 1:
        text += f"who-has {_proto_addr(tpa, pro, pln)}"
        if any(tha):
            text += f" ({hexaddr(tha)})"
        text += f" tell {_proto_addr(spa, pro, pln)}"
    elif op == 2:
        text += f"{_proto_addr(spa, pro, pln)} is-at {hexaddr(sha)}"
    elif op in (3, 8):
        text += f"who-is {hexaddr(tha)} tell {hexaddr(sha)}"
    elif op == 4:
        text += f"{hexaddr(tha)} at {_proto_addr(tpa, pro, pln)}"
    elif op == 9:
        text += f"{hexaddr(sha)} at {_proto_addr(spa, pro, pln)}"
    else:
        return text + default_print(b)
    return text + f", length {length}"
