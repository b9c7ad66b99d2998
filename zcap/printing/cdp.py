"""Cisco's link-layer protocols reached through SNAP: CDP (with tcpdump's -v
lines per TLV) and DTP."""

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

TLVS = {0x01: "Device-ID", 0x02: "Address", 0x03: "Port-ID", 0x04: "Capability",
        0x05: "Version String", 0x06: "Platform", 0x07: "Prefixes",
        0x08: "Protocol-Hello option", 0x09: "VTP Management Domain", 0x0A: "Native VLAN ID",
        0x0B: "Duplex", 0x0E: "ATA-186 VoIP VLAN assignment",
        0x0F: "ATA-186 VoIP VLAN request", 0x10: "power consumption", 0x11: "MTU",
        0x12: "AVVID trust bitmap", 0x13: "AVVID untrusted ports CoS", 0x14: "System Name",
        0x15: "System Object ID (not decoded)", 0x16: "Management Addresses",
        0x17: "Physical Location"}
QUOTED = frozenset({0x01, 0x03, 0x06, 0x09, 0x14})
CAPABILITIES = {0x01: "Router", 0x02: "Transparent Bridge", 0x04: "Source Route Bridge",
                0x08: "L2 Switch", 0x10: "L3 capable", 0x20: "IGMP snooping",
                0x40: "L1 capable"}
TLV_HDRLEN = 4
DTP_TLVS = {1: "Domain", 2: "Status", 3: "DTP type", 4: "Neighbor"}


def _plural(n: int) -> str:
    return "" if n == 1 else "s"


def _text(v: bytes) -> str:
    return printable(v)


def _addresses(v: bytes) -> str:
    if len(v) < 4:
        raise Truncated
    count, off, out = u32(v, 0), 4, []
    while count:
        if len(v) < off + 2:
            raise Truncated
        ptype, plen = v[off], v[off + 1]
        proto = v[off + 2:off + 2 + plen]
        off += 2 + plen
        alen = u16(v, off)
        addr = v[off + 2:off + 2 + alen]
        if len(addr) < alen:
            raise Truncated
        off += 2 + alen
        if ptype == 1 and plen == 1 and proto[0] == 0xCC and alen == 4:
            out.append(f"IPv4 ({count}) {ip4_str(bytes(addr))}")
        elif ptype == 2 and plen == 8 and proto[-2:] == b"\x86\xdd" and alen == 16:
            out.append(f"IPv6 ({count}) {ip6_str(bytes(addr))}")
        else:
            out.append(f"pt=0x{ptype:02x}, pl={plen}, pb=0x{proto.hex()}, al={alen}, "
                       f"a=0x{addr.hex()}")
        count -= 1
    return " ".join(out)


def _value(kind: int, v: bytes) -> str:
    if kind in QUOTED:
        return f"'{_text(v)}'"
    if kind in (0x02, 0x16):
        return _addresses(v)
    if kind == 0x04:
        cap = u32(v, 0)
        return f"(0x{cap:08x}): {bits(CAPABILITIES, cap, '')}"
    if kind == 0x05:
        return "\n\t  " + "".join("\n\t  " if c == 0x0A else chr(c) for c in v)
    if kind == 0x0A:
        return str(u16(v, 0))
    if kind == 0x0B:
        return "full" if v[0] else "half"
    if kind == 0x10:
        return f"{u16(v, 0) / 1000:1.2f}W"
    if kind == 0x11:
        return f"{u32(v, 0)} bytes"
    if kind in (0x12, 0x13):
        return f"0x{v[0]:02x}"
    if kind == 0x17:
        return f"0x{v[0]:02x}/{_text(v[1:])}"
    if kind in (0x0E, 0x0F):
        return f"app {v[0]}, vlan {u16(v, 1)}"
    if kind == 0x08:
        return ""
    return unknown_data(v).replace("\n\t", "\n\t  ")


