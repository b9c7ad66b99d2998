"""A pcapng sink that starts new files as tcpdump's -C, -G, -W and -z do.

Every file is a complete pcapng section: SHB and IDBs when it is opened,
EPBs, an ISB when it is closed. A batch is split between two files by the C
writer's stop conditions (file offset, packet timestamp): the packets before
the split go to the old file, the rest (``skip`` them) to the new one, so no
packet is lost or written twice.

tcpdump's semantics, kept here:
- ``-C``: before a packet is written, if the file already holds more than
  ``file_size`` bytes, a new file is started (a file exceeds the size by at
  most one packet). Names: ``out.pcapng``, ``out.pcapng1``, ``out.pcapng2``...
  With ``-W N``: ``out.pcapng0`` ... ``out.pcapng{N-1}``, zero-padded to the
  width of N-1, then round again, overwriting the oldest.
- ``-G``: the ``-w`` name is a strftime(3) pattern, expanded with the local
  wall-clock time at which the file is started. A packet stamped ``G`` seconds
  or more after that time goes to a new file (tcpdump compares the clock when
  the packet is processed; we compare the packet's own kernel timestamp, which
  is never later). As in tcpdump, a quiet link rotates on its next packet, so
  no empty files are made. With ``-C`` as well, the size counter restarts at 0
  with each new interval and ``-W`` only sets the width of the number.
- ``-G`` with ``-W N`` (no ``-C``): after N files the capture is over: ``done``
  turns true (``run()`` stops on it) and ``on_done`` is called.
- ``-z CMD``: after a file is closed, CMD runs with the file name as its only
  argument, without a shell, at the lowest CPU priority, with stdin from
  /dev/null and stdout/stderr inherited (as tcpdump). It is not waited for;
  finished children are reaped at the next rotation and at close. Unlike
  tcpdump, the last file gets CMD too when the capture ends normally
  (``postrotate_last=False`` gives tcpdump's behaviour).

With ``direct=True`` (a live TPACKET_V3 capture, the CLI's default) each file
is a ``DirectSink``: a ring block is rewritten in place once, and the same
size and time rules decide which run of its EPBs goes to which file. A block
that falls wholly in one file goes out as one write of the ring's memory; the
runs of a block split between files are copied through the files' staging
buffers (direct I/O needs aligned writes, and a split point is not aligned).
"""

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Callable

from .. import pcapng as fmt
from .._core import lib
from ..errors import UsageError
from ..protocols import Sink
from ..report import warn
from .direct import DEFAULT_DISK_BUFFER, DirectSink
from .pcapng import InterfaceStats, PcapngSink
from .write_queue import SpillPool

