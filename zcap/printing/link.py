"""Link layers and the ethertype dispatch.

``LINK_PRINTERS`` maps a file's link type to a printer that returns the line's
text and where the network layer starts (what -x dumps from); ``link_printer``
adds tcpdump's fallback for the rest. ``NETWORK`` maps an ethertype to tcpdump's
prefix (left out under -e) and the printer of what it carries: the network
layer's (zcap.printing.net) and the L2 protocols', each in its own module (arp,
mpls, ppp for PPPoE, lldp, eapol, slow, loopback), imported on first use. LLC
and SNAP (llc) lead on to stp and cdp. Ethernet, Linux cooked v1/v2, raw IP and
BSD loopback live here; PPP, 802.11 and the rarer link types in their modules.
"""

from __future__ import annotations

import functools
import importlib
import socket
import struct
from collections.abc import Callable

from bpf_filters.linktypes import (
    LINKTYPE_C_HDLC,
    LINKTYPE_ETHERNET,
    LINKTYPE_FRELAY,
    LINKTYPE_IEEE802_11,
    LINKTYPE_IEEE802_11_RADIO,
    LINKTYPE_IEEE802_11_RADIO_AVS,
    LINKTYPE_IEEE802_15_4,
    LINKTYPE_IEEE802_15_4_NOFCS,
    LINKTYPE_IPV4,
    LINKTYPE_IPV6,
    LINKTYPE_LINUX_SLL,
    LINKTYPE_LINUX_SLL2,
    LINKTYPE_LOOP,
    LINKTYPE_NULL,
    LINKTYPE_PPI,
    LINKTYPE_PPP,
    LINKTYPE_PPP_ETHER,
    LINKTYPE_PPP_SERIAL,
    LINKTYPE_PRISM_HEADER,
    LINKTYPE_RAW,
    LINKTYPE_SLIP,
)
from zcap.printing.context import Ctx, mac_str
from zcap.printing.l2common import default_print, suppressed, trunc
from zcap.printing.net import ipv4_text, ipv6_text, wrong_version

# tcpdump's names of ethertypes (its -e line and unknown-protocol lines)
ETHERTYPES = {
    0x00FE: "GRE-OSI", 0x0200: "PUP", 0x0500: "Sprite", 0x0600: "NS", 0x0707: "GeoNet (old)",
    0x0800: "IPv4", 0x0806: "ARP", 0x1000: "Trail", 0x1111: "CALM FAST", 0x6001: "MOP DL",
    0x6002: "MOP RC", 0x6003: "DN", 0x6004: "LAT", 0x6007: "SCA", 0x6558: "TEB",
    0x8035: "Reverse ARP", 0x8038: "Lanbridge", 0x803C: "DEC DNS", 0x803E: "DEC DTS",
    0x805B: "VEXP", 0x805C: "VPROD", 0x809B: "Appletalk", 0x80F3: "Appletalk ARP",
    0x8100: "802.1Q", 0x8137: "IPX", 0x86DD: "IPv6", 0x8808: "MPCP", 0x8809: "Slow Protocols",
    0x880B: "PPP", 0x8847: "MPLS unicast", 0x8848: "MPLS multicast", 0x8863: "PPPoE D",
    0x8864: "PPPoE S", 0x886F: "MS NLB heartbeat", 0x888E: "EAPOL",
    0x8899: "Realtek protocols", 0x88A2: "AoE", 0x88A8: "802.1Q-QinQ", 0x88CA: "TIPC",
    0x88CC: "LLDP", 0x88E5: "802.1AE MACsec", 0x88F7: "PTP", 0x8902: "CFM",
    0x893A: "IEEE1905.1", 0x8947: "GeoNet", 0x894F: "NSH", 0x9000: "Loopback",
    0x9100: "802.1Q-9100", 0x9200: "802.1Q-9200", 0xABCD: "CFM (old)",
    0xD28B: "Arista Vendor Specific Protocol", 0xFEFE: "OSI",
}
VLAN_TYPES = frozenset({0x8100, 0x88A8, 0x9100, 0x9200})
MAX_LENGTH_FIELD = 1500  # type/length values up to this are 802.3 lengths
ETHER_HDRLEN = 14

