"""Many capture workers on one interface: ``--fanout N`` (``-j N``).

N worker processes (multiprocessing, 'spawn': a fresh interpreter each, no
inherited ring mapping or descriptors) each open their own TPACKET_V3 socket
and ring on the interface and join one PACKET_FANOUT group, so the kernel
hands each packet to exactly one of them (by flow hash by default; ``cpu``,
``lb``, ``qm`` as in packet(7)). Each worker writes its own file,
``out.pcapng`` -> ``out.0.pcapng``, ``out.1.pcapng``...

Joining the group without a race: a worker's socket starts with a filter that
accepts nothing, is bound, joins the group (the kernel wants a bound socket),
and only then gets the real filter. So no worker ever receives a packet that
the group gives to another one: nothing is captured twice. Packets the group
gives a worker in the microseconds between its join and its real filter are
not captured; all this happens before "listening on" is printed.

``--merge``: one file ordered by time. The workers write their parts as usual;
when all have stopped, ``zcap.merge`` merges the parts k-way by timestamp
into the -w file and deletes them (with ``-w -`` the parts live in a
temporary directory and the merge goes to standard output).

Stopping: SIGINT/SIGTERM to the parent (or ``--duration``) sets a shared
event; each worker finishes the batch in hand, writes its ISB and closes, and
the parent collects them in order. Workers ignore SIGINT themselves (a
terminal's ^C reaches the whole process group; the parent decides), stop on
SIGTERM, and stop when the parent dies. ``-c N`` is exact over all workers:
before writing a batch a worker takes its share from a shared counter under
a lock, so exactly N packets are written in total (by whichever workers got
them first) and the first worker to reach N stops everyone.

Counters while capturing (SIGUSR1, ``--stats-interval``): only a worker can
read its socket's statistics, so the parent asks through shared memory. It
bumps a question number; each worker sees it between batches (at least every
POLL_MS), reads its counters and posts them in its own slot of a shared board
with the number it answers; the parent waits until every live worker has
answered (a second at most) and reports the sums on the same line as a
capture without ``-j``. Asking costs a worker nothing until it is asked.
"""

import multiprocessing
import os
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bpf_filters.linktypes import DEFAULT_SNAPLEN
from bpf_filters.linktypes import describe as linktype_text

from ._core import lib
from .capture import LiveCapture
from .config import Config
from .defaults import DEFAULT_BUFFER_KIB
from .errors import ZcapError
from .pcapng import InterfaceDescription
from .pipeline import InterfaceStats, ReportClock, StopFlag, Summary, pump
from .protocols import Batch, Sink
from .report import info
from .sources.tpacket import BPF_RET_K

# PACKET_FANOUT modes zcap offers, from <linux/if_packet.h>. Hash mode also
# reassembles IP fragments first (FLAG_DEFRAG), so a fragmented datagram stays
# with its flow, as libpcap and netsniff-ng do.
FANOUT_MODES = {
    "hash": lib.PACKET_FANOUT_HASH | lib.PACKET_FANOUT_FLAG_DEFRAG,
    "cpu": lib.PACKET_FANOUT_CPU,
    "lb": lib.PACKET_FANOUT_LB,
    "qm": lib.PACKET_FANOUT_QM,
}
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 30
ANSWER_TIMEOUT_S = 1.0       # a worker busy longer than this is reported as last seen
ACCEPT_NOTHING = [(BPF_RET_K, 0, 0, 0)]


def part_name(path: str, index: int) -> str:
    """A worker's file: ``out.pcapng`` -> ``out.0.pcapng``; ``out`` -> ``out.0``."""
    head, tail = os.path.split(path)
    stem, ext = os.path.splitext(tail)
    if not stem:                                 # ".pcapng": a dot file, no extension
        stem, ext = ext, ""
    return os.path.join(head, f"{stem}.{index}{ext}")


def fanout_group_id() -> int:
    """A group id of our own (16 bits), from the process id."""
    return os.getpid() & 0xFFFF


def open_member(interface: str, *, fanout: tuple[int, int], snaplen: int = DEFAULT_SNAPLEN,
                buffer_kib: int = DEFAULT_BUFFER_KIB, promisc: bool = True,
                filter: str | None = None, reserve: int = 0) -> LiveCapture:
    """A LiveCapture (TPACKET_V3) whose socket is a member of a fanout group."""
    return LiveCapture(interface, snaplen=snaplen, buffer_kib=buffer_kib, promisc=promisc,
                       filter=filter, fanout=fanout, reserve=reserve)


