"""The link layers zcap prints itself: Ethernet (with 802.1Q/QinQ tags and
802.3 lengths), Linux cooked v1/v2, raw IP, BSD loopback, PPP and PPPoE links.

What a frame carries goes through the dispatch's tables (zcap.printing.dispatch):
an ethertype to its printer, LLC and SNAP (llc) on to stp and cdp. PPP, 802.11
and the rarer link types live in their own modules.
"""

from __future__ import annotations

import _socket  # not socket: see zcap.printing.context
import functools
import struct
from collections.abc import Callable

from zcap.printing.context import Ctx, mac_str
from zcap.printing.dispatch import ETHERTYPES, ethertype_text, ip_payload
from zcap.printing.l2common import default_print, suppressed, trunc

VLAN_TYPES = frozenset({0x8100, 0x88A8, 0x9100, 0x9200})
MAX_LENGTH_FIELD = 1500  # type/length values up to this are 802.3 lengths
ETHER_HDRLEN = 14

def _ethertype(t: int, quiet: bool) -> str:
    """How -e names an ethertype: ``ethertype IPv4 (0x0800)``, or ``IPv4`` with -q."""
    if quiet:
        return ETHERTYPES.get(t, f"Unknown Ethertype (0x{t:04x})")
    return f"ethertype {ETHERTYPES.get(t, 'Unknown')} (0x{t:04x})"


def _tci(tci: int) -> str:
    """An 802.1Q tag as -e shows it."""
    return f"vlan {tci & 0xFFF}, p {tci >> 13}{', DEI' if tci & 0x1000 else ''}, "


# A switch's tag between the addresses and the type (Marvell DSA/EDSA,
# Broadcom): its printer, its length, and the protocol a frame too short for
# it is cut in.
SwitchTag = tuple[Callable[[Ctx, bytes], str], int, str]


def ethernet(ctx: Ctx, frame: bytes, wire: int,
             tag: SwitchTag | None = None) -> tuple[str, int]:
    """An Ethernet frame: Ethernet II, 802.1Q/QinQ tags, or 802.3 with LLC."""
    taglen = tag[1] if tag else 0
    if len(frame) < ETHER_HDRLEN + taglen or wire < ETHER_HDRLEN + taglen:
        return trunc(tag[2] if tag else "ether"), len(frame)
    dst, src = frame[0:6], frame[6:12]
    off = ETHER_HDRLEN + taglen
    etype = frame[off - 2] << 8 | frame[off - 1]
    opts = ctx.opts
    eflag = opts.link_header
    addrs = f"{mac_str(src)} > {mac_str(dst)}, "
    tagged = tag[0](ctx, frame[12:12 + taglen]) if tag else ""
    head = (addrs if eflag else "") + tagged
    first = True
    while etype in VLAN_TYPES:
        if len(frame) < off + 4:
            return head + trunc("vlan"), len(frame)
        tci, inner = struct.unpack_from("!HH", frame, off)
        if eflag:
            head += f"{_ethertype(etype, opts.quiet)}" + (f", length {wire}: " if first else ", ")
            head += _tci(tci)
        etype, off, first = inner, off + 4, False
    if etype <= MAX_LENGTH_FIELD:
        if eflag:
            head += f"802.3, length {min(etype, wire - off)}: " if first else "802.3"
        from zcap.printing.llc import llc_frame
        length = min(etype, wire - off)
        text, hdrlen = llc_frame(ctx, frame[off:off + length], length, src, dst)
        return head + text, off + hdrlen
    if eflag and first:
        head += f"{_ethertype(etype, opts.quiet)}, length {wire}: "
    elif eflag:
        head += f"{_ethertype(etype, opts.quiet)}, "
    text = ethertype_text(ctx, etype, frame[off:], wire - off, src)
    if text is not None:
        return head + text, off
    if not eflag:
        head = tagged + addrs + f"{_ethertype(etype, opts.quiet)}, length {wire}: "
    if suppressed(opts):
        return head, off
    return head + default_print(frame[off:]), off


SLL_PKTTYPES = {0: "In", 1: "B", 2: "M", 3: "P", 4: "Out"}
SLL_802_3, SLL_802_2 = 0x0001, 0x0004


def _sll_type(proto: int) -> str:
    if proto > MAX_LENGTH_FIELD:
        return f"ethertype {ETHERTYPES.get(proto, 'Unknown')} (0x{proto:04x})"
    if proto == SLL_802_3:
        return "802.3"
    if proto == SLL_802_2:
        return "802.2"
    return f"ethertype Unknown (0x{proto:04x})"


def _sll_addr(addr: bytes, halen: int) -> str:
    """tcpdump shows a cooked header's address only when it is a MAC address."""
    return f"{mac_str(addr[:6])} " if halen == 6 else ""


def _cooked_payload(ctx: Ctx, proto: int, buf: bytes, length: int,
                    header: Callable[[int], str]) -> tuple[str, int]:
    """What a Linux cooked header's protocol field points at; returns the text
    and the bytes of VLAN tags skipped on the way."""
    opts = ctx.opts
    text, skipped = "", 0
    while True:
        if proto <= MAX_LENGTH_FIELD:
            if proto == SLL_802_2:
                from zcap.printing.llc import llc_text
                inner, hdrlen, dump = llc_text(ctx, buf, length)
                if not dump:
                    return text + inner, skipped + hdrlen
                return text + inner + ("" if suppressed(opts) else default_print(buf)), skipped
            if proto == SLL_802_3:
                from zcap.printing.llc import ipx_text
                return text + ipx_text(ctx, buf, length), skipped
            return text + ("" if suppressed(opts) else default_print(buf)), skipped
        if proto == 0x8100:
            if len(buf) < 4:
                return text + trunc("vlan"), skipped + len(buf)
            tci, inner_proto = struct.unpack_from("!HH", buf, 0)
            if opts.link_header:
                text += _tci(tci)
            proto = SLL_802_2 if inner_proto <= MAX_LENGTH_FIELD else inner_proto
            if not opts.quiet:
                text += f"ethertype {ETHERTYPES.get(proto, 'Unknown')}, "
            buf, length, skipped = buf[4:], length - 4, skipped + 4
            continue
        body = ethertype_text(ctx, proto, buf, length)
        if body is not None:
            return text + body, skipped
        if not opts.link_header:
            text += header(length)
        return text + ("" if suppressed(opts) else default_print(buf)), skipped


