"""PPP (RFC 1661) as a link type and inside PPPoE (RFC 2516), with the control
protocols' first line, and PPPoE discovery tags."""

from __future__ import annotations

from zcap.printing.context import Ctx
from zcap.printing.l2common import SHORT, trunc, u16, unknown_data

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
            return text + trunc("ppp")
        code = b[0]
        name = CONTROL_CODES[code] if code < len(CONTROL_CODES) else "Unknown Opcode"
        return text + f"{name} (0x{code:02x}), id {b[1]}, length {length + 2}"
    from zcap.printing.link import ip_payload
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
            text += f"{PROTOCOLS.get(proto, 'unknown')} (0x{proto:04x}), length {olen}: "
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
