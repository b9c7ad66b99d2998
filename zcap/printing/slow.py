"""IEEE 802.3 Slow Protocols (ethertype 0x8809): LACP and Marker with -v's
TLVs, the OAM line, tcpdump's dump of the rest."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx, mac_str
from zcap.printing.l2common import SHORT, bits, trunc, unknown_data

SUBTYPES = {1: "LACP", 2: "MARKER", 3: "OAM"}
VERSIONED = frozenset({1, 2})
TLVS = {(1, 0x01): "Actor Information", (1, 0x02): "Partner Information",
        (1, 0x03): "Collector Information", (2, 0x01): "Marker Information",
        (2, 0x02): "Marker Response Information"}
LACP_STATE = {0x01: "Activity", 0x02: "Timeout", 0x04: "Aggregation", 0x08: "Synchronization",
              0x10: "Collecting", 0x20: "Distributing", 0x40: "Default", 0x80: "Expired"}
TLV_HDRLEN = 2


def _tlv_text(subtype: int, kind: int, v: bytes) -> str:
    if subtype == 1 and kind in (1, 2):
        prio, system, key, pprio, port, state = struct.unpack_from("!H6sHHHB", v)
        return (f"\n\t  System {mac_str(system)}, System Priority {prio}, Key {key}, "
                f"Port {port}, Port Priority {pprio}\n\t  State Flags [{bits(LACP_STATE, state)}]")
    if subtype == 1 and kind == 3:
        return f"\n\t  Max Delay {struct.unpack_from('!H', v)[0]}"
    if subtype == 2 and kind in (1, 2):
        port, system, tid = struct.unpack_from("!H6sI", v)
        return (f"\n\t  Request System {mac_str(system)}, Request Port {port}, "
                f"Request Transaction ID 0x{tid:08x}")
    return ""


def _too_short(ctx: Ctx) -> str:
    return "\n\t\t packet is too short" if ctx.opts.verbose else " (packet is too short)"


def slow_text(ctx: Ctx, b: bytes, length: int) -> str:
    """A Slow Protocols PDU (after the ethertype)."""
    if length < 1:
        return _too_short(ctx)
    if not b:
        return trunc("slow")
    subtype = b[0]
    name = SUBTYPES.get(subtype, f"unknown ({subtype})")
    if subtype in VERSIONED:
        if length < 2:
            return _too_short(ctx)
        if len(b) < 2:
            return trunc("slow")
        text = f"{name}v{b[1]}, length {length}"
    else:
        text = f"{name}, length {length}"
    if subtype not in SUBTYPES:
        return text + unknown_data(b[:length])
    if not ctx.opts.verbose or subtype == 3:
        return text
    off = 2
    try:
        while length - off > 0:
            if length - off < TLV_HDRLEN:
                return text + _too_short(ctx)
            kind, tlen = b[off], b[off + 1]
            text += (f"\n\t{TLVS.get((subtype, kind), 'Terminator' if kind == 0 else 'Unknown')}"
                     f" TLV (0x{kind:02x}), length {tlen}")
            if kind == 0 and tlen == 0:
                break
            if tlen < TLV_HDRLEN:
                return text + " (invalid)"
            if tlen > length - off:
                return text + _too_short(ctx)
            v = b[off + TLV_HDRLEN:off + tlen]
            if len(v) < tlen - TLV_HDRLEN:
                raise IndexError
            text += _tlv_text(subtype, kind, v)
            if ctx.opts.verbose > 1 or (subtype, kind) not in TLVS:
                text += unknown_data(v).replace("\n\t", "\n\t  ")
            off += tlen
    except SHORT:
        text += trunc("slow")
    return text
