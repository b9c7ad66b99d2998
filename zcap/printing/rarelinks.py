"""Link types seen less often, with tcpdump's first words for each: SLIP,
PPP in HDLC framing, Cisco HDLC, Frame Relay, and the PPI header that wraps
another link type. Where tcpdump
decodes more than the header, what follows is the network layer as usual."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx, ip4_str
from zcap.printing.isoclns import NLPIDS
from zcap.printing.l2common import default_print, suppressed, trunc, u16, unknown_data

SLIP_HDRLEN = 16  # direction byte plus 15 bytes of compressed-header history
SLIP_DIRECTIONS = {0: "I", 1: "O"}


SLIP_TYPE_IP, SLIP_TYPE_UNCOMPRESSED_TCP, SLIP_TYPE_COMPRESSED_TCP = 0x40, 0x70, 0x80


def _slip_kind(first: int, wire: int) -> str:
    """-e's word for what the compressed-header history says the packet is."""
    if first & 0xF0 == SLIP_TYPE_IP:
        return f"ip {wire}: "
    if first & 0xF0 == SLIP_TYPE_UNCOMPRESSED_TCP:
        return f"utcp {wire}: "
    if first & SLIP_TYPE_COMPRESSED_TCP:
        return "ctcp "
    return f"slip-{first}!: "


