"""BOOTP/DHCP (UDP ports 67/68): ``BOOTP/DHCP, Request from MAC, length N``,
then with -v the fixed fields and every option (RFC 2132 and later), each
shown the way tcpdump formats its kind of value."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx, ip4_str, mac_str, text_chars

COOKIE = b"\x63\x82\x53\x63"
OPS = {1: "Request", 2: "Reply"}
MSG_TYPES = {1: "Discover", 2: "Offer", 3: "Request", 4: "Decline", 5: "ACK", 6: "NACK",
             7: "Release", 8: "Inform", 9: "Force Renew", 10: "Lease Query",
             11: "Lease Unassigned", 12: "Lease Unknown", 13: "Lease Active"}
NETBIOS_NODES = {1: "b-node", 2: "p-node", 4: "m-node", 8: "h-node"}
OVERLOAD = {1: "file", 2: "sname", 3: "file+sname"}
HW_TYPES = {1: "ether", 6: "IEEE 802", 7: "ARCNet", 15: "Frame Relay", 16: "ATM",
            17: "HDLC", 18: "Fibre Channel", 19: "ATM", 20: "Serial", 21: "ATM"}
FQDN_FLAGS = ((0x08, "N"), (0x04, "E"), (0x02, "O"), (0x01, "S"))

# option code -> value kind and name. Kinds: i addresses, l/L unsigned/signed
# 32-bit numbers, s 16-bit numbers, a text, B booleans, b bytes (dotted),
# p address pairs, $ a layout of its own; codes not listed are "Unknown" and
# shown by their length (odd: bytes, 2 mod 4: 16-bit, else 32-bit numbers).
OPTIONS = {
    1: "iSubnet-Mask", 2: "LTime-Zone", 3: "iDefault-Gateway", 4: "iTime-Server",
    5: "iIEN-Name-Server", 6: "iDomain-Name-Server", 7: "iLOG", 8: "iCS", 9: "iLPR-Server",
    10: "iIM", 11: "iRL", 12: "aHostname", 13: "sBS", 14: "aDP", 15: "aDomain-Name",
    16: "iSS", 17: "aRP", 18: "aEP", 19: "BIPF", 20: "BSRT", 21: "pPF", 22: "sRSZ",
    23: "bTTL", 24: "lMTU-Timeout", 25: "sMTU-Table", 26: "sMTU", 27: "BLSN", 28: "iBR",
    29: "BMD", 30: "BMS", 31: "BRouter-Discovery", 32: "iRSA", 33: "pStatic-Route",
    34: "BUT", 35: "lAT", 36: "BIE", 37: "bTT", 38: "lKI", 39: "BKG", 40: "aYD", 41: "iYS",
    42: "iNTP", 43: "bVendor-Option", 44: "iNetbios-Name-Server", 45: "iWDD",
    46: "$Netbios-Node", 47: "aNetbios-Scope", 48: "iXFS", 49: "iXDM", 50: "iRequested-IP",
    51: "lLease-Time", 52: "$OO", 53: "bDHCP-Message", 54: "iServer-ID",
    55: "bParameter-Request", 56: "aMSG", 57: "sMSZ", 58: "lRN", 59: "lRB",
    60: "aVendor-Class", 61: "$Client-ID", 64: "sN+D", 65: "iN+S", 66: "aTFTP", 67: "aBF",
    68: "iMH", 69: "iSMTP", 70: "iPOP3", 71: "iNNTP", 72: "iWWW", 73: "iFG", 74: "iIRC",
    75: "iSTS", 76: "iSTDA", 77: "$User-Class", 78: "bSLP-DA", 79: "bSLP-SCOPE",
    80: "aSLP-NA", 81: "$FQDN", 82: "$Agent-Information", 83: "bARMT", 88: "aTZSTR",
    89: "bFQDNS", 90: "bAUTH", 91: "lLast-Transaction-Time", 92: "iAssociated-IP",
    93: "sARCH", 94: "bNDI", 95: "aLDAP", 97: "bGUID", 98: "aUAP", 100: "aPOSIX-TZ",
    101: "aTZ-Name", 112: "iNI", 113: "aNITAG", 114: "aURL", 116: "BNOAUTO",
    117: "sNSSEARCH", 118: "iSUBNET", 121: "$Classless-Static-Route",
    150: "iTFTP-Server-Address", 161: "aMUD-URL", 249: "$Classless-Static-Route-Microsoft",
}
AGENT_SUBOPTIONS = {1: "Circuit-ID", 2: "Remote-ID", 5: "Link-Selection",
                    6: "Subscriber-ID", 9: "Vendor-Specific"}




def bootp_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """The BOOTP/DHCP part of the line (and the -v lines)."""
    if not b:
        return " [|bootp]"
    op = b[0]
    text = "BOOTP/DHCP, " + OPS.get(op, f"unknown (0x{op:02x})")
    if len(b) < 3:
        return text + ctx.cut("bootp")
    htype, hlen = b[1], b[2]
    if htype == 1 and hlen == 6 and op == 1:
        if len(b) < 34:
            return text + ctx.cut("bootp")
        text += " from " + mac_str(b[28:34])
    text += f", length {length}"
    verbose = ctx.opts.verbose
    if not verbose:
        return text
    if len(b) < 12:
        return text + ctx.cut("bootp")
    hops, xid, secs, flags = struct.unpack_from("!BIHH", b, 3)
    if htype != 1:
        text += f", htype {htype}"
    if htype != 1 or hlen != 6:
        text += f", hlen {hlen}"
    if hops:
        text += f", hops {hops}"
    if xid:
        text += f", xid 0x{xid:x}"
    if secs:
        text += f", secs {secs}"
    text += ", Flags [" + ("Broadcast" if flags & 0x8000 else "none") + "]"
    if verbose > 1:
        text += f" (0x{flags:04x})"
    for off, label in ((12, "Client-IP"), (16, "Your-IP"), (20, "Server-IP"),
                       (24, "Gateway-IP")):
        if len(b) < off + 4:
            return text + ctx.cut("bootp")
        if any(b[off:off + 4]):
            text += f"\n\t  {label} {ip4_str(b[off:off + 4])}"
    if htype == 1 and hlen == 6:
        if len(b) < 34:
            return text + ctx.cut("bootp")
        text += "\n\t  Client-Ethernet-Address " + mac_str(b[28:34])
    for off, size, label in ((44, 64, "sname"), (108, 128, "file")):
        if len(b) <= off:
            return text + ctx.cut("bootp")
        if b[off]:
            field = b[off:off + size]
            end = field.find(b"\0")
            if end < 0:
                return text + f'\n\t  {label} "' + text_chars(field) + '" [|bootp]'
            text += f'\n\t  {label} "' + text_chars(field[:end]) + '"'
    if len(b) < 240:
        return text + " [|bootp]"
    vend = b[236:240]
    if vend == COOKIE:
        return text + _options(ctx, b[240:])
    word = struct.unpack("!I", vend)[0]
    if word:
        text += f"\n\t  Vendor-#0x{word:x}"
    return text


def _options(ctx: Ctx, b: bytes) -> str:
    verbose = ctx.opts.verbose
    out = ["\n\t  Vendor-rfc1048 Extensions", "\n\t    Magic Cookie 0x63825363"]
    w = out.append
    i = 0
    while i < len(b):
        tag = b[i]
        i += 1
        if tag == 0 and verbose < 3:
            continue
        if tag == 255 and verbose < 3:
            return "".join(out)
        spec = OPTIONS.get(tag)
        kind, name = (spec[0], spec[1:]) if spec else ("?", "Unknown")
        if tag in (0, 255):
            ln = 0
            name = "PAD" if tag == 0 else "END"
        else:
            if i >= len(b):
                return "".join(out) + " [|bootp]"
            ln = b[i]
            i += 1
        w(f"\n\t    {name} ({tag}), length {ln}{': ' if ln else ''}")
        if tag == 0:
            n = 1
            while i < len(b) and b[i] == 0:
                i += 1
                n += 1
            if n > 1:
                w(f", occurs {n}")
            continue
        if tag == 255:
            continue   # -vvv: tcpdump goes on through the padding after the end
        if i + ln > len(b):
            return "".join(out) + " [|bootp]"
        val = b[i:i + ln]
        i += ln
        if tag == 53 and ln == 1:
            w(MSG_TYPES.get(val[0], f"Unknown ({val[0]})"))
            continue
        if tag == 55:
            for n, code in enumerate(val):
                s = OPTIONS.get(code)
                w(("\n\t      " if n % 4 == 0 else ", ") +
                  (s[1:] if s else "Unknown") + f" ({code})")
            continue
        if kind == "?":
            kind = "b" if ln & 1 else "s" if ln & 2 else "l"
        left = _value(kind, tag, val, w)
        if left:
            w(f"\n\t  trailing data length {left}")
    return "".join(out)


def _value(kind: str, tag: int, v: bytes, w: object) -> int:
    """Write one option's value; return how many bytes were left unshown."""
    put = w  # type: ignore[assignment]
    n = len(v)
    if kind == "a":
        put('"' + text_chars(v) + '"')
        return 0
    if kind in "ilL":
        items = []
        for k in range(0, n - n % 4, 4):
            word = v[k:k + 4]
            if kind == "i":
                items.append(ip4_str(word))
            else:
                items.append(str(struct.unpack("!i" if kind == "L" else "!I", word)[0]))
        put(",".join(items))
        return n % 4
    if kind == "p":
        put(",".join(f"({ip4_str(v[k:k + 4])}:{ip4_str(v[k + 4:k + 8])})"
                     for k in range(0, n - n % 8, 8)))
        return n % 8
    if kind == "s":
        put(",".join(str(v[k] << 8 | v[k + 1]) for k in range(0, n - n % 2, 2)))
        return n % 2
    if kind == "B":
        put(",".join("N" if c == 0 else "Y" if c == 1 else f"{c}?" for c in v))
        return 0
    if kind == "$":
        return _special(tag, v, put)
    put(".".join(str(c) for c in v))
    return 0


