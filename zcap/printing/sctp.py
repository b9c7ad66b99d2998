"""SCTP: the common header's ports, then one bracketed summary per chunk."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx
from zcap.printing.iphdr import IpHdr

CHUNKS = {0: "DATA", 1: "INIT", 2: "INIT ACK", 3: "SACK", 4: "HB REQ", 5: "HB ACK",
          6: "ABORT", 7: "SHUTDOWN", 8: "SHUTDOWN ACK", 9: "OP ERR", 10: "COOKIE ECHO",
          11: "COOKIE ACK", 12: "ECN ECHO", 13: "ECN CWR", 14: "SHUTDOWN COMPLETE",
          15: "AUTH", 0x80: "ASCONF-ACK", 0xC0: "FOR CID", 0xC1: "ASCONF", 0x82: "RE-CONFIG"}

# a DATA chunk's payload protocol identifier
PPIDS = {1: "ISDN Q.921", 2: "M2UA", 3: "M3UA", 4: "SUA", 5: "M2PA", 6: "V5.2", 7: "H.248",
         8: "BICC", 9: "TALI", 10: "DUA", 11: "ASAP", 12: "ENRP", 13: "H.323", 14: "Q.IPC",
         15: "SIMCO", 16: "DDPSC", 17: "DDPSSC", 18: "S1AP", 19: "RUA", 20: "HNBAP",
         21: "ForCES HP", 22: "ForCES MP", 23: "ForCES LP", 24: "SBc-AP", 25: "NBAP",
         27: "X2AP"}
# ForCES channels, named after the port on either side
FORCES_PORTS = {6704: "ForCES HP", 6705: "ForCES MP", 6706: "ForCES LP"}


def sctp_print(ctx: Ctx, ip: IpHdr, b: bytes, length: int) -> str:
    """Everything after the IP layer for an SCTP packet, addresses included."""
    if len(b) < 12:
        return " [|sctp]"
    sport, dport = struct.unpack_from("!HH", b, 0)
    head = f"{ip.srcs}.{sport} > {ip.dsts}.{dport}: " if ip.addrs else f"{sport} > {dport}: "
    text = head + "sctp" + "".join(f"[{FORCES_PORTS[p]}]" for p in (sport, dport)
                                   if p in FORCES_PORTS)
    off, n = 12, 0
    end = length
    while off < end:
        if off + 4 > len(b):
            return text + " [|sctp]"
        typ, flags, clen = struct.unpack_from("!BBH", b, off)
        if off + max(clen, 4) > len(b):
            return text + " [|sctp]"   # tcpdump wants a whole chunk before it says a word
        n += 1
        name = CHUNKS.get(typ, f"Unknown chunk type: 0x{typ:x}")
        text += (" " if n == 1 else ", ") + f"({n}) [{name}] "
        body = b[off + 4:off + clen]
        if clen < 4:
            return text + "[chunk length < 4]"
        if typ == 0 and len(body) >= 12:
            tsn, sid, sseq, ppid = struct.unpack_from("!IHHI", body)
            text += ("(U)" if flags & 4 else "") + ("(B)" if flags & 2 else "") + \
                ("(E)" if flags & 1 else "")
            if flags & 7:
                text += " "
            proto = PPIDS.get(ppid, f"0x{ppid:x}")
            text += f"[TSN: {tsn}] [SID: {sid}] [SSEQ {sseq}] [PPID {proto}] "
        elif typ in (1, 2) and len(body) >= 16:
            tag, rwnd, os_, mis, tsn = struct.unpack_from("!IIHHI", body)
            text += (f"[init tag: {tag}] [rwnd: {rwnd}] [OS: {os_}] [MIS: {mis}] "
                     f"[init TSN: {tsn}] ")
        elif typ == 3 and len(body) >= 12:
            cum, rwnd, gaps, dups = struct.unpack_from("!IIHH", body)
            text += f"[cum ack {cum}] [a_rwnd {rwnd}] [#gap acks {gaps}] [#dup tsns {dups}] "
        off += (clen + 3) & ~3
    return text