# -- counters while capturing ------------------------------------------------------
class CounterBoard:
    """Shared memory between the parent and its workers for the counters while
    capturing: one question number (written by the parent only) and a slot per
    worker, ``SLOT`` integers: the question answered, written, received by
    filter, dropped by kernel."""

    SLOT = ("answered", "written", "received", "dropped")

    def __init__(self, ctx, workers: int) -> None:
        self.workers = workers
        self.asked = ctx.RawValue("q", 0)
        self.slots = ctx.Array("q", workers * len(self.SLOT))

    def post(self, index: int, answered: int, written: int, received: int,
             dropped: int) -> None:
        """A worker's answer to question ``answered`` (all four values at once)."""
        n = len(self.SLOT)
        with self.slots.get_lock():
            self.slots[index * n:(index + 1) * n] = [answered, written, received, dropped]

    def ask(self, alive: Callable[[int], bool], timeout: float = ANSWER_TIMEOUT_S
            ) -> tuple[int, int, int]:
        """A new question; waits until every worker still alive has answered it
        (or ``timeout``), then returns (written, received, dropped) summed over
        the latest answers."""
        n = len(self.SLOT)
        self.asked.value += 1
        question = self.asked.value
        end = time.monotonic() + timeout
        while True:
            with self.slots.get_lock():
                rows = [self.slots[i * n:(i + 1) * n] for i in range(self.workers)]
            if all(row[0] == question or not alive(i) for i, row in enumerate(rows)) \
                    or time.monotonic() > end:
                return tuple(sum(row[k] for row in rows) for k in (1, 2, 3))
            time.sleep(0.005)


class _Question:
    """The pump's ``report_due`` in a worker: set while the parent has asked a
    question (``CounterBoard.asked``) this worker has not taken yet."""

    def __init__(self, asked) -> None:
        self.asked = asked
        self.taken = 0

    def is_set(self) -> bool:
        return self.asked.value != self.taken

    def clear(self) -> None:
        # The counters are read after this, so they answer the question taken.
        self.taken = self.asked.value


# -- the worker process ------------------------------------------------------------
@dataclass
class WorkerSpec:
    """What every worker needs to know (sent to the spawned processes)."""

    config: Config          # the checked flags; each worker writes its own part
    interface: str
    group: int
    mode: int
    parts: list[str]
    board: CounterBoard


@dataclass
class WorkerResult:
    """What a worker reports when it has stopped."""

    index: int
    start_ns: int = 0
    written: int = 0
    received: int = 0
    dropped: int = 0
    error: str | None = None
    exit_code: int = 0


class _WorkerStop(StopFlag):
    """Stop when the parent says so (shared event), on SIGTERM, or when the
    parent is gone; SIGINT and SIGUSR1 are the parent's business. The parent's
    questions for the counters come through ``report_due``."""

    def __init__(self, shared, parent_pid: int, asked) -> None:
        super().__init__()
        self.shared = shared
        self.parent_pid = parent_pid
        self.report_due = _Question(asked)

    def __enter__(self) -> "_WorkerStop":
        self._depth += 1
        if self._depth == 1 and threading.current_thread() is threading.main_thread():
            self._saved[signal.SIGINT] = signal.signal(signal.SIGINT, signal.SIG_IGN)
            self._saved[signal.SIGTERM] = signal.signal(signal.SIGTERM, self._handler)
        return self

    def is_set(self) -> bool:
        return (self.event.is_set() or self.shared.is_set()
                or os.getppid() != self.parent_pid)


class _Quota(Sink):
    """A sink wrapper that writes only the packets it can take from the shared
    -c counter, and stops every worker when the counter is used up."""

    def __init__(self, sink, counter, total: int, shared_stop) -> None:
        self.sink = sink
        self.counter = counter
        self.total = total
        self.shared_stop = shared_stop

    def consume(self, batch: Batch, limit: int, ifid: int = 0) -> int:
        """Write what is left of the shared -c quota (at most ``limit``)."""
        with self.counter.get_lock():
            take = max(0, min(limit, self.total - self.counter.value))
            self.counter.value += take
            used_up = self.counter.value >= self.total
        if used_up:
            self.shared_stop.set()
        return self.sink.consume(batch, take, ifid) if take else 0


