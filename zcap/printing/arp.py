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


HRD_FRELAY = 15


def _q922(a: bytes) -> str:
    """A Frame Relay hardware address read as a Q.922 address, as tcpdump reads it."""
    if not a or a[0] & 1:
        return "<Truncated>" if not a else "<Invalid DLCI>"
    if len(a) < 2:
        return "<Truncated>"
    dlci = (a[0] & 0xFC) << 2 | (a[1] & 0xF0) >> 4
    if a[1] & 1:
        return f"DLCI {dlci}"
    rest = a[2:]
    if not rest:
        return "<Truncated>"
    if not rest[0] & 1:
        dlci = dlci << 7 | rest[0] >> 1
        rest = rest[1:]
        if not rest:
            return "<Truncated>"
    if not rest[0] & 1:
        return "<Invalid DLCI>"
    return f"DLCI {dlci << 6 | rest[0] >> 2}"


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
    from zcap.printing.dispatch import ETHERTYPES
    hw = (lambda a: _q922(a) if a else hexaddr(a)) if hrd == HRD_FRELAY else hexaddr
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
            text += f" ({hw(tha)})"
        text += f" tell {_proto_addr(spa, pro, pln)}"
    elif op == 2:
        text += f"{_proto_addr(spa, pro, pln)} is-at {hw(sha)}"
    elif op in (3, 8):
        text += f"who-is {hw(tha)} tell {hw(sha)}"
    elif op == 4:
        text += f"{hw(tha)} at {_proto_addr(tpa, pro, pln)}"
    elif op == 9:
        text += f"{hw(sha)} at {_proto_addr(spa, pro, pln)}"
    else:
        return text + default_print(b)
    return text + f", length {length}"