def _special(tag: int, v: bytes, put: object) -> int:
    n = len(v)
    if tag in (46, 52):
        if n < 1:
            put("[ERROR: length < 1 bytes]")
            return 0
        table = NETBIOS_NODES if tag == 46 else OVERLOAD
        put(table.get(v[0], ""))
        return n - 1
    if tag == 61:
        if n < 1:
            put("[ERROR: length < 1 bytes]")
            return 0
        if v[0] == 0:
            put('"' + text_chars(v[1:]) + '"')
        else:
            put(HW_TYPES.get(v[0], f"hardware-type {v[0]},") + " " + ":".join(
                f"{c:02x}" for c in v[1:]))
        return 0
    if tag == 81:
        if n < 3:
            put("[ERROR: length < 3 bytes]")
            return 0
        text = ""
        if v[0] & 0xF0:
            text += f"[ERROR: MBZ nibble 0x{v[0] >> 4:x} != 0] "
        if v[0] & 0x0F:
            text += "[" + "".join(c for bit, c in FQDN_FLAGS if v[0] & bit) + "] "
        if v[1] or v[2]:
            text += f"{v[1]}/{v[2]} "
        put(text + '"' + text_chars(v[3:]) + '"')
        return 0
    if tag == 77:
        k, inst = 0, 0
        while k < n:
            inst += 1
            ln = v[k]
            put(f"\n\t      instance#{inst}: ")
            if ln == 0:
                put("ERROR: suboption length must be non-zero")
                break
            put('"' + text_chars(v[k + 1:k + 1 + ln]) + f'", length {ln}')
            k += 1 + ln
        return 0
    if tag == 82:
        k = 0
        while k + 2 <= n:
            sub, ln = v[k], v[k + 1]
            put(f"\n\t      {AGENT_SUBOPTIONS.get(sub, 'Unknown')} SubOption {sub}, "
                f"length {ln}: ")
            k += 2
            if k + ln > n:
                put("length goes past end of option")
                break
            data = v[k:k + ln]
            if sub in (1, 2):
                put(text_chars(data))
            else:
                put(" ".join(f"{c:02x}" for c in data) if data else "")
            k += ln
        return 0
    if tag in (121, 249):
        k, first = 0, True
        while k < n:
            if not first:
                put(",")
            first = False
            width = v[k]
            k += 1
            if width > 32:
                put(f"[ERROR: Mask width ({width}) > 32]")
                return 0
            sig = (width + 7) // 8
            if k + sig + 4 > n:
                put(f"[ERROR: Remaining length ({n - k}) < {sig + 4} bytes]")
                return 0
            net = (v[k:k + sig] + bytes(4))[:4]
            k += sig
            put(f"({ip4_str(net)}/{width}:{ip4_str(v[k:k + 4])})")
            k += 4
        return 0
    put(f"[unknown special tag {tag}, size {n}]")
    return 0
