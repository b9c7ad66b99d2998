"""Kerberos (UDP 88 and 750) as tcpdump prints it: the protocol version, and
for version 4 the message type, the byte order its sender wrote in and the
names it carries; version 5 is only named (tcpdump decodes no ASN.1 here)."""

from __future__ import annotations

from zcap.printing.context import Ctx, text_chars

KDC_REQUEST, KDC_REPLY, APPL_REQUEST, APPL_REQUEST_MUTUAL, ERR_REPLY, PRIVATE, SAFE, \
    APPL_ERR = (n << 1 for n in range(1, 9))
DIE = 63 << 1
TYPES = {KDC_REQUEST: "KDC_REQUEST", KDC_REPLY: "KDC_REPLY", APPL_REQUEST: "APPL_REQUEST",
         APPL_REQUEST_MUTUAL: "APPL_REQUEST_MUTUAL", ERR_REPLY: "ERR_REPLY",
         PRIVATE: "PRIVATE", SAFE: "SAFE", APPL_ERR: "APPL_ERR", DIE: "DIE"}
ERRORS = {0: "OK", 1: "NAME_EXP", 2: "SERVICE_EXP", 3: "AUTH_EXP", 4: "PKT_VER",
          5: "NAME_MAST_KEY_VER", 6: "SERV_MAST_KEY_VER", 7: "BYTE_ORDER",
          8: "PRINCIPAL_UNKNOWN", 9: "PRINCIPAL_NOT_UNIQUE", 10: "NULL_KEY"}


class _NoEnd(Exception):
    """A string with no NUL before the capture ends: tcpdump says so and stops
    printing the message (without abandoning the packet)."""


def _string(b: bytes, off: int, out: list[str]) -> int:
    """A NUL-terminated string from ``off``; returns the offset after the NUL."""
    end = b.find(b"\0", off)
    if end < 0:
        out.append(text_chars(b[off:]))
        raise _NoEnd
    out.append(text_chars(b[off:end]))
    return end + 1


def _names(b: bytes, off: int, out: list[str]) -> int:
    """The ``name.instance@realm`` after the two header bytes."""
    off = _string(b, off + 2, out)
    out.append(".")
    off = _string(b, off, out)
    out.append("@")
    return _string(b, off, out)


def _krb4(b: bytes, out: list[str]) -> None:
    little = b[1] & 1
    kind = b[1] & 0xFE
    out.append(f" {'le' if little else 'be'} {TYPES.get(kind, f'#{kind}')}: ")

    def u16(off: int) -> int:
        if off + 2 > len(b):
            raise IndexError("krb: field past the capture")
        return int.from_bytes(b[off:off + 2], "little" if little else "big")

    if kind == KDC_REQUEST:
        off = _names(b, 0, out) + 4           # after the client's time
        out.append(f" {b[off] * 5}min ")
        off = _string(b, off + 1, out)
        out.append(".")
        _string(b, off, out)
    elif kind == APPL_REQUEST:
        out.append(f"v{b[2]} ")
        off = _string(b, 3, out)
        out.append(f" ({b[off]})")
        out.append(f" ({b[off + 1]})")
    elif kind == KDC_REPLY:
        off = _names(b, 0, out) + 10          # time stamp, count, expiry, key version
        out.append(f" ({u16(off)})")
    elif kind == ERR_REPLY:
        off = _names(b, 0, out) + 4           # time stamp
        code = u16(off)
        out.append(f" {ERRORS.get(code, f'#{code}')} ")
        _string(b, off + 4, out)
    else:
        out.append("(unknown)")


def krb_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """Kerberos, from the space before the version on."""
    if not b:
        return " [|krb]"      # tcpdump checks first: it does not abandon the packet
    version = b[0]
    if version in (1, 2, 3):
        return f" v{version}"
    if version in (106, 107):
        return " v5"
    if version != 4:
        return ""
    out = [" v4"]
    try:
        if len(b) < 2:
            raise IndexError("krb: header past the capture")
        _krb4(b, out)
    except _NoEnd:
        out.append(" [|krb]")
    except IndexError:
        out.append(ctx.cut("krb"))
    return "".join(out)
