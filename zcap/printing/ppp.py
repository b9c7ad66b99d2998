"""PPP (RFC 1661) as a link type and inside PPPoE (RFC 2516), with the control
protocols' first line, and PPPoE discovery tags."""

from __future__ import annotations

from zcap.printing.context import Ctx
from zcap.printing.l2common import SHORT, Truncated, trunc, u16, unknown_data

PROTOCOLS = {
    0x0021: "IP", 0x0023: "OSI", 0x0025: "NS", 0x0027: "DECNET", 0x0029: "APPLE",
    0x002B: "IPX", 0x002D: "VJC IP", 0x002F: "VJNC IP", 0x0031: "BRPDU", 0x0033: "STII",
    0x0035: "VINES", 0x003D: "MLPPP", 0x0057: "IP6", 0x00FD: "Compressed", 0x0201: "HELLO",
    0x0231: "LUXCOM", 0x0233: "SNS", 0x0281: "MPLS", 0x0283: "MPLS", 0x8021: "IPCP",
    0x8023: "OSICP", 0x8025: "NSCP", 0x8027: "DECNETCP", 0x8029: "APPLECP", 0x802B: "IPXCP",
    0x8033: "STIICP", 0x8035: "VINESCP", 0x8057: "IP6CP", 0x80FD: "CCP", 0x8281: "MPLSCP",
    0xC021: "LCP", 0xC023: "PAP", 0xC025: "LQM", 0xC027: "SPAP", 0xC02B: "BACP",
    0xC02D: "BAP", 0xC03D: "MLPPP-CP", 0xC223: "CHAP", 0xC227: "EAP",
}
CONTROL_PROTOCOLS = frozenset({0xC021, 0x8021, 0x8023, 0x8281, 0x8057, 0x80FD, 0xC02B})
CONTROL_CODES = ("Vendor-Extension", "Conf-Request", "Conf-Ack", "Conf-Nack", "Conf-Reject",
                 "Term-Request", "Term-Ack", "Code-Reject", "Prot-Reject", "Echo-Request",
                 "Echo-Reply", "Disc-Req", "Ident", "Time-Rem", "Reset-Req", "Reset-Ack")
IPV4_PROTOS = frozenset({0x0800, 0x002F, 0x0021})
IPV6_PROTOS = frozenset({0x86DD, 0x0057})
MPLS_PROTOS = frozenset({0x0281, 0x0283})

PPPOE_CODES = {0x09: "PADI", 0x07: "PADO", 0x19: "PADR", 0x65: "PADS", 0xA7: "PADT", 0x00: ""}
PPPOE_TAGS = {0x0000: "End-Of-List", 0x0101: "Service-Name", 0x0102: "AC-Name",
              0x0103: "Host-Uniq", 0x0104: "AC-Cookie", 0x0105: "Vendor-Specific",
              0x0110: "Relay-Session-ID", 0x0120: "PPP-Max-Payload",
              0x0201: "Service-Name-Error", 0x0202: "AC-System-Error", 0x0203: "Generic-Error"}
PPPOE_HDRLEN = 6
MAX_TAG_TEXT = 79  # tcpdump shows at most this many characters of a tag


def protocol_text(ctx: Ctx, proto: int, b: bytes, length: int) -> str:
    """What a PPP protocol number carries (tcpdump's handle_ppp)."""
    if proto in CONTROL_PROTOCOLS:
        text = PROTOCOLS.get(proto, f"unknown ctrl-proto (0x{proto:04x})") + ", "
        if length < 4:
            return text + f"[|{PROTOCOLS.get(proto, 'ppp')}]"
        code = b[0]
        name = CONTROL_CODES[code] if code < len(CONTROL_CODES) else "Unknown Opcode"
        text += f"{name} (0x{code:02x}), id {b[1]}, length {length + 2}"
        if ctx.opts.verbose:
            try:
                text += _control_verbose(proto, code, b, length)
            except (Truncated, *SHORT):
                text += trunc("ppp")
        return text
    from zcap.printing.dispatch import ip_payload
    if proto in IPV4_PROTOS:
        return ip_payload(ctx, 4, b, length)
    if proto in IPV6_PROTOS:
        return ip_payload(ctx, 6, b, length)
    if proto in MPLS_PROTOS:
        from zcap.printing.mpls import mpls_text
        return mpls_text(ctx, b, length)
    if proto == 0x00FD:
        return "compressed PPP data"
    return (PROTOCOLS.get(proto, f"unknown PPP protocol (0x{proto:04x})") + " "
            + unknown_data(b[:length]))


