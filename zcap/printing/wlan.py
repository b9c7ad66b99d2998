"""IEEE 802.11 frames (link type IEEE802_11) and the radiotap header in front
of them (IEEE802_11_RADIO), in tcpdump's words: the radio fields, the frame's
kind with its management details or control addresses, then the LLC payload
of data frames. -e adds the frame's address header."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx, mac_str
from zcap.printing.l2common import SHORT, Truncated, default_print, printable, suppressed, trunc
from zcap.printing.wlan_codes import REASONS, STATUSES

T_MGMT, T_CTRL, T_DATA = 0, 1, 2
MGMT_SUBTYPES = {0: "Assoc Request", 1: "Assoc Response", 2: "ReAssoc Request",
                 3: "ReAssoc Response", 4: "Probe Request", 5: "Probe Response", 8: "Beacon",
                 9: "ATIM", 10: "Disassociation", 11: "Authentication", 12: "DeAuthentication",
                 13: "Action"}
CTRL_SUBTYPES = {7: "Control Wrapper", 8: "BAR", 9: "BA", 10: "Power Save-Poll",
                 11: "Request-To-Send", 12: "Clear-To-Send", 13: "Acknowledgment", 14: "CF-End",
                 15: "CF-End+CF-Ack"}
CTRL_HDRLEN = {7: 10, 8: 20, 9: 10, 10: 16, 11: 16, 12: 10, 13: 10, 14: 16, 15: 16}
CTRL_BAR, CTRL_BA, CTRL_PS_POLL, CTRL_RTS = 8, 9, 10, 11
MGMT_HDRLEN = 24
AUTH_ALGS = ("Open System", "Shared Key", "EAP")
ACTION_CATEGORIES = {0: ("Spectrum Management", None), 1: ("QoS", None), 2: ("DLS", None),
                     3: ("BA", {0: "ADDBA Request", 1: "ADDBA Response", 2: "DELBA"}),
                     7: ("HT", {0: "TxChWidth", 1: "MIMOPwrSave"}),
                     13: ("MeshAction", {0: "MeshLink", 1: "HWMP", 2: "Gate Announcement",
                                         3: "Congestion Control"}),
                     14: ("MultiohopAction", {0: "Proxy Update",
                                              1: "Proxy Update Confirmation"}),
                     15: ("SelfprotectAction", {1: "Peering Open", 2: "Peering Confirm",
                                                3: "Peering Close", 4: "Group Key Inform",
                                                5: "Group Key Ack"}),
                     127: ("Vendor", None)}
# frame-control flag bits (second byte)
TO_DS, FROM_DS, MORE_FRAG, RETRY, PWR_MGMT, MORE_DATA, PROTECTED, ORDER = (
    0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80)
E_SSID, E_RATES, E_DS = 0, 1, 3
CAP_ESS, CAP_PRIVACY = 0x0001, 0x0010
MAX_SSID, MAX_RATES = 32, 16


class _Body:
    """The elements tcpdump shows of a management frame's body (first of each)."""

    def __init__(self) -> None:
        self.ssid: bytes | None = None
        self.rates: bytes | None = None
        self.channel: int | None = None


def _elements(b: bytes, off: int, length: int) -> tuple[_Body, bool]:
    """Walk the information elements; False when they run past the frame."""
    body = _Body()
    while length > 0:
        if len(b) < off + 2:
            return body, False
        eid, elen = b[off], b[off + 1]
        if length < elen + 2 or len(b) < off + 2 + elen:
            return body, False
        value = b[off + 2:off + 2 + elen]
        if eid == E_SSID and body.ssid is None:
            if elen > MAX_SSID:
                return body, False
            body.ssid = value
        elif eid == E_RATES and body.rates is None and elen <= MAX_RATES:
            body.rates = value
        elif eid == E_DS and body.channel is None and elen == 1:
            body.channel = value[0]
        off, length = off + 2 + elen, length - 2 - elen
    return body, True


def _ssid(p: _Body) -> str:
    return "" if p.ssid is None else f" ({printable(p.ssid, stop_at_nul=True)})"


def _rates(p: _Body) -> str:
    if not p.rates:
        return ""
    shown = " ".join(f"{0.5 * (r & 0x7F):2.1f}{'*' if r & 0x80 else ''}" for r in p.rates)
    return f" [{shown} Mbit]"