ONE_MILLION = 1_000_000
SIZE_SUFFIXES = {"k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}   # tcpdump -C 10k / 10m / 10g
LOWEST_PRIORITY = 19                                           # tcpdump's nice for -z


def parse_file_size(text: str) -> int:
    """tcpdump's -C argument in bytes: a plain number is millions of bytes; a
    k, m or g suffix means KiB, MiB or GiB."""
    value = text.strip()
    unit = ONE_MILLION
    if value and value[-1].lower() in SIZE_SUFFIXES:
        unit = SIZE_SUFFIXES[value[-1].lower()]
        value = value[:-1]
    if not value.isdigit() or int(value) <= 0:
        raise UsageError(f"invalid file size {text!r}: a positive number of millions of bytes "
                         f"(or with a k, m, g suffix)")
    return int(value) * unit


def count_width(file_count: int | None) -> int:
    """Digits of the file number with -W N: those of N-1 (tcpdump's getWflagChars)."""
    width, n = 0, (file_count or 0) - 1
    while n > 0:
        width += 1
        n //= 10
    return width


def file_name(pattern: str, number: int, width: int, when: float | None = None) -> str:
    """tcpdump's MakeFilename: strftime(``pattern``) with the local time ``when``
    (if given, that is with -G), then the number appended, zero-padded to
    ``width``; number 0 with width 0 appends nothing."""
    name = time.strftime(pattern, time.localtime(when)) if when is not None else pattern
    if not name:
        raise UsageError(f"the file name pattern {pattern!r} expands to nothing")
    if number == 0 and width == 0:
        return name
    return f"{name}{number:0{width}d}"


def check_postrotate(command: str) -> str:
    """The full path of a -z command; UsageError if it can't be run."""
    path = shutil.which(command)
    if path is None:
        raise UsageError(f"-z {command}: no such executable (it is run without a shell: "
                         f"give one program, which gets the file name as its argument)")
    return path


TICK_GRACE_NS = 200_000_000          # > the ring's 50 ms block retire timeout


class RotatingPcapngSink(Sink):
    """pcapng files in turn, as tcpdump -C/-G/-W/-z; used like ``PcapngSink``.

    ``file_size``: bytes (-C MB is MB * 1,000,000; see ``parse_file_size``).
    ``rotate_seconds``: -G. ``file_count``: -W. ``postrotate``: -z's command.
    ``stats``: returns (received, dropped) so far (e.g. ``LiveCapture.stats``),
    for the ISB of files closed before the end; without it those ISBs carry
    only the packets delivered to the file. ``on_done``: called once when -G
    with -W has made its last file.
    """

    def __init__(self, path: str, interfaces: list[fmt.InterfaceDescription], *,
                 file_size: int | None = None, rotate_seconds: float | None = None,
                 file_count: int | None = None, postrotate: str | None = None,
                 stats: Callable[[], tuple[int, int]] | None = None,
                 on_done: Callable[[], None] | None = None,
                 postrotate_last: bool = True, direct: bool = False,
                 disk_buffer: int = DEFAULT_DISK_BUFFER) -> None:
        if path == "-":
            raise UsageError("-C, -G and -W need a file name with -w, not standard output")
        if file_size is not None and file_size <= 0:
            raise UsageError(f"invalid file size {file_size}: must be positive")
        if rotate_seconds is not None and rotate_seconds <= 0:
            raise UsageError(f"invalid rotation interval {rotate_seconds}: must be positive")
        if file_count is not None and file_count <= 0:
            raise UsageError(f"invalid number of output files {file_count}: must be positive")
        if file_count is not None and not (file_size or rotate_seconds):
            raise UsageError("-W needs -C or -G")
        self.pattern = path
        self.direct = direct
        self.rewrites = direct            # a direct file destroys the block: run last
        # One spill pool for every file: its buffers outlive a rotation.
        self._pool = SpillPool(disk_buffer) if direct else None
        self.interfaces = interfaces
        self.file_size = file_size
        self.rotate_ns = int(rotate_seconds * 1e9) if rotate_seconds else None
        self.file_count = file_count
        self.postrotate = postrotate
        self.postrotate_last = postrotate_last
        self._stats = stats
        self._on_done = on_done
        self._width = count_width(file_count) if file_size else 0
        self._snaplen: int | None = None
        self.start_ns = time.time_ns()
        self.files: list[str] = []          # every file finished, in order
        self.children: list[subprocess.Popen] = []
        self.done = False
        self._size_count = 0                # tcpdump's Cflag_count
        self._time_count = 0                # tcpdump's Gflag_count
        self._closed_packets = 0
        self._closed_bytes = 0
        self._current: PcapngSink | DirectSink | None = None
        self._tap = None                    # a StatsSink every file counts into
        self._tap_lock = contextlib.nullcontext()
        self._open(time.time_ns())

    # -- what PcapngSink offers -------------------------------------------------
    @property
    def path(self) -> str:
        """The name of the file being written (the last one, once closed)."""
        return self._name

    @property
    def display(self) -> str:
        """The file name as error messages show it."""
        return self._name

    @property
    def fd(self) -> int:
        """The current file's descriptor (-1 when none is open)."""
        return self._current.fd if self._current is not None else -1

    @property
    def writer(self):
        """The current file's C writer (``struct zc_writer *``), or None (also
        in direct mode, which has none)."""
        return getattr(self._current, "writer", None)

    @property
    def write_mode(self) -> str:
        """The end of the listening line: how the files are written."""
        return getattr(self._current, "write_mode", "writing pcapng buffered")

    @property
    def packets(self) -> int:
        """EPBs completely written, over all files."""
        current = self._current.packets if self._current is not None else 0
        return self._closed_packets + current

    @property
    def bytes(self) -> int:
        """Bytes completely written, over all files."""
        current = self._current.bytes if self._current is not None else 0
        return self._closed_bytes + current

    def set_snaplen(self, snaplen: int) -> None:
        """Cap on frames that grow when a stripped VLAN tag is put back (every file)."""
        self._snaplen = snaplen
        if self._current is not None:
            self._current.set_snaplen(snaplen)

    def add_interfaces(self, interfaces: list[fmt.InterfaceDescription]) -> None:
        """IDBs met after the start: written now and at the head of every later file."""
        if self._current is not None:
            self._current.add_interfaces(interfaces)   # extends self.interfaces (shared list)
        else:
            self.interfaces.extend(interfaces)

    def tap(self, stats) -> None:
        """Every file's writer counts what it writes into ``stats`` (see
        ``PcapngSink.tap``)."""
        self._tap = stats
        self._tap_lock = stats.lock
        if self._current is not None:
            self._current.tap(stats)

    def consume(self, batch, limit: int, ifid: int = 0) -> int:
        """Write the first ``limit`` packets of the batch, rotating between them
        as needed; returns how many were written (fewer only once ``done``)."""
        with self._tap_lock:            # the display may be copying the counters
            if self.direct:
                return self._consume_direct(batch, min(limit, batch.count), ifid)
            return self._consume(batch, min(limit, batch.count), ifid)

    def _consume(self, batch, limit: int, ifid: int) -> int:
        written = 0
        while written < limit and self._current is not None:
            w = self._current.writer
            fresh = self._current.packets == 0
            w.stop_offset = self._stop_offset
            w.stop_ts_ns = self._deadline_ns or 0
            rc, info = batch.write_pcapng(w, ifid, limit, written)
            self._current.check(rc)
            written += info.written
            if written >= limit:
                break
            if info.written == 0 and fresh:
                # A new file that takes nothing: only a clock stepped back can
                # do this. Let one packet in rather than loop.
                w.stop_offset, w.stop_ts_ns = 0, 0
                rc, info = batch.write_pcapng(w, ifid, written + 1, written)
                self._current.check(rc)
                written += info.written
                continue
            self._rotate(by_size=self._over_size())
        return written

    def _consume_direct(self, batch, limit: int, ifid: int) -> int:
        """The block rewritten once, then cut into runs by the same rules as
        the C writer's stop conditions: before a packet, a file of ``file_size``
        bytes or more, or a packet stamped at or after the deadline, ends the
        file; a new file takes at least one packet."""
        if self._current is None:
            return 0
        rw = self._current.rewrite(batch, limit, ifid)
        if rw is None:
            return 0
        i = 0
        while i < rw.n and self._current is not None:
            cur = self._current
            size, j = cur.bytes, i
            while j < rw.n:
                if j > i or cur.packets:
                    if (self._stop_offset and size >= self._stop_offset) or (
                            self._deadline_ns and rw.ts_ns(j) >= self._deadline_ns):
                        break
                size += rw.size(j)
                j += 1
            if j > i:
                cur.write_rewritten(rw, i, j)
                i = j
            if i < rw.n:
                self._rotate(by_size=self._over_size())
        return i

    def tick(self, now_ns: int | None = None) -> None:
        """Between batches, on a quiet link: -G still starts the next file when the
        interval is over (tcpdump waits for a packet; an empty file for a quiet
        interval shows the capture was running, and -G with -W ends on time).
        The grace lets a block holding packets from before the deadline, which
        the kernel hands over within its retire timeout, still reach this file."""
        if (self._current is not None and self._deadline_ns
                and (now_ns or time.time_ns()) >= self._deadline_ns + TICK_GRACE_NS):
            self._rotate(by_size=False)
        if self._current is not None:
            self._current.tick()        # a direct file shows what it has staged

    def close(self, stats: list[InterfaceStats] | None = None) -> None:
        """Close the current file with its ISB (from ``stats``, the capture's
        final counters), run -z on it (unless ``postrotate_last`` is false),
        and reap finished -z children."""
        try:
            if self._current is not None:
                counts = None
                if stats:
                    counts = [(s.start_ns, s.received, s.dropped, s.received - s.rejected)
                              for s in stats]
                self._finish(counts, postrotate=self.postrotate_last)
        finally:
            if self._pool is not None:
                self._pool.close()
        self.reap()

    def reap(self) -> None:
        """Collect -z children that have exited."""
        self.children = [p for p in self.children if p.poll() is None]

    def wait_postrotate(self, timeout: float | None = None) -> None:
        """Wait for every -z child still running (tests; a CLI need not)."""
        for p in self.children:
            p.wait(timeout)
        self.reap()

    # -- rotation ---------------------------------------------------------------
    def _open(self, now_ns: int, deadline_ns: int | None = None) -> None:
        """Start the next file, named for ``now_ns``; with -G it ends at
        ``deadline_ns`` (default: one interval from now)."""
        when = now_ns / 1e9 if self.rotate_ns else None
        self._name = file_name(self.pattern, self._size_count, self._width, when)
        if self.direct:
            self._current = DirectSink(self._name, self.interfaces, pool=self._pool)
        else:
            self._current = PcapngSink(self._name, self.interfaces)
        if self._snaplen is not None:
            self._current.set_snaplen(self._snaplen)
        if self._tap is not None:
            self._current.tap(self._tap)
        header = self._offset()
        # A new file always takes at least one packet, however small -C is.
        self._stop_offset = max(self.file_size, header + 1) if self.file_size else 0
        if self.rotate_ns:
            self._deadline_ns = deadline_ns or now_ns + self.rotate_ns
        else:
            self._deadline_ns = None

    def _offset(self) -> int:
        """Bytes in the current file so far (a direct file's staged ones too)."""
        if self.direct:
            return self._current.bytes
        return self._current.writer.offset

    def _over_size(self) -> bool:
        return bool(self._stop_offset) and self._offset() >= self._stop_offset

    def _rotate(self, by_size: bool) -> None:
        now = time.time_ns()
        # tcpdump looks at the clock first: an interval that is over wins, and
        # the new interval's file starts at number 0.
        by_time = self._deadline_ns is not None and (not by_size or now >= self._deadline_ns)
        # A file of the next interval starts at the old one's deadline, on the
        # grid: every packet in it is at or after the time in its name (packets
        # reach us up to a block retire timeout late). A size rotation keeps
        # the interval it is in.
        start, deadline = now, self._deadline_ns
        if by_time:
            start = self._deadline_ns
            late = now - start
            if late >= self.rotate_ns:      # stalled past whole intervals: no file for each
                start += late // self.rotate_ns * self.rotate_ns
            deadline = start + self.rotate_ns
        self._finish(None, postrotate=True)
        self.reap()
        if by_time:
            self._time_count += 1
            self._size_count = 0
            if not self.file_size and self.file_count and self._time_count >= self.file_count:
                self.done = True
                if self._on_done is not None:
                    self._on_done()
                return
        else:
            self._size_count += 1
            if self.file_count and self._size_count >= self.file_count:
                self._size_count = 0
        self._open(start, deadline)

    def _finish(self, counts: list[tuple[int, int, int, int]] | None, postrotate: bool) -> None:
        """ISB, close, -z. ``counts``: (start_ns, received, dropped, accepted by
        the filter) per interface."""
        sink, self._current = self._current, None
        delivered = sink.packets
        try:
            if not (sink.err if self.direct else sink.writer.err):
                if counts is None:
                    received = dropped = None
                    if self._stats is not None:
                        received, dropped = self._stats()
                    counts = [(self.start_ns, received, dropped, received)] * len(self.interfaces)
                now = time.time_ns()
                isbs = b"".join(
                    fmt.interface_statistics(i, now, {
                        "isb_starttime": start, "isb_endtime": now,
                        "isb_ifrecv": received, "isb_ifdrop": 0 if received is not None else None,
                        "isb_filteraccept": accepted, "isb_osdrop": dropped,
                        "isb_usrdeliv": delivered if len(counts) == 1 else None})
                    for i, (start, received, dropped, accepted) in enumerate(counts))
                if self.direct:
                    sink.write_raw(isbs)
                else:
                    sink.check(lib.zc_write_raw(sink.writer, isbs, len(isbs)))
        finally:
            try:
                sink.close()
            finally:            # after close: a write that failed there counts as unwritten
                self._closed_packets += sink.packets
                self._closed_bytes += sink.bytes
                self.files.append(sink.path)
        if postrotate and self.postrotate:
            self._run_postrotate(sink.path)

    def _run_postrotate(self, path: str) -> None:
        try:
            child = subprocess.Popen([self.postrotate, path], stdin=subprocess.DEVNULL,
                                     close_fds=True)
        except OSError as err:
            # The capture goes on: the file is complete, only its post-processing failed.
            warn(f"-z {self.postrotate} {path}: {os.strerror(err.errno or 0)}")
            return
        try:
            os.setpriority(os.PRIO_PROCESS, child.pid, LOWEST_PRIORITY)
        except OSError:
            pass    # it exited already, or we may not renice: it runs anyway
        self.children.append(child)

