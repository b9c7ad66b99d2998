"""The few bpf(2) commands zcap needs, through the raw syscall (no libbpf).

Each command's part of ``union bpf_attr`` (<linux/bpf.h>) is described once
as data: a list of (field, struct format) that ``_attr`` packs. Every fd the
bpf() syscall returns is close-on-exec (the kernel always sets O_CLOEXEC).
"""

from __future__ import annotations

import errno
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from .._core import ffi, lib
from ..errors import PermissionDenied, ZcapError
from .isa import Insn, encode

ATTR_SIZE = 128          # larger than every layout below; the kernel wants the tail zero
LOG_SIZE = 1 << 20

# union bpf_attr, per command: (field, format). "x" pads keep the u64s aligned.
MAP_CREATE = [("map_type", "I"), ("key_size", "I"), ("value_size", "I"),
              ("max_entries", "I"), ("map_flags", "I"), ("inner_map_fd", "I"),
              ("numa_node", "I"), ("map_name", "16s")]
MAP_ELEM = [("map_fd", "I"), ("_pad", "4x"), ("key", "Q"), ("value", "Q"), ("flags", "Q")]
PROG_LOAD = [("prog_type", "I"), ("insn_cnt", "I"), ("insns", "Q"), ("license", "Q"),
             ("log_level", "I"), ("log_size", "I"), ("log_buf", "Q"),
             ("kern_version", "I"), ("prog_flags", "I"), ("prog_name", "16s"),
             ("prog_ifindex", "I"), ("expected_attach_type", "I")]
TEST_RUN = [("prog_fd", "I"), ("retval", "I"), ("data_size_in", "I"),
            ("data_size_out", "I"), ("data_in", "Q"), ("data_out", "Q"), ("repeat", "I"),
            ("duration", "I"), ("ctx_size_in", "I"), ("ctx_size_out", "I"),
            ("ctx_in", "Q"), ("ctx_out", "Q"), ("flags", "I"), ("cpu", "I"),
            ("batch_size", "I")]
LINK_CREATE = [("prog_fd", "I"), ("target_ifindex", "I"), ("attach_type", "I"),
               ("flags", "I")]
GET_FD_BY_ID = [("id", "I"), ("next_id", "I"), ("open_flags", "I")]
OBJ_INFO = [("bpf_fd", "I"), ("info_len", "I"), ("info", "Q")]
# struct bpf_prog_info, the leading fields we read
PROG_INFO = [("type", "I"), ("id", "I"), ("tag", "8s"), ("jited_prog_len", "I"),
             ("xlated_prog_len", "I"), ("jited_prog_insns", "Q"),
             ("xlated_prog_insns", "Q"), ("load_time", "Q"), ("created_by_uid", "I"),
             ("nr_map_ids", "I"), ("map_ids", "Q"), ("name", "16s")]


def _format(layout: list[tuple[str, str]]) -> struct.Struct:
    return struct.Struct("=" + "".join(f for _, f in layout))


def _attr(layout: list[tuple[str, str]], **values) -> bytearray:
    """A zeroed bpf_attr with the named fields set."""
    names = [n for n, f in layout if not f.endswith("x")]
    unknown = set(values) - set(names)
    if unknown:
        raise TypeError(f"no bpf_attr field {sorted(unknown)}")
    fmt = _format(layout)
    args = [values.get(n, b"" if f.endswith("s") else 0)
            for n, f in layout if not f.endswith("x")]
    buf = bytearray(ATTR_SIZE)
    fmt.pack_into(buf, 0, *args)
    return buf


def _fields(layout: list[tuple[str, str]], raw: bytes) -> dict[str, int | bytes]:
    names = [n for n, f in layout if not f.endswith("x")]
    return dict(zip(names, _format(layout).unpack_from(raw), strict=True))


def _addr(buf) -> int:
    """The address of a cffi-owned buffer, for a u64 pointer field."""
    return int(ffi.cast("uintptr_t", buf))


class BpfError(ZcapError):
    """A bpf() command failed; ``errno`` says why, ``log`` holds the verifier's words."""

    def __init__(self, message: str, err: int, log: str = "") -> None:
        super().__init__(message)
        self.errno = err
        self.log = log


def bpf(cmd: int, attr: bytearray, what: str) -> int:
    """Run one bpf() command on ``attr`` (updated in place); returns its result."""
    buf = ffi.from_buffer(attr)
    rc = lib.zc_bpf(cmd, buf, len(attr))
    if rc < 0:
        err = -rc
        if err == errno.EPERM:
            raise PermissionDenied(f"{what}: {os.strerror(err)} (AF_XDP capture needs root, "
                                   "or CAP_BPF with CAP_NET_ADMIN and CAP_NET_RAW)")
        raise BpfError(f"{what}: {os.strerror(err)}", err)
    return rc