# network-layer printers: ethertype -> (prefix without -e, printer)
NetPrinter = Callable[[Ctx, bytes, int], str]


def _on_demand(module: str, name: str) -> NetPrinter:
    """A printer from zcap.printing.<module>, imported when a packet first needs
    it, so that start-up pays only for the protocols a capture contains."""
    found: list[NetPrinter] = []

    def run(ctx: Ctx, buf: bytes, length: int) -> str:
        if not found:
            found.append(getattr(importlib.import_module(f"zcap.printing.{module}"), name))
        return found[0](ctx, buf, length)
    return run


NETWORK: dict[int, tuple[str, NetPrinter]] = {
    0x0800: ("IP ", ipv4_text),
    0x86DD: ("IP6 ", ipv6_text),
    0x0806: ("", _on_demand("arp", "arp_text")),
    0x8035: ("", _on_demand("arp", "arp_text")),
    0x8847: ("", _on_demand("mpls", "mpls_text")),
    0x8848: ("", _on_demand("mpls", "mpls_text")),
    0x8863: ("", _on_demand("ppp", "pppoe_text")),
    0x8864: ("", _on_demand("ppp", "pppoe_text")),
    0x88CC: ("", _on_demand("lldp", "lldp_text")),
    0x888E: ("", _on_demand("eapol", "eapol_text")),
    0x8809: ("", _on_demand("slow", "slow_text")),
    0x9000: ("", _on_demand("loopback", "loopback_text")),
    0x88F7: ("", _on_demand("ptp", "ptp_text")),
    0x8137: ("", _on_demand("llc", "ipx_ethernet")),
    0x88A2: ("", _on_demand("aoe", "aoe_text")),
}


def ethertype_text(ctx: Ctx, etype: int, buf: bytes, length: int) -> str | None:
    """What an ethertype carries, with tcpdump's prefix unless -e shows the
    ethertype already; None when tcpdump has no decoder for it."""
    entry = NETWORK.get(etype)
    if entry is None:
        return None
    prefix, fn = entry
    wrong = wrong_version({0x0800: 4, 0x86DD: 6}.get(etype, 0), buf)
    if wrong is not None:
        return wrong if ctx.opts.link_header or wrong.startswith("IP") else prefix + wrong
    body = fn(ctx, buf, length)
    if body.startswith("[|"):
        # tcpdump names IPv4 once it has a byte of it, IPv6 only past its header
        named = buf and etype == 0x0800 and not ctx.opts.link_header
        return (prefix if named else "") + " " + body
    return body if ctx.opts.link_header else prefix + body


def ip_payload(ctx: Ctx, version: int, buf: bytes, length: int) -> str:
    """IPv4 or IPv6 reached from a link layer that names the version itself."""
    text = ethertype_text(ctx, 0x0800 if version == 4 else 0x86DD, buf, length)
    return text if text is not None else ""


def _ethertype(t: int, quiet: bool) -> str:
    """How -e names an ethertype: ``ethertype IPv4 (0x0800)``, or ``IPv4`` with -q."""
    if quiet:
        return ETHERTYPES.get(t, f"Unknown Ethertype (0x{t:04x})")
    return f"ethertype {ETHERTYPES.get(t, 'Unknown')} (0x{t:04x})"


def _tci(tci: int) -> str:
    """An 802.1Q tag as -e shows it."""
    return f"vlan {tci & 0xFFF}, p {tci >> 13}{', DEI' if tci & 0x1000 else ''}, "


# Truncation markers tcpdump prints after jumping out of the whole packet, so
# that -x then dumps the frame from byte 0 (others return to the link layer).
JUMPING_MARKERS = (" [|arp]", " [|pppoe]", " [|cdp]", " [|stp]", " [|mpls]", " [|dtp]")


def _dump_from(text: str, off: int) -> int:
    """Where -x starts dumping a frame whose payload printed ``text``."""
    return 0 if text.endswith(JUMPING_MARKERS) else off


