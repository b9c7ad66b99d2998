"""Link types the compiler knows, by name and DLT/LINKTYPE number.

LINUX_DGRAM is not a DLT: it is the view a SOCK_DGRAM packet socket bound to
ifindex 0 (`-i any`) gives a socket filter: the network header at offset 0,
the link-layer fields only through ancillary loads.
"""

from __future__ import annotations

from .errors import FilterError

EN10MB = 1
RAW = 12  # DLT_RAW on Linux; LINKTYPE_RAW (101) in files means the same
LINKTYPE_RAW = 101
IPV4 = 228
IPV6 = 229
LINUX_SLL2 = 276
LINUX_DGRAM = -1  # internal only

_BY_NAME = {
    "EN10MB": EN10MB, "ETHERNET": EN10MB, "RAW": RAW, "IPV4": IPV4, "IPV6": IPV6,
    "LINUX_SLL2": LINUX_SLL2, "LINUX_DGRAM": LINUX_DGRAM,
}
_NAMES = {EN10MB: "EN10MB", RAW: "RAW", IPV4: "IPV4", IPV6: "IPV6", LINUX_SLL2: "LINUX_SLL2",
          LINUX_DGRAM: "LINUX_DGRAM"}
_ALIASES = {LINKTYPE_RAW: RAW, 14: RAW}  # 14 is DLT_RAW on OpenBSD


def linktype_number(name_or_number: str | int) -> int:
    """The number of a link type given by name (as tcpdump -y) or number."""
    if isinstance(name_or_number, int):
        num = _ALIASES.get(name_or_number, name_or_number)
        if num not in _NAMES:
            raise FilterError(f"unsupported link type {name_or_number}")
        return num
    key = name_or_number.strip().upper()
    if key.startswith("DLT_"):
        key = key[4:]
    if key.isdigit():
        return linktype_number(int(key))
    if key not in _BY_NAME:
        raise FilterError(f"unknown link type {name_or_number!r}")
    return _BY_NAME[key]


def linktype_name(number: int) -> str:
    """The tcpdump name of a link type number."""
    return _NAMES[linktype_number(number)]