# configuration options of the control protocols: number -> name, per protocol
LCP_OPTIONS = dict(enumerate((
    "Vend-Ext", "MRU", "ACCM", "Auth-Prot", "Qual-Prot", "Magic-Num", "deprecated(6)", "PFC",
    "ACFC", "FCS-Alt", "SDP", "Num-Mode", "deprecated(12)", "Call-Back", "deprecated(14)",
    "deprecated(15)", "deprecated(16)", "MRRU", "12-Bit seq #", "End-Disc", "Proprietary",
    "DCE-Id", "MP+", "Link-Disc", "LCP-Auth-Opt", "COBS", "Prefix-elision",
    "Multilink-header-Form", "I18N", "SDL-over-SONET/SDH", "PPP-Muxing")))
NUM_LCP_OPTIONS = len(LCP_OPTIONS)
IPCP_OPTIONS = {1: "IP-Addrs", 2: "IP-Comp", 3: "IP-Addr", 4: "MobileIP", 0x81: "Pri-DNS",
                0x82: "Pri-NBNS", 0x83: "Sec-DNS", 0x84: "Sec-NBNS"}
IP6CP_OPTIONS = {1: "Interface-ID"}
AUTH_PROTOCOLS = {0xC023: "PAP", 0xC223: "CHAP", 0xC227: "EAP"}
CHAP_ALGORITHMS = {5: "MD5", 0x80: "MS-CHAPv1", 0x81: "MS-CHAPv2"}
CONF_CODES = frozenset({1, 2, 3, 4})
ECHO_CODES = frozenset({9, 10, 11})


def _option(proto: int, kind: int, v: bytes) -> str:
    """The value tcpdump shows after an option's length (empty for none)."""
    if proto == 0xC021:
        if kind in (1, 17):
            return f": {u16(v, 0)}"
        if kind in (2, 5):
            return f": 0x{int.from_bytes(v[:4], 'big'):08x}"
        if kind == 3:
            auth = u16(v, 0)
            text = f": {AUTH_PROTOCOLS.get(auth, f'unknown (0x{auth:04x})')}"
            if auth == 0xC223:
                text += f", {CHAP_ALGORITHMS.get(v[2], 'unknown')}"
            return text
        return ""
    if proto == 0x8021 and kind in (3, 0x81, 0x82, 0x83, 0x84):
        from zcap.printing.context import ip4_str
        return f": {ip4_str(bytes(v[:4]))}"
    if proto == 0x8057 and kind == 1:
        return ": " + ":".join(f"{u16(v, i):04x}" for i in range(0, 8, 2))
    return ""


def _control_verbose(proto: int, code: int, b: bytes, length: int) -> str:
    """-v's lines for a control-protocol packet: its options or echo magic."""
    enc = u16(b, 2)
    if enc > length:
        return f"\n\tencoded length {enc} (> packet length {length}))"
    text = f"\n\tencoded length {enc} (=Option(s) length {enc - 4})"
    names = {0xC021: LCP_OPTIONS, 0x8021: IPCP_OPTIONS, 0x8057: IP6CP_OPTIONS}.get(proto)
    if code in CONF_CODES and names is not None:
        off, left = 4, enc - 4
        while left > 0:
            kind, olen = b[off], b[off + 1]
            if olen < 2:
                break  # tcpdump stops at a bogus option length without a word
            v = b[off + 2:off + olen]
            if len(v) < olen - 2:
                break  # tcpdump leaves an option running off the packet unmentioned
            if proto == 0xC021 and kind >= NUM_LCP_OPTIONS:
                text += f"\n\tunknown LCP option 0x{kind:02x}"
                off, left = off + olen, left - olen
                continue
            text += f"\n\t  {names.get(kind, 'unknown')} Option (0x{kind:02x}), length {olen}"
            if kind in names:
                text += _option(proto, kind, v)
            else:
                text += unknown_data(v).replace("\n\t", "\n\t    ")
            if olen > left:
                return text + f" [remaining options length {left} < {olen}] (invalid)"
            off, left = off + olen, left - olen
    elif code in ECHO_CODES and proto == 0xC021:
        if length >= 8:
            text += f"\n\t  Magic-Num 0x{int.from_bytes(b[4:8], 'big'):08x}"
            if enc > 8:
                text += "\n\t  -----trailing data-----" + \
                    unknown_data(b[8:enc]).replace("\n\t", "\n\t  ")
    elif code >= len(CONTROL_CODES):
        text += unknown_data(b"".join((proto.to_bytes(2, "big"), b[:length]))).replace(
            "\n\t", "\n\t  ")
    elif code == 8 and proto == 0xC021:
        rej = u16(b, 4)
        text += f"\n\t  Rejected {PROTOCOLS.get(rej, 'unknown')} Protocol (0x{rej:04x})"
        if enc > 6:
            text += "\n\t  Rejected Packet" + unknown_data(b[6:enc]).replace("\n\t", "\n\t    ")
    return text