def slip(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """SLIP as libpcap writes it: a 16-byte pseudo-header before the IP packet."""
    if len(frame) < SLIP_HDRLEN:
        return trunc("slip"), 0
    from zcap.printing.dispatch import ip_payload
    body, length = frame[SLIP_HDRLEN:], wire - SLIP_HDRLEN
    head = ""
    if ctx.opts.link_header:
        head = f"{SLIP_DIRECTIONS.get(frame[0], 'I')} " + _slip_kind(frame[1], wire)
    if not body:
        return head + trunc("slip"), SLIP_HDRLEN
    ver = body[0] >> 4
    if ver in (4, 6):
        return head + ip_payload(ctx, ver, body, length), SLIP_HDRLEN
    return head + f"ip v{ver}", SLIP_HDRLEN


CHDLC_UNICAST, CHDLC_BCAST = 0x0F, 0x8F
CHDLC_PROTOS = {0x0800: 4, 0x86DD: 6}
CHDLC_OSI, CHDLC_SLARP = 0xFEFE, 0x8035
SLARP_MIN, SLARP_MAX = 14, 18        # without and with the link uptime


def _slarp(ctx: Ctx, b: bytes, length: int) -> str:
    """Cisco's serial-line address resolution and keepalives."""
    text = f"SLARP (length: {length}), "
    if length < SLARP_MIN or len(b) < SLARP_MIN:
        return text + trunc("chdlc_slarp")
    code = int.from_bytes(b[:4], "big")
    verbose = ctx.opts.verbose
    rest = 0            # tcpdump's -vv dump starts 4 bytes past here
    if code == 0:
        text += "request"
    elif code == 1:
        text += f"reply {ip4_str(b[4:8])}/{ip4_str(b[8:12])}"
    elif code == 2:
        mine, yours, rel = struct.unpack_from("!IIH", b, 4)
        text += f"keepalive: mineseen=0x{mine:08x}, yourseen=0x{yours:08x}, reliability=0x{rel:04x}"
        if length >= SLARP_MAX:
            if len(b) < SLARP_MAX:
                return text + trunc("chdlc_slarp")
            secs = int.from_bytes(b[14:18], "big") // 1000
            mins, secs = divmod(secs, 60)
            hrs, mins = divmod(mins, 60)
            days, hrs = divmod(hrs, 24)
            text += f", link uptime={days}d{hrs}h{mins}m{secs}s"
            rest = SLARP_MIN
    else:
        text += f"0x{code:02x} unknown"
        if verbose <= 1:
            text += unknown_data(b[4:length])
    if length > SLARP_MAX and verbose:
        text += f", (trailing junk: {length - SLARP_MAX} bytes)"
    if verbose > 1:
        text += unknown_data(b[rest + 4:rest + length])
    return text


def chdlc(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """Cisco HDLC: address, control, then an ethertype."""
    if len(frame) < 4:
        return trunc("chdlc"), len(frame)
    proto = u16(frame, 2)
    from zcap.printing.dispatch import ETHERTYPES, ethertype_text
    head = ""
    if ctx.opts.link_header:
        kind = "bcast" if frame[0] == CHDLC_BCAST else "unicast" if frame[0] == CHDLC_UNICAST \
            else f"0x{frame[0]:02x}"
        head = f"{kind}, ethertype {ETHERTYPES.get(proto, 'Unknown')} (0x{proto:04x}), " \
               f"length {wire}: "
    text = None
    if proto == CHDLC_SLARP:
        return head + _slarp(ctx, frame[4:], wire - 4), 4
    if proto == CHDLC_OSI and wire >= 6 and len(frame) >= 6:
        from zcap.printing.isoclns import NLPID_CLNP, NLPID_ESIS, NLPID_ISIS, osi_text
        # a padding byte may stand before the NLPID: skip it when an OSI one follows
        pad = 1 if frame[5] in (NLPID_CLNP, NLPID_ESIS, NLPID_ISIS) else 0
        text = osi_text(ctx, frame[4 + pad:], wire - 4 - pad)
    elif proto == CHDLC_OSI:
        return head + trunc("chdlc"), len(frame)
    if text is None:
        text = ethertype_text(ctx, proto, frame[4:], wire - 4)
    if text is None:
        text = f"unknown CHDLC protocol (0x{proto:04x})"
    return head + text, 4


def ppp_serial(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """PPP in HDLC-like framing (RFC 1662); Cisco HDLC frames may appear too."""
    if frame and frame[0] in (CHDLC_UNICAST, CHDLC_BCAST):
        return chdlc(ctx, frame, wire)
    if len(frame) < 4:
        return trunc("ppp_hdlc"), len(frame)
    head = f"{frame[0]:02x} {frame[1]:02x} {wire} " if ctx.opts.link_header else ""
    if frame[0] != 0xFF:
        return head + f"unknown addr {frame[2]:02x}; ctrl {frame[3]:02x}", 2
    from zcap.printing.ppp import PROTOCOLS, protocol_text
    proto = u16(frame, 2)
    head += PROTOCOLS.get(proto, f"unknown PPP protocol (0x{proto:04x})") + ": "
    return head + protocol_text(ctx, proto, frame[4:], wire - 4), 4


FR_EA, FR_CR, FR_FECN, FR_BECN, FR_DE, FR_SDLC = 0x01, 0x02, 0x08, 0x04, 0x02, 0x02
FR_FLAGS = {0x02000000: "C!", 0x00020000: "DE", 0x00040000: "BECN", 0x00080000: "FECN",
            0x00000002: "sdlcore"}
NLPID_IP, NLPID_IP6, NLPID_SNAP, NLPID_PPP, NLPID_Q933 = 0xCC, 0x8E, 0x80, 0xCF, 0x08
LLC_UI = 0x03


Q933_MESSAGES = {0x75: "Status Enquiry", 0x7D: "Status Reply"}
Q933_IES = {0: {0x51: "CCITT Report Type", 0x53: "CCITT Link Verify", 0x57: "CCITT PVC Status"},
            5: {0x01: "ANSI Report Type", 0x03: "ANSI Link Verify", 0x07: "ANSI PVC Status"}}
Q933_REPORT_TYPES = {0: "Full Status", 1: "Link verify", 2: "Async PVC Status"}


def _pvc_status(v: bytes) -> str:
    """A PVC status IE: the DLCI in Q.922 style octets, then the status octet."""
    last = len(v) - 1
    valid = len(v) >= 3 and not v[0] & 0x80 and v[last] & 0x80 and v[last - 1] & 0x80 \
        and not any(v[i] & 0x80 for i in range(1, last - 1))
    if not valid:
        return "Invalid DLCI in PVC STATUS IE"
    dlci = (v[0] & 0x3F) << 4 | (v[1] & 0x78) >> 3
    if len(v) == 4:
        dlci = dlci << 6 | (v[2] & 0x7E) >> 1
    elif len(v) == 5:
        dlci = dlci << 13 | v[2] & 0x7F | (v[3] & 0x7E) >> 1
    status = v[last]
    return f"DLCI {dlci}: status {'New, ' if status & 0x08 else ''}" \
        f"{'Active' if status & 0x02 else 'Inactive'}"


def _q933_ie(kind: int, v: bytes, verbose: int) -> str | None:
    """A known IE's text (None for one tcpdump does not decode)."""
    if kind in (0x01, 0x51):
        return f"{Q933_REPORT_TYPES.get(v[0], 'unknown')} ({v[0]})" if verbose else ""
    if kind in (0x03, 0x53):
        return ("" if verbose else ", ") + f"TX Seq: {v[0]:3d}, RX Seq: {v[1]:3d}"
    if kind in (0x07, 0x57):
        return ("" if verbose else ", ") + _pvc_status(v)
    return None


def q933_text(ctx: Ctx, b: bytes, length: int) -> str:
    """Q.933 (Annex A and ANSI T1.617 Annex D) link management messages."""
    verbose = ctx.opts.verbose
    text = "" if ctx.opts.link_header else "Q.933, "
    if length == 0 or not b:
        return text + f"length {length}" + trunc("q.933")
    try:
        ref_len = b[0] & 0x0F
        off = 1 + ref_len
        call_ref = b[1:off]
        message = b[off]
        off += 1
        codeset, ansi = 0, False
        if off < length and b[off] & 0xF0 == 0x90:  # a locking shift to another codeset
            codeset, ansi = b[off] & 0x07, True
            off += 1
        text += f"{'ANSI' if ansi else 'CCITT'}, codeset {codeset}"
        if ref_len:
            text += ", Call Ref: 0x" + call_ref.hex()
        if verbose:
            text += f", {Q933_MESSAGES.get(message, 'unknown message')} (0x{message:02x}), " \
                f"length {length}"
        else:
            text += ", " + Q933_MESSAGES.get(message, f"unknown message 0x{message:02x}")
        while off < length:
            kind, ielen = b[off], b[off + 1]
            off += 2
            name = Q933_IES.get(codeset, {}).get(kind)
            if verbose:
                text += f"\n\t{name or 'unknown'} IE (0x{kind:02x}), length {ielen}: "
            if kind == 0 or ielen == 0:
                return text
            v = b[off:off + ielen]
            if len(v) < ielen or length - off < ielen:
                return text + ("" if verbose else f", length {length}") + trunc("q.933")
            shown = _q933_ie(kind, v, verbose) if name else None
            if shown is None:
                if verbose:
                    text += unknown_data(v)
            else:
                text += shown
                if verbose > 1:
                    text += unknown_data(v).replace("\n\t", "\n\t  ")
            off += ielen
    except IndexError:
        return text + trunc("q.933")
    return text if verbose else text + f", length {length}"


def _q922(b: bytes, length: int) -> tuple[int, int, int] | None:
    """A Q.922 address: (length, DLCI, flags as tcpdump packs them); None when
    invalid; IndexError when cut short."""
    if b[0] & FR_EA:
        return None
    dlci = (b[0] & 0xFC) << 2 | (b[1] & 0xF0) >> 4
    flags = (b[0] & ~FR_EA & 0xFF) << 24 | (b[1] & (FR_FECN | FR_BECN | FR_DE | FR_EA)) << 16
    if length < 2:
        raise IndexError
    if b[1] & FR_EA:
        return 2, dlci, flags
    alen, off = 3, 2
    if not b[off] & FR_EA:
        dlci = dlci << 7 | b[off] >> 1
        alen, off = 4, 3
    if not b[off] & FR_EA:
        return None
    return alen, dlci << 6 | b[off] >> 2, flags | (b[off] & FR_SDLC)


def _fr_header(ctx: Ctx, length: int, alen: int, dlci: int, flags: int, kind: int) -> str:
    if ctx.opts.quiet:
        return f"Q.922, DLCI {dlci}, length {length}: "
    from zcap.printing.l2common import bits
    head = f"Q.922, hdr-len {alen}, DLCI {dlci}, Flags [{bits(FR_FLAGS, flags)}], "
    if kind <= 0xFF:
        return head + f"NLPID {NLPIDS.get(kind, 'unknown')} (0x{kind:02x}), length {length}: "
    from zcap.printing.dispatch import ETHERTYPES
    return head + f"cisco-ethertype {ETHERTYPES.get(kind, 'unknown')} (0x{kind:04x}), " \
        f"length {length}: "


def frelay(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """Frame Relay: the Q.922 address, then an NLPID (RFC 2427) or Cisco's ethertype.
    (The OSI protocols print as unknown NLPIDs.)"""
    try:
        addr = _q922(frame, wire)
        if addr is None:
            return "Q.922, invalid address", 0
        alen, dlci, flags = addr
        eflag = ctx.opts.link_header
        from zcap.printing.dispatch import ethertype_text, ip_payload
        text = ""
        control = frame[alen]
        if control != LLC_UI and dlci != 0:
            if len(frame) >= alen + 2 and wire >= alen + 2:
                etype = u16(frame, alen)
                head = _fr_header(ctx, wire, alen, dlci, flags, etype) if eflag else ""
                inner = ethertype_text(ctx, etype, frame[alen + 2:], wire - alen - 2)
                if inner is not None:
                    return head + inner, alen + 2
                text = head
            text += f"UI {control:02x}! "
        if frame[alen + 1] == 0:
            text += "Pad! " if alen != 3 else ""
            hdrlen = alen + 3
        else:
            text += "No pad! " if alen == 3 else ""
            hdrlen = alen + 2
        nlpid = frame[hdrlen - 1]
        head = _fr_header(ctx, wire, alen, dlci, flags, nlpid)
        if eflag:
            text += head
        body, blen = frame[hdrlen:], wire - hdrlen
        if nlpid in (NLPID_IP, NLPID_IP6):
            return text + ip_payload(ctx, 4 if nlpid == NLPID_IP else 6, body, blen), hdrlen
        if nlpid == NLPID_SNAP:
            from zcap.printing.llc import snap_text
            inner, known = snap_text(ctx, body, blen, None, None, bridge_pad=0)
            if known:
                return text + inner, hdrlen
            text += inner
            if not eflag:
                text += _fr_header(ctx, wire, hdrlen, dlci, flags, nlpid)
            return text + ("" if suppressed(ctx.opts) else default_print(frame)), hdrlen
        if nlpid == NLPID_Q933:
            return text + q933_text(ctx, body, blen), hdrlen
        if nlpid in (0x82, 0x83):
            # the OSI printers read the PDU from its NLPID on
            from zcap.printing.isoclns import osi_text
            inner = osi_text(ctx, frame[hdrlen - 1:], blen + 1)
            if inner is not None:
                return text + inner, hdrlen
        if nlpid == NLPID_PPP:
            from zcap.printing.ppp import ppp_text
            return text + ppp_text(ctx, body, blen), hdrlen
        if not eflag:
            text += head
        return text + ("" if ctx.opts.hex else default_print(body)), hdrlen
    except IndexError:
        return trunc("fr"), len(frame)


PPI_HDRLEN, PPI_MAX = 8, 65532


def ppi(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """PPI: a per-packet information header naming the link type inside."""
    if len(frame) < PPI_HDRLEN:
        return trunc("ppi"), len(frame)
    version, _flags, hdrlen, dlt = struct.unpack_from("<BBHI", frame, 0)
    if hdrlen < PPI_HDRLEN or hdrlen > PPI_MAX or len(frame) < hdrlen:
        return trunc("ppi"), len(frame)
    from bpf_filters.linktypes import lookup
    from zcap.printing.dispatch import LINK_PRINTERS, link_printer
    known = lookup(dlt)
    name = known.name if known else "UNKNOWN"
    if ctx.opts.quiet:
        head = f"{name}, length {wire}: "
    else:
        head = f"V.{version} DLT {name} ({dlt}) len {hdrlen}, length {wire}: "
    inner = LINK_PRINTERS.get(dlt)
    if inner is None:
        body = frame[hdrlen:]
        return head + ("" if suppressed(ctx.opts) else default_print(body)), hdrlen
    text, off = link_printer(dlt)(ctx, frame[hdrlen:], wire - hdrlen)
    # tcpdump counts the inner link header twice when it computes where -x starts
    return (head if ctx.opts.link_header else "") + text, hdrlen + 2 * off
