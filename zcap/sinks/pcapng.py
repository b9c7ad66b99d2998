"""The pcapng file sink: SHB and IDBs at open, EPBs by writev() straight from
the batch's memory (C), ISBs at close."""

import contextlib
import errno
import os
import platform
import time

from .. import __version__
from .. import pcapng as fmt
from .._core import ffi, lib
from ..errors import OutputError
from ..pipeline import InterfaceStats  # noqa: F401  (re-exported: the ISB's counters)
from ..protocols import Batch, Sink


def _hardware() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def os_name() -> str:
    """The OS string written in shb_os and if_os."""
    return f"{platform.system()} {platform.release()}"


def open_output(path: str) -> int:
    """The descriptor a file sink writes to: ``path`` created or truncated, or
    standard output for '-' (the caller's to keep open)."""
    if path == "-":
        return 1
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    except OSError as err:
        raise OutputError(f"{path}: {os.strerror(err.errno or 0)}") from None


class PcapngSink(Sink):
    """Writes one pcapng section to ``path`` ('-' is standard output)."""

    def __init__(self, path: str, interfaces: list[fmt.InterfaceDescription]) -> None:
        self.path = path
        self.display = "standard output" if path == "-" else path
        self.interfaces = interfaces
        self._own_fd = path != "-"
        self.fd = open_output(path)
        self.writer = ffi.gc(lib.zc_writer_new(self.fd, 0, 0), lib.zc_writer_free)
        self._tap_lock = contextlib.nullcontext()
        header = fmt.section_header(_hardware(), os_name(), f"zcap {__version__}")
        header += b"".join(i.encode() for i in interfaces)
        self.check(lib.zc_write_raw(self.writer, header, len(header)))

    def add_interfaces(self, interfaces: list[fmt.InterfaceDescription]) -> None:
        """Write IDBs for interfaces met after the file was opened (pcapng
        inputs may describe interfaces anywhere before their first packet)."""
        data = b"".join(i.encode() for i in interfaces)
        self.check(lib.zc_write_raw(self.writer, data, len(data)))
        self.interfaces.extend(interfaces)

    @property
    def packets(self) -> int:
        """EPBs completely written."""
        return self.writer.packets

    @property
    def bytes(self) -> int:
        """Bytes completely written."""
        return self.writer.bytes

    def set_snaplen(self, snaplen: int) -> None:
        """Cap on frames that grow when a stripped VLAN tag is put back."""
        self.writer.snaplen = snaplen

    def tap(self, stats) -> None:
        """Have ``stats`` (a StatsSink with a link type) count each packet as
        the C writer writes it, in the same pass over the batch: the packet's
        bytes are then still in cache, where a second walk over the batch
        costs several times more. ``stats`` stops counting batches itself."""
        if stats.linktype is None:
            raise ValueError("a tapped StatsSink needs the capture's link type")
        lib.zc_writer_tap(self.writer, stats.counters, stats.linktype)
        stats.tapped = True
        self._tap_lock = stats.lock

    def consume(self, batch: Batch, limit: int, ifid: int = 0) -> int:
        """Write the first ``limit`` packets of the batch; returns how many were written."""
        with self._tap_lock:            # the display may be copying the counters
            rc, info = batch.write_pcapng(self.writer, ifid, limit)
        self.check(rc)
        return info.written

    def check(self, rc: int) -> None:
        if rc < 0:
            err = -rc
            if err == errno.ENOSPC:
                why = "disk full; the file was cut back to its last complete packet"
            elif err == errno.EPIPE:
                why = "broken pipe (the reader went away)"
            else:
                why = os.strerror(err)
            raise OutputError(f"writing {self.display}: {why}")

    def close(self, stats: list[InterfaceStats] | None = None) -> None:
        """Write an ISB per interface (unless the file is already broken), close."""
        try:
            if stats and not self.writer.err:
                now = time.time_ns()
                isbs = b"".join(fmt.interface_statistics(i, now, s.options())
                                for i, s in enumerate(stats))
                self.check(lib.zc_write_raw(self.writer, isbs, len(isbs)))
        finally:
            if self._own_fd and self.fd >= 0:
                os.close(self.fd)
            self.fd = -1
