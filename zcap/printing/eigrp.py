"""EIGRP (IP protocol 88): tcpdump's line for the message type, and with -v
the common header on the lines after it (the TLVs that follow are not decoded
here)."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx
from zcap.printing.iphdr import IpHdr

HDR = struct.Struct("!BBHIIIHH")     # version, opcode, checksum, flags, seq, ack, vrid, AS
VERSION = 2
OPCODES = {1: "Update", 3: "Query", 4: "Reply", 5: "Hello", 6: "IPX SAP", 7: "Probe"}
FLAGS = ((0x01, "Init"), (0x02, "Conditionally Received"), (0x04, "Restart"),
         (0x08, "End-of-Table"))


def eigrp_print(ctx: Ctx, ip: IpHdr, b: bytes, length: int) -> str:
    """The text after ``src > dst: `` for an EIGRP packet."""
    if len(b) < HDR.size:
        return " [|eigrp]"      # a checked bound, not a cut-off read: -x dumps as usual
    version, opcode, cksum, flags, seq, ack, vrid, asn = HDR.unpack_from(b)
    if version != VERSION:
        return f"EIGRP version {version} packet not supported"
    if not ctx.opts.verbose:
        return f"EIGRP {OPCODES.get(opcode, f'unknown ({opcode})')}, length: {length}"
    if length < HDR.size:
        return (f"EIGRP {OPCODES.get(opcode, f'unknown ({opcode})')}, length: {length} "
                f"(too short, < {HDR.size})")
    names = ", ".join(n for bit, n in FLAGS if flags & bit) or "none"
    return (f"\n\tEIGRP v{version}, opcode: {OPCODES.get(opcode, f'unknown, type: {opcode}')} "
            f"({opcode}), chksum: 0x{cksum:04x}, Flags: [{names}]"
            f"\n\tseq: 0x{seq:08x}, ack: 0x{ack:08x}, VRID: {vrid}, AS: {asn}, "
            f"length: {length - HDR.size}")