def _channel(p: _Body, cap: int) -> str:
    text = f" CH: {p.channel}" if p.channel is not None else ""
    return text + (", PRIVACY" if cap & CAP_PRIVACY else "")


def _u16(b: bytes, off: int) -> int:
    return struct.unpack_from("<H", b, off)[0]


def _status(code: int) -> str:
    return STATUSES[code] if code < len(STATUSES) else "n/a"


def _wep(b: bytes) -> str:
    if len(b) < 4:
        raise Truncated
    iv = struct.unpack_from("<I", b, 0)[0]
    return f" IV:{iv & 0xFFFFFF:3x} Pad {(iv >> 24) & 0x3F:x} KeyID {iv >> 30:x}"


def _mgmt_body(ctx: Ctx, subtype: int, flags: int, src: bytes, b: bytes, length: int) -> str:
    """The text after the subtype's name; raises Truncated where tcpdump stops."""
    if flags & PROTECTED:
        return _wep(b)
    eflag = ctx.opts.link_header
    if subtype in (8, 5):  # beacon, probe response: timestamp, interval, capabilities
        if len(b) < 12 or length < 12:
            raise Truncated
        cap = _u16(b, 10)
        p, ok = _elements(b, 12, length - 12)
        text = _ssid(p) + _rates(p)
        if subtype == 8:
            text += " ESS" if cap & CAP_ESS else " IBSS"
        text += _channel(p, cap)
        return text if ok else text + trunc("802.11")
    if subtype == 4:
        p, ok = _elements(b, 0, length)
        text = _ssid(p) + _rates(p)
        return text if ok else text + trunc("802.11")
    if subtype == 0:
        if len(b) < 4 or length < 4:
            raise Truncated
        p, ok = _elements(b, 4, length - 4)
        text = _ssid(p) + _rates(p)
        return text if ok else text + trunc("802.11")
    if subtype in (1, 3):
        if len(b) < 6 or length < 6:
            raise Truncated
        cap, status, aid = struct.unpack_from("<HHH", b, 0)
        _, ok = _elements(b, 6, length - 6)
        text = f" AID({aid & 0x3FFF:x}) :{' PRIVACY ' if cap & CAP_PRIVACY else ''}: " \
               f"{_status(status)}"
        return text if ok else text + trunc("802.11")
    if subtype == 2:
        if len(b) < 10 or length < 10:
            raise Truncated
        p, ok = _elements(b, 10, length - 10)
        text = _ssid(p) + f" AP : {mac_str(b[4:10])}"
        return text if ok else text + trunc("802.11")
    if subtype == 9:
        return ""
    if subtype in (10, 12):
        if len(b) < 2 or length < 2:
            raise Truncated
        code = _u16(b, 0)
        reason = REASONS[code] if code < len(REASONS) else "Reserved"
        if subtype == 12 and not eflag:
            return f" ({mac_str(src)}): {reason}"
        return f": {reason}"
    if subtype == 11:
        if len(b) < 6 or length < 6:
            raise Truncated
        alg, seq, status = struct.unpack_from("<HHH", b, 0)
        _, ok = _elements(b, 6, length - 6)
        name = AUTH_ALGS[alg] if alg < len(AUTH_ALGS) else "Reserved"
        result = _status(status) if seq % 2 else ""
        if alg == 1 and seq in (2, 3):
            text = f" ({name})-{seq:x} [Challenge Text] {result}"
        else:
            text = f" ({name})-{seq:x}: {result}"
        return text if ok else text + trunc("802.11")
    if subtype == 13:
        if len(b) < 2 or length < 2:
            raise Truncated
        text = ": " if eflag else f" ({mac_str(src)}): "
        cat, act = b[0], b[1]
        entry = ACTION_CATEGORIES.get(cat)
        if entry is None:
            return text + f"Reserved({cat}) Act#{act}"
        name, actions = entry
        if actions is None:
            return text + f"{name} Act#{act}"
        return text + f"{name} {actions.get(act, f'Act#{act}')}"
    return ""


def _data_addrs(flags: int, h: bytes) -> tuple[bytes, bytes]:
    """(source, destination) as the addresses of a data frame's header define them."""
    a1, a2, a3 = h[4:10], h[10:16], h[16:22]
    to_ds, from_ds = flags & TO_DS, flags & FROM_DS
    if not to_ds:
        return (a2, a1) if not from_ds else (a3, a1)
    return (a2, a3) if not from_ds else (h[24:30], a3)


