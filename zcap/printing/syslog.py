"""Syslog over UDP (port 514): facility and severity from the ``<PRI>``
prefix; the message itself with -v."""

from __future__ import annotations

from zcap.printing.context import Ctx, text_chars
from zcap.printing.hexdump import hex_lines

FACILITIES = ("kernel", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp",
              "cron", "authpriv", "ftp", "ntp", "security", "console", "cron", "local0",
              "local1", "local2", "local3", "local4", "local5", "local6", "local7")
SEVERITIES = ("emergency", "alert", "critical", "error", "warning", "notice", "info", "debug")
MAX_DIGITS = 3




def syslog_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """``SYSLOG facility.severity, length: N`` (more with -v)."""
    try:
        if b[0] != 0x3C:
            return " (invalid)"
        off, pri = 1, 0
        while off <= MAX_DIGITS and 0x30 <= b[off] <= 0x39:
            pri = pri * 10 + b[off] - 0x30
            off += 1
        if b[off] != 0x3E:
            return " (invalid)"
    except IndexError:
        return ctx.cut("syslog")
    off += 1
    fac, sev = (pri & 0x3F8) >> 3, pri & 7
    fname = FACILITIES[fac] if fac < len(FACILITIES) else f"unknown ({fac})"
    sname = SEVERITIES[sev]
    if not ctx.opts.verbose:
        return f"SYSLOG {fname}.{sname}, length: {length}"
    text = (f"SYSLOG, length: {length}\n\tFacility {fname} ({fac}), Severity {sname} ({sev})"
            f"\n\tMsg: " + text_chars(b[off:length]))
    if len(b) < length:
        return text + ctx.cut("syslog")
    if ctx.opts.verbose > 1:
        text += "".join("\n" + ln for ln in hex_lines(b[:length], False))
    return text