def _worker(index: int, spec: WorkerSpec, conn, shared_stop, counter, parent_pid: int) -> None:
    """One capture worker: open, report ready (with its IDB), pump until told
    to stop, close its file, report its counts."""
    import gc

    from . import registry

    gc.enable()        # a spawned worker re-imports zcap.entry, which holds it off

    # A signal sent to the whole process group is the parent's to act on.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    result = WorkerResult(index, start_ns=time.time_ns())
    c = spec.config.replace(write=spec.parts[index], interface=spec.interface)
    try:
        from .iface import lookup
        reserve = registry.ring_reserve(c, lookup(spec.interface).linktype)  # for direct I/O
        cap = open_member(spec.interface, fanout=(spec.group, spec.mode), snaplen=c.snaplen,
                          buffer_kib=c.ring_kib, promisc=not c.no_promisc,
                          filter=c.filter_expr, reserve=reserve)
    except ZcapError as err:
        conn.send(("error", str(err), err.exit_code))
        return
    except Exception as err:          # a filter error from bpf_filters, and the like
        conn.send(("error", str(err), 1))
        return
    with cap:
        try:
            pipeline = registry.build(c, source=cap)
        except ZcapError as err:
            conn.send(("error", str(err), err.exit_code))
            return
        sink = pipeline.writer
        conn.send(("ready", cap.describe(), cap.linktype, cap.snaplen,
                   getattr(sink, "write_mode", "writing pcapng buffered")))
        sinks = [_Quota(sink, counter, c.count, shared_stop) if c.count else sink]
        stop = _WorkerStop(shared_stop, parent_pid, spec.board.asked)

        def answer(s: Summary, _on_signal: bool) -> None:
            spec.board.post(index, stop.report_due.taken, sink.packets, s.received, s.dropped)

        try:
            summary = pump(cap, sinks, stop=stop, report=answer)
            if summary.error is not None:
                result.error, result.exit_code = str(summary.error), summary.error.exit_code
            for s in summary.per_interface:
                s.delivered = sink.packets
            sink.close(summary.per_interface)
            result.received, result.dropped = summary.received, summary.dropped
        except ZcapError as err:          # the file could not be written
            result.error, result.exit_code = str(err), err.exit_code
            result.received, result.dropped = cap.stats()
            sink.close()
        result.written = sink.packets
    conn.send(("done", result))


# -- the parent ------------------------------------------------------------------
@dataclass
class FanoutSummary:
    """Per-worker results and the merged file's count (if --merge)."""

    workers: list[WorkerResult] = field(default_factory=list)
    merged: int | None = None
    failure: tuple[str, int] | None = None     # (message, exit status) of the first error

    @property
    def written(self) -> int:
        """Packets in the files, over all workers."""
        return sum(w.written for w in self.workers)

    @property
    def received(self) -> int:
        """Packets the workers' filters accepted (dropped ones included)."""
        return sum(w.received for w in self.workers)

    @property
    def dropped(self) -> int:
        """Packets the kernel dropped for want of ring space, all workers."""
        return sum(w.dropped for w in self.workers)