def ethernet(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """An Ethernet frame: Ethernet II, 802.1Q/QinQ tags, or 802.3 with LLC."""
    if len(frame) < ETHER_HDRLEN or wire < ETHER_HDRLEN:
        return trunc("ether"), len(frame)
    dst, src = frame[0:6], frame[6:12]
    etype = frame[12] << 8 | frame[13]
    opts = ctx.opts
    eflag = opts.link_header
    addrs = f"{mac_str(src)} > {mac_str(dst)}, "
    head = addrs if eflag else ""
    off, first = ETHER_HDRLEN, True
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
    text = ethertype_text(ctx, etype, frame[off:], wire - off)
    if text is not None:
        return head + text, off
    if not eflag:
        head = addrs + f"{_ethertype(etype, opts.quiet)}, length {wire}: "
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
        return socket.if_indextoname(ifindex)
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


def unsupported(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """A link type tcpdump has no printer for: it says so and dumps the frame."""
    return "UNSUPPORTED" + default_print(frame), 0


LinkPrinter = Callable[[Ctx, bytes, int], tuple[str, int]]


def _lazy(module: str, name: str) -> LinkPrinter:
    """A printer from zcap.printing.<module>, imported on first use (the rare
    link types and 802.11 cost nothing to a program that never sees them)."""
    found: list[LinkPrinter] = []

    def run(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
        if not found:
            found.append(getattr(importlib.import_module(f"zcap.printing.{module}"), name))
        return found[0](ctx, frame, wire)
    return run


LINK_PRINTERS: dict[int, LinkPrinter] = {
    LINKTYPE_ETHERNET: ethernet,
    LINKTYPE_LINUX_SLL2: linux_sll2,
    LINKTYPE_LINUX_SLL: linux_sll,
    LINKTYPE_RAW: raw_ip,
    LINKTYPE_IPV4: raw_ip,
    LINKTYPE_IPV6: raw_ip,
    12: raw_ip,  # LINKTYPE_RAW as some systems number it
    LINKTYPE_NULL: bsd_null,
    LINKTYPE_LOOP: bsd_loop,
    LINKTYPE_PPP: ppp_link,
    LINKTYPE_PPP_ETHER: pppoe_link,
    LINKTYPE_PPP_SERIAL: _lazy("rarelinks", "ppp_serial"),
    LINKTYPE_C_HDLC: _lazy("rarelinks", "chdlc"),
    LINKTYPE_SLIP: _lazy("rarelinks", "slip"),
    LINKTYPE_FRELAY: _lazy("rarelinks", "frelay"),
    LINKTYPE_IEEE802_15_4: _lazy("ieee802154", "ieee802154"),
    LINKTYPE_IEEE802_15_4_NOFCS: _lazy("ieee802154", "ieee802154"),
    LINKTYPE_IEEE802_11: _lazy("wlan", "ieee802_11"),
    LINKTYPE_IEEE802_11_RADIO: _lazy("wlan", "radiotap"),
    LINKTYPE_PRISM_HEADER: _lazy("wlan", "prism"),
    LINKTYPE_IEEE802_11_RADIO_AVS: _lazy("wlan", "avs"),
    LINKTYPE_PPI: _lazy("rarelinks", "ppi"),
}


def record_problem(caplen: int, wire: int) -> str | None:
    """tcpdump's complaint about a record whose lengths make no sense (it then
    prints neither time stamp nor bytes), or None for a sound one."""
    if caplen == 0:
        return "[Invalid header: caplen==0, len==0]" if wire == 0 else "[Invalid header: caplen==0]"
    if wire == 0:
        return "[Invalid header: len==0]"
    if wire < caplen:
        return f"[Invalid header: len({wire}) < caplen({caplen})]"
    return None


def _checked(decode: LinkPrinter) -> LinkPrinter:
    """The -x offset after a payload that jumped out of the packet."""
    def run(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
        text, off = decode(ctx, frame, wire)
        return text, _dump_from(text, off)
    return run


_CHECKED: dict[int, LinkPrinter] = {}


def link_printer(linktype: int) -> LinkPrinter:
    """The printer for a link type; tcpdump's UNSUPPORTED dump for the rest."""
    found = _CHECKED.get(linktype)
    if found is None:
        found = _CHECKED[linktype] = _checked(LINK_PRINTERS.get(linktype, unsupported))
    return found
