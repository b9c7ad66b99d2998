"""libpcap through ctypes: the reference the differential tests compare against.

Only the tests and the benchmark use this; zcap itself never loads libpcap.
"""

from __future__ import annotations

import ctypes
import ctypes.util

PCAP_ERRBUF_SIZE = 256
SNAPLEN = 262144


class BpfInsn(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte),
                ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint32)]


class BpfProgram(ctypes.Structure):
    _fields_ = [("bf_len", ctypes.c_uint), ("bf_insns", ctypes.POINTER(BpfInsn))]


_lib: ctypes.CDLL | None = None


def lib() -> ctypes.CDLL:
    """Load libpcap once and declare the few functions used."""
    global _lib
    if _lib is None:
        name = ctypes.util.find_library("pcap") or "libpcap.so.0.8"
        try:
            handle = ctypes.CDLL(name)
        except OSError:
            handle = ctypes.CDLL("libpcap.so.0.8")
        handle.pcap_open_dead.restype = ctypes.c_void_p
        handle.pcap_open_dead.argtypes = [ctypes.c_int, ctypes.c_int]
        handle.pcap_compile.argtypes = [ctypes.c_void_p, ctypes.POINTER(BpfProgram),
                                        ctypes.c_char_p, ctypes.c_int, ctypes.c_uint32]
        handle.pcap_geterr.restype = ctypes.c_char_p
        handle.pcap_geterr.argtypes = [ctypes.c_void_p]
        handle.pcap_freecode.argtypes = [ctypes.POINTER(BpfProgram)]
        handle.pcap_close.argtypes = [ctypes.c_void_p]
        handle.pcap_create.restype = ctypes.c_void_p
        handle.pcap_create.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        handle.pcap_activate.argtypes = [ctypes.c_void_p]
        handle.pcap_statustostr.restype = ctypes.c_char_p
        handle.pcap_statustostr.argtypes = [ctypes.c_int]
        handle.bpf_filter.restype = ctypes.c_uint
        handle.bpf_filter.argtypes = [ctypes.POINTER(BpfInsn), ctypes.c_char_p,
                                      ctypes.c_uint, ctypes.c_uint]
        _lib = handle
    return _lib


class LibpcapError(Exception):
    """libpcap refused the expression; the message is libpcap's."""


_handles: dict[int, int] = {}


def _handle(dlt: int) -> int:
    if dlt not in _handles:
        _handles[dlt] = lib().pcap_open_dead(dlt, SNAPLEN)
    return _handles[dlt]


def compile_ref(expr: str, dlt: int = 1, optimize: bool = True,
                netmask: int = 0xFFFFFFFF) -> list[tuple[int, int, int, int]]:
    """Compile with libpcap; return its instructions or raise LibpcapError."""
    return _compile(_handle(dlt), expr, optimize, netmask)


def compile_file(expr: str, dlt: int, optimize: bool = True) -> list[tuple[int, int, int, int]]:
    """Compile as for a capture file of link type dlt (pcap_open_offline), whose
    programs differ from a dead handle's in a few places (`ip6` on NULL/LOOP)."""
    import os
    import struct
    import tempfile

    if dlt not in _file_handles:
        fd, path = tempfile.mkstemp(suffix=".pcap")
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("=IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, SNAPLEN, dlt))
        err = ctypes.create_string_buffer(PCAP_ERRBUF_SIZE)
        lib().pcap_open_offline.restype = ctypes.c_void_p
        lib().pcap_open_offline.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        handle = lib().pcap_open_offline(path.encode(), err)
        os.unlink(path)
        if not handle:
            raise LibpcapError(err.value.decode())
        _file_handles[dlt] = handle
    return _compile(_file_handles[dlt], expr, optimize, 0xFFFFFFFF)


_file_handles: dict[int, int] = {}


def open_live(iface: str) -> int:
    """An activated live handle on iface (root, and the interface up): its
    programs are those a live tcpdump attaches, e.g. with libpcap's
    BPF_SPECIAL_VLAN_HANDLING on Ethernet."""
    err = ctypes.create_string_buffer(PCAP_ERRBUF_SIZE)
    p = lib().pcap_create(iface.encode(), err)
    if not p:
        raise LibpcapError(err.value.decode())
    rc = lib().pcap_activate(p)
    if rc < 0:
        msg = lib().pcap_statustostr(rc).decode()
        lib().pcap_close(p)
        raise LibpcapError(msg)
    return p


def compile_live(p: int, expr: str, optimize: bool = True) -> list[tuple[int, int, int, int]]:
    """Compile on a handle from open_live; raise LibpcapError if refused."""
    return _compile(p, expr, optimize, 0xFFFFFFFF)


def _compile(p: int, expr: str, optimize: bool, netmask: int
             ) -> list[tuple[int, int, int, int]]:
    prog = BpfProgram()
    rc = lib().pcap_compile(p, ctypes.byref(prog), expr.encode(), int(optimize), netmask)
    if rc != 0:
        raise LibpcapError(lib().pcap_geterr(p).decode())
    try:
        return [(prog.bf_insns[i].code, prog.bf_insns[i].jt, prog.bf_insns[i].jf,
                 prog.bf_insns[i].k) for i in range(prog.bf_len)]
    finally:
        lib().pcap_freecode(ctypes.byref(prog))


# ld #0; st M[0] .. st M[15]: libpcap's bpf_filter() does not clear its scratch
# memory, so a program that reads a cell it never wrote (libpcap's do after a
# failed `geneve` or `pppoes`) gets whatever its stack held; the kernel refuses
# such a program. Run behind this prefix, its verdict is that of memory
# starting at 0, as in zcap's interpreters.
ZERO_MEMORY = [(0x00, 0, 0, 0)] + [(0x02, 0, 0, k) for k in range(16)]


class RefFilter:
    """A compiled program kept as a C array, run with libpcap's own bpf_filter()
    (behind ZERO_MEMORY unless zero_memory is False)."""

    def __init__(self, insns: list[tuple[int, int, int, int]], zero_memory: bool = True) -> None:
        if zero_memory:
            insns = ZERO_MEMORY + list(insns)
        self.n = len(insns)
        self.arr = (BpfInsn * self.n)(*[BpfInsn(*i) for i in insns])

    def run(self, frame: bytes, wirelen: int | None = None) -> int:
        """Run over one frame; return libpcap's verdict (0 = reject)."""
        return lib().bpf_filter(self.arr, frame, wirelen if wirelen is not None else len(frame),
                                len(frame))
