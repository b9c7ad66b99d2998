"""AFS's RX (UDP 7000-7009): the packet type, with -v its sequence and serial
numbers (and with -vv the connection, call number and flags), and the
acknowledgement's detail. The AFS services' calls and replies inside the
first data packet of a call (file server, volume location, protection, ...)
are not decoded here: those print as the bare data packet."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx

PORTS = frozenset(range(7000, 7010))
HDR = struct.Struct("!IIIIIBBBBHH")    # epoch, cid, call, seq, serial, type, flags, ...
ACK_HDR = struct.Struct("!HHIIIBB")    # buffer space, max skew, first, previous, serial, ...
DATA, ACK, BUSY, ABORT, ACKALL, CHALLENGE, RESPONSE, DEBUG, PARAMS = range(1, 10)
VERSION = 13
TYPES = {DATA: "data", ACK: "ack", BUSY: "busy", ABORT: "abort", ACKALL: "ackall",
         CHALLENGE: "challenge", RESPONSE: "response", DEBUG: "debug", PARAMS: "params",
         VERSION: "version"}
# (flag, packet type it applies to or 0 for all, name), in tcpdump's order
FLAGS = ((1, 0, "client-init"), (2, 0, "req-ack"), (4, 0, "last-pckt"), (8, 0, "more-pckts"),
         (16, 0, "free-pckt"), (32, ACK, "slow-start"), (32, DATA, "jumbogram"))
REASONS = {1: "ack requested", 2: "duplicate packet", 3: "out of sequence",
           4: "exceeds window", 5: "no buffer space", 6: "ping", 7: "ping response",
           8: "delay", 9: "idle"}
NACK, ACKED = 0, 1


def _ranges(first: int, acks: bytes, want: int) -> str:
    """tcpdump's ``acked 1-3,5`` list of the packets whose state is ``want``."""
    out = []
    start = last = -2
    for i, state in enumerate(acks):
        if state == want:
            if last == -2:
                out.append(f" {'acked' if want == ACKED else 'nacked'} {first + i}")
                start = i
            elif last != i - 1:
                out.append(f",{first + i}")
                start = i
            last = i
        elif last == i - 1 and start != last:
            out.append(f"-{first + i - 1}")
    if acks and last == len(acks) - 1 and start != last:
        out.append(f"-{first + len(acks) - 1}")
    return "".join(out)


def _ack(ctx: Ctx, b: bytes, length: int) -> str:
    if length < HDR.size:
        return ""
    bp = HDR.size
    if len(b) < bp + ACK_HDR.size:
        return " [|ack]"
    space, skew, first, _prev, serial, reason, nacks = ACK_HDR.unpack_from(b, bp)
    bp += ACK_HDR.size
    verbose = ctx.opts.verbose
    out = [f" bufspace {space} maxskew {skew}" if verbose > 2 else "",
           f" first {first} serial {serial} reason {REASONS.get(reason, f'#{reason}')}"]
    if nacks:
        if len(b) < bp + nacks:
            return "".join(out) + " [|ack]"
        acks = b[bp:bp + nacks]
        out.append(_ranges(first, acks, ACKED))
        out.append(_ranges(first, acks, NACK))
        bp += nacks
    bp += 3             # padding
    if verbose > 1:
        for name in ("ifmtu", "maxmtu", "rwind", "maxpackets"):
            if len(b) - bp + 1 <= 4:
                break
            out.append(f" {name} {int.from_bytes(b[bp:bp + 4], 'big')}")
            bp += 4
    return "".join(out)


def rx_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """An RX packet, from the space before ``rx`` on."""
    if len(b) < HDR.size:
        return f" [|rx] ({length})"
    _epoch, cid, call, seq, serial, kind, flags, _status, secindex, _spare, service = \
        HDR.unpack_from(b)
    out = [f" rx {TYPES.get(kind, f'type {kind}')}"]
    verbose = ctx.opts.verbose
    if verbose:
        if verbose > 1:
            out.append(f" cid {cid:08x} call# {call}")
        out.append(f" seq {seq} ser {serial}")
        if verbose > 2:
            out.append(f" secindex {secindex} serviceid {service}")
        if verbose > 1:
            names = [f"<{name}>" for bit, only, name in FLAGS
                     if flags & bit and (not only or kind == only)]
            if names:
                out.append(" " + ",".join(names))
    if kind == ACK:
        out.append(_ack(ctx, b, length))
    out.append(f" ({length})")
    return "".join(out)
