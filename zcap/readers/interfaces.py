"""What a capture file says about the interfaces its packets came from.

A pcap file has one interface, described by its file header. A pcapng file
has an Interface Description Block (IDB) per interface, per section; zcap
numbers them across the whole file. The C walker already applied the options
that change timestamps (if_tsresol, if_tsoffset); the descriptive ones are read
here, from the option table below.
"""

from __future__ import annotations

import struct

# IDB options (draft-ietf-opsawg-pcapng, section 4.2): code -> (field, kind).
IDB_OPTIONS: dict[int, tuple[str, str]] = {
    2: ("name", "utf8"),
    3: ("description", "utf8"),
    8: ("speed", "u64"),
    9: ("tsresol", "u8"),
    11: ("filter", "filter"),
    12: ("os", "utf8"),
    14: ("tsoffset", "i64"),
    15: ("hardware", "utf8"),
}

OPT_ENDOFOPT = 0
IDB_FIXED_LEN = 16  # type, length, linktype, reserved, snaplen


class Interface:
    """One interface of a capture file.

    ``tsresol`` is the raw if_tsresol byte: 6 for microseconds, 9 for
    nanoseconds, the high bit set for a power of two. ``ifid`` is the index in
    ``Reader.interfaces`` (what ``Packet.ifid`` refers to); ``section`` counts
    pcapng sections from 0.
    """

    __slots__ = ("linktype", "snaplen", "ifid", "section", "tsresol", "tsoffset", "name",
                 "description", "filter", "os", "hardware", "speed", "big_endian")

    def __init__(self, linktype: int, snaplen: int, ifid: int = 0, section: int = 0,
                 tsresol: int = 6, tsoffset: int = 0, name: str | None = None,
                 description: str | None = None, filter: str | None = None,
                 os: str | None = None, hardware: str | None = None, speed: int | None = None,
                 big_endian: bool = False) -> None:
        self.linktype = linktype
        self.snaplen = snaplen
        self.ifid = ifid
        self.section = section
        self.tsresol = tsresol
        self.tsoffset = tsoffset
        self.name = name
        self.description = description
        self.filter = filter
        self.os = os
        self.hardware = hardware
        self.speed = speed
        self.big_endian = big_endian  # byte order of the file (pcap) or section (pcapng)

    @property
    def tsresol_ns(self) -> float:
        """Length of one timestamp unit, in nanoseconds."""
        n = self.tsresol & 0x7F
        unit_s = 2.0**-n if self.tsresol & 0x80 else 10.0**-n
        return unit_s * 1e9


def parse_idb_options(block: bytes | memoryview, big_endian: bool) -> dict[str, object]:
    """Decode the options of an IDB (``block`` is the whole block).

    Only the options in ``IDB_OPTIONS`` are returned; unknown ones and any
    malformed tail are ignored (the C walker has rejected overruns already).
    """
    end = "<>"[big_endian]
    out: dict[str, object] = {}
    pos, limit = IDB_FIXED_LEN, len(block) - 4
    while pos + 4 <= limit:
        code, length = struct.unpack_from(end + "HH", block, pos)
        if code == OPT_ENDOFOPT or pos + 4 + length > limit:
            break
        value = bytes(block[pos + 4:pos + 4 + length])
        pos += 4 + ((length + 3) & ~3)
        field = IDB_OPTIONS.get(code)
        if field is None or field[0] in out:
            continue
        name, kind = field
        if kind == "utf8":
            out[name] = value.split(b"\0", 1)[0].decode("utf-8", "replace")
        elif kind == "filter" and value:
            # first byte is the filter kind; 0 = a libpcap expression string
            if value[0] == 0:
                out[name] = value[1:].split(b"\0", 1)[0].decode("utf-8", "replace")
        elif kind == "u8" and length == 1:
            out[name] = value[0]
        elif kind in ("u64", "i64") and length == 8:
            out[name] = struct.unpack(end + ("Q" if kind == "u64" else "q"), value)[0]
    return out
