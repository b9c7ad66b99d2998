"""Link types: the one table of numbers, names and descriptions that the
compiler, the pcapng writer, the readers, the printer and the CLI all use.

Numbers are LINKTYPE_* values as files carry them (tcpdump.org's list); names
are what tcpdump's -y takes and -L prints; descriptions are what follows the
name in tcpdump's "link-type EN10MB (Ethernet)". This module sits at the lowest
layer (bpf_filters, which zcap depends on), so that nothing defines a link type
twice.

The compiler names RAW by its DLT value 12 (DLT_RAW on Linux); files carry
LINKTYPE_RAW, 101, for the same thing. LINUX_DGRAM is not a link type at all:
it is the view a SOCK_DGRAM packet socket bound to ifindex 0 (`-i any`) gives a
socket filter: the network header at offset 0, the link-layer fields only
through ancillary loads.
"""

from __future__ import annotations

from .errors import FilterError

# The snapshot length that -s 0 and the defaults mean (libpcap's MAXIMUM_SNAPLEN).
DEFAULT_SNAPLEN = 262144


class LinkType:
    """One link type: its number in files, tcpdump's name, its description."""

    __slots__ = ("number", "name", "description")

    def __init__(self, number: int, name: str, description: str) -> None:
        self.number, self.name, self.description = number, name, description

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LinkType) and (self.number, self.name) == (
            other.number, other.name)

    def __hash__(self) -> int:
        return hash((self.number, self.name))

    def __repr__(self) -> str:
        return f"LinkType({self.number}, {self.name!r}, {self.description!r})"

    @property
    def text(self) -> str:
        """tcpdump's 'EN10MB (Ethernet)' form."""
        return f"{self.name} ({self.description})"


# number, name, description. Numbers as in files (LINKTYPE_*).
_TABLE = (
    (0, "NULL", "BSD loopback"),
    (1, "EN10MB", "Ethernet"),
    (8, "SLIP", "SLIP"),
    (9, "PPP", "PPP"),
    (50, "PPP_SERIAL", "PPP over serial"),
    (51, "PPP_ETHER", "PPPoE"),
    (101, "RAW", "Raw IP"),
    (104, "C_HDLC", "Cisco HDLC"),
    (105, "IEEE802_11", "802.11"),
    (107, "FRELAY", "Frame Relay"),
    (108, "LOOP", "OpenBSD loopback"),
    (113, "LINUX_SLL", "Linux cooked v1"),
    (119, "PRISM_HEADER", "802.11 plus Prism header"),
    (127, "IEEE802_11_RADIO", "802.11 plus radiotap header"),
    (163, "IEEE802_11_RADIO_AVS", "802.11 plus AVS radio information header"),
    (192, "PPI", "Per-Packet Information"),
    (195, "IEEE802_15_4", "IEEE 802.15.4 with FCS"),
    (215, "IEEE802_15_4_NONASK_PHY", "IEEE 802.15.4 with non-ASK PHY data"),
    (228, "IPV4", "Raw IPv4"),
    (229, "IPV6", "Raw IPv6"),
    (230, "IEEE802_15_4_NOFCS", "IEEE 802.15.4 without FCS"),
    (276, "LINUX_SLL2", "Linux cooked v2"),
)
LINKTYPES: dict[int, LinkType] = {n: LinkType(n, name, desc) for n, name, desc in _TABLE}

# LINKTYPE_* numbers by name, for code that writes or reads files.
LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_SLIP = 8
LINKTYPE_PPP = 9
LINKTYPE_PPP_SERIAL = 50
LINKTYPE_PPP_ETHER = 51
LINKTYPE_RAW = 101
LINKTYPE_C_HDLC = 104
LINKTYPE_IEEE802_11 = 105
LINKTYPE_FRELAY = 107
LINKTYPE_LOOP = 108
LINKTYPE_LINUX_SLL = 113
LINKTYPE_PRISM_HEADER = 119
LINKTYPE_IEEE802_11_RADIO = 127
LINKTYPE_IEEE802_11_RADIO_AVS = 163
LINKTYPE_PPI = 192
LINKTYPE_IEEE802_15_4 = 195
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_IEEE802_15_4_NOFCS = 230
LINKTYPE_LINUX_SLL2 = 276

# The compiler's numbers: DLT values, which differ from LINKTYPE_ only for RAW.
NULL = 0
EN10MB = 1
PPP = 9
RAW = 12  # DLT_RAW on Linux; LINKTYPE_RAW (101) in files means the same
IEEE802_11 = 105
LOOP = 108
LINUX_SLL = 113
IEEE802_11_RADIO = 127
IPV4 = 228
IPV6 = 229
LINUX_SLL2 = 276
LINUX_DGRAM = -1  # internal only

# What the compiler can generate code for, by its own numbers.
_COMPILER_NAMES = {NULL: "NULL", EN10MB: "EN10MB", PPP: "PPP", RAW: "RAW",
                   IEEE802_11: "IEEE802_11", LOOP: "LOOP", LINUX_SLL: "LINUX_SLL",
                   IEEE802_11_RADIO: "IEEE802_11_RADIO", IPV4: "IPV4", IPV6: "IPV6",
                   LINUX_SLL2: "LINUX_SLL2", LINUX_DGRAM: "LINUX_DGRAM"}
_BY_NAME = {name: num for num, name in _COMPILER_NAMES.items()}
_BY_NAME["ETHERNET"] = EN10MB
_ALIASES = {LINKTYPE_RAW: RAW, 14: RAW}  # 14 is DLT_RAW on OpenBSD


def lookup(number: int) -> LinkType | None:
    """The link type a file's LINKTYPE number names, or None if unknown here."""
    if number == RAW:
        number = LINKTYPE_RAW
    return LINKTYPES.get(number)


def describe(number: int) -> str:
    """tcpdump's 'EN10MB (Ethernet)' for a LINKTYPE number (unknown: '147 (unknown)')."""
    found = lookup(number)
    return found.text if found else f"{number} (unknown)"


def short_name(number: int) -> str:
    """tcpdump's name of a LINKTYPE number ('?' if unknown)."""
    found = lookup(number)
    return found.name if found else "?"


def linktype_number(name_or_number: str | int) -> int:
    """The compiler's number of a link type given by name (as tcpdump -y) or
    number; FilterError if the compiler can't generate code for it."""
    if isinstance(name_or_number, int):
        num = _ALIASES.get(name_or_number, name_or_number)
        if num not in _COMPILER_NAMES:
            raise FilterError(f"unsupported link type {name_or_number}")
        return num
    key = name_or_number.strip().upper()
    if key.startswith("DLT_"):
        key = key[4:]
    if key.isdigit():
        return linktype_number(int(key))
    if key not in _BY_NAME:
        known = {lt.name for lt in LINKTYPES.values()}
        if key in known:
            raise FilterError(f"unsupported link type {name_or_number}")
        raise FilterError(f"unknown link type {name_or_number!r}")
    return _BY_NAME[key]


def linktype_name(number: int) -> str:
    """The tcpdump name of a link type number the compiler knows."""
    return _COMPILER_NAMES[linktype_number(number)]


def linktype_description(number: int) -> str:
    """What libpcap's messages call a link type the compiler knows ('Linux cooked v1')."""
    num = linktype_number(number)
    if num == LINUX_DGRAM:
        num = LINUX_SLL2
    found = lookup(num)
    return found.description if found else _COMPILER_NAMES[num]
