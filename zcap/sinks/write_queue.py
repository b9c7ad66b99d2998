"""The direct sink's writer thread, and the memory that carries it over a slow
disk.

A virtual disk here writes 1.0-1.3 GB/s with direct I/O, but now and then,
for up to a second, only 80-390 MB/s (traced at 400 kpps of 1514-byte frames,
605 MB/s: single writes of up to 51 ms). A 64 MiB ring lasts about 0.1 s at
that rate, so a writer that waits for each write in the read loop lets the
kernel drop packets whenever the disk stalls longer than the ring lasts.

So the writes go to a thread (``os.write`` drops the GIL), in file order,
and the read loop goes on giving blocks to the kernel:
- a ring block is written from the ring itself, and the source holds it
  (``TpacketSource.hold``) until it is on the disk: no copy at all;
- but only while the queue is short (``direct.HOLD_MAX``) and writes are
  quick against the time the ring lasts (``direct.HOLD_SHARE``): the kernel
  fills the ring in order and cannot pass a held block, so a held block must
  be written soon, not after a backlog or a slow write. Otherwise (and until
  the first write was timed) blocks are copied once into ``SpillPool``
  buffers instead and go back to the kernel at once. The pool grows on
  demand up to its limit (``--disk-buffer``) and keeps its buffers for the
  next stall; when it is full, blocks stay held and the ring fills as it
  would without the thread (the kernel counts the drops).

Staged runs (sparse blocks, headers) go to the thread too, each with its
whole staging buffer; when every staging buffer waits for the thread, the
run is copied into spill buffers instead. What is not in whole alignment units (the plain
writes that show staged packets early, the end of the file and its ISBs at
close) the sink writes in its own thread, only once the queue is empty
(``wait_idle``), so the file is always written in order.
"""

import collections
import mmap
import os
import threading
import time
from collections.abc import Callable

from .._core import ffi

# The write the thread makes; a test puts a slow disk in its place.
_os_write = os.write


class SpillPool:
    """Page-aligned buffers, up to ``limit`` bytes of them, mapped when first
    needed and reused after; all of the size the first ``take`` asks for (a
    ring's block size)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.most = 0
        self._maps: list[mmap.mmap] = []
        self._views: list = []
        self._free: collections.deque = collections.deque()   # appended by the writer thread
        self.peak = 0                # most buffers in use at once
        self.spilled = 0             # blocks copied into the pool

    def take(self, size: int):
        """A free buffer (``uint8_t *``) of at least ``size`` bytes, or None
        when the pool is at its limit or its buffers are smaller."""
        if not self.size:
            self.size, self.most = size, self.limit // size
        if size > self.size:
            return None
        try:
            buf = self._free.popleft()
        except IndexError:
            if len(self._maps) >= self.most:
                return None
            try:
                m = mmap.mmap(-1, self.size)
            except OSError:         # no memory to give: the ring holds the backlog
                self.most = len(self._maps)
                return None
            view = ffi.from_buffer(m)
            self._maps.append(m)
            self._views.append(view)
            buf = ffi.cast("uint8_t *", view)
        self.peak = max(self.peak, self.in_use)
        self.spilled += 1
        return buf

    @property
    def in_use(self) -> int:
        """Buffers taken and not yet given back."""
        return len(self._maps) - len(self._free)

    def give(self, buf) -> None:
        """Put a buffer back (from any thread)."""
        self._free.append(buf)

    def close(self) -> None:
        """Unmap every buffer."""
        for view in self._views:
            ffi.release(view)
        for m in self._maps:
            m.close()
        self._maps, self._views = [], []
        self._free.clear()


class Job:
    """One write: ``n`` bytes at ``ptr``. ``done()`` runs when they are on the
    file or will never be (gives a ring block back, a buffer to the pool);
    ``last``: (file offset, EPB count) of the last whole packet they hold."""

    __slots__ = ("ptr", "n", "kind", "done", "last", "off")

    def __init__(self, ptr, n: int, kind: str, done: Callable[[], None],
                 last: tuple[int, int] | None, off: int) -> None:
        self.ptr, self.n, self.kind, self.done = ptr, n, kind, done
        self.last, self.off = last, off


class WriteQueue:
    """A thread that writes ``Job``s to ``fd`` in order. After a failed write
    it writes nothing more (every later job is only ``done``) and keeps the
    errno in ``err``; ``on_written(last)`` runs, in the thread, after each job
    that holds a whole packet; ``trace``: a ``WriteTrace`` or None."""

    def __init__(self, fd: int, on_written: Callable[[tuple[int, int]], None], trace) -> None:
        self.fd = fd
        self.on_written = on_written
        self.trace = trace
        self.err = 0
        self.last_s = 0.0             # how long the last write took
        self._started = 0.0           # when the write under way began (0: none)
        self._jobs: collections.deque[Job] = collections.deque()
        self._cond = threading.Condition()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="zcap-writer", daemon=True)
        self._thread.start()

    def put(self, job: Job) -> None:
        """Queue a write (after an error: only its ``done``)."""
        with self._cond:
            if self.err:
                job.done()
                return
            self._jobs.append(job)
            self._cond.notify_all()

    def pending(self) -> int:
        """Jobs not yet written, the one being written included."""
        return len(self._jobs)

    def slow_s(self) -> float:
        """How long a write takes now: the last one's time, or the one under
        way's so far when that is longer (a stall shows while it lasts)."""
        started = self._started
        now = time.monotonic() - started if started else 0.0
        return max(self.last_s, now)

    def wait_idle(self) -> int:
        """Wait until every job is written (or the queue failed); returns ``err``."""
        return self.wait_until(lambda: not self._jobs)

    def wait_until(self, ready: Callable[[], object]) -> int:
        """Wait until ``ready()`` (checked after each job) or the queue failed;
        returns ``err``."""
        with self._cond:
            while not ready() and not self.err:
                self._cond.wait()
            return self.err

    def close(self) -> int:
        """Write what is queued, stop the thread; returns ``err``."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join()
        return self.err

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._jobs and not self._closing:
                    self._cond.wait()
                if not self._jobs:
                    return
                job = self._jobs[0]        # stays queued while written: ``pending`` counts it
            err = self._write(job)
            if not err and job.last is not None:
                self.on_written(job.last)
            with self._cond:
                self._jobs.popleft()
                job.done()
                if err:
                    self.err = err
                    while self._jobs:        # never written: give back what they hold
                        self._jobs.popleft().done()
                self._cond.notify_all()

    def _write(self, job: Job) -> int:
        start = self._started = time.monotonic()
        done = 0
        while done < job.n:
            try:
                done += _os_write(self.fd, ffi.buffer(job.ptr + done, job.n - done))
            except InterruptedError:
                continue
            except OSError as err:
                self._started = 0.0
                return err.errno or 5   # EIO
        self.last_s = time.monotonic() - start
        self._started = 0.0
        if self.trace is not None:
            self.trace.log(job.kind, start, job.n, job.off)
        return 0
