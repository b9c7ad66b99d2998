"""The one loop: batches from a source to its sinks until a stop condition.

Live capture, file reading and every fanout worker run this loop. It stops
after ``count`` packets (exactly: the last batch is cut), after ``duration``
seconds, on SIGINT/SIGTERM (or anyone setting the stop flag, e.g. the
screen's ``q``), when a sink says it is ``done``, when a file source is
exhausted, or on an error. The source's errors (the interface went away, a
corrupt file) end the loop and are kept in ``Summary.error``, so the caller
still closes its sinks with the statistics; a sink's error (disk full, a
broken pipe) is raised.
A batch goes back to its source only after every sink returned. After a
signal, --duration or q, the ring is read to its end (``drain``): every
packet the kernel counted as received is then written or counted as dropped.
"""

import signal
import threading
import time
from collections.abc import Callable, Sequence

from .defaults import POLL_MS
from .errors import ZcapError
from .protocols import Batch, Sink, Source


class InterfaceStats:
    """What the ISB of one interface reports."""

    def __init__(self, start_ns: int, end_ns: int, received: int, dropped: int,
                 delivered: int, rejected: int = 0) -> None:
        self.start_ns = start_ns
        self.end_ns = end_ns
        self.received = received  # passed the filter, dropped ones included (libpcap's ps_recv)
        self.dropped = dropped  # dropped by the kernel for want of ring space
        self.delivered = delivered  # written to this file
        # rejected by a filter run in user space (the kernel refused it), which
        # "received" counts, as libpcap's ps_recv does, and isb_filteraccept not
        self.rejected = rejected

    def options(self) -> dict[str, int]:
        """The ISB options, by name (see ``zcap.pcapng.OPTIONS``)."""
        return {
            "isb_starttime": self.start_ns,
            "isb_endtime": self.end_ns,
            "isb_ifrecv": self.received,
            "isb_ifdrop": 0,
            "isb_filteraccept": self.received - self.rejected,
            "isb_osdrop": self.dropped,
            "isb_usrdeliv": self.delivered,
        }


class Summary:
    """What the exit summary reports."""

    def __init__(self, captured: int = 0, received: int = 0, dropped: int = 0,
                 error: ZcapError | None = None,
                 per_interface: list[InterfaceStats] | None = None) -> None:
        self.captured = captured
        self.received = received
        self.dropped = dropped
        self.error = error
        self.per_interface = [] if per_interface is None else per_interface


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

    def set(self) -> None:
        """Stop after the batch in hand."""
        self.event.set()

    def is_set(self) -> bool:
        """True once the pump should stop."""
        return self.event.is_set()


class ReportClock:
    """When the counters are due: on SIGUSR1 (``stop.report_due``) and every
    ``every`` seconds (None: only on SIGUSR1)."""

    def __init__(self, stop: StopFlag, every: float | None) -> None:
        self.stop = stop
        self.every = every
        self.next = time.monotonic() + every if every else None

    def due(self) -> bool | None:
        """None if no report is due; otherwise whether SIGUSR1 asked for it."""
        on_signal = self.stop.report_due.is_set()
        if not on_signal and (self.next is None or time.monotonic() < self.next):
            return None
        self.stop.report_due.clear()
        if self.next is not None:
            self.next = time.monotonic() + self.every
        return on_signal


def feed(batch: Batch, sinks: Sequence[Sink], done: int, count: int | None) -> int:
    """Give a batch's first packets (no more than ``count - done``) to every sink;
    returns how many that was."""
    limit = batch.count if count is None else min(batch.count, count - done)
    for sink in sinks:
        sink.consume(batch, limit)
    return limit


def drain(source: Source, sinks: Sequence[Sink], done: int, count: int | None) -> int:
    """After a stop (a signal, --duration, q): what the kernel already let in
    goes to the sinks instead of being lost uncounted. A source that can
    (``quiesce``) first stops taking packets, so its counters stop too; then
    every block still in the ring is fed, the last partly filled one when the
    kernel hands it over. Returns the packets fed."""
    quiesce = getattr(source, "quiesce", None)
    try:
        wait_ms = quiesce() if quiesce is not None else None
    except ZcapError:                    # the socket is past taking a filter: nothing to read
        return 0
    if wait_ms is None:
        return 0
    fed = 0
    while count is None or done + fed < count:
        try:
            batch = source.next_batch(wait_ms)
        except ZcapError:                # gone while draining: what was read stays
            break
        if batch is None:
            break
        try:
            fed += feed(batch, sinks, done + fed, count)
        finally:
            source.release(batch)
    return fed


def pump(source: Source, sinks: Sequence[Sink], *, count: int | None = None,
         duration: float | None = None, stop: StopFlag | None = None,
         report: Callable[[Summary, bool], None] | None = None,
         report_every: float | None = None,
         before_first: Callable[[], object] | None = None) -> Summary:
    """Move batches from ``source`` to ``sinks`` until a stop condition (see the
    module docstring). ``report(summary, on_signal)`` runs on SIGUSR1
    (``on_signal`` true) and every ``report_every`` seconds; ``before_first()``
    once, before the first batch reaches a sink. Sinks are closed by the caller."""
    sinks = sorted(sinks, key=lambda s: bool(getattr(s, "rewrites", False)))  # rewriters last
    # A sink that doesn't subclass Sink may leave out what it has no use for.
    ticks = [s.tick for s in sinks if hasattr(s, "tick")]
    adders = [s.add_interfaces for s in sinks if hasattr(s, "add_interfaces")]
    ending = [s for s in sinks if hasattr(s, "done")]
    summary = Summary()
    stop = stop or StopFlag()
    # The ISB's start: when the source opened (packets may wait in a ring for us).
    start_ns = getattr(source, "start_ns", None) or time.time_ns()
    deadline = time.monotonic() + duration if duration else None
    clock = ReportClock(stop, report_every)
    known = len(source.interfaces())
    with stop:
        while not stop.is_set():
            if report is not None and (on_signal := clock.due()) is not None:
                summary.received, summary.dropped = source.stats()
                report(summary, on_signal)
            timeout = POLL_MS
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                timeout = max(1, min(POLL_MS, int(left * 1000) + 1))
            try:
                batch = source.next_batch(timeout)
            except ZcapError as err:     # the interface went away, a corrupt file
                summary.error = err
                break
            if batch is None:
                if source.exhausted:
                    break
                for tick in ticks:           # a quiet link: time-based sinks move on
                    tick()
                if any(sink.done for sink in ending):
                    break
                continue
            try:
                interfaces = source.interfaces()
                if len(interfaces) > known:   # a file described more interfaces
                    for add in adders:
                        add(interfaces[known:])
                    known = len(interfaces)
                if before_first is not None:
                    before_first()
                    before_first = None
                summary.captured += feed(batch, sinks, summary.captured, count)
            finally:
                source.release(batch)
            if count is not None and summary.captured >= count:
                break
            if any(sink.done for sink in ending):
                break
        # A source's error (the interface went away) ends the loop too: what the
        # ring already holds can still be written.
        if (not source.exhausted and not any(s.done for s in ending)
                and (count is None or summary.captured < count)):
            summary.captured += drain(source, sinks, summary.captured, count)
    summary.received, summary.dropped = source.stats()
    summary.per_interface = [InterfaceStats(start_ns, time.time_ns(), summary.received,
                                            summary.dropped, summary.captured,
                                            getattr(source, "filter_rejected", 0))]
    return summary
