"""The Internet checksum (RFC 1071) and the TCP/UDP/ICMPv6 pseudo-header,
which every -v checksum verdict needs."""

from __future__ import annotations

import struct


def in_cksum(data: bytes) -> int:
    """The one's-complement sum of ``data`` folded and inverted (0 over a valid header)."""
    if len(data) & 1:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def pseudo_cksum(src: bytes, dst: bytes, proto: int, seg: bytes) -> int:
    """Checksum of ``seg`` with its IPv4/IPv6 pseudo-header (0 = valid)."""
    if len(src) == 4:
        pseudo = src + dst + struct.pack("!xBH", proto, len(seg))
    else:
        pseudo = src + dst + struct.pack("!IxxxB", len(seg), proto)
    return in_cksum(pseudo + seg)

