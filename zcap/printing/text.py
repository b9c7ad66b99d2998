"""Line-oriented application protocols over TCP (HTTP, RTSP, FTP, SMTP,
WHOIS, the SSH banner, BGP's name): tcpdump prints the protocol's name and
its first line, or every line with -v, and nothing of binary data."""

from __future__ import annotations

from zcap.printing.context import Ctx

HTTP_METHODS = frozenset(
    "GET PUT COPY HEAD LOCK MOVE POLL POST BCOPY BMOVE MKCOL TRACE LABEL MERGE DELETE "
    "SEARCH UNLOCK REPORT UPDATE NOTIFY BDELETE CONNECT OPTIONS CHECKIN PROPFIND CHECKOUT "
    "CCM_POST SUBSCRIBE PROPPATCH BPROPFIND BPROPPATCH UNCHECKOUT MKACTIVITY MKWORKSPACE "
    "UNSUBSCRIBE RPC_CONNECT VERSION-CONTROL BASELINE-CONTROL".split())
RTSP_METHODS = frozenset(
    "DESCRIBE ANNOUNCE GET_PARAMETER OPTIONS PAUSE PLAY RECORD REDIRECT SETUP "
    "SET_PARAMETER TEARDOWN".split())
SIP_METHODS = frozenset(
    "ACK BYE CANCEL DO INFO INVITE MESSAGE NOTIFY OPTIONS PRACK QAUTH REFER REGISTER SPRACK "
    "SUBSCRIBE UPDATE PUBLISH".split())
MAX_TOKEN = 128


class Cut(Exception):
    """The line runs past the captured bytes: tcpdump abandons the packet."""


def _line(payload: bytes, start: int, prefix: str, proto: str,
          length: int) -> tuple[str, int]:
    """One text line from ``start``: (text printed, index after it; 0 to stop).

    ``length`` is the payload length on the wire; ``payload`` what was captured.
    """
    i = start
    n = length
    while i < n:
        if i >= len(payload):
            raise Cut
        c = payload[i]
        if c == 0x0A:
            return prefix + payload[start:i].decode("latin-1"), i + 1
        if c == 0x0D:
            if i + 1 >= n:
                return "", 0
            if i + 1 >= len(payload):
                raise Cut
            if payload[i + 1] == 0x0A:
                return prefix + payload[start:i].decode("latin-1"), i + 2
            return "", 0
        if not (0x20 <= c < 0x7F or c == 0x09):
            return "", 0
        i += 1
    # all printable but no end of line: tcpdump marks it as cut short
    return prefix + payload[start:n].decode("latin-1") + f" [|{proto.lower()}]", 0


def _token(payload: bytes, start: int, length: int) -> tuple[str, int]:
    """The next space-delimited token and where the one after it starts; none
    when it runs past the captured bytes (``length`` is the length on the wire)."""
    i = start
    n = len(payload)
    while i < n and payload[i] not in b" \t\r\n":
        if not (0x20 <= payload[i] < 0x7F):
            return "", 0
        i += 1
    if i == start or (i >= n and n < length):
        return "", 0
    tok = payload[start:i][:MAX_TOKEN].decode("latin-1")
    while i < n and payload[i] in b" \t":
        i += 1
    return tok, i


def _is_request_or_status(payload: bytes, length: int, methods: frozenset[str]) -> bool:
    tok, nxt = _token(payload, 0, length)
    if not tok:
        return False
    if tok.upper() in methods:
        return True
    # otherwise a status line: the second token is a three-digit code
    tok, _ = _token(payload, nxt, length)
    return len(tok) == 3 and tok.isdigit()


def txtproto(ctx: Ctx, payload: bytes, length: int, proto: str,
             methods: frozenset[str] | None) -> str:
    """``: PROTO: first line`` (``: PROTO, length: N`` and every line with -v)."""
    text = ": " + proto
    if methods is not None and not _is_request_or_status(payload, length, methods):
        return text
    try:
        if ctx.opts.verbose:
            text += f", length: {length}"
            i = 0
            while i < length:
                line, i = _line(payload, i, "\n\t", proto, length)
                text += line
                if not i:
                    break
            return text
        return text + _line(payload, 0, ": ", proto, length)[0]
    except Cut:
        return text + ctx.cut(proto.lower())


def http_print(ctx: Ctx, payload: bytes, length: int, sport: int, dport: int) -> str:
    """HTTP request and status lines."""
    return txtproto(ctx, payload, length, "HTTP", HTTP_METHODS)


def rtsp_print(ctx: Ctx, payload: bytes, length: int, sport: int, dport: int) -> str:
    """RTSP request and status lines."""
    return txtproto(ctx, payload, length, "RTSP", RTSP_METHODS)


def ftp_print(ctx: Ctx, payload: bytes, length: int, sport: int, dport: int) -> str:
    """FTP control lines."""
    return txtproto(ctx, payload, length, "FTP", None)


def smtp_print(ctx: Ctx, payload: bytes, length: int, sport: int, dport: int) -> str:
    """SMTP lines."""
    return txtproto(ctx, payload, length, "SMTP", None)


def whois_print(ctx: Ctx, payload: bytes, length: int, sport: int, dport: int) -> str:
    """WHOIS lines."""
    return txtproto(ctx, payload, length, "WHOIS", None)


def ssh_print(ctx: Ctx, payload: bytes, length: int, sport: int, dport: int) -> str:
    """The SSH identification string; encrypted traffic prints nothing."""
    if not payload.startswith(b"SSH-"):
        return ""
    end = payload.find(b"\n")
    if end < 0:
        return ""
    line = payload[:end]
    if line.endswith(b"\r"):
        line = line[:-1]
    if any(not 0x20 <= c < 0x7F for c in line):
        return ""
    return ": SSH: " + line.decode("latin-1")


def bgp_print(ctx: Ctx, payload: bytes, length: int, sport: int, dport: int) -> str:
    """BGP: tcpdump names it and decodes messages only with -v."""
    return ": BGP"


def sip_print(ctx: Ctx, payload: bytes, length: int, sport: int, dport: int) -> str:
    """SIP over UDP: ``SIP: <first line>`` (every line with -v)."""
    return txtproto(ctx, payload, length, "SIP", SIP_METHODS)[2:]
