"""Live capture: the library API (``open_live``) and the loop that feeds
batches from a source to sinks until a stop condition."""

import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from .errors import InterfaceError, UsageError
from .packet import Packet
from .pcapng import InterfaceDescription
from .sinks.pcapng import InterfaceStats, os_name
from .sources.tpacket import DEFAULT_BUFFER_KIB, DEFAULT_SNAPLEN, TpacketBatch, TpacketSource

POLL_MS = 100            # how often a quiet capture looks at its stop conditions

Instruction = tuple[int, int, int, int]


def compile_filter(expression: str, linktype: int, *, kernel: bool = True,
                   cooked: bool = False) -> list[Instruction]:
    """Compile a pcap-filter(7) expression for a socket of this link type."""
    import bpf_filters

    target = "LINUX_DGRAM" if cooked else linktype
    program = bpf_filters.compile(expression, linktype=target, kernel=kernel)
    return [tuple(i) for i in program.instructions]


class LiveCapture:
    """A capture on one interface (or ``any``), filtered in the kernel.

    Iterate ``batches()`` for whole ring blocks (borrowed from the kernel until
    the next iteration) or ``packets()`` for one packet at a time.
    """

    def __init__(self, interface: str, *, snaplen: int = DEFAULT_SNAPLEN,
                 buffer_kib: int = DEFAULT_BUFFER_KIB, promisc: bool = True,
                 filter: str | None = None, program: Sequence[Instruction] | None = None,
                 xdp: bool = False, xdp_mode: str | None = None,
                 queues: Sequence[int] | None = None, direction: str = "inout",
                 fanout: tuple[int, int] | None = None) -> None:
        if filter and program:
            raise UsageError("give a filter expression or a compiled program, not both")
        if direction not in ("in", "out", "inout"):
            raise UsageError(f"invalid direction {direction!r}: in, out or inout")
        if xdp and direction == "out":
            raise UsageError("-Q out can't work with --xdp: XDP sees only received packets")
        if xdp:
            direction = "inout"             # every packet XDP sees is inbound
        if direction != "inout":
            # The kernel tells the direction (SKF_AD_PKTTYPE) to the socket filter.
            if program:
                raise UsageError("a direction needs a filter expression, not a program")
            word = "inbound" if direction == "in" else "outbound"
            filter = f"{word} and ({filter})" if filter else word
        if snaplen == 0:
            snaplen = DEFAULT_SNAPLEN       # tcpdump's -s 0
        if filter:
            from .iface import lookup
            from .pcapng import LINKTYPE_LINUX_SLL2
            linktype = None if interface == "any" else lookup(interface).linktype
            cooked = linktype in (None, LINKTYPE_LINUX_SLL2)
            # AF_XDP sees frames before the kernel strips VLAN tags: compile for
            # tags in the frame; a socket filter sees them stripped.
            program = compile_filter(filter, linktype or LINKTYPE_LINUX_SLL2, kernel=not xdp,
                                     cooked=cooked)
        self.filter = filter
        if xdp:
            if interface == "any":
                raise UsageError("--xdp needs a real interface, not 'any'")
            from .sources.xdp import XdpSource
            self.source = XdpSource(interface, snaplen=snaplen, program=program,
                                    mode=xdp_mode, queues=queues)
        else:
            self.source = TpacketSource(interface, snaplen=snaplen, buffer_kib=buffer_kib,
                                        promisc=promisc, program=program,
                                        ignore_outgoing=direction == "in", fanout=fanout)
        self.interface = interface
        self.snaplen = snaplen
        self.start_ns = time.time_ns()

    @property
    def linktype(self) -> int:
        """The link type of the frames as written (LINKTYPE_*)."""
        return self.source.linktype

    def describe(self) -> InterfaceDescription:
        """The pcapng IDB for this capture."""
        description = getattr(self.source, "description", None)
        if self.interface == "any":
            description = "all interfaces (cooked, LINUX_SLL2)"
        return InterfaceDescription(linktype=self.linktype, snaplen=self.snaplen,
                                    name=self.interface, description=description,
                                    filter=self.filter, os_name=os_name())

    def next_batch(self, timeout_ms: int = POLL_MS) -> TpacketBatch | None:
        """The next ready batch or None after ``timeout_ms``. Release it with ``release``."""
        return self.source.next_batch(timeout_ms)

    def release(self, batch: TpacketBatch) -> None:
        """Give a batch's memory back to the kernel."""
        self.source.release(batch)

    def batches(self, timeout_ms: int = POLL_MS) -> Iterator[TpacketBatch]:
        """Batches forever; each is valid until the next one is asked for."""
        while True:
            batch = self.source.next_batch(timeout_ms)
            if batch is None:
                continue
            try:
                yield batch
            finally:
                self.source.release(batch)

    def packets(self) -> Iterator[Packet]:
        """Packets forever; a packet's ``data`` is borrowed until the next packet's
        batch is fetched (copy it with ``bytes()`` to keep it)."""
        for batch in self.batches():
            yield from batch.packets()

    def stats(self) -> tuple[int, int]:
        """(received by filter, dropped by kernel) so far."""
        s = self.source.read_stats()
        return s.received, s.dropped

    def close(self) -> None:
        """Close the socket and unmap the ring."""
        self.source.close()

    def __enter__(self) -> "LiveCapture":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_live(interface: str, **kwargs) -> LiveCapture:
    """Open a live capture: ``with zcap.open_live("eth0", filter="tcp port 443") as cap:``.

    Keyword arguments: ``snaplen``, ``buffer_kib``, ``promisc``, ``filter`` (a
    pcap-filter expression) or ``program`` (compiled classic BPF as (code, jt, jf, k)).
    """
    return LiveCapture(interface, **kwargs)


