"""LLDP (IEEE 802.1AB): tcpdump's one line (length and system name), and with
-v one block per TLV for the basic TLVs."""

from __future__ import annotations

from zcap.printing.context import Ctx, ip4_str, ip6_str, mac_str
from zcap.printing.l2common import (
    SHORT,
    Truncated,
    bits,
    printable,
    trunc,
    u16,
    u32,
    unknown_data,
)

TLVS = {0: "End", 1: "Chassis ID", 2: "Port ID", 3: "Time to Live", 4: "Port Description",
        5: "System Name", 6: "System Description", 7: "System Capabilities",
        8: "Management Address", 127: "Organization specific"}
CHASSIS_SUBTYPES = {1: "Chassis component", 2: "Interface alias", 3: "Port component",
                    4: "MAC address", 5: "Network address", 6: "Interface name", 7: "Local"}
PORT_SUBTYPES = {1: "Interface alias", 2: "Port component", 3: "MAC address",
                 4: "Network Address", 5: "Interface Name", 6: "Agent circuit ID", 7: "Local"}
CAPABILITIES = {0x01: "Other", 0x02: "Repeater", 0x04: "Bridge", 0x08: "WLAN AP",
                0x10: "Router", 0x20: "Telephone", 0x40: "Docsis", 0x80: "Station Only",
                0x100: "C-VLAN", 0x200: "S-VLAN", 0x400: "TPMR"}
AFIS = {1: "IPv4", 2: "IPv6", 6: "802"}
INTERFACE_NUMBERING = {1: "Unknown", 2: "Interface Index", 3: "System Port Number"}
MAC_SUBTYPE = {1: 4, 2: 3}   # TLV type -> its MAC-address subtype
ADDR_SUBTYPE = {1: 5, 2: 4}  # TLV type -> its network-address subtype
TEXT_SUBTYPES = {1: {1, 2, 3, 6, 7}, 2: {1, 2, 5, 6, 7}}


def safe(b: bytes) -> str:
    """Text fields as tcpdump prints them."""
    return printable(b)


def _network_addr(b: bytes) -> str:
    if len(b) < 1:
        raise Truncated
    af = b[0]
    addr = b[1:]
    head = f"AFI {AFIS.get(af, 'Unknown')} ({af}): "
    if af == 1 and len(addr) >= 4:
        return head + ip4_str(bytes(addr[:4]))
    if af == 2 and len(addr) >= 16:
        return head + ip6_str(bytes(addr[:16]))
    if af == 6 and len(addr) >= 6:
        return head + mac_str(addr[:6])
    if af in AFIS:
        raise Truncated
    return head


def _tlv_verbose(kind: int, v: bytes) -> tuple[str, bool]:
    """The -v text of one TLV's value and whether tcpdump adds a hex dump."""
    if kind in (1, 2):
        if len(v) < 2:
            raise Truncated
        sub = v[0]
        names = CHASSIS_SUBTYPES if kind == 1 else PORT_SUBTYPES
        text = f"\n\t  Subtype {names.get(sub, 'Unknown')} ({sub}): "
        if sub == MAC_SUBTYPE[kind]:
            if len(v) < 7:
                raise Truncated
            return text + mac_str(v[1:7]), False
        if sub in TEXT_SUBTYPES[kind]:
            return text + safe(v[1:]), False
        if sub == ADDR_SUBTYPE[kind]:
            return text + _network_addr(v[1:]), False
        return text, True
    if kind == 3:
        if len(v) < 2:
            raise Truncated
        return f": TTL {u16(v, 0)}s", False
    if kind == 4:
        return ": " + safe(v), False
    if kind == 6:
        return "\n\t  " + safe(v), False
    if kind == 7:
        if len(v) < 4:
            raise Truncated
        cap, ena = u16(v, 0), u16(v, 2)
        return (f"\n\t  System  Capabilities [{bits(CAPABILITIES, cap)}] (0x{cap:04x})"
                f"\n\t  Enabled Capabilities [{bits(CAPABILITIES, ena)}] (0x{ena:04x})"), False
    if kind == 8:
        alen = v[0]
        if len(v) < 1 + alen:
            raise Truncated
        text = f"\n\t  Management Address length {alen}, {_network_addr(v[1:1 + alen])}"
        rest = v[1 + alen:]
        if len(rest) < 5:
            raise Truncated
        sub = rest[0]
        text += (f"\n\t  {INTERFACE_NUMBERING.get(sub, 'Unknown')} Interface Numbering "
                 f"({sub}): {u32(rest, 1)}")
        rest = rest[5:]
        if rest:
            olen = rest[0]
            if len(rest) < 1 + olen:
                raise Truncated(text)
            if olen:
                text += f"\n\t  OID length {olen}" + safe(rest[1:1 + olen])
        return text, False
    if kind == 127:
        if len(v) < 3:
            raise Truncated
        from zcap.printing.llc import OUIS
        from zcap.printing.lldp_org import org_text
        oui = v[0] << 16 | v[1] << 8 | v[2]
        more, dump = org_text(oui, v)
        return f": OUI {OUIS.get(oui, 'Unknown')} (0x{oui:06x})" + more, dump
    return "", True


def lldp_text(ctx: Ctx, b: bytes, length: int) -> str:
    """An LLDPDU; ``length`` as on the wire."""
    verbose = ctx.opts.verbose
    text = f"LLDP, length {length}"
    off, left = 0, length
    try:
        while left >= 2:
            head = u16(b, off)
            kind, tlen = head >> 9, head & 0x1FF
            off, left = off + 2, left - 2
            if verbose:
                text += f"\n\t{TLVS.get(kind, 'Unknown')} TLV ({kind}), length {tlen}"
            if not kind or not tlen:
                break
            v = b[off:off + tlen]
            if len(v) < tlen or left < tlen:
                raise Truncated
            dump = False
            if kind == 5:
                text += ": " + safe(v)
            elif verbose:
                more, dump = _tlv_verbose(kind, v)
                text += more
            if verbose > 1 or (verbose and dump):
                text += unknown_data(v).replace("\n\t", "\n\t  ")
            off, left = off + tlen, left - tlen
    except Truncated as cut:
        # what the TLV printed before it ran short, then the marker
        text += (cut.args[0] if cut.args else "") + trunc("lldp")
    except SHORT:
        text += trunc("lldp")
    return text