def map_create(map_type: int, key_size: int, value_size: int, max_entries: int,
               name: str = "") -> int:
    """A new map's fd."""
    attr = _attr(MAP_CREATE, map_type=map_type, key_size=key_size, value_size=value_size,
                 max_entries=max_entries, map_name=name.encode()[:15])
    return bpf(lib.BPF_MAP_CREATE, attr, "creating a BPF map")


def map_update(map_fd: int, key: bytes, value: bytes, flags: int = 0) -> None:
    """Set map[key] = value."""
    k, v = ffi.from_buffer(key), ffi.from_buffer(value)
    attr = _attr(MAP_ELEM, map_fd=map_fd, key=_addr(k), value=_addr(v), flags=flags)
    bpf(lib.BPF_MAP_UPDATE_ELEM, attr, "updating a BPF map")


def prog_load(prog_type: int, insns: Sequence[Insn], *, name: str = "",
              license: str = "GPL", expected_attach_type: int = 0) -> int:
    """Load a program; returns its fd. When the verifier refuses it, the load is
    repeated with a log, and the BpfError carries the verifier's explanation."""
    image = encode(list(insns))
    code = ffi.from_buffer(image)
    lic = ffi.new("char[]", license.encode())

    def load(log_level: int, log) -> tuple[int, bytearray]:
        attr = _attr(PROG_LOAD, prog_type=prog_type, insn_cnt=len(image) // 8,
                     insns=_addr(code), license=_addr(lic), log_level=log_level,
                     log_size=LOG_SIZE if log is not None else 0,
                     log_buf=_addr(log) if log is not None else 0,
                     prog_name=name.encode()[:15], expected_attach_type=expected_attach_type)
        buf = ffi.from_buffer(attr)
        return lib.zc_bpf(lib.BPF_PROG_LOAD, buf, len(attr)), attr

    rc, _ = load(0, None)
    if rc >= 0:
        return rc
    err = -rc
    if err == errno.EPERM:
        raise PermissionDenied(f"loading the XDP program: {os.strerror(err)} (AF_XDP "
                               "capture needs root, or CAP_BPF, CAP_NET_ADMIN, CAP_NET_RAW)")
    log = ffi.new("char[]", LOG_SIZE)
    rc2, _ = load(1, log)
    if rc2 >= 0:                                 # accepted the second time: keep it
        return rc2
    text = ffi.string(log).decode(errors="replace")
    last = next((line for line in reversed(text.splitlines())
                 if line.strip() and not line.startswith("processed ")), "")
    raise BpfError(f"the kernel refused the BPF program: {os.strerror(err)}"
                   + (f" ({last.strip()})" if last else ""), err, text)


def link_create(prog_fd: int, ifindex: int, attach_type: int, flags: int = 0) -> int:
    """Attach through a BPF link; the attachment lives as long as the link fd."""
    attr = _attr(LINK_CREATE, prog_fd=prog_fd, target_ifindex=ifindex,
                 attach_type=attach_type, flags=flags)
    return bpf(lib.BPF_LINK_CREATE, attr, "attaching the XDP program")


@dataclass
class TestRun:
    """What BPF_PROG_TEST_RUN reports."""

    retval: int
    data: bytes
    duration_ns: int


def prog_test_run(prog_fd: int, data: bytes, repeat: int = 1) -> TestRun:
    """Run a program once (or ``repeat`` times) over ``data`` in the kernel."""
    out_size = len(data) + 512
    din = ffi.from_buffer(data)
    dout = ffi.new("uint8_t[]", out_size)
    attr = _attr(TEST_RUN, prog_fd=prog_fd, data_size_in=len(data), data_size_out=out_size,
                 data_in=_addr(din), data_out=_addr(dout), repeat=repeat)
    bpf(lib.BPF_PROG_TEST_RUN, attr, "running a BPF program")
    got = _fields(TEST_RUN, attr)
    return TestRun(got["retval"], bytes(ffi.buffer(dout, got["data_size_out"])),
                   got["duration"])


def prog_fd_by_id(prog_id: int) -> int:
    """An fd for the loaded program with this id."""
    attr = _attr(GET_FD_BY_ID, id=prog_id)
    return bpf(lib.BPF_PROG_GET_FD_BY_ID, attr, f"opening BPF program {prog_id}")


def prog_info(prog_fd: int) -> dict[str, int | bytes]:
    """The leading fields of struct bpf_prog_info (type, id, tag, name ...)."""
    size = _format(PROG_INFO).size
    info = ffi.new("uint8_t[]", 256)
    attr = _attr(OBJ_INFO, bpf_fd=prog_fd, info_len=size, info=_addr(info))
    bpf(lib.BPF_OBJ_GET_INFO_BY_FD, attr, "reading BPF program info")
    fields = _fields(PROG_INFO, bytes(ffi.buffer(info, size)))
    fields["name"] = fields["name"].rstrip(b"\0")
    return fields