@dataclass
class Summary:
    """What the exit summary reports."""

    captured: int = 0
    received: int = 0
    dropped: int = 0
    error: Exception | None = None
    per_interface: list[InterfaceStats] = field(default_factory=list)


class StopFlag:
    """Set by SIGINT/SIGTERM (or by anyone); checked between batches.
    SIGUSR1 asks for the counters without stopping (``report_due``)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.report_due = threading.Event()
        self.signum: int | None = None
        self._saved: dict[int, object] = {}
        self._depth = 0

    def __enter__(self) -> "StopFlag":
        self._depth += 1
        if self._depth == 1 and threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1):
                self._saved[sig] = signal.signal(sig, self._handler)
        return self

    def _handler(self, signum, _frame) -> None:
        if signum == signal.SIGUSR1:
            self.report_due.set()
            return
        self.signum = signum
        self.event.set()

    def __exit__(self, *exc) -> None:
        self._depth -= 1
        if self._depth == 0:
            for sig, old in self._saved.items():
                signal.signal(sig, old)
            self._saved.clear()

    def is_set(self) -> bool:
        return self.event.is_set()


def feed(batch, sinks: Sequence, done: int, count: int | None) -> int:
    """Give a batch's first packets (no more than ``count - done``) to every sink;
    returns how many that was."""
    limit = batch.count if count is None else min(batch.count, count - done)
    for sink in sinks:
        sink.consume(batch, limit)
    return limit


def run(capture: LiveCapture, sinks: Sequence, *, count: int | None = None,
        duration: float | None = None, stop: StopFlag | None = None,
        report: Callable[[Summary, bool], None] | None = None,
        report_every: float | None = None) -> Summary:
    """Feed batches to every sink until ``count`` packets, ``duration`` seconds,
    a stop signal, a sink that says it is ``done``, or an error. Each batch goes
    back to the kernel only after every sink returned. Sinks are closed by the
    caller. ``report(summary, on_signal)`` is called on SIGUSR1 (``on_signal`` true)
    and every ``report_every`` s."""
    summary = Summary()
    stop = stop or StopFlag()
    deadline = time.monotonic() + duration if duration else None
    next_report = time.monotonic() + report_every if report_every else None
    with stop:
        while not stop.is_set():
            if report is not None and (stop.report_due.is_set() or (
                    next_report is not None and time.monotonic() >= next_report)):
                on_signal = stop.report_due.is_set()
                stop.report_due.clear()
                if next_report is not None:
                    next_report = time.monotonic() + report_every
                summary.received, summary.dropped = capture.stats()
                report(summary, on_signal)
            timeout = POLL_MS
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                timeout = max(1, min(POLL_MS, int(left * 1000) + 1))
            try:
                batch = capture.next_batch(timeout)
            except InterfaceError as err:
                summary.error = err
                break
            if batch is None:
                for sink in sinks:            # a quiet link: time-based sinks still move on
                    tick = getattr(sink, "tick", None)
                    if tick is not None:
                        tick()
                if any(getattr(sink, "done", False) for sink in sinks):
                    break
                continue
            try:
                summary.captured += feed(batch, sinks, summary.captured, count)
            finally:
                capture.release(batch)
            if count is not None and summary.captured >= count:
                break
            if any(getattr(sink, "done", False) for sink in sinks):
                break
    summary.received, summary.dropped = capture.stats()
    summary.per_interface = [InterfaceStats(capture.start_ns, time.time_ns(), summary.received,
                                            summary.dropped, summary.captured)]
    return summary
