"""sFlow v5 (UDP 6343): the datagram header line tcpdump prints; with -v it
adds sequence number, uptime and sample count, and the samples on lines of
their own, which are not decoded here."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx, ip4_str, ip6_str

V4_HDR, V6_HDR = 28, 40      # version, agent address type, agent, id, seqnum, uptime, samples


def sflow_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """``sFlowv5, IPv4 agent 10.0.0.1, agent-id 2, length 1288``."""
    if len(b) < 8:
        return ctx.cut("sflow")
    version, addr_type = struct.unpack_from("!II", b)
    v4 = addr_type == 1
    if (addr_type == 1 and length < V4_HDR) or (addr_type == 2 and length < V6_HDR):
        return f"sFlowv{version} [length {length} < {V4_HDR}] (invalid)"
    if len(b) < V4_HDR:
        return " [|sflow]"
    if version != 5:
        return f"sFlow version {version} packet not supported"
    # anything but an IPv4 agent is read as IPv6, as tcpdump reads it
    agent = ip4_str(b[8:12]) if v4 else ip6_str(b[8:24])
    at = 12 if v4 else 24
    text = f"sFlowv{version}, {'IPv4' if v4 else 'IPv6'} agent {agent}, agent-id " \
        f"{struct.unpack_from('!I', b, at)[0]}"
    if ctx.opts.verbose:
        if len(b) < at + 16:
            return ctx.cut("sflow")
        seqnum, uptime, samples = struct.unpack_from("!III", b, at + 4)
        text += f", seqnum {seqnum}, uptime {uptime}, samples {samples}"
    return text + f", length {length}"
