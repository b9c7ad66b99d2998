"""The ring-to-disk pcapng sink: each TPACKET_V3 block is rewritten in place
into pcapng (C, csrc/inplace.c) and written from the ring's own memory, with
O_DIRECT where the file system offers it, so the packet bytes reach the disk
by DMA, copied by no CPU.

Two modes, decided from fstatfs/statx when the file is opened, not by trying:
- direct: a regular file on a file system reporting direct-I/O alignment. Every
  O_DIRECT write starts at an aligned file offset and is a whole number of
  alignment units. A dense block goes out with one write of its own memory,
  padded to the alignment with padding blocks. Sparse content (a block that a
  timer retired with a few packets in it, the head of a block cut by a packet
  limit, the SHB and IDBs) is gathered in an aligned staging buffer whose
  aligned part is written when it grows; when a dense block comes, what is
  staged is padded to the alignment first. At close O_DIRECT is dropped
  (fcntl) for the unaligned rest and the ISBs, then fdatasync.
- plain: anything else (tmpfs, which accepts O_DIRECT and copies anyway, pipes,
  standard output): one plain write per block of the bytes from its first EPB
  to the end of its last, no padding at all.

The batch is destroyed by the rewrite: this sink runs after every other sink
of the batch, and reads each packet's metadata from the table the scan makes.
"""

import bisect
import errno
import fcntl
import functools
import mmap
import os
import struct
import time

from .. import __version__
from .. import pcapng as fmt
from .._core import ffi, lib
from ..errors import OutputError
from ..protocols import Sink
from .pcapng import InterfaceStats, PcapngSink, _hardware, open_output, os_name
from .write_queue import Job, SpillPool, WriteQueue

# Less content than this in a block goes through the staging buffer: a direct
# write of a block costs its descriptor and up to one alignment unit of
# padding, and these stay under 10% of the file only for blocks this full.
SPARSE_BYTES = 256 * 1024
STAGE_BYTES = 2 * 1024 * 1024     # the largest sparse run plus what is left of the last flush
STAGE_FLUSH = 64 * 1024           # staged data is written once this much has gathered
# While the writer thread is busy, staged bytes gather up to half a buffer
# before they are handed over with their buffer, and at most this many buffers
# wait for the thread; the limit is the spill pool's too (``disk_buffer``).
STAGE_BUFFERS = 8
# Staged packets that have waited this long are also put on the file, past its
# aligned end, with a plain write (and whenever the link goes quiet), so that
# a file being written shows them as they come, as the buffered writer's file
# does. Not sooner: the next direct write over those bytes must first write
# back and drop the page-cache pages the plain write left (measured in a
# 300 kpps trace: 4 KiB direct writes took 1.1 ms on average right after a
# plain one, 0.4 ms otherwise), and at high rates a dense block comes within
# milliseconds and takes the staged packets with it anyway.
SHOW_EVERY_S = 0.2
# Where to log every write's duration and the ring's fill (a text line each),
# to find what stalls the writer; unset: no tracing, no cost.
TRACE_ENV = "ZCAP_DIRECT_TRACE"
MAX_ALIGN = 64 * 1024            # ring blocks are 128 KiB at least
# A ring block is left in the ring for the writer thread only while fewer
# writes than this wait before it; otherwise it is copied into the spill pool
# (``write_queue``). The kernel fills the ring in order and stops at a held
# block, so a held block must be written soon, not after a backlog: one
# write ahead of it at most (one slow write here took 51 ms; a 64 MiB ring
# lasts ~100 ms at 605 MB/s).
HOLD_MAX = 2
# And only while the writes ahead of it and its own, at the pace of the
# slowest recent write, take under a quarter of the time the ring lasts at
# the pace blocks now come (``block_nr`` times the mean gap between blocks,
# each gap counted at most ``GAP_MAX_S``: a quiet spell says nothing of the
# next burst). One write that takes longer than the whole ring lasts drops
# packets even so: the kernel cannot pass a block the disk is reading.
HOLD_SHARE = 4
GAP_MAX_S = 0.02
DEFAULT_DISK_BUFFER = 256 << 20  # the spill pool's limit (--disk-buffer)
TABLE_ROWS = 16384                # packets in a 1 MiB block of 60-byte frames: ~7300
ETHER_HEADER_BYTES = 14
EPB_HEADER = struct.Struct("=IIIIIII")
EPB_FLAGS_OPTION = struct.Struct("=HHIHH")   # epb_flags, then opt_endofopt


