"""RSVP (IP protocol 46, RFC 2205): the common header's line, without -v the
message type and length, with -v its own line with the flags, TTL and
checksum. (The objects that follow with -v are not decoded here.)"""

from __future__ import annotations

from zcap.printing.context import Ctx
from zcap.printing.iphdr import IpHdr

COMMON_HDR = 8
OBJECT_HDR = 4
VERSION = 1
MESSAGE_TYPES = {1: "Path", 2: "Resv", 3: "PathErr", 4: "ResvErr", 5: "PathTear",
                 6: "ResvTear", 7: "ResvConf", 12: "Bundle", 13: "Acknowledgement",
                 14: "Hello (Old)", 15: "Refresh", 20: "Hello"}
REFRESH_REDUCTION = 0x01
BUNDLE = 12
# the messages made of objects (the others print as hex)
OBJECTS = frozenset(MESSAGE_TYPES) - {BUNDLE}


def rsvp_print(ctx: Ctx, ip: IpHdr, b: bytes, length: int) -> str:
    """An RSVP message, after the IP addresses."""
    if len(b) < COMMON_HDR:
        return " [|rsvp]"
    version, flags, kind = b[0] >> 4, b[0] & 0x0F, b[1]
    if version != VERSION:
        return f"ERROR: RSVP version {version} packet not supported"
    if not ctx.opts.verbose:
        return f"RSVPv{version} {MESSAGE_TYPES.get(kind, f'unknown ({kind})')} Message, " \
               f"length: {length}"
    # version and flags, message type, checksum, TTL, reserved, length
    tlen = b[6] << 8 | b[7]
    flag_names = "Refresh reduction capable" if flags & REFRESH_REDUCTION else "none"
    text = (f"\n\tRSVPv{version} {MESSAGE_TYPES.get(kind, f'unknown, type: {kind}')} Message "
            f"({kind}), Flags: [{flag_names}], length: {tlen}, ttl: {b[4]}, "
            f"checksum: 0x{b[2] << 8 | b[3]:04x}")
    if tlen < COMMON_HDR:
        text += f"ERROR: common header too short {tlen} < {COMMON_HDR}"
    elif kind == BUNDLE and tlen > COMMON_HDR and len(b) < 2 * COMMON_HDR:
        text += " [|rsvp]"          # the first submessage's header is not there
    elif kind == BUNDLE and tlen > COMMON_HDR and b[COMMON_HDR] >> 4 != VERSION:
        # a bundle's first submessage, refused as the message itself would be
        text += f"ERROR: RSVP version {b[COMMON_HDR] >> 4} packet not supported"
    elif kind in OBJECTS and tlen >= COMMON_HDR + OBJECT_HDR and len(b) < COMMON_HDR + OBJECT_HDR:
        text += " [|rsvp]"          # the first object's header is not there
    return text