def _header_text(ctx: Ctx, ftype: int, subtype: int, flags: int, h: bytes) -> str:
    """What -e prints before the frame's body."""
    text = ""
    if ctx.opts.verbose:
        for bit, word in ((MORE_DATA, "More Data "), (MORE_FRAG, "More Fragments "),
                          (PWR_MGMT, "Pwr Mgmt "), (RETRY, "Retry "),
                          (ORDER, "Strictly Ordered "), (PROTECTED, "Protected ")):
            if flags & bit:
                text += word
        if ftype != T_CTRL or subtype != CTRL_PS_POLL:
            text += f"{_u16(h, 2)}us "
    a1, a2, a3 = (mac_str(h[4:10]), mac_str(h[10:16]) if len(h) >= 16 else "",
                  mac_str(h[16:22]) if len(h) >= 22 else "")
    if ftype == T_MGMT:
        return text + f"BSSID:{a3} DA:{a1} SA:{a2} "
    if ftype == T_CTRL:
        if subtype == CTRL_BAR:
            return text + f" RA:{a1} TA:{a2} CTL({_u16(h, 16):x}) SEQ({_u16(h, 18)}) "
        if subtype == CTRL_PS_POLL:
            return text + f"BSSID:{a1} TA:{a2} "
        if subtype == CTRL_RTS:
            return text + f"RA:{a1} TA:{a2} "
        if subtype in (14, 15):
            return text + f"RA:{a1} BSSID:{a2} "
        return text + (f"RA:{a1} " if subtype in (CTRL_BA, 12, 13) else "")
    if subtype & 0xB:  # CF-Ack, CF-Poll or QoS
        text += "CF "
        if subtype & 1:
            text += "Ack/Poll" if subtype & 2 else "Ack"
        elif subtype & 2:
            text += "Poll"
        if subtype & 8:
            text += "+QoS"
        text += " "
    to_ds, from_ds = flags & TO_DS, flags & FROM_DS
    if not to_ds and not from_ds:
        return text + f"DA:{a1} SA:{a2} BSSID:{a3} "
    if not to_ds:
        return text + f"DA:{a1} BSSID:{a2} SA:{a3} "
    if not from_ds:
        return text + f"BSSID:{a1} SA:{a2} DA:{a3} "
    return text + f"RA:{a1} TA:{a2} DA:{a3} SA:{mac_str(h[24:30])} "


def _ctrl_body(ctx: Ctx, subtype: int, h: bytes) -> str:
    text = CTRL_SUBTYPES.get(subtype, "Unknown Ctrl Subtype")
    if len(h) < CTRL_HDRLEN[subtype]:
        raise Truncated
    eflag = ctx.opts.link_header
    ra, ta = mac_str(h[4:10]), mac_str(h[10:16]) if len(h) >= 16 else ""
    if subtype == CTRL_BAR and not eflag:
        text += f" RA:{ra} TA:{ta} CTL({_u16(h, 16):x}) SEQ({_u16(h, 18)}) "
    elif subtype == CTRL_PS_POLL:
        text += f" AID({_u16(h, 2):x})"
    elif subtype == CTRL_RTS and not eflag:
        text += f" TA:{ta} "
    elif subtype in (CTRL_BA, 12, 13, 14, 15) and not eflag:
        text += f" RA:{ra} "
    return text


def _header_len(ftype: int, subtype: int) -> int | str:
    """The header's length, or tcpdump's complaint about a frame it can't size."""
    if ftype == T_MGMT:
        return MGMT_HDRLEN
    if ftype == T_CTRL:
        return CTRL_HDRLEN.get(subtype, f"unknown 802.11 ctrl frame subtype ({subtype})")
    if ftype == T_DATA:
        return 24 + (2 if subtype & 8 else 0)
    return f"unknown 802.11 frame type ({ftype})"


