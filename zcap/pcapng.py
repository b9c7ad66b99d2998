"""The pcapng blocks zcap writes, described as data (draft-ietf-opsawg-pcapng).

Enhanced Packet Blocks are built in C (csrc/writer.c) because they are per
packet; the blocks written once per file or interface are built here.
All blocks are in host byte order, padded to 32 bits, length repeated at the end.
"""

import struct

# Link types zcap writes, re-exported; their one table is bpf_filters.linktypes.
from bpf_filters.linktypes import LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW  # noqa: F401

SHB = 0x0A0D0D0A
IDB = 0x00000001
ISB = 0x00000005
EPB = 0x00000006
BYTE_ORDER_MAGIC = 0x1A2B3C4D


# option name -> (block, code, encoding). One table for every option we write.
OPTIONS: dict[str, tuple[int, int, str]] = {
    "opt_comment": (0, 1, "str"),
    "shb_hardware": (SHB, 2, "str"),
    "shb_os": (SHB, 3, "str"),
    "shb_userappl": (SHB, 4, "str"),
    "if_name": (IDB, 2, "str"),
    "if_description": (IDB, 3, "str"),
    "if_tsresol": (IDB, 9, "u8"),
    "if_filter": (IDB, 11, "filter"),
    "if_os": (IDB, 12, "str"),
    "isb_starttime": (ISB, 2, "ts"),
    "isb_endtime": (ISB, 3, "ts"),
    "isb_ifrecv": (ISB, 4, "u64"),
    "isb_ifdrop": (ISB, 5, "u64"),
    "isb_filteraccept": (ISB, 6, "u64"),
    "isb_osdrop": (ISB, 7, "u64"),
    "isb_usrdeliv": (ISB, 8, "u64"),
}


def _encode(kind: str, value: object) -> bytes:
    if kind == "str":
        return str(value).encode()
    if kind == "u8":
        return struct.pack("=B", value)
    if kind == "u64":
        return struct.pack("=Q", value)
    if kind == "ts":  # a timestamp in if_tsresol units, high word first
        return struct.pack("=II", value >> 32, value & 0xFFFFFFFF)
    if kind == "filter":  # code 0: a libpcap filter expression
        return b"\x00" + str(value).encode()
    raise ValueError(kind)


def _pad(data: bytes) -> bytes:
    return data + b"\x00" * (-len(data) % 4)


def options(block: int, values: dict[str, object]) -> bytes:
    """Encode the options of one block; unset (None) values are left out."""
    out = b""
    for name, value in values.items():
        if value is None:
            continue
        owner, code, kind = OPTIONS[name]
        if owner not in (0, block):
            raise ValueError(f"{name} does not belong in block 0x{block:x}")
        body = _encode(kind, value)
        if len(body) > 0xFFFF:
            # An option's length is 16 bits; a cut filter expression would be a
            # different filter, so one that long (a big host list) is left out.
            continue
        out += struct.pack("=HH", code, len(body)) + _pad(body)
    return out + struct.pack("=HH", 0, 0) if out else b""


def block(block_type: int, body: bytes) -> bytes:
    """Frame a block body: type, total length, body (padded), total length."""
    body = _pad(body)
    total = len(body) + 12
    return struct.pack("=II", block_type, total) + body + struct.pack("=I", total)


def section_header(hardware: str, os_name: str, userappl: str) -> bytes:
    """A Section Header Block of unknown section length."""
    body = struct.pack("=IHHq", BYTE_ORDER_MAGIC, 1, 0, -1)
    body += options(SHB, {"shb_hardware": hardware, "shb_os": os_name,
                          "shb_userappl": userappl})
    return block(SHB, body)


class InterfaceDescription:
    """What an IDB says about one captured interface."""

    def __init__(self, linktype: int, snaplen: int, name: str | None = None,
                 description: str | None = None, filter: str | None = None,
                 os_name: str | None = None) -> None:
        self.linktype = linktype
        self.snaplen = snaplen
        self.name = name
        self.description = description
        self.filter = filter
        self.os_name = os_name

    def encode(self) -> bytes:
        """The Interface Description Block, timestamps in nanoseconds."""
        body = struct.pack("=HHI", self.linktype, 0, self.snaplen)
        body += options(IDB, {"if_name": self.name, "if_description": self.description,
                              "if_tsresol": 9, "if_filter": self.filter,
                              "if_os": self.os_name})
        return block(IDB, body)


def interface_statistics(ifid: int, ts_ns: int, stats: dict[str, int | None]) -> bytes:
    """An Interface Statistics Block; ``stats`` maps isb_* option names to values."""
    body = struct.pack("=III", ifid, ts_ns >> 32, ts_ns & 0xFFFFFFFF)
    body += options(ISB, stats)
    return block(ISB, body)
