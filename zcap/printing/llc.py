"""IEEE 802.2 LLC and SNAP: the header of 802.3 frames (and of 802.11 data,
LINUX_SLL's 802.2 packets), and the dispatch from SAP or OUI/PID to the
protocol inside. Tables of names as tcpdump prints them."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx, mac_str, text_chars
from zcap.printing.l2common import default_print, suppressed, trunc

SAPS = {0x00: "Null", 0x02: "802.1B I", 0x04: "SNA", 0x06: "IP", 0x0E: "ProWay NM",
        0x42: "STP", 0x4E: "RS511", 0x7E: "ISO8208", 0x8E: "ProWay", 0xAA: "SNAP",
        0xE0: "IPX", 0xF0: "NetBeui", 0xFE: "OSI"}
SAP_STP, SAP_IP, SAP_IPX, SAP_SNAP, SAP_OSI, SAP_GLOBAL = 0x42, 0x06, 0xE0, 0xAA, 0xFE, 0xFF
UI = 0x03
U_COMMANDS = {0x03: "ui", 0xE3: "test", 0xAF: "xid", 0x63: "ua", 0x43: "disc", 0x0F: "dm",
              0x6F: "sabme", 0x87: "frmr"}
SUPERVISORY = {0: "Receiver Ready", 1: "Receiver not Ready", 2: "Reject"}
# (command/response bit of the SSAP) | (poll/final bit of the control field)
U_FLAGS = {0x00: "Command", 0x01: "Response", 0x10: "Poll", 0x11: "Final"}
IS_FLAGS = {0x00: "Command", 0x01: "Response", 0x0100: "Poll", 0x0101: "Final"}

OUIS = {0x000000: "Ethernet", 0x00000C: "Cisco", 0x00005E: "IANA",
        0x000081: "Nortel Networks SONMP", 0x0000F8: "Cisco bridged",
        0x0080C2: "Ethernet bridged", 0x00A03E: "ATM Forum", 0x00E02F: "DOCSIS Spanning Tree",
        0x080007: "Appletalk", 0x009069: "Juniper", 0x080009: "Hewlett-Packard",
        0x00120F: "IEEE 802.3 Private", 0x0012BB: "ANSI/TIA", 0x001B21: "DCBX",
        0x002320: "Nicira Networks", 0x5C16C7: "Big Switch Networks",
        0xB0D2F5: "Vello Systems", 0x002481: "HP", 0x0004EA: "HP-Labs",
        0x748771: "Infoblox Inc", 0x00049F: "Freescale", 0x0015AD: "Netronome",
        0x001018: "Broadcom", 0x00E004: "PMC-Sierra", 0xD0F0DB: "Ericsson"}
OUI_ETHER, OUI_CISCO, OUI_CISCO_90, OUI_BRIDGED, OUI_APPLETALK = (
    0x000000, 0x00000C, 0x0000F8, 0x0080C2, 0x080007)
CISCO_PIDS = {0x010B: "PVST", 0x010C: "VLAN Bridge", 0x0111: "UDLD", 0x2000: "CDP",
              0x2003: "VTP", 0x2004: "DTP"}
BRIDGED_PIDS = {1: "Ethernet + FCS", 2: "802.4 + FCS", 3: "Token Ring + FCS", 4: "FDDI + FCS",
                5: "802.6 + FCS", 7: "Ethernet w/o FCS", 8: "802.4 w/o FCS",
                9: "Token Ring w/o FCS", 10: "FDDI w/o FCS", 11: "802.6 w/o FCS", 14: "BPDU"}


def _pid_name(oui: int, pid: int) -> str:
    from zcap.printing.dispatch import ETHERTYPES
    if oui in (OUI_ETHER, OUI_CISCO_90, OUI_APPLETALK):
        return ETHERTYPES.get(pid, "Unknown")
    if oui == OUI_CISCO:
        return CISCO_PIDS.get(pid, "Unknown")
    if oui == OUI_BRIDGED:
        return BRIDGED_PIDS.get(pid, "Unknown")
    return "Unknown"


BRIDGE_PAD = 2  # RFC 2684 padding before a bridged Ethernet frame inside LLC


def _addrs(src: bytes | None, dst: bytes | None) -> str:
    return f"{mac_str(src)} > {mac_str(dst)} " if src is not None and dst is not None else ""


def snap_text(ctx: Ctx, b: bytes, length: int, src: bytes | None,
              dst: bytes | None, bridge_pad: int = BRIDGE_PAD) -> tuple[str, bool]:
    """A SNAP header and what follows; (text, decoded). Undecoded payloads get
    tcpdump's header line and the caller's hex dump. ``bridge_pad``: the bytes
    before a bridged Ethernet frame (two after LLC, none after Frame Relay)."""
    if len(b) < 5 or length < 5:
        return trunc("snap"), True
    oui = b[0] << 16 | b[1] << 8 | b[2]
    pid = b[3] << 8 | b[4]
    text = ""
    if ctx.opts.link_header:
        kind = "ethertype" if oui == OUI_ETHER else "pid"
        text = (f"oui {OUIS.get(oui, 'Unknown')} (0x{oui:06x}), {kind} {_pid_name(oui, pid)} "
                f"(0x{pid:04x}), length {length - 5}: ")
    body, blen = b[5:], length - 5
    inner = _snap_payload(ctx, oui, pid, body, blen, bridge_pad)
    if inner is not None:
        return text + inner, True
    if not ctx.opts.link_header:
        text += _addrs(src, dst)
        if oui == OUI_ETHER:
            from zcap.printing.dispatch import ETHERTYPES
            text += (f"SNAP, ethertype {ETHERTYPES.get(pid, 'Unknown')} (0x{pid:04x}), "
                     f"length {blen}: ")
        else:
            text += (f"SNAP, oui {OUIS.get(oui, 'Unknown')} (0x{oui:06x}), pid "
                     f"{_pid_name(oui, pid)} (0x{pid:04x}), length {blen}: ")
    return text, False


def _snap_payload(ctx: Ctx, oui: int, pid: int, b: bytes, length: int,
                  bridge_pad: int) -> str | None:
    if oui in (OUI_ETHER, OUI_CISCO_90):
        from zcap.printing.dispatch import ethertype_text
        return ethertype_text(ctx, pid, b, length)
    if oui == OUI_CISCO:
        from zcap.printing import cdp
        from zcap.printing.stp import stp_text
        if pid == 0x2000:
            return cdp.cdp_text(ctx, b, length)
        if pid == 0x2004:
            return cdp.dtp_text(ctx, b, length)
        if pid in (0x010B, 0x010C):
            return stp_text(ctx, b, length)
        if pid == 0x0111:
            return cdp.udld_text(ctx, b, length)
        return None
    if oui == OUI_BRIDGED:
        if pid in (1, 7):
            # bridged Ethernet: two bytes of padding before the frame (RFC 2684)
            from bpf_filters.linktypes import LINKTYPE_ETHERNET
            from zcap.printing.dispatch import link_printer
            return link_printer(LINKTYPE_ETHERNET)(ctx, b[bridge_pad:], length - bridge_pad)[0]
        if pid == 14:
            from zcap.printing.stp import stp_text
            return stp_text(ctx, b, length)
    return None


def llc_text(ctx: Ctx, b: bytes, length: int, src: bytes | None = None,
             dst: bytes | None = None) -> tuple[str, int, bool]:
    """An LLC frame (``b`` starts at the DSAP). Returns the text, the length of
    the headers consumed (where -x starts dumping) and whether tcpdump dumps the
    frame in hex because it could not decode what is inside."""
    caplen = len(b)
    if caplen < 3 or length < 3:
        return trunc("llc") + default_print(b), min(caplen, length), False
    dsap_f, ssap_f, control = b[0], b[1], b[2]
    is_u = control & 3 == 3
    hdrlen = 3
    if not is_u:
        if caplen < 4 or length < 4:
            return trunc("llc") + default_print(b), min(caplen, length), False
        control = b[2] | b[3] << 8  # I and S frames: little-endian control field
        hdrlen = 4
    if ssap_f == SAP_GLOBAL and dsap_f == SAP_GLOBAL:
        return ("IPX 802.3: " if ctx.opts.link_header else "") + ipx_text(ctx, b, length), \
            0, False
    dsap, ssap = dsap_f & 0xFE, ssap_f & 0xFE
    text = ""
    if ctx.opts.link_header:
        ctrl = f"0x{control:02x}" if is_u else f"0x{control:04x}"
        text = (f"LLC, dsap {SAPS.get(dsap, 'Unknown')} (0x{dsap:02x}) "
                f"{'Group' if dsap_f & 1 else 'Individual'}, ssap {SAPS.get(ssap, 'Unknown')} "
                f"(0x{ssap:02x}) {'Response' if ssap_f & 1 else 'Command'}, ctrl {ctrl}: ")
    body, blen = b[hdrlen:], length - hdrlen
    if ssap == dsap == SAP_STP and control == UI:
        from zcap.printing.stp import stp_text
        return text + stp_text(ctx, body, blen), hdrlen, False
    if ssap == dsap == SAP_IP and control == UI:
        from zcap.printing.dispatch import ip_payload
        return text + ip_payload(ctx, 4, body, blen), hdrlen, False
    if ssap == dsap == SAP_IPX and control == UI:
        return text + ("IPX 802.2: " if ctx.opts.link_header else "") + \
            ipx_text(ctx, body, blen), hdrlen, False
    if ssap == dsap == SAP_OSI and control == UI and body:
        from zcap.printing.isoclns import osi_text
        inner = osi_text(ctx, body, blen)
        if inner is not None:
            return text + inner, hdrlen, False
    if ssap == dsap == SAP_SNAP and control == UI:
        inner, known = snap_text(ctx, body, blen, src, dst)
        return text + inner, hdrlen + 5, not known
    if not ctx.opts.link_header:
        if ssap == dsap:
            text = _addrs(src, dst) + f"{SAPS.get(dsap, f'Unknown DSAP 0x{dsap:02x}')} "
        else:
            s = SAPS.get(ssap, f"Unknown SSAP 0x{ssap:02x}")
            d = SAPS.get(dsap, f"Unknown DSAP 0x{dsap:02x}")
            text = (f"{mac_str(src)} {s} > {mac_str(dst)} {d} " if src is not None
                    and dst is not None else f"{s} > {d} ")
    if is_u:
        flag = U_FLAGS.get((ssap_f & 1) | (control & 0x10), "?")
        text += (f"Unnumbered, {U_COMMANDS.get(control & 0xEF, f'{control & 0xEF:02x}')}, "
                 f"Flags [{flag}], length {length}")
        if control & 0xEF == 0xAF:
            if blen <= 0:  # an XID without payload (SNA's short form)
                return text, hdrlen, False
            if not body:
                return text + trunc("llc"), hdrlen, False
            if body[0] == 0x81:
                if len(body) < 3 or blen < 3:
                    return text + trunc("llc") + default_print(body), hdrlen, False
                return text + f": {body[1]:02x} {body[2]:02x}", hdrlen, False
    else:
        flag = IS_FLAGS.get((ssap_f & 1) | (control & 0x100), "?")
        nr = control >> 9
        if control & 3 == 1:
            sup = SUPERVISORY.get((control >> 2) & 3, "?")
            return text + f"Supervisory, {sup}, rcv seq {nr}, Flags [{flag}], " \
                f"length {length}", hdrlen, False
        text += (f"Information, send seq {(control >> 1) & 0x7F}, rcv seq {nr}, "
                 f"Flags [{flag}], length {length}")
    return text, hdrlen, True


IPX_HDRLEN = 30


def ipx_text(ctx: Ctx, b: bytes, length: int) -> str:
    """An IPX header: tcpdump's addresses and the socket-number fallback."""
    text = "" if ctx.opts.link_header else "IPX "
    if len(b) < IPX_HDRLEN:
        return text + ctx.cut("ipx")
    dnet, snet = b[6:10].hex(), b[18:22].hex()
    dsock, ssock = b[16] << 8 | b[17], b[28] << 8 | b[29]
    text += (f"{snet}.{mac_str(b[22:28])}.{ssock:04x} > "
             f"{dnet}.{mac_str(b[10:16])}.{dsock:04x}: ")
    plen = b[2] << 8 | b[3]
    if plen < IPX_HDRLEN:
        return text + f"[length {plen} < {IPX_HDRLEN}] (invalid)"
    return text + _ipx_payload(ctx, dsock, b[IPX_HDRLEN:], plen - IPX_HDRLEN)


