"""OSI network-layer protocols behind LLC's OSI SAP and Frame Relay's NLPIDs:
IS-IS and ES-IS, the line tcpdump prints for each PDU.

Without -v tcpdump's whole IS-IS line is the PDU type and the sender's IDs;
with -v the first line is only ``IS-IS, length N`` and the header fields and
TLVs follow on lines of their own, which are not decoded here (nor is CLNP,
whose NLPID the callers keep printing as an unknown one).
"""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx
from zcap.printing.l2common import unknown_data

NLPID_CLNP, NLPID_ESIS, NLPID_ISIS, NLPID_NULLNS, NLPID_PPP = 0x81, 0x82, 0x83, 0x00, 0xCF
# the network layer protocol IDs (ISO/IEC TR 9577) as tcpdump names them
NLPIDS = {0x00: "NULL", 0x08: "Q.933", 0x80: "SNAP", 0x81: "CLNP", 0x82: "ES-IS", 0x83: "IS-IS",
          0x8E: "IPv6", 0xB1: "FRF.15", 0xCC: "IPv4", 0xCF: "PPP"}
NESTED = {0xCC: 4, 0x8E: 6, NLPID_PPP: 0}     # NLPIDs naming IPv4, IPv6, PPP
ISIS_PDUS = {15: "L1 Lan IIH", 16: "L2 Lan IIH", 17: "p2p IIH", 18: "L1 LSP", 20: "L2 LSP",
             24: "L1 CSNP", 25: "L2 CSNP", 26: "L1 PSNP", 27: "L2 PSNP"}
ESIS_PDUS = {2: "ESH", 4: "ISH", 6: "redirect"}
COMMON_HDR = 8           # nlpid, fixed length, version, id length, type, version, -, areas
# PDU type -> (fixed header length after the common part, what -n prints from it)
LAN_IIH, PTP_IIH, LSP, CSNP, PSNP = range(5)
ISIS_KINDS = {15: LAN_IIH, 16: LAN_IIH, 17: PTP_IIH, 18: LSP, 20: LSP,
              24: CSNP, 25: CSNP, 26: PSNP, 27: PSNP}
FIXED = {LAN_IIH: 19, PTP_IIH: 12, LSP: 19, CSNP: 25, PSNP: 9}
ESIS_HDR = 9             # nlpid, length indicator, version, -, type, holding time, checksum


def osi_id(b: bytes) -> str:
    """A system ID (6 bytes) as xxxx.xxxx.xxxx, a node ID (7) with ``.nn``,
    an LSP ID (8) with ``-nn``, as tcpdump writes them."""
    h = b[:6].hex()
    text = f"{h[0:4]}.{h[4:8]}.{h[8:12]}"
    if len(b) >= 7:
        text += f".{b[6]:02x}"
    if len(b) == 8:
        text += f"-{b[7]:02x}"
    return text


def osi_text(ctx: Ctx, b: bytes, length: int) -> str | None:
    """The OSI PDU starting at its NLPID, or None for CLNP (not decoded here)."""
    nlpid = b[0]
    if nlpid == NLPID_CLNP:
        return None
    eflag = ctx.opts.link_header
    text = f"OSI NLPID {NLPIDS.get(nlpid, 'Unknown')} (0x{nlpid:02x}): " if eflag else ""
    if nlpid == NLPID_ESIS:
        return text + _esis(ctx, b, length)
    if nlpid == NLPID_ISIS:
        return text + _isis(ctx, b, length)
    if nlpid in NESTED:
        from zcap.printing.dispatch import ip_payload
        from zcap.printing.ppp import ppp_text
        if nlpid == NLPID_PPP:
            return text + ppp_text(ctx, b[1:], length - 1)
        return text + ip_payload(ctx, NESTED[nlpid], b[1:], length - 1)
    sep = "" if eflag else ", "
    if nlpid == NLPID_NULLNS:
        return text + f"{sep}length: {length}"
    if not eflag:
        text += f"OSI NLPID 0x{nlpid:02x} unknown"
    return text + f"{sep}length: {length}" + (unknown_data(b[:length]) if length > 1 else "")


def _isis(ctx: Ctx, b: bytes, length: int) -> str:
    eflag, verbose = ctx.opts.link_header, ctx.opts.verbose
    sep = "" if eflag else ", "
    if len(b) < COMMON_HDR or length < COMMON_HDR:
        return " [|isis]"       # checked before tcpdump names the protocol
    text = "" if eflag else "IS-IS"
    _, fixed, version, id_len, pdu, pdu_version, _, areas = b[:COMMON_HDR]
    unknown = unknown_data(b[:length])
    if version != 1:
        return text + f"version {version} packet not supported" + unknown
    if id_len not in (6, 0):
        return text + f"system ID length of {id_len} is not supported" + unknown
    if pdu_version != 1:
        return text + f"version {pdu_version} packet not supported" + unknown
    if length < fixed:
        return text + f"fixed header length {fixed} > packet length {length}" + unknown
    if fixed < COMMON_HDR:
        return text + (f"fixed header length {fixed} < minimum header size {COMMON_HDR}"
                       + unknown)
    if areas == 255:
        return text + "bad packet -- 255 areas" + unknown
    if verbose:
        # the header fields and TLVs tcpdump prints on the lines after this one
        # are not decoded: only its first line is given
        return text + f"{sep}length {length}"
    text += sep + ISIS_PDUS.get(pdu, f"unknown PDU-Type {pdu}")
    kind = ISIS_KINDS.get(pdu)
    if kind is None:
        return text + f", length {length}"
    want = COMMON_HDR + FIXED[kind]
    if fixed != want:
        # tcpdump's LSP message names the wrong size; copied as printed
        shown = FIXED[kind] if kind == LSP else want
        lead = "- " if kind == PSNP else ", "
        return text + f"{lead}bogus fixed header length {fixed} should be {shown}" + unknown
    if len(b) < want or length < want:
        return text + " [|isis]"
    h = b[COMMON_HDR:want]
    if kind == LAN_IIH:
        return text + (f", src-id {osi_id(h[1:7])}, lan-id {osi_id(h[12:19])}, "
                       f"prio {h[11]}, length {length}")
    if kind == PTP_IIH:
        return text + f", src-id {osi_id(h[1:7])}, length {length}"
    if kind == LSP:
        seq, life = struct.unpack_from("!I", h, 12)[0], struct.unpack_from("!H", h, 2)[0]
        return text + (f", lsp-id {osi_id(h[4:12])}, seq 0x{seq:08x}, lifetime {life:5d}s, "
                       f"length {length}")
    return text + f", src-id {osi_id(h[2:9])}, length {length}"


def _esis(ctx: Ctx, b: bytes, length: int) -> str:
    eflag, verbose = ctx.opts.link_header, ctx.opts.verbose
    text = "" if eflag else "ES-IS"
    if length <= 2:
        return text + ("bad pkt!" if ctx.opts.quiet else "no header at all!")
    if len(b) < ESIS_HDR:
        return text + " [|esis]"
    li, version, kind = b[1], b[2], b[4] & 0x1F
    if version != 1:
        return text + f" version {version} packet not supported"
    if li > length:
        return text + f" length indicator({li}) > PDU size ({length})!"
    if li < ESIS_HDR + 2:
        return text + f" length indicator {li} < min PDU size:" + b.hex().upper()
    sep = "" if eflag else ", "
    if not verbose:
        return text + f"{sep}{ESIS_PDUS.get(kind, f'unknown type ({kind})')}, length {length}"
    return text + f"{sep}length {length}"
