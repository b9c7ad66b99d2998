"""OpenFlow over TCP (ports 6633 and 6653): ``: OpenFlow`` and one line per
message header (version, type, length, transaction id), as tcpdump prints
them without -v. The message bodies tcpdump decodes with -v, and its check of
each type's body length, are not done here."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx

PORTS = frozenset({6633, 6653})
HDR_LEN = 8
VERSIONS = {1: "1.0", 2: "1.1", 3: "1.2", 4: "1.3", 5: "1.4", 6: "1.5"}
_COMMON = ("HELLO ERROR ECHO_REQUEST ECHO_REPLY {} FEATURES_REQUEST FEATURES_REPLY "
           "GET_CONFIG_REQUEST GET_CONFIG_REPLY SET_CONFIG PACKET_IN FLOW_REMOVED "
           "PORT_STATUS PACKET_OUT FLOW_MOD")
# message type names by version (1.0 and 1.3 are the versions tcpdump knows)
TYPES = {
    1: (_COMMON.format("VENDOR") + " PORT_MOD STATS_REQUEST STATS_REPLY BARRIER_REQUEST "
        "BARRIER_REPLY QUEUE_GET_CONFIG_REQUEST QUEUE_GET_CONFIG_REPLY").split(),
    4: (_COMMON.format("EXPERIMENTER") + " GROUP_MOD PORT_MOD TABLE_MOD MULTIPART_REQUEST "
        "MULTIPART_REPLY BARRIER_REQUEST BARRIER_REPLY QUEUE_GET_CONFIG_REQUEST "
        "QUEUE_GET_CONFIG_REPLY ROLE_REQUEST ROLE_REPLY GET_ASYNC_REQUEST GET_ASYNC_REPLY "
        "SET_ASYNC METER_MOD").split(),
}


def openflow_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """The messages of one TCP segment, each header on a line of its own."""
    out = [": OpenFlow"]
    at, left = 0, length
    while left:
        if at >= len(b):
            return "".join(out) + ctx.cut("openflow")
        version = b[at]
        out.append(f"\n\tversion {VERSIONS.get(version, f'unknown (0x{version:02x})')}")
        at, left = at + 1, left - 1
        if left < 1:
            return "".join(out) + " (end of TCP payload)"
        if at >= len(b):
            return "".join(out) + ctx.cut("openflow")
        kind = b[at]
        names = TYPES.get(version, ())
        out.append(f", type {names[kind]}" if kind < len(names) else
                   f", type unknown (0x{kind:02x})")
        at, left = at + 1, left - 1
        if left < 2:
            return "".join(out) + " (end of TCP payload)"
        if at + 2 > len(b):
            return "".join(out) + ctx.cut("openflow")
        mlen = b[at] << 8 | b[at + 1]
        out.append(f", length {mlen}" + (" (too short!)" if mlen < HDR_LEN else ""))
        at, left = at + 2, left - 2
        if left < 4:
            return "".join(out) + " (end of TCP payload)"
        if at + 4 > len(b):
            return "".join(out) + ctx.cut("openflow")
        out.append(f", xid 0x{struct.unpack_from('!I', b, at)[0]:08x}")
        at, left = at + 4, left - 4
        if mlen < HDR_LEN:
            out.append(" (invalid)")
            break
        body = mlen - HDR_LEN
        if len(b) < at + body:
            # tcpdump checks the whole body is captured before it looks at the TCP length
            return "".join(out) + ctx.cut("openflow")
        if body > left:
            break
        at, left = at + body, left - body
    if len(b) < at + left:
        return "".join(out) + ctx.cut("openflow")
    return "".join(out)