def _frame(ctx: Ctx, b: bytes, length: int, pad: bool, fcslen: int) -> tuple[str, int]:
    """An 802.11 frame; the text and the header length (where -x starts)."""
    if length < fcslen:
        return trunc("802.11"), len(b)
    length -= fcslen
    if len(b) > length:
        b = b[:length]
    if len(b) < 2:
        return trunc("802.11"), len(b)
    fc, flags = b[0], b[1]
    ftype, subtype = (fc >> 2) & 3, fc >> 4
    hdrlen = _header_len(ftype, subtype)
    if isinstance(hdrlen, str):
        return hdrlen, 0
    if ftype == T_DATA and flags & TO_DS and flags & FROM_DS:
        hdrlen += 6
    if pad:
        hdrlen = (hdrlen + 3) & ~3
    if len(b) < hdrlen:
        return trunc("802.11"), hdrlen
    h = b[:hdrlen]
    text = _header_text(ctx, ftype, subtype, flags, h) if ctx.opts.link_header else ""
    body, blen = b[hdrlen:], length - hdrlen
    try:
        if ftype == T_MGMT:
            text += MGMT_SUBTYPES.get(subtype, f"Unhandled Management subtype({subtype:x})")
            text += _mgmt_body(ctx, subtype, flags, h[10:16], body, blen)
        elif ftype == T_CTRL:
            text += _ctrl_body(ctx, subtype, h)
        elif subtype & 4:  # no data
            pass
        elif flags & PROTECTED:
            text += "Data"
            text += _wep(body)
        else:
            from zcap.printing.llc import llc_text
            src, dst = _data_addrs(flags, h)
            inner, llc_len, dump = llc_text(ctx, body, blen, src, dst)
            text += inner
            if dump and not suppressed(ctx.opts):
                text += default_print(body)
            hdrlen += llc_len
    except (Truncated, *SHORT):
        text += trunc("802.11")
    return text, hdrlen