def ring_reserve(frame_mode: int, link_header_bytes: int = ETHER_HEADER_BYTES) -> int:
    """The PACKET_RESERVE that puts each frame of a TPACKET_V3 ring at a
    multiple of 4, so that its EPB header fits right before it, aligned.

    The kernel puts the frame's network header at a multiple of 16 past the
    tpacket header and sockaddr_ll, plus the reserve; the link header sits right
    before it. SOCK_DGRAM (``any``) frames start at the network header."""
    if frame_mode == lib.ZC_FRAME_SLL2:
        return 0
    return link_header_bytes % 4


# Link-layer header bytes before the network header, by LINKTYPE_*, for the
# link types whose frames the reserve can align (Ethernet, and IP with no link
# header as on tun devices). Others are written correctly too, each frame
# moved into place by the rewrite.
LINK_HEADER_BYTES = {fmt.LINKTYPE_ETHERNET: ETHER_HEADER_BYTES, fmt.LINKTYPE_RAW: 0}


def reserve_for_linktype(linktype: int) -> int:
    """The PACKET_RESERVE (``ring_reserve``) for a live ring of ``linktype``."""
    if linktype == fmt.LINKTYPE_LINUX_SLL2:
        return ring_reserve(lib.ZC_FRAME_SLL2)
    return ring_reserve(lib.ZC_FRAME_ETHER, LINK_HEADER_BYTES.get(linktype, 0))


def _epb(pkt, ifid: int, snaplen: int) -> bytes:
    """One EPB built in Python, for a block whose layout the rewrite refused."""
    data = bytes(pkt.data[:snaplen] if snaplen else pkt.data)
    total = EPB_HEADER.size + len(data) + (-len(data) % 4) + 4 + \
        (EPB_FLAGS_OPTION.size if pkt.flags else 0)
    out = EPB_HEADER.pack(fmt.EPB, total, ifid, pkt.ts_ns >> 32, pkt.ts_ns & 0xFFFFFFFF,
                          len(data), pkt.wirelen) + data + b"\0" * (-len(data) % 4)
    if pkt.flags:
        out += EPB_FLAGS_OPTION.pack(2, 4, pkt.flags, 0, 0)
    return out + struct.pack("=I", total)


class Rewritten:
    """The first ``n`` packets of a ring block, rewritten in place into EPBs:
    packet i's EPB starts at ``table[i].epb_off`` and ends where the next one
    starts (the last ends at ``out.end``). ``epbs``: the EPBs built apart, when
    the rewrite refused the block's layout."""

    __slots__ = ("base", "table", "out", "n", "align", "epbs", "batch")

    def __init__(self, base, table, out, n: int, align: int, epbs: list[bytes] | None,
                 batch) -> None:
        self.base, self.table, self.out, self.n = base, table, out, n
        self.align, self.epbs, self.batch = align, epbs, batch

    def ts_ns(self, i: int) -> int:
        """Packet i's timestamp."""
        return self.table[i].ts_ns

    def size(self, i: int) -> int:
        """Bytes of packet i's EPB."""
        if self.epbs is not None:
            return len(self.epbs[i])
        end = self.table[i + 1].epb_off if i + 1 < self.n else self.out.end
        return end - self.table[i].epb_off

    def span(self, lo: int, hi: int) -> tuple[int, int]:
        """Where the EPBs of packets [lo, hi) lie in the block."""
        end = self.table[hi].epb_off if hi < self.n else self.out.end
        return self.table[lo].epb_off, end


