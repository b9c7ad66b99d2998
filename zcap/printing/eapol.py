"""802.1X EAPOL frames and the EAP packets they carry (RFC 3748), tcpdump's
first line and -v's code, id and type."""

from __future__ import annotations

from zcap.printing.context import Ctx
from zcap.printing.l2common import SHORT, Truncated, bits, printable, trunc, u16, u32

FRAME_TYPES = {0: "EAP packet", 1: "EAPOL start", 2: "EAPOL logoff", 3: "EAPOL key",
               4: "Encapsulated ASF alert"}
CODES = {1: "Request", 2: "Response", 3: "Success", 4: "Failure"}
TYPES = {0: "No proposed", 1: "Identity", 2: "Notification", 3: "Nak", 4: "MD5-challenge",
         5: "OTP", 6: "GTC", 13: "TLS", 18: "SIM", 21: "TTLS", 23: "AKA", 43: "FAST"}
TLS_FLAGS = {0x80: "L bit", 0x40: "More fragments bit", 0x20: "Start bit"}
TYPE_IDENTITY, TYPE_NOTIFICATION, TYPE_NAK, TYPE_TLS, TYPE_TTLS = 1, 2, 3, 13, 21


def _chars(b: bytes) -> str:
    return printable(b, stop_at_nul=True)


def _eap(b: bytes, length: int) -> str:
    code, ident, elen = b[0], b[1], u16(b, 2)
    text = f", {CODES.get(code, 'unknown')} ({code}), id {ident}, len {elen}"
    if len(b) < elen:
        raise Truncated(text)
    if code not in (1, 2):
        return text
    kind = b[4]
    text += f"\n\t\t Type {TYPES.get(kind, 'unknown')} ({kind})"
    if kind == TYPE_IDENTITY and elen > 5:
        text += ", Identity: " + _chars(b[5:elen])
    elif kind == TYPE_NOTIFICATION and elen > 5:
        text += ", Notification: " + _chars(b[5:elen])
    elif kind == TYPE_NAK:
        for i in range(5, elen):
            text += f" {TYPES.get(b[i], 'unknown')} ({b[i]}),"
    elif kind in (TYPE_TLS, TYPE_TTLS):
        flags = b[5]
        if kind == TYPE_TTLS:
            text += f" TTLSv{flags & 7}"
        text += f" flags [{bits(TLS_FLAGS, flags)}] 0x{flags:02x}"
        if flags & 0x80:
            text += f", len {u32(b, 6)}"
    return text


def eapol_text(ctx: Ctx, b: bytes, length: int) -> str:
    """An EAPOL frame (after the ethertype)."""
    if len(b) < 4:
        return trunc("eap")
    kind, plen = b[1], u16(b, 2)
    text = f"{FRAME_TYPES.get(kind, 'unknown')} ({kind}) v{b[0]}, len {plen}"
    if not ctx.opts.verbose or kind != 0:
        return text
    if plen == 0:
        return text + ", empty PDU"
    if len(b) < 8:
        return text + ", " + trunc("eap")
    if u16(b, 6) != plen:
        return text + ", EAP fragment?"
    try:
        return text + _eap(b[4:], plen)
    except Truncated as cut:
        return text + str(cut) + trunc("eap")
    except SHORT:
        return text + trunc("eap")