def header_len(b: bytes) -> int:
    """The bytes of address, control and protocol fields in front of the payload."""
    off = 2 if len(b) >= 2 and b[0:2] in (b"\x00\x03", b"\x01\x03", b"\xff\x03") else 0
    if len(b) < off + 2:
        return 0
    return off + (1 if b[off] & 1 else 2)


def ppp_text(ctx: Ctx, b: bytes, length: int) -> str:
    """A PPP frame, from its address and control bytes if present."""
    olen, off = length, 0
    try:
        if length < 2:
            return trunc("ppp")
        head = u16(b, 0)
        if head in (0x0003, 0x0103, 0xFF03):
            if ctx.opts.link_header and head != 0xFF03:
                text_dir = "In  " if head == 0x0003 else "Out "
            else:
                text_dir = ""
            off, length = 2, length - 2
        else:
            text_dir = ""
        if length < 2:
            return text_dir + trunc("ppp")
        if b[off] & 1:  # protocol field compression
            proto, off, length = b[off], off + 1, length - 1
        else:
            proto, off, length = u16(b, off), off + 2, length - 2
        text = text_dir
        if ctx.opts.link_header:
            text += f"{PROTOCOLS.get(proto, 'unknown')} (0x{proto:04x}), length {olen}"
            if proto not in PROTOCOLS:  # tcpdump says no more of a protocol it can't name
                return text
            text += ": "
        return text + protocol_text(ctx, proto, b[off:], length)
    except SHORT:
        return trunc("ppp")


def pppoe_text(ctx: Ctx, b: bytes, length: int) -> str:
    """A PPPoE discovery or session packet."""
    if length < PPPOE_HDRLEN:
        return f" (length {length} < {PPPOE_HDRLEN}) (invalid)"
    if len(b) < PPPOE_HDRLEN:
        return trunc("pppoe")
    length -= PPPOE_HDRLEN
    ver, ptype, code = b[0] >> 4, b[0] & 15, b[1]
    session, plen = u16(b, 2), u16(b, 4)
    text = ""
    if ver != 1:
        text += f" [ver {ver}]"
    if ptype != 1:
        text += f" [type {ptype}]"
    text += f"PPPoE {PPPOE_CODES.get(code, f'PAD-{code:x}')}"
    if code == 0x09 and plen > 1484 - PPPOE_HDRLEN:
        text += f" [len {plen}!]"
    if plen > length:
        text += f" [len {plen} > {length}!]"
        plen = length
    if session:
        text += f" [ses 0x{session:x}]"
    body = b[PPPOE_HDRLEN:]
    if code == 0:
        return text + " " + ppp_text(ctx, body, plen)
    off, tag = 0, 0xFFFF
    try:
        while tag and off < plen:
            tag, tlen = u16(body, off), u16(body, off + 2)
            off += 4
            name = PPPOE_TAGS.get(tag, f"TAG-0x{tag:x}")
            if tlen:
                value = body[off:off + tlen]
                if len(value) < tlen:
                    raise IndexError
                shown = value[:MAX_TAG_TEXT]
                printable = sum(0x20 <= c < 0x7F for c in shown)
                if printable > len(shown) - printable:
                    s = "".join(chr(c) if 0x20 <= c < 0x7F else "." for c in shown)
                    text += f' [{name} "{s}"]'
                else:
                    text += f" [{name} 0x{value.hex().upper()}]"
            else:
                text += f" [{name}]"
            off += tlen
    except SHORT:
        text += trunc("pppoe")
    return text
