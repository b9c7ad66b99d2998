"""Link layers: Ethernet (with 802.1Q/QinQ tags), LINUX_SLL2, LINUX_SLL, raw IP,
BSD loopback. Each returns the line's text and where the network layer starts
(what -x dumps from)."""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable

from bpf_filters.linktypes import (
    LINKTYPE_ETHERNET,
    LINKTYPE_IPV4,
    LINKTYPE_IPV6,
    LINKTYPE_LINUX_SLL,
    LINKTYPE_LINUX_SLL2,
    LINKTYPE_LOOP,
    LINKTYPE_NULL,
    LINKTYPE_RAW,
)
from zcap.printing.context import Ctx, mac_str
from zcap.printing.hexdump import hex_lines
from zcap.printing.net import arp_text, ipv4_text, ipv6_text

ETHERTYPES = {
    0x0800: "IPv4", 0x86DD: "IPv6", 0x0806: "ARP", 0x8035: "Reverse ARP", 0x8100: "802.1Q",
    0x88A8: "802.1Q-QinQ", 0x9100: "802.1Q-9100", 0x8847: "MPLS unicast",
    0x8848: "MPLS multicast", 0x88CC: "LLDP", 0x888E: "EAPOL", 0x8863: "PPPoE D",
    0x8864: "PPPoE S", 0x88F7: "PTP", 0x8906: "FCoE", 0x22F0: "AVB",
}
VLAN_TYPES = frozenset({0x8100, 0x88A8, 0x9100})
SLL_PKTTYPES = {0: "In", 1: "B", 2: "M", 3: "P", 4: "Out"}

# network-layer printers: ethertype -> (prefix without -e, printer)
NetPrinter = Callable[[Ctx, bytes, int], str]
NETWORK: dict[int, tuple[str, NetPrinter]] = {
    0x0800: ("IP ", ipv4_text),
    0x86DD: ("IP6 ", ipv6_text),
    0x0806: ("ARP, ", arp_text),
}



def _etype_name(t: int) -> str:
    return ETHERTYPES.get(t, "Unknown")


def _ethertype(t: int, quiet: bool) -> str:
    """How -e names an ethertype: ``ethertype IPv4 (0x0800)``, or ``IPv4`` with -q."""
    if quiet:
        return ETHERTYPES.get(t, f"Unknown Ethertype (0x{t:04x})")
    return f"ethertype {_etype_name(t)} (0x{t:04x})"


def _payload(ctx: Ctx, etype: int, buf: bytes, wire: int) -> tuple[str, bool]:
    """The network layer's text, with tcpdump's prefix unless -e shows the ethertype."""
    entry = NETWORK.get(etype)
    if entry is None:
        return "", False
    prefix, fn = entry
    body = fn(ctx, buf, wire)
    return (body if ctx.opts.link_header else prefix + body), True


