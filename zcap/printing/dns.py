"""DNS summaries as tcpdump's ns_print writes them: ``id+ A? name. (len)`` for
a query, ``id 2/0/0 A addr, A addr (len)`` for a response."""

from __future__ import annotations

import dpkt

from zcap.printing.context import Ctx, ip4_str, ip6_str

TYPE_NAMES = {
    1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 13: "HINFO", 15: "MX", 16: "TXT",
    28: "AAAA", 33: "SRV", 35: "NAPTR", 39: "DNAME", 41: "OPT", 43: "DS", 46: "RRSIG",
    47: "NSEC", 48: "DNSKEY", 52: "TLSA", 64: "SVCB", 65: "HTTPS", 99: "SPF", 251: "IXFR",
    252: "AXFR", 255: "ANY", 257: "CAA",
}
RCODE_NAMES = {
    0: "", 1: " FormErr", 2: " ServFail", 3: " NXDomain", 4: " NotImp", 5: " Refused",
    6: " YXDomain", 7: " YXRRSet", 8: " NXRRSet", 9: " NotAuth", 10: " NotZone",
}
OPCODE_NAMES = {0: "", 1: " inv_q", 2: " stat", 4: " notify", 5: " update"}
CLASS_NAMES = {1: "", 3: " CHAOS", 4: " HS", 254: " NONE", 255: " ANY"}
HEADER_LEN = 12


def _name(n: str) -> str:
    return (n + ".") if n else "."


def _type(t: int) -> str:
    return TYPE_NAMES.get(t, f"Type{t}")


def _rr(rr: dpkt.dns.DNS.RR, verbose: int) -> str:
    head = f"{_name(rr.name)} " if verbose else ""
    t = rr.type
    body = _type(t)
    rdata = bytes(rr.rdata)
    if t == 1 and len(rdata) == 4:
        body += " " + ip4_str(rdata)
    elif t == 28 and len(rdata) == 16:
        body += " " + ip6_str(rdata)
    elif t in (2, 5, 12, 39) and hasattr(rr, "cname" if t in (5, 39) else "nsname"):
        target = rr.cname if t in (5, 39) else rr.nsname
        body += " " + _name(target)
    elif t == 12 and hasattr(rr, "ptrname"):
        body += " " + _name(rr.ptrname)
    elif t == 15 and hasattr(rr, "mxname"):
        body += f" {_name(rr.mxname)} {rr.preference}"
    elif t == 16 and hasattr(rr, "text"):
        body += " " + " ".join(f'"{s.decode("latin-1") if isinstance(s, bytes) else s}"'
                               for s in rr.text)
    return head + body


def dns_summary(ctx: Ctx, payload: bytes, length: int) -> str:
    """The DNS part of a line (no leading space); ``length`` is the UDP payload length."""
    if length < HEADER_LEN:
        return f"domain [length {length} < {HEADER_LEN}] (invalid)"
    try:
        msg = dpkt.dns.DNS(payload)
    except (dpkt.UnpackError, ValueError, IndexError, KeyError, TypeError):
        return "[|domain]"
    verbose = ctx.opts.verbose
    flags = msg.op
    qr, opcode, aa, tc, rd, ra = (flags >> 15) & 1, (flags >> 11) & 15, (flags >> 10) & 1, \
        (flags >> 9) & 1, (flags >> 8) & 1, (flags >> 7) & 1
    cd, rcode = (flags >> 4) & 1, flags & 15
    qd, an, ns, ar = len(msg.qd), len(msg.an), len(msg.ns), len(msg.ar)
    parts = [str(msg.id)]
    if qr:
        parts.append(OPCODE_NAMES.get(opcode, f" op{opcode}"))
        parts.append(RCODE_NAMES.get(rcode, f" Resp{rcode}"))
        parts.append("*" if aa else "")
        parts.append("" if ra else "-")
        parts.append("|" if tc else "")
        if qd != 1:
            parts.append(f" [{qd}q]")
        if verbose > 1 and msg.qd:
            q = msg.qd[0]
            parts.append(f" q: {_type(q.type)}? {_name(q.name)}")
        parts.append(f" {an}/{ns}/{ar}")
        answers = [_rr(rr, verbose) for rr in msg.an]
        if verbose:
            answers += ["ns: " + _rr(rr, verbose) for rr in msg.ns][:1] + \
                [_rr(rr, verbose) for rr in msg.ns][1:]
        if answers:
            parts.append(" " + ", ".join(answers))
    else:
        parts.append(OPCODE_NAMES.get(opcode, f" op{opcode}"))
        parts.append("+" if rd else "")
        parts.append("%" if cd else "")
        if aa or tc or ra or rcode or flags & 0x40:  # bits a query should not set
            parts.append(f" [b2&3=0x{flags & 0xFFFF:x}]")
        if an:
            parts.append(f" [{an}a]")
        if ns:
            parts.append(f" [{ns}n]")
        if ar:
            parts.append(f" [{ar}au]")
        if msg.qd:
            q = msg.qd[0]
            parts.append(f" {_type(q.type)}? {_name(q.name)}{CLASS_NAMES.get(q.cls, '')}")
    parts.append(f" ({length})")
    return "".join(parts)
