"""Lexer: the tokens of pcap-filter(7), with libpcap's longest-match rules.

Like libpcap's scanner, identifiers may contain '-' and '.', so `len-1` is one
identifier, and the named constants (`tcp-syn`, `icmp-echo`, ...) are numbers.
"""

from __future__ import annotations

import ipaddress
import re

from .errors import ParseError

# Keywords and the token kind each one yields.
KEYWORDS: dict[str, str] = {
    "dst": "DST", "src": "SRC", "host": "HOST", "gateway": "GATEWAY", "net": "NET",
    "mask": "NETMASK", "port": "PORT", "portrange": "PORTRANGE", "less": "LESS",
    "greater": "GREATER", "proto": "PROTO", "protochain": "PROTOCHAIN", "byte": "CBYTE",
    "broadcast": "BROADCAST", "multicast": "MULTICAST", "and": "AND", "or": "OR", "not": "!",
    "len": "LEN", "length": "LEN", "inbound": "INBOUND", "outbound": "OUTBOUND",
    "ifindex": "IFINDEX", "vlan": "VLAN", "mpls": "MPLS", "pppoed": "PPPOED",
    "pppoes": "PPPOES", "geneve": "GENEVE",
    "ra": "RA", "ta": "TA", "addr1": "ADDR1", "addr2": "ADDR2", "addr3": "ADDR3",
    "addr4": "ADDR4", "type": "TYPE", "subtype": "SUBTYPE", "dir": "DIR", "llc": "LLC",
}

# Protocol names (libpcap's pname): the keyword and the qualifier it stands for.
PNAMES: dict[str, str] = {
    "link": "link", "ether": "link", "ppp": "link", "slip": "link", "fddi": "link",
    "tr": "link", "wlan": "link",
    "ip": "ip", "arp": "arp", "rarp": "rarp", "sctp": "sctp", "tcp": "tcp", "udp": "udp",
    "icmp": "icmp", "igmp": "igmp", "igrp": "igrp", "pim": "pim", "vrrp": "vrrp",
    "carp": "carp", "atalk": "atalk", "aarp": "aarp", "decnet": "decnet", "lat": "lat",
    "sca": "sca", "moprc": "moprc", "mopdl": "mopdl", "ip6": "ip6", "icmp6": "icmp6",
    "ah": "ah", "esp": "esp", "iso": "iso", "esis": "esis", "es-is": "esis", "isis": "isis",
    "is-is": "isis", "l1": "l1", "l2": "l2", "iih": "iih", "lsp": "lsp", "snp": "snp",
    "csnp": "csnp", "psnp": "psnp", "clnp": "clnp", "stp": "stp", "ipx": "ipx",
    "netbeui": "netbeui", "radio": "radio",
}

# Named constants the scanner turns into numbers.
NAMED_NUMBERS: dict[str, int] = {
    "icmptype": 0, "icmpcode": 1,
    "icmp-echoreply": 0, "icmp-unreach": 3, "icmp-sourcequench": 4, "icmp-redirect": 5,
    "icmp-echo": 8, "icmp-routeradvert": 9, "icmp-routersolicit": 10, "icmp-timxceed": 11,
    "icmp-paramprob": 12, "icmp-tstamp": 13, "icmp-tstampreply": 14, "icmp-ireq": 15,
    "icmp-ireqreply": 16, "icmp-maskreq": 17, "icmp-maskreply": 18,
    "icmp6type": 0, "icmp6code": 1,
    "icmp6-destinationunreach": 1, "icmp6-packettoobig": 2, "icmp6-timeexceeded": 3,
    "icmp6-parameterproblem": 4, "icmp6-echo": 128, "icmp6-echoreply": 129,
    "icmp6-multicastlistenerquery": 130, "icmp6-multicastlistenerreportv1": 131,
    "icmp6-multicastlistenerdone": 132, "icmp6-routersolicit": 133,
    "icmp6-routeradvert": 134, "icmp6-neighborsolicit": 135, "icmp6-neighboradvert": 136,
    "icmp6-redirect": 137, "icmp6-routerrenum": 138, "icmp6-nodeinformationquery": 139,
    "icmp6-nodeinformationresponse": 140, "icmp6-ineighbordiscoverysolicit": 141,
    "icmp6-ineighbordiscoveryadvert": 142, "icmp6-multicastlistenerreportv2": 143,
    "icmp6-homeagentdiscoveryrequest": 144, "icmp6-homeagentdiscoveryreply": 145,
    "icmp6-mobileprefixsolicit": 146, "icmp6-mobileprefixadvert": 147,
    "icmp6-certpathsolicit": 148, "icmp6-certpathadvert": 149,
    "icmp6-multicastrouteradvert": 151, "icmp6-multicastroutersolicit": 152,
    "icmp6-multicastrouterterm": 153,
    "tcpflags": 13, "tcp-fin": 0x01, "tcp-syn": 0x02, "tcp-rst": 0x04, "tcp-push": 0x08,
    "tcp-ack": 0x10, "tcp-urg": 0x20, "tcp-ece": 0x40, "tcp-cwr": 0x80,
}