def cdp_text(ctx: Ctx, b: bytes, length: int) -> str:
    """A CDP packet (after the SNAP header)."""
    verbose = ctx.opts.verbose
    if length < TLV_HDRLEN:
        return f" (packet length {length} < {TLV_HDRLEN}) (invalid)"
    try:
        text = f"CDPv{b[0]}, ttl: {b[1]}s"
        if verbose:
            text += f", checksum: 0x{u16(b, 2):04x} (unverified), length {length}"
    except SHORT:
        return trunc("cdp")
    off = TLV_HDRLEN
    try:
        while off < length:
            kind, tlen = u16(b, off), u16(b, off + 2)
            name = TLVS.get(kind, "unknown field type")
            if tlen < TLV_HDRLEN:
                if verbose:
                    text += (f"\n\t{name} (0x{kind:02x}), TLV length: {tlen} "
                             f"byte{_plural(tlen)} (too short)")
                else:
                    text += f", {name} TLV length {tlen} too short"
                return text + " (invalid)"
            if tlen > length - off:
                return text + f" (TLV length {tlen} > {length - off}) (invalid)"
            v = b[off + TLV_HDRLEN:off + tlen]
            if len(v) < tlen - TLV_HDRLEN:
                raise Truncated
            vlen = tlen - TLV_HDRLEN
            if verbose:
                text += f"\n\t{name} (0x{kind:02x}), value length: {vlen} byte{_plural(vlen)}: "
                text += _value(kind, v)
            elif kind == 0x01:
                text += f", Device-ID '{_text(v)}'"
            else:
                text += unknown_data(v).replace("\n\t", "\n\t  ")
            off += tlen
    except (Truncated, *SHORT):
        return text + trunc("cdp")
    if not verbose:
        text += f", length {length}"
    return text


def dtp_text(ctx: Ctx, b: bytes, length: int) -> str:
    """Cisco's Dynamic Trunking Protocol."""
    if not b:
        return trunc("dtp")
    text = f"DTPv{b[0]}, length {length}"
    if not ctx.opts.verbose:
        return text
    off = 1
    try:
        while off < length:
            if length - off < 4:
                return text + f"[{length - off} bytes remaining] (invalid)"
            kind, tlen = u16(b, off), u16(b, off + 2)
            if tlen < 4:
                return text + " (invalid)"
            text += f"\n\t{DTP_TLVS.get(kind, 'Unknown')} (0x{kind:04x}) TLV, length {tlen}"
            if tlen > length - off:
                return text + f"[invalid TLV length {tlen}] (invalid)"
            v = b[off + 4:off + tlen]
            if len(v) < tlen - 4:
                raise Truncated
            if kind == 1:
                text += ", " + _text(v).split("\0")[0]
            elif kind in (2, 3):
                text += f", 0x{v[0]:x}"
            elif kind == 4:
                text += ", " + mac_str(v[:6])
            off += tlen
    except (Truncated, *SHORT):
        text += trunc("dtp")
    return text


UDLD_HDR = 4             # version/opcode, flags, checksum
UDLD_CODES = {0: "Reserved", 1: "Probe message", 2: "Echo message", 3: "Flush message"}
UDLD_FLAGS = ("RT", "RSY", "MBZ-2", "MBZ-3", "MBZ-4", "MBZ-5", "MBZ-6", "MBZ-7")


def udld_text(ctx: Ctx, b: bytes, length: int) -> str:
    """Cisco's UniDirectional Link Detection: tcpdump's header line (the -v
    checksum and TLV lines are not decoded here)."""
    if length < UDLD_HDR:
        return " (invalid)"
    if len(b) < 2:
        return ctx.cut("udld")
    ver, code, flags = b[0] >> 5, b[0] & 0x1F, b[1]
    names = ", ".join(n for i, n in enumerate(UDLD_FLAGS) if flags >> i & 1) or "none"
    return (f"UDLDv{ver}, Code {UDLD_CODES.get(code, 'Reserved')} ({code:x}), "
            f"Flags [{names}] (0x{flags:02x}), length {length}")
