"""Spanning tree BPDUs (802.1D STP, 802.1w RSTP, 802.1s MSTP), reached through
LLC SAP 0x42. tcpdump's wording, with -v's timer, root and MSTI lines."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx, mac_str
from zcap.printing.l2common import SHORT, bits, trunc, u16, u32

VERSIONS = {0: "802.1d", 2: "802.1w", 3: "802.1s", 4: "802.1aq"}
BPDU_TYPES = {0x00: "Config", 0x02: "Rapid STP", 0x80: "Topology Change"}
FLAGS = {0x01: "Topology change", 0x02: "Proposal", 0x10: "Learn", 0x20: "Forward",
         0x40: "Agreement", 0x80: "Topology change ACK"}
PORT_ROLES = {0: "Unknown", 1: "Alternate", 2: "Root", 3: "Designated"}

# offsets in a BPDU (802.1D clause 9; 802.1Q clause 14 for the MSTP part)
CONFIG_LEN, RSTP_LEN, MSTP_MIN_LEN = 35, 36, 102
V1LEN_OFF, V3LEN_OFF, MSTI_OFF, MSTI_LEN, MST_CONFIG_LEN = 35, 36, 102, 16, 64


def _bridge_id(b: bytes, off: int) -> str:
    return f"{b[off]:02x}{b[off + 1]:02x}.{mac_str(b[off + 2:off + 8])}"


def _role(flags: int) -> str:
    return PORT_ROLES[(flags >> 2) & 3]


def _timers(b: bytes) -> str:
    ages = struct.unpack_from("!HHHH", b, 27)
    return ("\n\tmessage-age {:.2f}s, max-age {:.2f}s, hello-time {:.2f}s, "
            "forwarding-delay {:.2f}s").format(*(a / 256 for a in ages))


def _config(ctx: Ctx, b: bytes, length: int, rapid: bool) -> str:
    flags = b[4]
    text = (f", Flags [{bits(FLAGS, flags)}], bridge-id {_bridge_id(b, 17)}.{u16(b, 25):04x}"
            f", length {length}")
    if not ctx.opts.verbose:
        return text
    text += _timers(b) + f"\n\troot-id {_bridge_id(b, 5)}, root-pathcost {u32(b, 13)}"
    if rapid:
        text += f", port-role {_role(flags)}"
    return text


def _mstp(ctx: Ctx, b: bytes, length: int) -> str:
    flags = b[4]
    text = f", CIST Flags [{bits(FLAGS, flags)}], length {length}"
    if not ctx.opts.verbose:
        return text
    v3len = u16(b, V3LEN_OFF)
    name = bytes(b[39:71]).split(b"\0", 1)[0].decode("latin-1")
    digest = b[73:89]
    if len(digest) < 16:
        raise IndexError
    text += (f"\n\tport-role {_role(flags)}, CIST root-id {_bridge_id(b, 5)}, "
             f"CIST ext-pathcost {u32(b, 13)}"
             f"\n\tCIST regional-root-id {_bridge_id(b, 17)}, CIST port-id {u16(b, 25):04x},"
             + _timers(b) +
             f"\n\tv3len {v3len}, MCID Name {name}, rev {u16(b, 71)},"
             f"\n\t\tdigest {digest.hex()}, CIST int-root-pathcost {u32(b, 89)},"
             f"\n\tCIST bridge-id {_bridge_id(b, 93)}, CIST remaining-hops {b[101]}")
    left, off = v3len - MST_CONFIG_LEN, MSTI_OFF
    while left >= MSTI_LEN:
        mf = b[off]
        text += (f"\n\tMSTI {u16(b, off + 1) & 0xFFF}, Flags [{bits(FLAGS, mf)}], "
                 f"port-role {_role(mf)}"
                 f"\n\t\tMSTI regional-root-id {_bridge_id(b, off + 1)}, "
                 f"pathcost {u32(b, off + 9)}"
                 f"\n\t\tMSTI bridge-prio {b[off + 13] >> 4}, port-prio {b[off + 14] >> 4}, "
                 f"hops {b[off + 15]}")
        left, off = left - MSTI_LEN, off + MSTI_LEN
    return text


def stp_text(ctx: Ctx, b: bytes, length: int) -> str:
    """A BPDU (the bytes after the LLC header); ``length`` as on the wire."""
    if length < 4:
        return " (invalid)"
    text = ""    # "STP" only once the version byte is there, as tcpdump prints it
    try:
        if u16(b, 0) != 0:
            return f"unknown STP version, length {length}"
        version = b[2]
        if version not in VERSIONS:
            return f"STP Unknown STP protocol (0x{version:02x})"
        text = f"STP {VERSIONS[version]}"
        kind = b[3]
        text += ", " + BPDU_TYPES.get(kind, f"Unknown BPDU Type (0x{kind:02x})")
        if kind == 0x00:
            if length < CONFIG_LEN:
                return text + " (invalid)"
            return text + _config(ctx, b, length, False)
        if kind == 0x02:
            if version == 2:
                if length < RSTP_LEN:
                    return text + " (invalid)"
                return text + _config(ctx, b, length, True)
            if version in (3, 4):
                if length < MSTP_MIN_LEN or b[V1LEN_OFF] != 0 or \
                        length < RSTP_LEN + 2 + u16(b, V3LEN_OFF):
                    return text + " (invalid)"
                return text + _mstp(ctx, b, length)
        return text
    except SHORT:
        return text + trunc("stp")
