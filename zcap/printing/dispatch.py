"""The printers' dispatch: which printer a link type and an ethertype lead to.

``LINK_PRINTERS`` maps a file's link type to the module and name of its printer,
which returns the line's text and where the network layer starts (what -x dumps
from); ``link_printer`` loads it on first use and adds tcpdump's fallback for
the rest. ``NETWORK`` maps an ethertype to tcpdump's prefix (left out under -e)
and the printer of what it carries. The protocol modules import this registry to
reach each other (SNAP to an ethertype, MPLS and PPP to IP, bridged frames to
Ethernet); it names them only as data and imports none of them, so no module
of the link layer imports another one back.
"""

from __future__ import annotations

import importlib
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
from zcap.printing.context import Ctx
from zcap.printing.l2common import default_print
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
    0x0707: ("", _on_demand("geonet", "geonet_text")),
    0x8947: ("", _on_demand("geonet", "geonet_text")),
    0x1111: ("", _on_demand("geonet", "calm_fast_text")),
}


def ethertype_text(ctx: Ctx, etype: int, buf: bytes, length: int,
                   src: bytes | None = None) -> str | None:
    """What an ethertype carries, with tcpdump's prefix unless -e shows the
    ethertype already; None when tcpdump has no decoder for it. ``src`` is the
    Ethernet source address, for the printers that show it."""
    entry = NETWORK.get(etype)
    if entry is None:
        return None
    ctx.link_src = src
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


# Truncation markers tcpdump prints after jumping out of the whole packet, so
# that -x then dumps the frame from byte 0 (others return to the link layer).
JUMPING_MARKERS = (" [|arp]", " [|pppoe]", " [|cdp]", " [|stp]", " [|mpls]", " [|dtp]")


def _dump_from(text: str, off: int) -> int:
    """Where -x starts dumping a frame whose payload printed ``text``."""
    return 0 if text.endswith(JUMPING_MARKERS) else off


def unsupported(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """A link type tcpdump has no printer for: it says so and dumps the frame."""
    return "UNSUPPORTED" + default_print(frame), 0


LinkPrinter = Callable[[Ctx, bytes, int], tuple[str, int]]

# link type -> (module in zcap.printing, printer), imported on first use (the
# rare link types and 802.11 cost nothing to a program that never sees them)
LINK_PRINTERS: dict[int, tuple[str, str]] = {
    LINKTYPE_ETHERNET: ("link", "ethernet"),
    LINKTYPE_LINUX_SLL2: ("link", "linux_sll2"),
    LINKTYPE_LINUX_SLL: ("link", "linux_sll"),
    LINKTYPE_RAW: ("link", "raw_ip"),
    LINKTYPE_IPV4: ("link", "raw_ip"),
    LINKTYPE_IPV6: ("link", "raw_ip"),
    12: ("link", "raw_ip"),  # LINKTYPE_RAW as some systems number it
    LINKTYPE_NULL: ("link", "bsd_null"),
    LINKTYPE_LOOP: ("link", "bsd_loop"),
    LINKTYPE_PPP: ("link", "ppp_link"),
    LINKTYPE_PPP_ETHER: ("link", "pppoe_link"),
    LINKTYPE_PPP_SERIAL: ("rarelinks", "ppp_serial"),
    LINKTYPE_C_HDLC: ("rarelinks", "chdlc"),
    LINKTYPE_SLIP: ("rarelinks", "slip"),
    LINKTYPE_FRELAY: ("rarelinks", "frelay"),
    LINKTYPE_IEEE802_15_4: ("ieee802154", "ieee802154"),
    LINKTYPE_IEEE802_15_4_NOFCS: ("ieee802154", "ieee802154"),
    LINKTYPE_IEEE802_11: ("wlan", "ieee802_11"),
    LINKTYPE_IEEE802_11_RADIO: ("wlan", "radiotap"),
    LINKTYPE_PRISM_HEADER: ("wlan", "prism"),
    LINKTYPE_IEEE802_11_RADIO_AVS: ("wlan", "avs"),
    LINKTYPE_PPI: ("rarelinks", "ppi"),
    226: ("ipnet", "ipnet"),              # LINKTYPE_IPNET (Solaris)
    242: ("ipoib", "ipoib"),              # LINKTYPE_IPOIB
    281: ("switchtag", "brcm"),           # LINKTYPE_DSA_TAG_BRCM
    282: ("switchtag", "brcm_prepend"),   # LINKTYPE_DSA_TAG_BRCM_PREPEND
    284: ("switchtag", "dsa"),            # LINKTYPE_DSA_TAG_DSA
    285: ("switchtag", "edsa"),           # LINKTYPE_DSA_TAG_EDSA
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
        where = LINK_PRINTERS.get(linktype)
        decode = unsupported if where is None else \
            getattr(importlib.import_module(f"zcap.printing.{where[0]}"), where[1])
        found = _CHECKED[linktype] = _checked(decode)
    return found