# destination sockets tcpdump names without decoding (NetBIOS, NWLink: SMB not built)
IPX_SOCKETS = {0x0451: "ipx-ncp", 0x0455: "ipx-netbios", 0x0456: "ipx-diags",
               0x0553: "ipx-nwlink-dgm"}
IPX_SAP, IPX_RIP = 0x0452, 0x0453
SAP_COMMANDS = {1: "ipx-sap-req", 3: "ipx-sap-nearest-req", 2: "ipx-sap-resp",
                4: "ipx-sap-nearest-resp"}
SAP_NAME, SAP_ENTRY = 48, 64     # server name, and a whole entry after its type


def _ipx_payload(ctx: Ctx, sock: int, b: bytes, length: int) -> str:
    """What tcpdump says of an IPX payload, by destination socket (service
    types as hex: with -n tcpdump loads no names)."""
    if sock in IPX_SOCKETS:
        return f"{IPX_SOCKETS[sock]} {length}"
    if sock not in (IPX_SAP, IPX_RIP):
        return f"ipx-#{sock:x} {length}"
    if len(b) < 2:
        return ctx.cut("ipx")
    cmd = b[0] << 8 | b[1]
    if length < 2:
        return " (invalid)"
    body, length = b[2:], length - 2
    if sock == IPX_RIP:
        return _ipx_rip(ctx, cmd, body, length)
    if cmd not in SAP_COMMANDS:
        return f"ipx-sap-?{cmd:x}"
    text = SAP_COMMANDS[cmd]
    if cmd in (1, 3):
        return text + (f" {body[0]:02x}{body[1]:02x}" if len(body) >= 2 else ctx.cut("ipx"))
    at = 0

    def lacking(n: int) -> str | None:
        # tcpdump checks the capture first, then the length the header claims
        if len(body) < at + n:
            return ctx.cut("ipx")
        return " (invalid)" if length < n else None

    for _ in range(8):
        if length == 0:
            break
        if (bad := lacking(2)) is not None:
            return text + bad
        text += f" {body[at]:02x}{body[at + 1]:02x} '"
        at, length = at + 2, length - 2
        if length < SAP_NAME:
            return text + "' (invalid)"
        if len(body) < at + SAP_NAME:
            return text + ctx.cut("ipx")
        text += text_chars(body[at:at + SAP_NAME].split(b"\0", 1)[0]) + "'"
        at, length = at + SAP_NAME, length - SAP_NAME
        if (bad := lacking(10)) is not None:
            return text + bad
        text += f" addr {body[at:at + 4].hex()}.{mac_str(body[at + 4:at + 10])}"
        at, length = at + 10, length - 10
        if (bad := lacking(4)) is not None:    # socket and hop count, not printed
            return text + bad
        at, length = at + 4, length - 4
    return text