def run_fanout(config: Config, stop: StopFlag | None = None,
               report: Callable[[int, int, int, bool], None] | None = None) -> FanoutSummary:
    """Capture with ``config.fanout`` processes in one fanout group, into the -w
    file's parts (or one time-ordered file with --merge), until a stop
    condition; returns what each worker did. ``config`` comes from
    ``Config.from_flags``, which refused what fanout can't do. "listening on"
    goes to the ``zcap`` logger once every worker is ready. While capturing,
    ``report(written, received, dropped, on_signal)`` gets the counters summed
    over the workers on SIGUSR1 (``on_signal`` true) and every
    ``config.stats_interval`` seconds."""
    from .filtering import compile_checked
    from .iface import default_interface, lookup

    interface = config.interface or default_interface().name
    if config.filter_expr:            # refuse a bad filter before any worker starts
        compile_checked(config.filter_expr, linktype=lookup(interface).linktype, kernel=True)
    path, workers, mode, merge = config.write, config.fanout, config.fanout_mode, config.merge
    duration = config.duration
    tmpdir = tempfile.mkdtemp(prefix="zcap-fanout-") if path == "-" else None
    base = os.path.join(tmpdir, "part.pcapng") if tmpdir else path
    parts = [part_name(base, i) for i in range(workers)]
    ctx = multiprocessing.get_context("spawn")
    shared_stop = ctx.Event()
    counter = ctx.Value("q", 0)
    board = CounterBoard(ctx, workers)
    spec = WorkerSpec(config, interface, fanout_group_id(), FANOUT_MODES[mode], parts, board)
    stop = stop or StopFlag()
    summary = FanoutSummary()
    procs, conns = [], []
    failure: tuple[str, int] | None = None
    with stop:
        for i in range(workers):
            recv, send = ctx.Pipe(duplex=False)
            p = ctx.Process(target=_worker, name=f"zcap-worker-{i}", daemon=True,
                            args=(i, spec, send, shared_stop, counter, os.getpid()))
            p.start()
            send.close()
            procs.append(p)
            conns.append(recv)
        idb: InterfaceDescription | None = None
        linktype = snap = 0
        modes: set[str] = set()
        early: dict[int, WorkerResult] = {}
        for i, c in enumerate(conns):
            msg = _recv(c, START_TIMEOUT_S, stop)
            if stop.is_set():
                break                                   # ^C while starting: just stop
            if msg is None or msg[0] != "ready":
                failure = (msg[1], msg[2]) if msg and msg[0] == "error" else (
                    f"fanout worker {i} did not start", 1)
                early[i] = WorkerResult(i, error=failure[0], exit_code=failure[1])
                break
            idb, linktype, snap = msg[1], msg[2], msg[3]
            modes.add(msg[4])
        if failure is None and not stop.is_set():
            info(f"listening on {interface}, link-type {linktype_text(linktype)}, "
                 f"snapshot length {snap} bytes, {workers} fanout workers ({mode}), "
                 # Workers decide alone; they agree unless their files differ.
                 + " / ".join(sorted(modes)))
            deadline = time.monotonic() + duration if duration else None
            clock = ReportClock(stop, config.stats_interval)
            while not stop.is_set() and not shared_stop.is_set():
                if deadline is not None and time.monotonic() >= deadline:
                    break
                if not all(p.is_alive() for p in procs):
                    break
                if report is not None and (on_signal := clock.due()) is not None:
                    report(*board.ask(lambda i: procs[i].is_alive()), on_signal)
                stop.event.wait(0.05)
        shared_stop.set()
        for i, (p, c) in enumerate(zip(procs, conns, strict=True)):      # in order
            msg = None if i in early else _recv(c, STOP_TIMEOUT_S, None)
            if i in early:
                summary.workers.append(early[i])
            elif msg is not None and msg[0] == "done":
                summary.workers.append(msg[1])
            elif msg is not None and msg[0] == "error":
                summary.workers.append(WorkerResult(i, error=msg[1], exit_code=msg[2]))
            else:
                summary.workers.append(WorkerResult(i, error=f"fanout worker {i} died",
                                                    exit_code=1))
            p.join(STOP_TIMEOUT_S)
            if p.is_alive():
                p.kill()
                p.join()
    if merge and failure is None and idb is not None:
        start = min((w.start_ns for w in summary.workers if w.start_ns), default=0)
        stats = InterfaceStats(start, time.time_ns(), summary.received, summary.dropped, 0)
        try:
            summary.merged = _merge(parts, path, idb, stats)
        except ZcapError as err:
            failure = (f"merging the workers' files: {err}", err.exit_code)
    if tmpdir:
        for p in parts:
            if os.path.exists(p):
                os.unlink(p)
        os.rmdir(tmpdir)
    if failure is None:
        bad = next((w for w in summary.workers if w.error), None)
        if bad is not None:
            failure = (f"worker {bad.index}: {bad.error}", bad.exit_code or 1)
    summary.failure = failure
    return summary


def _recv(conn, timeout: float, stop: StopFlag | None):
    """The next message from a worker, or None (timeout, stop, worker gone)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if stop is not None and stop.is_set():
            return None
        try:
            if conn.poll(0.05):
                return conn.recv()
        except (EOFError, OSError):
            return None
    return None


def _merge(parts: Sequence[str], path: str, idb: InterfaceDescription,
           stats: InterfaceStats) -> int:
    from .merge import merge_by_time

    present = [p for p in parts if os.path.exists(p)]
    n = merge_by_time(present, path, idb, stats)
    for p in present:
        os.unlink(p)
    return n