class WriteTrace:
    """The debug log ``TRACE_ENV`` asks for: one line per write, ``start
    seconds kind bytes file_offset ring_blocks_held/ring_blocks``, times from
    the monotonic clock, then spill buffers in use (written by the writer
    thread, which has the log to itself while it runs)."""

    def __init__(self, path: str) -> None:
        self.f = open(path, "a", buffering=1 << 16)   # noqa: SIM115 (lives with the sink)
        self.ring = (0, 0)
        self.spill = 0                    # spill buffers in use

    @classmethod
    def from_env(cls) -> "WriteTrace | None":
        """A trace when the environment asks for one."""
        path = os.environ.get(TRACE_ENV)
        if not path:
            return None
        try:
            return cls(path)
        except OSError as err:
            raise OutputError(f"{TRACE_ENV}={path}: {err.strerror}") from None

    def log(self, kind: str, start: float, n: int, off: int) -> None:
        """One write of ``n`` bytes at ``off`` that began at ``start``."""
        now = time.monotonic()
        self.f.write(f"{start:.6f} {now - start:.6f} {kind} {n} {off} "
                     f"{self.ring[0]}/{self.ring[1]} {self.spill}\n")

    def close(self) -> None:
        """Flush the log."""
        self.f.close()


class DirectSink(Sink):
    """Writes one pcapng section to ``path`` ('-' is standard output) from
    TPACKET_V3 blocks rewritten in place. ``direct=False`` never uses O_DIRECT.
    Whole ring blocks are written by a thread (``write_queue``) with up to
    ``disk_buffer`` bytes of spill buffers; ``pool``: a ``SpillPool`` to use
    (and not close), shared by the files of a rotation."""

    check = PcapngSink.check          # the same error lines as the pcapng sink
    rewrites = True                   # destroys the block: the pump gives it each batch last

    def __init__(self, path: str, interfaces: list[fmt.InterfaceDescription], *,
                 direct: bool = True, compact_max: int = lib.ZC_COMPACT_MAX_DEFAULT,
                 disk_buffer: int = DEFAULT_DISK_BUFFER, pool: SpillPool | None = None) -> None:
        self.path = path
        self.display = "standard output" if path == "-" else path
        self.interfaces = interfaces
        self.compact_max = compact_max
        self.snaplen = 0
        self.packets = 0                  # EPBs handed to the file (all in it after close)
        self.bytes = 0                    # bytes of pcapng handed to the file
        self.moved = 0                    # packets whose bytes the rewrite had to move
        self.ring_writes = 0              # blocks written straight from the ring's memory
        self.err = 0
        self._own_fd = path != "-"
        self.fd = open_output(path)
        # Standard output is the caller's file description (its offset, its
        # flags): never switch it to O_DIRECT.
        self.align = self._direct_alignment() if direct and self._own_fd else 0
        self._table = ffi.new("struct zc_meta[]", TABLE_ROWS)
        self._out = ffi.new("struct zc_inplace_out *")
        self._file_off = 0                # bytes on the file (staged ones not included)
        self._last_pkt = 0                # end of the last EPB known to be on the file
        self._last_count = 0              # EPBs up to there: what a failed file keeps
        self._ends: list[int] = []        # packet ends (stream offsets) staged, not yet on file
        self._end_counts: list[int] = []  # EPBs up to each of those ends
        self._staged = 0
        self._shown = 0                   # staged bytes already on the file (plain writes)
        self._unshown_since: float | None = None  # when the oldest unshown staged EPB came
        self._stages: list[tuple[mmap.mmap, object]] = []   # every staging buffer mapped
        self._free_stages: list = []      # given back by the writer thread
        self._trace = WriteTrace.from_env()
        self._own_pool = pool is None
        self._pool = SpillPool(disk_buffer) if pool is None else pool
        self._stage_limit = max(2, min(STAGE_BUFFERS, disk_buffer // STAGE_BYTES))
        self._queue: WriteQueue | None = None     # started by the first aligned write
        self._queue_allowed = True        # until close: its unaligned end goes out plainly
        self._block_t = 0.0               # when the last whole block came to _write_block
        self._block_gap = 0.0             # the mean gap between them (0: not known yet)
        self._block_size = 0              # the ring's (spill buffers are as large)
        if self.align:
            self._stage = self._new_stage()
            fcntl.fcntl(self.fd, fcntl.F_SETFL, fcntl.fcntl(self.fd, fcntl.F_GETFL) | os.O_DIRECT)
        header = fmt.section_header(_hardware(), os_name(), f"zcap {__version__}")
        self._raw(header + b"".join(i.encode() for i in interfaces))

    def _direct_alignment(self) -> int:
        mem, off = ffi.new("uint32_t *"), ffi.new("uint32_t *")
        if lib.zc_dio_align(self.fd, mem, off) < 0 or not off[0]:
            return 0
        # Ring blocks and the staging buffer are page-aligned: memory alignment
        # holds for any file system asking for a page or less.
        if mem[0] > mmap.PAGESIZE:
            return 0
        # Writes in whole file-system blocks: ext4 takes 512-byte direct writes
        # but serialises and zero-fills those that cut one of its 4 KiB blocks.
        return max(off[0], min(os.fstat(self.fd).st_blksize, MAX_ALIGN), 4)

    @property
    def mode(self) -> str:
        """How the file is written, in a few words."""
        return f"direct I/O, {self.align}-byte units" if self.align else "plain writes"

    @property
    def write_mode(self) -> str:
        """The end of the listening line: how the file is written."""
        if self.align:
            return "writing pcapng with direct I/O"
        return "writing pcapng from the ring with plain writes"

    def tap(self, stats) -> None:
        """Nothing to do: a StatsSink counts each batch itself, before this
        sink, while the block's tpacket headers are still intact (the pump
        runs a rewriting sink last)."""
        return None

    def set_snaplen(self, snaplen: int) -> None:
        """Cap on frames that grow when a stripped VLAN tag is put back."""
        self.snaplen = snaplen

    def add_interfaces(self, interfaces: list[fmt.InterfaceDescription]) -> None:
        """Write IDBs for interfaces met after the file was opened."""
        self._raw(b"".join(i.encode() for i in interfaces))
        self.interfaces.extend(interfaces)

    # -- packets -----------------------------------------------------------------
    def consume(self, batch, limit: int, ifid: int = 0) -> int:
        """Write the first ``limit`` packets of a TpacketBatch, rewriting its
        block in place; returns how many were written. The block's packets are
        gone afterwards (its metadata stays in ``self.table``)."""
        self._check_open()
        rw = self.rewrite(batch, limit, ifid)
        return self.write_rewritten(rw) if rw is not None else 0

    def rewrite(self, batch, limit: int, ifid: int = 0) -> "Rewritten | None":
        """Read the metadata of the first ``limit`` packets of a TpacketBatch
        into the table, then rewrite them in place into EPBs laid out for this
        file's alignment; None when there are none. ``write_rewritten`` then
        puts them, or a run of them, on a file."""
        source = batch.source
        self._block_size = source.geometry.block_size
        if self._trace is not None and hasattr(source, "ring_occupancy"):
            self._trace.ring = source.ring_occupancy()
        n = min(limit, batch.count)
        if n > len(self._table):
            self._table = ffi.new("struct zc_meta[]", n)
        n = lib.zc_inplace_scan(batch.block, source.frame_mode, self._table, n)
        if n == 0:
            return None
        out = self._out
        rc = lib.zc_inplace_rewrite(batch.block, source.geometry.block_size, self._table, n,
                                    source.frame_mode, ifid, self.snaplen, self.align or 4,
                                    self.compact_max, out)
        self.moved += out.moved if rc == 0 else n
        epbs = None
        if rc < 0:      # a layout the rewrite cannot place: the block is untouched
            epbs = [_epb(p, ifid, self.snaplen) for p in batch.packets(n)]
        return Rewritten(ffi.cast("uint8_t *", batch.block), self._table, out, n,
                         self.align or 4, epbs, batch)

    def write_rewritten(self, rw: "Rewritten", lo: int = 0, hi: int | None = None) -> int:
        """Put packets [lo, hi) of a rewritten block on the file; returns how
        many. A whole dense block goes out with one write of the ring's memory;
        a run of it (a block split between two files) is copied through the
        staging buffer in direct mode."""
        self._check_open()
        hi = rw.n if hi is None else hi
        count = self.packets + hi - lo
        out, base = rw.out, rw.base
        if rw.epbs is not None:
            self._raw(b"".join(rw.epbs[lo:hi]), count=count)
        elif (self.align and lo == 0 and hi == rw.n and rw.align == self.align
              and out.end - out.first >= SPARSE_BYTES):
            self._unstage(pad=True)
            self._write_block(rw, out.direct_end, (self._file_off + out.end, count))
            self.ring_writes += 1
            self.bytes += out.direct_end
        else:
            start, end = rw.span(lo, hi)
            if self.align:
                self._stage_bytes(base + start, end - start, count=count)
                now = time.monotonic()
                if self._unshown_since is None:
                    self._unshown_since = now
                elif now - self._unshown_since >= SHOW_EVERY_S:
                    self._show_staged()
            else:
                self._write(base + start, end - start, "plain")
                self.ring_writes += 1
                self._last_pkt, self._last_count = self._file_off, count
                self.bytes += end - start
        self.packets = count
        return hi - lo

    def _check_open(self) -> None:
        if self.err:
            raise OutputError(f"writing {self.display}: the file is already broken")
        if self._queue is not None and self._queue.err:
            self._fail(self._queue.err)

    def _write_block(self, rw: "Rewritten", n: int, last: tuple[int, int]) -> None:
        """Write the first ``n`` bytes of a rewritten ring block by the writer
        thread: from the ring while the queue is short, else from a spill
        buffer (from the ring after all when the pool is full)."""
        source = rw.batch.source
        q = self._writer()
        off = self._file_off
        buf = None
        if not self._may_hold(q, source.geometry.block_nr):
            buf = self._pool.take(source.geometry.block_size)
        if buf is None:
            q.put(Job(rw.base, n, "ring", source.hold(rw.batch), last, off))
        else:
            self._queue_copy(q, buf, rw.base, n, last, off)
        self._file_off += n

    def _queue_copy(self, q: WriteQueue, buf, src, n: int,
                    last: tuple[int, int] | None, off: int) -> None:
        """Copy ``n`` bytes into the spill buffer ``buf`` and queue its write
        (the buffer goes back to the pool once written)."""
        ffi.memmove(buf, src, n)
        q.put(Job(buf, n, "spill", functools.partial(self._pool.give, buf), last, off))
        if self._trace is not None:
            self._trace.spill = self._pool.in_use

    def _may_hold(self, q: WriteQueue, block_nr: int) -> bool:
        """Whether the next block may wait in the ring for the writer thread:
        few writes ahead of it (``HOLD_MAX``), and all of them done well
        before the kernel comes round the ring to it (``HOLD_SHARE``). Until
        one write was timed and two blocks came, the block is copied."""
        now = time.monotonic()
        if self._block_t:
            gap = min(now - self._block_t, GAP_MAX_S)
            mean = self._block_gap
            self._block_gap = mean + (gap - mean) / 8 if mean else gap
        self._block_t = now
        pending = q.pending()
        if pending >= max(1, min(HOLD_MAX, block_nr // 8)):
            return False
        if not self._block_gap or not q.last_s:       # nothing known yet: copy
            return False
        return (pending + 1) * q.slow_s() * HOLD_SHARE < block_nr * self._block_gap

    def _writer(self) -> WriteQueue:
        """The writer thread, started on first use."""
        if self._queue is None:
            self._queue = WriteQueue(self.fd, self._written, self._trace)
        return self._queue

    def _written(self, last: tuple[int, int]) -> None:
        """In the writer thread: a block holding packets up to ``last`` is on the file."""
        self._last_pkt, self._last_count = last

    def _sync(self) -> None:
        """Before a write from this thread: wait until the writer thread has
        written everything queued (the file is written in order)."""
        if self._queue is not None and self._queue.pending():
            err = self._queue.wait_idle()
            if err:
                self._fail(err)

    @property
    def spill_stats(self) -> tuple[int, int]:
        """(blocks copied into spill buffers, most spill buffers in use at once)."""
        return self._pool.spilled, self._pool.peak

    def write_raw(self, data: bytes) -> None:
        """Write whole pcapng blocks that are not packets (ISBs of a rotated file)."""
        self._check_open()
        self._raw(data)

    def tick(self) -> None:
        """A quiet link: put what is staged on the file now."""
        if self.align and not self.err:
            self._show_staged()

    def _show_staged(self) -> None:
        """Write the staged bytes not yet on the file past its aligned end, with
        a plain pwrite (O_DIRECT would need whole units): the file is then
        valid up to its last packet. The next aligned write covers the same
        bytes again, the same content, with direct I/O."""
        if self._queue is not None and self._queue.pending():
            return      # the writer thread is at it: staged bytes follow soon anyway
        self._unshown_since = None
        if self._shown >= self._staged:
            return
        start = time.monotonic() if self._trace is not None else 0.0
        shown = self._shown
        flags = fcntl.fcntl(self.fd, fcntl.F_GETFL)
        fcntl.fcntl(self.fd, fcntl.F_SETFL, flags & ~os.O_DIRECT)
        try:
            while self._shown < self._staged:
                try:
                    self._shown += os.pwrite(
                        self.fd, ffi.buffer(self._stage + self._shown, self._staged - self._shown),
                        self._file_off + self._shown)
                except InterruptedError:
                    continue
        except OSError as err:
            self._fail(err.errno or errno.EIO)
        finally:
            if self.fd >= 0 and not self.err:
                fcntl.fcntl(self.fd, fcntl.F_SETFL, flags)
        if self._trace is not None:
            self._trace.log("show", start, self._shown - shown, self._file_off + shown)
        self._note_shown()

    def _note_shown(self) -> None:
        """Packets wholly among the shown bytes are on the file: a failure
        later keeps them."""
        shown_end = self._file_off + self._shown
        k = bisect.bisect_right(self._ends, shown_end)
        if k and self._ends[k - 1] > self._last_pkt:
            self._last_pkt, self._last_count = self._ends[k - 1], self._end_counts[k - 1]

    @property
    def table(self):
        """The metadata of the last batch consumed (``struct zc_meta[]``)."""
        return self._table

    # -- the file ----------------------------------------------------------------
    def _raw(self, data: bytes, count: int | None = None) -> None:
        """Write ``data`` (through the staging buffer in direct mode); ``count``:
        it ends with an EPB, the file's ``count``-th."""
        buf = ffi.from_buffer(data)
        if self.align:
            self._stage_bytes(ffi.cast("uint8_t *", buf), len(data), count)
        else:
            self._write(ffi.cast("uint8_t *", buf), len(data))
            if count is not None:
                self._last_pkt, self._last_count = self._file_off, count
            self.bytes += len(data)

    def _stage_bytes(self, src, n: int, count: int | None) -> None:
        done = 0
        while done < n:     # in pieces: after a flush, less than one unit is left staged
            take = min(n - done, STAGE_BYTES - self._staged)
            ffi.memmove(self._stage + self._staged, src + done, take)
            self._staged += take
            done += take
            if count is not None and done == n:
                self._ends.append(self._file_off + self._staged)
                self._end_counts.append(count)
            if self._staged >= STAGE_FLUSH and (
                    self._queue is None or not self._queue.pending()
                    or self._staged >= STAGE_BYTES // 2 or done < n):
                self._flush_aligned()
        self.bytes += n

    def _flush_aligned(self) -> None:
        """Write the aligned part of what is staged; keep the rest."""
        whole = self._staged // self.align * self.align
        if not whole:
            return
        if self._queue_allowed:
            self._queue_stage(whole, "staged")
            return
        self._write(self._stage, whole, "staged")
        self._staged -= whole
        self._shown = max(0, self._shown - whole)
        ffi.memmove(self._stage, self._stage + whole, self._staged)
        self._note_packets_written()

    def _stages_all_busy(self) -> bool:
        """Every staging buffer the limit allows is mapped and waits for the writer."""
        return not self._free_stages and len(self._stages) >= self._stage_limit

    def _new_stage(self):
        """A staging buffer: a free one, else a new mapping (at most
        ``STAGE_BUFFERS`` of them; then wait for the writer to give one back)."""
        if self._stages_all_busy():
            err = self._writer().wait_until(lambda: self._free_stages)
            if err:
                self._fail(err)
        if self._free_stages:
            return self._free_stages.pop()
        m = mmap.mmap(-1, STAGE_BYTES)
        view = ffi.from_buffer(m)
        self._stages.append((m, view))
        return ffi.cast("uint8_t *", view)

    def _queue_stage(self, n: int, kind: str) -> None:
        """Hand the first ``n`` staged bytes (whole units) to the writer
        thread, buffer and all, and go on staging in another buffer that
        starts with the rest."""
        q = self._writer()
        rest = self._staged - n
        end = self._file_off + n
        k = bisect.bisect_right(self._ends, end)
        last = (self._ends[k - 1], self._end_counts[k - 1]) if k else None
        if self._stages_all_busy() and self._spill_stage(q, n, last):
            ffi.memmove(self._stage, self._stage + n, rest)
        else:
            old, new = self._stage, self._new_stage()
            ffi.memmove(new, old + n, rest)
            q.put(Job(old, n, kind, functools.partial(self._free_stages.append, old), last,
                      self._file_off))
            self._stage = new
        del self._ends[:k], self._end_counts[:k]
        self._file_off = end
        self._staged = rest
        self._shown = max(0, self._shown - n)

    def _spill_stage(self, q: WriteQueue, n: int, last: tuple[int, int] | None) -> bool:
        """Every staging buffer waits for the writer thread (a slow disk, and
        sparse blocks between the dense ones): copy the first ``n`` staged
        bytes into spill buffers and queue those instead, so that the read
        loop goes on; False (nothing queued) when the pool has too few free."""
        size = self._pool.size or self._block_size
        unit = size // self.align * self.align
        if not unit:
            return False
        bufs = []
        for _ in range(-(-n // unit)):
            buf = self._pool.take(size)
            if buf is None:
                for b in bufs:
                    self._pool.give(b)
                return False
            bufs.append(buf)
        off = 0
        for i, buf in enumerate(bufs):
            take = min(unit, n - off)
            self._queue_copy(q, buf, self._stage + off, take,
                             last if i == len(bufs) - 1 else None, self._file_off + off)
            off += take
        return True

    def _unstage(self, pad: bool) -> None:
        """Write everything staged, padded to the alignment with a padding
        block (so that the next write starts aligned) when ``pad``."""
        if not self._staged:
            return
        if pad:
            padlen = -self._staged % self.align
            if 0 < padlen < 12:           # a padding block has at least its framing
                padlen += self.align
            if padlen:
                lib.zc_pad_blocks(self._stage + self._staged, padlen)
                self._staged += padlen
                self.bytes += padlen
            if self._queue_allowed:
                self._queue_stage(self._staged, "unstage")
                self._unshown_since = None
                return
        self._write(self._stage, self._staged, "unstage")
        self._staged = self._shown = 0
        self._unshown_since = None
        self._note_packets_written()

    def _note_packets_written(self) -> None:
        k = bisect.bisect_right(self._ends, self._file_off)
        if k:
            self._last_pkt, self._last_count = self._ends[k - 1], self._end_counts[k - 1]
            del self._ends[:k], self._end_counts[:k]

    def _write(self, ptr, n: int, kind: str = "raw") -> None:
        self._sync()
        start = time.monotonic() if self._trace is not None else 0.0
        done = 0
        while done < n:
            try:
                done += os.write(self.fd, ffi.buffer(ptr + done, n - done))
            except InterruptedError:
                continue
            except OSError as err:
                self._file_off += done
                self._fail(err.errno or errno.EIO)
        if self._trace is not None:
            self._trace.log(kind, start, n, self._file_off)
        self._file_off += n

    def _fail(self, err: int) -> None:
        """Cut the file back to the end of its last whole packet, then raise."""
        self.err = err
        # What the summary counts as written: the EPBs the file keeps.
        self.packets = self._last_count
        try:
            if os.path.isfile(self.path) and self._own_fd:
                end, self.packets = self._last_pkt_on_file()
                if end:
                    os.truncate(self.path, end)
                else:       # not even its section header made it: no file is better
                    os.unlink(self.path)        # than one no reader can open
        except OSError:
            pass    # the error below is what the user needs to know
        self.check(-err)

    def _last_pkt_on_file(self) -> tuple[int, int]:
        """Walk the blocks written after the last packet end we know of (the
        write that failed may have put more whole EPBs on the file); returns
        the end of the last whole EPB (or, in a file that got no packet, of
        its SHB and IDBs: cut back to them, it is still a valid file) and how
        many EPBs end there or before."""
        size = os.fstat(self.fd).st_size
        last = off = self._last_pkt
        count = self._last_count
        header = 0
        with open(self.path, "rb") as f:
            while off + 8 <= size:
                f.seek(off)
                btype, total = struct.unpack("=II", f.read(8))
                if total < 12 or off + total > size:
                    break
                off += total
                if btype == fmt.EPB:
                    last, count = off, count + 1
                elif count == 0 and btype in (fmt.SHB, fmt.IDB):
                    header = off
        return last or header, count

    def close(self, stats: list[InterfaceStats] | None = None) -> None:
        """Write what is staged and an ISB per interface (unless the file is
        already broken), fdatasync, close."""
        try:
            self._queue_allowed = False
            if self._queue is not None:
                queue, self._queue = self._queue, None
                err = queue.close()
                if err and not self.err:
                    self._fail(err)
            if not self.err:
                if self.align:
                    # The rest is not a whole number of units: plain writes from here.
                    fcntl.fcntl(self.fd, fcntl.F_SETFL,
                                fcntl.fcntl(self.fd, fcntl.F_GETFL) & ~os.O_DIRECT)
                if stats:
                    now = time.time_ns()
                    self._raw(b"".join(fmt.interface_statistics(i, now, s.options())
                                       for i, s in enumerate(stats)))
                if self.align:
                    self._unstage(pad=False)
                if self._own_fd and os.path.isfile(self.path):
                    start = time.monotonic()
                    os.fdatasync(self.fd)
                    if self._trace is not None:
                        self._trace.log("fdatasync", start, 0, self._file_off)
        finally:
            if self._queue is not None:         # an error above: stop the thread first
                self._queue.close()
                self._queue = None
            if self._own_pool:
                self._pool.close()
            if self._own_fd and self.fd >= 0:
                os.close(self.fd)
            self.fd = -1
            if self._trace is not None:
                self._trace.close()
                self._trace = None
            for m, view in self._stages:
                ffi.release(view)
                m.close()
            self._stages, self._free_stages = [], []