def ieee802_11(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """Link type IEEE802_11: an 802.11 frame without FCS."""
    return _frame(ctx, frame, wire, False, 0)


# Radiotap fields by bit: (alignment, size, struct format, sign, text) where the
# value prints as ``text.format(sign * value)``; fields with no text have their
# own printer in _field. tcpdump 4.99 sizes no other field and stops at the first
# it can't (bit 9 is 16 bits in the standard, but tcpdump reads one signed byte).
RADIOTAP_FIELDS: dict[int, tuple[int, int, str, int, str]] = {
    0: (8, 8, "<Q", 1, "{}us tsft "), 1: (1, 1, "", 1, ""), 2: (1, 1, "", 1, ""),
    3: (2, 4, "", 1, ""), 4: (1, 2, "<BB", 1, "fhset {} fhpat {} "),
    5: (1, 1, "<b", 1, "{}dBm signal "), 6: (1, 1, "<b", 1, "{}dBm noise "),
    7: (2, 2, "<H", 1, "{} sq "), 8: (2, 2, "<h", -1, "{} tx power "),
    9: (1, 1, "<b", -1, "{}dB tx attenuation "), 10: (1, 1, "<b", 1, "{}dBm tx power "),
    11: (1, 1, "<B", 1, "antenna {} "), 12: (1, 1, "<B", 1, "{}dB signal "),
    13: (1, 1, "<B", 1, "{}dB noise "), 14: (2, 2, "", 1, ""), 18: (4, 8, "", 1, ""),
    19: (1, 3, "", 1, ""), 20: (4, 8, "", 1, ""), 21: (2, 12, "", 1, ""),
}
F_CFP, F_SHORTPRE, F_WEP, F_FRAG, F_FCS, F_DATAPAD, F_BADFCS = (
    0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40)
CH_TURBO, CH_CCK, CH_OFDM, CH_2GHZ, CH_5GHZ, CH_DYN, CH_GFSK = (
    0x10, 0x20, 0x40, 0x80, 0x100, 0x400, 0x800)
CH_HALF, CH_QUARTER, CH_HT20, CH_HT40U, CH_HT40D = 0x4000, 0x8000, 0x10000, 0x20000, 0x40000
BIT_MCS, BIT_XCHANNEL = 19, 18
NS_RADIOTAP, NS_VENDOR, BIT_EXT = 29, 30, 31
# 802.11n data rates of MCS 0-7 for one spatial stream at 20 and 40 MHz, long GI
HT_RATES = ((6.5, 13.0, 19.5, 26.0, 39.0, 52.0, 58.5, 65.0),
            (13.5, 27.0, 40.5, 54.0, 81.0, 108.0, 121.5, 135.0))
VHT_BANDWIDTHS = ("20 MHz", "40 MHz", "20 MHz (L)", "20 MHz (U)", "80 MHz", "80 MHz (L)",
                  "80 MHz (U)", "80 MHz (LL)", "80 MHz (LU)", "80 MHz (UL)", "80 MHz (UU)",
                  "160 MHz", "160 MHz (L)", "160 MHz (U)", "160 MHz (LL)", "160 MHz (LU)",
                  "160 MHz (UL)", "160 MHz (UU)", "160 MHz (LLL)", "160 MHz (LLU)",
                  "160 MHz (LUL)", "160 MHz (UUU)", "160 MHz (ULL)", "160 MHz (ULU)",
                  "160 MHz (UUL)", "160 MHz (UUU)")


def _chaninfo(freq: int, flags: int, present: int) -> str:
    text = f"{freq} MHz"
    if present & (1 << BIT_MCS):
        text += " 11n"
    else:
        if flags & (CH_2GHZ | CH_GFSK) == CH_2GHZ | CH_GFSK:
            text += " FHSS"
        if flags & (CH_5GHZ | CH_OFDM) == CH_5GHZ | CH_OFDM:
            text += " 11a/10Mhz" if flags & CH_HALF else " 11a/5Mhz" if flags & CH_QUARTER \
                else " 11a"
        if flags & (CH_2GHZ | CH_OFDM) == CH_2GHZ | CH_OFDM or \
                flags & (CH_2GHZ | CH_DYN) == CH_2GHZ | CH_DYN:
            text += " 11g/10Mhz" if flags & CH_HALF else " 11g/5Mhz" if flags & CH_QUARTER \
                else " 11g"
        elif flags & (CH_2GHZ | CH_CCK) == CH_2GHZ | CH_CCK:
            text += " 11b"
        if flags & CH_TURBO:
            text += " Turbo"
    if flags & CH_HT20:
        text += " ht/20"
    elif flags & CH_HT40D:
        text += " ht/40-"
    elif flags & CH_HT40U:
        text += " ht/40+"
    return text + " "


def _mcs(known: int, flags: int, mcs: int) -> str:
    text = ""
    if known & 0x02:
        rate = 0.0
        if known & 0x04 and mcs < 32:  # (the width comes from the flags, known or not)
            rate = HT_RATES[1 if flags & 3 == 1 else 0][mcs % 8] * (mcs // 8 + 1)
            if flags & 0x04:
                rate = rate * 10 / 9
        text += f"{rate:.1f} Mb/s MCS {mcs} " if rate else f"MCS {mcs} "
    if known & 0x01:
        text += ("20 MHz ", "40 MHz ", "20 MHz (L) ", "20 MHz (U) ")[flags & 3]
    if known & 0x04:
        text += f"{'short' if flags & 0x04 else 'long'} GI "
    if known & 0x08:
        text += f"{'greenfield' if flags & 0x08 else 'mixed'} "
    if known & 0x10:
        text += f"{'LDPC' if flags & 0x10 else 'BCC'} FEC "
    if known & 0x20:
        text += f"RX-STBC{(flags & 0x60) >> 5} "
    return text


def _field(bit: int, v: bytes, present: int, state: dict[str, int]) -> str:
    _, _, fmt, sign, text = RADIOTAP_FIELDS[bit]
    if text:
        values = struct.unpack_from(fmt, v)
        return text.format(*(sign * x for x in values))
    if bit == 1:
        f = v[0]
        state["flags"] = f
        return "".join(w for b, w in ((F_CFP, "cfp "), (F_SHORTPRE, "short preamble "),
                                       (F_WEP, "wep "), (F_FRAG, "fragmented "),
                                       (F_BADFCS, "bad-fcs ")) if f & b)
    if bit == 2:
        r = v[0]
        return f"MCS {r & 0x7F} " if 0x80 <= r <= 0x8F else f"{0.5 * r:2.1f} Mb/s "
    if bit == 3:
        if present & (1 << BIT_XCHANNEL):
            return ""
        freq, flags = struct.unpack_from("<HH", v)
        return _chaninfo(freq, flags, present)
    if bit == 18:
        flags, freq = struct.unpack_from("<IH", v)
        return _chaninfo(freq, flags, present)
    if bit == 19:
        return _mcs(v[0], v[1], v[2])
    if bit == 21:
        return _vht(v)
    return ""


def _vht(v: bytes) -> str:
    known, flags, bw = _u16(v, 0), v[2], v[3]
    text = ""
    for user in range(4):
        nss, mcs = v[4 + user] & 0x0F, v[4 + user] >> 4
        if nss == 0:
            continue
        text += f"User {user} MCS {mcs} {'LDPC' if v[8] & (1 << user) else 'BCC'} FEC "
    if known & 0x0040:
        bw &= 0x1F
        text += (VHT_BANDWIDTHS[bw] if bw < len(VHT_BANDWIDTHS) else f"unknown ({bw})") + " "
    if known & 0x0004:
        text += f"{'short' if flags & 0x04 else 'long'} GI "
    return text


def radiotap(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """Link type IEEE802_11_RADIO: a radiotap header, then the 802.11 frame."""
    if len(frame) < 8:
        return trunc("802.11_radio"), len(frame)
    rlen = _u16(frame, 2)
    if rlen < 8 or len(frame) < rlen:
        return trunc("802.11_radio"), len(frame)
    words = [struct.unpack_from("<I", frame, 4)[0]]
    pos = 8
    while words[-1] & (1 << BIT_EXT):
        if pos + 4 > rlen:
            return trunc("802.11_radio"), len(frame)
        words.append(struct.unpack_from("<I", frame, pos)[0])
        pos += 4
    text, state, in_radiotap, base = "", {"flags": 0}, True, 0
    try:
        for present in words:
            for bit in range(32):
                if not present & (1 << bit):
                    continue
                if bit == NS_RADIOTAP or bit == NS_VENDOR or bit == BIT_EXT:
                    continue
                if not in_radiotap:
                    continue
                field = base + bit
                if field not in RADIOTAP_FIELDS:
                    # a field of unknown size: nothing after it can be located
                    text += f"[bit {field}] "
                    raise StopIteration
                align, size = RADIOTAP_FIELDS[field][:2]
                pos = (pos + align - 1) & ~(align - 1)
                if pos + size > rlen:
                    raise Truncated
                text += _field(field, frame[pos:pos + size], present, state)
                pos += size
            # what the next bitmap means: radiotap fields again, a vendor's, or more bits
            if not present & (1 << BIT_EXT):
                break
            if present & (1 << NS_VENDOR):
                pos = (pos + 1) & ~1
                if pos + 6 > rlen:
                    raise Truncated
                pos += 6 + _u16(frame, pos + 4)
                in_radiotap, base = False, 0
            elif present & (1 << NS_RADIOTAP):
                in_radiotap, base = True, 0
            else:
                base += 32
    except StopIteration:
        pass
    except (Truncated, *SHORT):
        # tcpdump gives up on the radio fields, not on the frame after them
        text += trunc("802.11_radio")
    flags = state["flags"]
    inner, hdrlen = _frame(ctx, frame[rlen:], wire - rlen, bool(flags & F_DATAPAD),
                           4 if flags & F_FCS else 0)
    return text + inner, rlen + hdrlen


PRISM_HDRLEN = 144
AVS_COOKIES = frozenset({0x80211000, 0x80211001})


def avs(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """IEEE802_11_RADIO_AVS: an AVS capture header, then the 802.11 frame."""
    if len(frame) < 8:
        return trunc("802.11_radio_avs"), len(frame)
    hdrlen = struct.unpack_from(">I", frame, 4)[0]
    if hdrlen < 8 or len(frame) < hdrlen:
        return trunc("802.11_radio_avs"), len(frame)
    text, off = _frame(ctx, frame[hdrlen:], wire - hdrlen, False, 0)
    return text, hdrlen + off


def prism(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """PRISM_HEADER: a Prism monitor header (or an AVS one), then the 802.11 frame."""
    if len(frame) < 4:
        return trunc("prism"), len(frame)
    if struct.unpack_from(">I", frame, 0)[0] in AVS_COOKIES:
        return avs(ctx, frame, wire)
    if len(frame) < PRISM_HDRLEN:
        return trunc("prism"), len(frame)
    text, off = _frame(ctx, frame[PRISM_HDRLEN:], wire - PRISM_HDRLEN, False, 0)
    return text, PRISM_HDRLEN + off
