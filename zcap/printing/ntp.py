"""NTP (UDP port 123): version and mode; with -v the header fields and the
four timestamps, in NTP's own seconds-since-1900 and as UTC dates."""

from __future__ import annotations

import struct
import time

from zcap.printing.context import Ctx, text_chars

MODES = {0: "unspecified", 1: "symmetric active", 2: "symmetric passive", 3: "Client",
         4: "Server", 5: "Broadcast", 6: "Control Message", 7: "Reserved"}
LEAP = {0: "", 1: "+1s", 2: "-1s", 3: "clock unsynchronized"}
JAN_1970 = 2208988800   # seconds from the NTP epoch (1900) to the Unix epoch
TIME_MODES = frozenset({0, 1, 2, 3, 4, 5})


def _frac(f: int) -> int:
    """A 32-bit binary fraction as billionths, truncated as tcpdump does."""
    return int(f / 4294967296.0 * 1000000000.0)


def _time(b: bytes) -> str:
    sec, frac = struct.unpack("!II", b)
    text = f"{sec}.{_frac(frac):09d}"
    if sec:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(sec - JAN_1970))
        text += f" ({stamp})"
    return text


def _delta(old: bytes, new: bytes) -> str:
    ou, ouf = struct.unpack("!II", old)
    u, uf = struct.unpack("!II", new)
    if ou == 0 and ouf == 0:
        return _time(new)
    if u > ou:
        sign, i, f = "+", u - ou, (uf - ouf) & 0xFFFFFFFF
        if ouf > uf:
            i -= 1
    elif u < ou:
        sign, i, f = "-", ou - u, (ouf - uf) & 0xFFFFFFFF
        if uf > ouf:
            i -= 1
    elif uf > ouf:
        sign, i, f = "+", 0, uf - ouf
    else:
        sign, i, f = "-", 0, ouf - uf
    return f"{sign}{i}.{_frac(f):09d}"


def _sfix(b: bytes) -> str:
    i, f = struct.unpack("!hH", b)
    return f"{i}.{int(f / 65536.0 * 1000000.0):06d}"


def ntp_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """``NTPv4, Client, length 48`` and, with -v, the fields."""
    if not b:
        return ctx.cut("ntp")
    mode, ver, leap = b[0] & 7, (b[0] >> 3) & 7, b[0] >> 6
    text = f"NTPv{ver}, {MODES[mode]}, length {length}"
    if not ctx.opts.verbose:
        return text
    text += f"\n\tLeap indicator: {LEAP[leap]} ({leap << 6})"
    if mode == 6:
        return text + _control(ctx, b, length)
    if mode not in TIME_MODES:
        return text
    if length < 48:
        return text + " (invalid)" + (ctx.cut("ntp") if len(b) < length else "")
    out = [text]
    try:
        _time_fields(b, length, out)
    except IndexError:
        return "".join(out) + ctx.cut("ntp")
    return "".join(out)


def _time_fields(b: bytes, length: int, out: list[str]) -> None:
    """The -v fields of a time message, in order, as far as they were captured
    (a field cut short raises IndexError where tcpdump gives up)."""
    w = out.append

    def need(n: int) -> bytes:
        if len(b) < n:
            raise IndexError
        return b

    stratum = need(2)[1]
    sname = {0: "unspecified", 1: "primary reference"}.get(
        stratum, "secondary reference" if 2 <= stratum <= 15 else "reserved")
    w(f", Stratum {stratum} ({sname})")
    poll = struct.unpack_from("!b", need(3), 2)[0]
    w(f", poll {poll}")
    if -32 < poll < 32:
        w(f" ({1 << poll}s)" if poll >= 0 else f" (1/{1 << -poll}s)")
    w(f", precision {struct.unpack_from('!b', need(4), 3)[0]}")
    w(f"\n\tRoot Delay: {_sfix(need(8)[4:8])}, Root dispersion: {_sfix(need(12)[8:12])}"
      ", Reference-ID: ")
    ref = need(16)[12:16]
    if stratum == 0:
        w("(unspec)")
    elif stratum == 1:
        w(text_chars(ref))
    else:
        w(f"0x{struct.unpack('!I', ref)[0]:08x}")
    for off, label in ((16, "Reference Timestamp:  "), (24, "Originator Timestamp: "),
                       (32, "Receive Timestamp:    "), (40, "Transmit Timestamp:   ")):
        w(f"\n\t  {label}" + _time(need(off + 8)[off:off + 8]))
    w("\n\t    Originator - Receive Timestamp:  " + _delta(b[24:32], b[32:40]))
    w("\n\t    Originator - Transmit Timestamp: " + _delta(b[24:32], b[40:48]))
    if length in (52, 68):
        w(f"\n\tKey id: {struct.unpack_from('!I', need(52), 48)[0]}")
    if length == 68:
        w("\n\tAuthentication: " + "".join(
            f"{v:08x}" for v in struct.unpack_from("!IIII", need(68), 52)))




def _control(ctx: Ctx, b: bytes, length: int) -> str:
    """Mode 6 control messages: the header fields."""
    if length < 12:
        return " (invalid)"
    if len(b) < 12:
        return ctx.cut("ntp")
    c = b[1]
    seq, status, assoc, off, cnt = struct.unpack_from("!HHHHH", b, 2)
    text = (f", {'Response' if c & 0x80 else 'Request'}, {'Error' if c & 0x40 else 'OK'}, "
            f"{'More' if c & 0x20 else 'Last'}, OpCode={c & 0x1F}\n\tSequence={seq}, "
            f"Status={hex(status) if status else 0}, Assoc.={assoc}, Offset={off}, Count={cnt}")
    if 12 + cnt > length:
        return text + " (invalid)"
    if cnt:
        text += "\n\tTO-BE-DONE"
    if 12 + cnt < length:
        text += "\n\tTO-BE-DONE"
    return text