class Token:
    """One token: its kind, its value (number, string), its column and its text."""

    __slots__ = ("kind", "value", "col", "text")

    def __init__(self, kind: str, value: object, col: int, text: str) -> None:
        self.kind, self.value, self.col, self.text = kind, value, col, text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Token) and (self.kind, self.value, self.col, self.text) == (
            other.kind, other.value, other.col, other.text)

    def __hash__(self) -> int:
        return hash((self.kind, self.value, self.col, self.text))

    def __repr__(self) -> str:
        return f"Token({self.kind!r}, {self.value!r}, {self.col}, {self.text!r})"


_X = "[0-9A-Fa-f]"
_B = _X + "{1,2}"
_N = r"(?:0[xX][0-9A-Fa-f]+|[0-9]+)"
# On a tie in length the first pattern wins: a MAC address written as 12 hex
# digits is an address, not a number or a name, as in libpcap's scanner.
# Repeats are written with {m,n} rather than spelled out: the patterns match
# the same, and compiling them costs a fifth as much on every start (issue 16).
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("EID", re.compile(
        rf"{_B}(?::{_B}){{5}}|{_B}(?:-{_B}){{5}}|{_B}(?:\.{_B}){{5}}"
        rf"|{_X}{{4}}(?:\.{_X}{{4}}){{2}}|{_X}{{12}}")),
    ("NUM", re.compile(_N)),
    ("HID", re.compile(rf"{_N}(?:\.{_N}){{1,3}}")),
    ("HID6", re.compile(r"[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")),
    ("ID", re.compile(r"[A-Za-z0-9](?:[-_.A-Za-z0-9]*[.A-Za-z0-9])?")),
    ("ESCID", re.compile(r"\\[^ !()\n\t]+")),
]
_PUNCT = [">=", "<=", "!=", "==", "<<", ">>", "&&", "||",
          ">", "<", "=", "!", "(", ")", "[", "]", ":", "+", "-", "*", "/", "%", "&", "|", "^"]
_PUNCT_KIND = {">=": "GEQ", "<=": "LEQ", "!=": "NEQ", "==": "=", "<<": "LSH", ">>": "RSH",
               "&&": "AND", "||": "OR"}
_SPACE = re.compile(r"[ \t\n\r]+")
_BOGUS_MAC = re.compile(rf"{_B}:+(?:{_B}:+)+")


def _looks_v6(text: str) -> bool:
    """libpcap's IPv6 patterns: a '::' somewhere, or all eight groups."""
    return "::" in text or text.count(":") == 7 or (text.count(":") == 6 and "." in text)


def _parse_int(text: str, col: int) -> int:
    if text[:2].lower() == "0x":
        v = int(text, 16)
    elif len(text) > 1 and text[0] == "0":
        if any(c in "89" for c in text):
            raise ParseError(f"number {text} contains non-octal digit", col)
        v = int(text, 8)
    else:
        v = int(text)
    if v > 0xFFFFFFFF:
        raise ParseError(f"number {text} overflows 32 bits", col)
    return v


def tokenize(expr: str) -> list[Token]:
    """Split an expression into tokens; the list ends with an EOF token."""
    out: list[Token] = []
    pos, n = 0, len(expr)
    bogus = _BOGUS_MAC
    while pos < n:
        m = _SPACE.match(expr, pos)
        if m:
            pos = m.end()
            continue
        best_kind, best_end = None, pos
        for kind, pat in _PATTERNS:
            m = pat.match(expr, pos)
            if m and m.end() > best_end:
                if kind == "HID6" and not _looks_v6(m.group()):
                    continue
                best_kind, best_end = kind, m.end()
        m = bogus.match(expr, pos)
        if m and m.end() > best_end:
            raise ParseError(f"bogus ethernet address {m.group()}", pos)
        if best_kind is None or best_end == pos:
            for p in _PUNCT:
                if expr.startswith(p, pos):
                    out.append(Token(_PUNCT_KIND.get(p, p), p, pos, p))
                    pos += len(p)
                    break
            else:
                raise ParseError(f"illegal character '{expr[pos]}'", pos)
            continue
        text = expr[pos:best_end]
        out.append(_classify(best_kind, text, pos))
        pos = best_end
    out.append(Token("EOF", None, n, ""))
    return out


def _classify(kind: str, text: str, col: int) -> Token:
    if kind == "NUM":
        return Token("NUM", _parse_int(text, col), col, text)
    if kind == "HID":
        return Token("HID", text, col, text)
    if kind == "EID":
        return Token("EID", text, col, text)
    if kind == "HID6":
        try:
            ipaddress.IPv6Address(text)
        except ValueError:
            raise ParseError(f"bogus IPv6 address {text}", col) from None
        return Token("HID6", text, col, text)
    if kind == "ESCID":
        return Token("ID", text[1:], col, text)
    low = text
    if low in KEYWORDS:
        k = KEYWORDS[low]
        return Token(k, low, col, text)
    if low in PNAMES:
        return Token("PNAME", PNAMES[low], col, text)
    if low in NAMED_NUMBERS:
        return Token("NUM", NAMED_NUMBERS[low], col, text)
    return Token("ID", text, col, text)
