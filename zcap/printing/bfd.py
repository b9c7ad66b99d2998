"""BFD (UDP 3784 control, 4784 multihop, 6784 LAG, 3785 echo), by destination
port as tcpdump dispatches it: the control header's line, and with -v its
fields on the lines after (authentication sections are not decoded here)."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx
from zcap.printing.l2common import unknown_data

CONTROL_PORTS = {3784: "Control", 4784: "Multihop", 6784: "Lag"}
ECHO_PORT = 3785
PORTS = frozenset({*CONTROL_PORTS, ECHO_PORT})
HDR = struct.Struct("!BBBBIIIII")
DIAGNOSTICS = {0: "No Diagnostic", 1: "Control Detection Time Expired",
               2: "Echo Function Failed", 3: "Neighbor Signaled Session Down",
               4: "Forwarding Plane Reset", 5: "Path Down", 6: "Concatenated Path Down",
               7: "Administratively Down", 8: "Reverse Concatenated Path Down"}
V0_FLAGS = ((0x80, "I Hear You"), (0x40, "Demand"), (0x20, "Poll"), (0x10, "Final"),
            (0x08, "Control Plane Independent"), (0x04, "Authentication Present"),
            (0x02, "Reserved"), (0x01, "Reserved"))
V1_FLAGS = ((0x20, "Poll"), (0x10, "Final"), (0x08, "Control Plane Independent"),
            (0x04, "Authentication Present"), (0x02, "Demand"), (0x01, "Multipoint"))
STATES = {0: "AdminDown", 1: "Down", 2: "Init", 3: "Up"}


def _flags(value: int, table: tuple) -> str:
    return ", ".join(n for bit, n in table if value & bit) or "none"


def bfd_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """A BFD control or echo packet."""
    verbose = ctx.opts.verbose
    if dport not in CONTROL_PORTS:
        kind = "Echo" if dport == ECHO_PORT else f"unknown ({dport})"
        return f"BFD, {kind}, length: {length}" + (unknown_data(b[:length]) if verbose else "")
    if len(b) < HDR.size:
        return ctx.cut("bfd")
    vd, flags, mult, blen, mine, yours, tx, rx, echo = HDR.unpack_from(b)
    version, diag = vd >> 5, vd & 0x1F
    if version > 1:
        return f"BFDv{version}, Control, length: {length}" + \
            (unknown_data(b[:length]) if verbose else "")
    if version == 0:
        what = f"Control, Flags: [{_flags(flags, V0_FLAGS)}]"
    else:
        state = STATES[flags >> 6]
        what = f"{CONTROL_PORTS[dport]}, State {state}, Flags: [{_flags(flags & 0x3F, V1_FLAGS)}]"
    if not verbose:
        return f"BFDv{version}, {what}, length: {length}"
    detect = (mult * tx) & 0xFFFFFFFF     # tcpdump multiplies in 32 bits
    return (f"BFDv{version}, length: {length}\n\t{what}, Diagnostic: "
            f"{DIAGNOSTICS.get(diag, 'unknown')} (0x{diag:02x})"
            f"\n\tDetection Timer Multiplier: {mult} ({detect // 1000} ms Detection time), "
            f"BFD Length: {blen}"
            f"\n\tMy Discriminator: 0x{mine:08x}, Your Discriminator: 0x{yours:08x}"
            f"\n\t  Desired min Tx Interval:    {tx // 1000:4d} ms"
            f"\n\t  Required min Rx Interval:   {rx // 1000:4d} ms"
            f"\n\t  Required min Echo Interval: {echo // 1000:4d} ms")