def linux_sll(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """LINUX_SLL (v1): a 16-byte header."""
    if len(frame) < 16:
        return trunc("sll"), 0
    pkttype, _hatype, halen = struct.unpack_from("!HHH", frame, 0)
    proto = struct.unpack_from("!H", frame, 14)[0]

    def header(length: int) -> str:
        h = f"{SLL_PKTTYPES.get(pkttype, '?'):>3} {_sll_addr(frame[6:14], halen)}"
        if not ctx.opts.quiet:
            h += f"{_sll_type(proto)}, length {length + 16}: "
        return h

    head = header(wire - 16) if ctx.opts.link_header else ""
    text, skipped = _cooked_payload(ctx, proto, frame[16:], wire - 16, header)
    return head + text, 16 + skipped


@functools.lru_cache(maxsize=256)
def _ifname(ifindex: int) -> str:
    """The name of an interface of this host, as tcpdump looks it up ('?' if none)."""
    try:
        return _socket.if_indextoname(ifindex)
    except OSError:
        return "?"


def linux_sll2(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """LINUX_SLL2: the 20-byte header of ``-i any`` captures."""
    if len(frame) < 20:
        return trunc("sll2"), 0
    proto, _, ifindex, _hatype, pkttype, halen = struct.unpack_from("!HHIHBB", frame, 0)
    lead = f"{_ifname(ifindex):<5} {SLL_PKTTYPES.get(pkttype, '?'):<3} "

    def header(length: int) -> str:
        h = f"ifindex {ifindex} {_sll_addr(frame[12:20], halen)}"
        if not ctx.opts.quiet:
            h += f"{_sll_type(proto)}, length {length + 20}: "
        return h

    head = lead + (header(wire - 20) if ctx.opts.link_header else "")
    text, skipped = _cooked_payload(ctx, proto, frame[20:], wire - 20, header)
    return head + text, 20 + skipped


def raw_ip(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """Raw IPv4 or IPv6, told apart by the version nibble."""
    prefix = "ip: " if ctx.opts.link_header else ""
    if not frame:
        return prefix + trunc("ip"), 0
    ver = frame[0] >> 4
    if ver in (4, 6):
        return prefix + ip_payload(ctx, ver, frame, wire), 0
    return prefix + f"unknown ip {ver}", 0


# BSD address families in NULL/LOOP headers
BSD_AF = {2: "IPv4", 6: "NS", 7: "ISO", 16: "Appletalk", 23: "IPX", 24: "IPv6", 28: "IPv6",
          30: "IPv6"}
BSD_AF_IPV6 = frozenset({24, 28, 30})


def _bsd_loop(ctx: Ctx, frame: bytes, wire: int, order: str) -> tuple[str, int]:
    if len(frame) < 4:
        return trunc("null"), 0
    fam = struct.unpack_from(order + "I", frame, 0)[0]
    # a family from a host of the other byte order: tcpdump's tests for it
    # differ between NULL (any high bits) and LOOP (high bits only)
    if fam & 0xFFFF0000 and (order == "<" or not fam & 0xFFFF):
        fam = int.from_bytes(fam.to_bytes(4, "little"), "big")
    opts = ctx.opts

    def header() -> str:
        if opts.quiet:
            return f"{BSD_AF.get(fam, f'Unknown AF {fam}')}, length {wire}: "
        return f"AF {BSD_AF.get(fam, 'Unknown')} ({fam}), length {wire}: "

    head = header() if opts.link_header else ""
    if fam == 2:
        return head + ip_payload(ctx, 4, frame[4:], wire - 4), 4
    if fam in BSD_AF_IPV6:
        return head + ip_payload(ctx, 6, frame[4:], wire - 4), 4
    if not opts.link_header:
        head = header()
    return head + ("" if suppressed(opts) else default_print(frame[4:])), 4


def bsd_null(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """NULL: a 4-byte address family in the capturing host's byte order."""
    return _bsd_loop(ctx, frame, wire, "<")


def bsd_loop(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """LOOP: the same family, in network byte order."""
    return _bsd_loop(ctx, frame, wire, ">")


PPP_HDRLEN = 4


def ppp_link(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """PPP with its address/control bytes (or without, as some systems write it)."""
    if len(frame) < 4:
        return trunc("ppp"), len(frame)
    # tcpdump's -x skips a fixed 4-byte header, whatever the frame's compression,
    # unless the payload jumped out of the packet
    from zcap.printing.ppp import ppp_text
    text = ppp_text(ctx, frame, wire)
    return text, 0 if text.endswith(" [|ip]") and len(frame) <= PPP_HDRLEN else PPP_HDRLEN


def pppoe_link(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """PPP_ETHER: a PPPoE header with no Ethernet header before it."""
    from zcap.printing import ppp
    hdrlen = ppp.PPPOE_HDRLEN if len(frame) >= ppp.PPPOE_HDRLEN else 0
    if hdrlen and frame[1] == 0:
        hdrlen += ppp.header_len(frame[hdrlen:])
    return ppp.pppoe_text(ctx, frame, wire), hdrlen