def _ipx_rip(ctx: Ctx, cmd: int, body: bytes, length: int) -> str:
    if cmd not in (1, 2):
        return f"ipx-rip-?{cmd:x}"
    text = "ipx-rip-req" if cmd == 1 else "ipx-rip-resp"
    at = 0
    for _ in range(1 if cmd == 1 else 50):
        if length == 0:
            break
        if length < 8:
            return text + " (invalid)"
        if len(body) < at + 8:
            return text + ctx.cut("ipx")
        net, hops, ticks = struct.unpack_from("!IHH", body, at)
        text += f" {net:08x}/{hops}.{ticks}"
        at, length = at + 8, length - 8
    return text


def ipx_ethernet(ctx: Ctx, b: bytes, length: int) -> str:
    """IPX in an Ethernet II frame (ethertype 0x8137), tagged as tcpdump tags it."""
    return "(NOV-ETHII) " + ipx_text(ctx, b, length)


def llc_frame(ctx: Ctx, b: bytes, length: int, src: bytes | None = None,
              dst: bytes | None = None) -> tuple[str, int]:
    """An LLC frame with tcpdump's hex dump of what it could not decode; the
    text and the header length."""
    text, hdrlen, dump = llc_text(ctx, b, length, src, dst)
    if dump and not suppressed(ctx.opts):
        text += default_print(b)
    return text, hdrlen