def ethernet(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """An Ethernet II frame (802.3/LLC frames get a short summary)."""
    if len(frame) < 14:
        return "[|ether]", len(frame)
    dst, src = frame[0:6], frame[6:12]
    etype = frame[12] << 8 | frame[13]
    opts = ctx.opts
    head = f"{mac_str(src)} > {mac_str(dst)}, "
    if etype <= 1500:
        text = f"802.3, length {etype}: LLC" if opts.link_header else "LLC"
        return (head + text if opts.link_header else text), 14
    head += f"{_ethertype(etype, opts.quiet)}, length {wire}: "
    off = 14
    while etype in VLAN_TYPES and len(frame) >= off + 4:
        tci, inner = struct.unpack_from("!HH", frame, off)
        head += f"vlan {tci & 0xFFF}, p {tci >> 13}{', DEI' if tci & 0x1000 else ''}, "
        head += f"{_ethertype(inner, opts.quiet)}, "
        etype, off = inner, off + 4
    text, known = _payload(ctx, etype, frame[off:], wire - off)
    if known:
        return (head + text if opts.link_header else text), off
    if opts.quiet or opts.hex or opts.hex_ascii:
        return head, off
    # tcpdump's fallback: the link header as with -e, then the payload in hex
    # (nothing after the header when there is no payload, not an empty line)
    lines = hex_lines(bytes(frame[off:]), True)
    return (head + "\n" + "\n".join(lines) if lines else head), off


def linux_sll2(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """LINUX_SLL2: 20-byte header from ``-i any`` captures."""
    if len(frame) < 20:
        return "[|sll2]", len(frame)
    proto, _, ifindex, _hatype, pkttype, halen = struct.unpack_from("!HHIHBB", frame, 0)
    try:
        ifname = socket.if_indextoname(ifindex)
    except OSError:
        ifname = "?"
    head = f"{ifname:<5} {SLL_PKTTYPES.get(pkttype, '?'):<3} "
    if ctx.opts.link_header:
        head += f"ifindex {ifindex} {mac_str(frame[12:12 + min(halen, 8)])} "
        if not ctx.opts.quiet:
            head += f"ethertype {_etype_name(proto)} (0x{proto:04x}), length {wire}: "
    text, known = _payload(ctx, proto, frame[20:], wire - 20)
    if not known:
        text = f"ethertype {_etype_name(proto)} (0x{proto:04x}), length {wire}: " \
            if not ctx.opts.link_header else ""
    return head + text, 20


def linux_sll(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """LINUX_SLL (v1): 16-byte header."""
    if len(frame) < 16:
        return "[|sll]", len(frame)
    pkttype, _hatype, halen = struct.unpack_from("!HHH", frame, 0)
    proto = struct.unpack_from("!H", frame, 14)[0]
    head = ""
    if ctx.opts.link_header:
        head = f"{SLL_PKTTYPES.get(pkttype, '?'):<3} {mac_str(frame[6:6 + min(halen, 8)])} "
        head += f"ethertype {_etype_name(proto)} (0x{proto:04x}), length {wire}: "
    text, known = _payload(ctx, proto, frame[16:], wire - 16)
    return head + (text if known else f"ethertype {_etype_name(proto)} (0x{proto:04x})"), 16


def raw_ip(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """Raw IPv4 or IPv6, told apart by the version nibble."""
    if not frame:
        return "[|ip]", 0
    prefix = "ip: " if ctx.opts.link_header else ""
    ver = frame[0] >> 4
    if ver == 6:
        return prefix + ("" if prefix else "IP6 ") + ipv6_text(ctx, frame, wire), 0
    return prefix + ("" if prefix else "IP ") + ipv4_text(ctx, frame, wire), 0


def bsd_loop(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """NULL/LOOP: a 4-byte address family, in the capturing host's byte order."""
    if len(frame) < 4:
        return "[|null]", len(frame)
    fam = struct.unpack_from("<I", frame, 0)[0]
    if fam > 0xFFFF:
        fam = struct.unpack_from(">I", frame, 0)[0]
    head = f"AF {'IPv4' if fam == 2 else 'IPv6' if fam in (10, 24, 28, 30) else fam} " \
        f"({fam}), length {wire}: " if ctx.opts.link_header else ""
    if fam == 2:
        return head + ("" if head else "IP ") + ipv4_text(ctx, frame[4:], wire - 4), 4
    if fam in (10, 24, 28, 30):
        return head + ("" if head else "IP6 ") + ipv6_text(ctx, frame[4:], wire - 4), 4
    return head + f"AF {fam}", 4


LINK_PRINTERS: dict[int, Callable[[Ctx, bytes, int], tuple[str, int]]] = {
    LINKTYPE_ETHERNET: ethernet,
    LINKTYPE_LINUX_SLL2: linux_sll2,
    LINKTYPE_LINUX_SLL: linux_sll,
    LINKTYPE_RAW: raw_ip,
    LINKTYPE_IPV4: raw_ip,
    LINKTYPE_IPV6: raw_ip,
    12: raw_ip,  # LINKTYPE_RAW as some systems number it
    LINKTYPE_NULL: bsd_loop,
    LINKTYPE_LOOP: bsd_loop,
}
