"""Reading pcap and pcapng files a batch at a time.

The C walker (``csrc/readers.c``) turns records into ``struct zc_pkt`` that
point into the file's bytes; Python makes one call per batch. Packets before a
damaged or truncated record are always delivered before the error is raised.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from types import TracebackType

from zcap._core import ffi, lib
from zcap.errors import CorruptFileError, ZcapError
from zcap.packet import Packet
from zcap.readers.inputs import STREAM_MAX_PENDING, MappedInput, StreamInput
from zcap.readers.interfaces import Interface, parse_idb_options


class _Written:
    __slots__ = ("written",)

    def __init__(self, written: int) -> None:
        self.written = written


PCAP_REC_LEN = 16   # seconds, fraction, captured length, wire length


def _raw_stamp(view: memoryview, off: int, order: str, per_second: int) -> \
        tuple[int, int, int] | None:
    """The time stamp fields of the pcap record whose data starts at ``off``
    as libpcap hands them on, when its fraction is a whole second or more or
    its seconds field has the top bit set. libpcap reads the fields as signed
    32-bit numbers, but byte-swaps those of a file in the other byte order
    into unsigned ones."""
    head = off - PCAP_REC_LEN
    signed = order == sys.byteorder
    sec = int.from_bytes(view[head:head + 4], order, signed=signed)
    frac = int.from_bytes(view[head + 4:head + 8], order, signed=signed)
    if 0 <= frac < per_second and 0 <= sec < 1 << 31:
        return None
    return sec, frac, per_second


class Batch:
    """Up to ``max_pkts`` packets of one link type, viewed in place.

    ``pkts`` is a cffi ``struct zc_pkt[]`` whose ``data`` pointers borrow the
    reader's buffer: valid while the reader is open. ``count`` is how many
    entries are in use (``filter`` lowers it).
    """

    __slots__ = ("pkts", "count", "linktype", "_reader", "_buf", "_base", "_odd_stamps")

    def __init__(self, pkts: object, count: int, linktype: int, reader: Reader,
                 buf: object, base: int, odd_stamps: tuple[str, int] | None = None) -> None:
        self.pkts = pkts
        self.count = count
        self.linktype = linktype
        self._reader = reader
        self._buf = buf  # keeps a replaced stream buffer alive
        self._base = base  # address of buf[0]
        # (byte order, fractions per second) of a pcap file when some record of
        # this batch has a fraction of a second or more, else None
        self._odd_stamps = odd_stamps

    def __len__(self) -> int:
        return self.count

    def packets(self) -> Iterator[Packet]:
        """Yield a ``Packet`` per entry; ``data`` is a memoryview into the file."""
        view = memoryview(self._buf)
        base = self._base
        ifs = self._reader.interfaces
        pkts = self.pkts
        for i in range(self.count):
            p = pkts[i]
            off = int(ffi.cast("uintptr_t", p.data)) - base
            ifid = p.ifid
            pkt = Packet(ts_ns=p.ts_ns, wirelen=p.wirelen, data=view[off:off + p.caplen],
                         ifid=ifid, linktype=ifs[ifid].linktype, flags=p.flags)
            if self._odd_stamps is not None:
                pkt.raw_stamp = _raw_stamp(view, off, *self._odd_stamps)
            yield pkt

    def write_pcapng(self, writer: object, ifid: int, limit: int,
                     skip: int = 0) -> tuple[int, object]:
        """Write packets [skip, limit) as EPBs (iovecs into the file's bytes),
        stopping early at the writer's stop conditions; interface ids are the
        file's, so ``ifid`` is unused."""
        before = writer.packets
        n = min(limit, self.count) - skip
        rc = lib.zc_write_pkts(writer, self.pkts + skip, max(n, 0))
        return rc, _Written(writer.packets - before)

    def count_stats(self, counters: object, limit: int) -> int:
        """Count the first ``limit`` packets into the live counters."""
        return lib.zc_stats_pkts(counters, self.pkts, min(limit, self.count), self.linktype)

    def filter(self, insns: object, ninsns: int) -> int:
        """Keep only the packets a classic BPF program accepts.

        ``insns`` is a cffi ``struct sock_filter[]`` compiled for this batch's
        ``linktype``. The C interpreter compacts ``pkts`` in place; returns
        and stores the new ``count``.
        """
        run = getattr(lib, "zc_bpf_filter", None)
        if run is None:
            raise ZcapError("filtering a file needs zc_bpf_filter, missing from this build")
        self.count = run(insns, ninsns, self.pkts, self.count)
        return self.count


class Reader:
    """An open capture file; see ``open_offline``."""

    def __init__(self, path: str, fd: int, src: MappedInput | StreamInput,
                 owns_fd: bool) -> None:
        self.path = path
        self.interfaces: list[Interface] = []
        self._fd = fd
        self._owns_fd = owns_fd
        self._src = src
        self._rd = ffi.new("struct zc_rd *")
        self._cbuf: object = None
        self._closed = False
        self._done = False
        self._point_at(src.buf, 0)

    # -- public API --

    @property
    def format(self) -> str:
        """'pcap' or 'pcapng' once the header was read ('' before)."""
        return {lib.ZC_RD_PCAP: "pcap", lib.ZC_RD_PCAPNG: "pcapng"}.get(self._rd.format, "")

    def interface_linktype(self, ifid: int) -> int:
        """LINKTYPE_* of interface ``ifid`` (``Packet.ifid`` / ``zc_pkt.ifid``)."""
        return self.interfaces[ifid].linktype

    def read_header(self) -> None:
        """Read up to the first packet, so ``format`` and (for pcap) the
        interface are known before any batch is asked for."""
        if self._rd.format == 0 and not self._done:
            self._scan(ffi.NULL, 0)

    def batches(self, max_pkts: int = 1024) -> Iterator[Batch]:
        """Yield batches until the end of the file.

        Raises ``CorruptFileError`` (after yielding every packet before the
        damage) for a damaged or truncated file.
        """
        if max_pkts < 1:
            raise ValueError("max_pkts must be positive")
        if self._closed:
            raise ZcapError(f"{self.path}: reader is closed")
        while not self._done:
            pkts = ffi.new("struct zc_pkt[]", max_pkts)
            buf, base = self._src.buf, int(ffi.cast("uintptr_t", self._rd.buf))
            odd_before = self._rd.odd_stamps
            rc, n = self._scan(pkts, max_pkts)
            if n:
                lt = self.interfaces[pkts[0].ifid].linktype
                odd = self._odd_stamps() if self._rd.odd_stamps != odd_before else None
                yield Batch(pkts, n, lt, self, buf, base, odd)
            if rc == lib.ZC_RD_MORE:
                continue
            if rc in (lib.ZC_RD_END, lib.ZC_RD_SHORT) and self._more_input():
                continue
            self._done = True
            if rc == lib.ZC_RD_END:
                return
            self._raise(rc)

    def packets(self) -> Iterator[Packet]:
        """Every packet of the file, one at a time (for scripts and tests)."""
        for batch in self.batches():
            yield from batch.packets()

    def close(self) -> None:
        """Release the mapping and the file; idempotent."""
        if self._closed:
            return
        self._closed = True
        self._done = True
        if self._cbuf is not None:
            ffi.release(self._cbuf)
            self._cbuf = None
        self._rd.buf = ffi.NULL
        self._rd.len = 0
        lib.zc_rd_free(self._rd)
        self._src.close()
        if self._owns_fd:
            os.close(self._fd)

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            self.close()

    # -- internals --

    def _point_at(self, buf: object, off: int) -> None:
        if self._cbuf is not None:
            ffi.release(self._cbuf)
        self._cbuf = ffi.from_buffer(buf)
        self._rd.buf = ffi.cast("const uint8_t *", self._cbuf)
        self._rd.len = len(self._cbuf)
        self._rd.off = off
        self._rd.base = self._src.base

    def _scan(self, pkts: object, max_pkts: int) -> tuple[int, int]:
        if self._closed:
            raise ZcapError(f"{self.path}: reader is closed")
        count = ffi.new("uint32_t *")
        rc = lib.zc_rd_scan(self._rd, pkts, max_pkts, count)
        if self._rd.nif > len(self.interfaces):
            self._learn_interfaces()
        if rc == lib.ZC_RD_SHORT and max_pkts == 0 and self._more_input():
            return self._scan(pkts, max_pkts)
        return rc, count[0]

    def _odd_stamps(self) -> tuple[str, int]:
        """How a pcap record's time stamp fields read: byte order, fractions per second."""
        native = sys.byteorder
        order = ("big" if native == "little" else "little") if self._rd.swap else native
        return order, 10**9 if self._rd.pcap_ts_mul == 1 else 10**6

    def _more_input(self) -> bool:
        if not self._src.streaming:
            return False
        keep = self._rd.off
        if not self._src.refill(keep):
            return False
        self._point_at(self._src.buf, 0)
        return True

    def _learn_interfaces(self) -> None:
        rd = self._rd
        for i in range(len(self.interfaces), rd.nif):
            c = rd.ifs[i]
            itf = Interface(linktype=c.linktype, snaplen=c.snaplen, ifid=i,
                            section=c.section, tsresol=c.tsresol,
                            tsoffset=c.tsoffset_s, big_endian=bool(c.big_endian))
            if rd.format == lib.ZC_RD_PCAPNG:
                start = c.block_off - self._src.base
                buf = memoryview(self._src.buf)
                blen_bytes = bytes(buf[start + 4:start + 8])
                big = bool(c.big_endian)
                blen = int.from_bytes(blen_bytes, "big" if big else "little")
                opts = parse_idb_options(buf[start:start + blen], big)
                buf.release()
                for key in ("name", "description", "filter", "os", "hardware", "speed"):
                    if key in opts:
                        setattr(itf, key, opts[key])
            self.interfaces.append(itf)

    def _raise(self, rc: int) -> None:
        rd = self._rd
        what = ffi.string(rd.err).decode() if rd.err != ffi.NULL else "damaged record"
        off = rd.err_off
        if rc == lib.ZC_RD_SHORT and self._src.streaming and not getattr(self._src, "eof", True):
            what = f"record longer than {STREAM_MAX_PENDING >> 20} MiB (damaged length?)"
        raise CorruptFileError(f"{self.path}: {what} at byte offset {off}", offset=off)


def open_offline(path: str) -> Reader:
    """Open a pcap or pcapng file for reading; ``"-"`` reads standard input.

    A regular file is mapped with mmap, never copied; a pipe is read as it
    arrives. Raises ``ZcapError`` if the file can't be opened and
    ``CorruptFileError`` if it is not a capture file.
    """
    if path == "-":
        fd, owns = sys.stdin.fileno(), False
        name = "standard input"
    else:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as e:
            raise ZcapError(f"{path}: {e.strerror}") from None
        owns, name = True, path
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise ZcapError(f"{path}: Is a directory")
        src: MappedInput | StreamInput
        if stat.S_ISREG(st.st_mode) and st.st_size > 0:
            src = MappedInput(fd, st.st_size)
        else:
            src = StreamInput(fd)
        reader = Reader(name, fd, src, owns)
    except BaseException:
        if owns:
            os.close(fd)
        raise
    try:
        reader.read_header()
        if reader._rd.format == 0:
            reader._raise(lib.ZC_RD_SHORT)
    except BaseException:
        reader.close()
        raise
    return reader
