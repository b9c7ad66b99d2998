"""Live capture: ``open_live``, a source (see ``zcap.protocols.Source``) on one
interface, TPACKET_V3 or AF_XDP underneath."""

import time
from collections.abc import Iterator, Sequence

from .defaults import DEFAULT_BUFFER_KIB, DEFAULT_SNAPLEN, POLL_MS
from .errors import UsageError
from .packet import Packet
from .pcapng import InterfaceDescription
from .pipeline import StopFlag, Summary, pump  # noqa: F401  (StopFlag, Summary: re-exported)
from .protocols import Batch, Source
from .sinks.pcapng import os_name

Instruction = tuple[int, int, int, int]


def compile_filter(expression: str, linktype: int, *, kernel: bool = True,
                   cooked: bool = False) -> list[Instruction]:
    """Compile a pcap-filter(7) expression for a socket of this link type. It
    may be longer than the kernel takes: it then runs in user space (the sources
    fall back as libpcap does)."""
    import bpf_filters

    target = "LINUX_DGRAM" if cooked else linktype
    program = bpf_filters.compile(expression, linktype=target, kernel=kernel,
                                  max_insns=bpf_filters.USER_MAXINSNS)
    return [tuple(i) for i in program.instructions]


# The direction test put in front of a compiled program: `-Q in` is `inbound and
# (...)`, `-Q out` is `outbound and (...)`, without compiling the filter again.
# Jumps in classic BPF go forward only, so the program after it is unchanged.
_LD_PKTTYPE = (0x30, 0, 0, 0xFFFFF004)       # ldb [SKF_AD_OFF + SKF_AD_PKTTYPE]
_PACKET_OUTGOING = 4                         # <linux/if_packet.h>
_REJECT = (0x06, 0, 0, 0)                    # ret #0


def with_direction(program: Sequence[Instruction], direction: str,
                   snaplen: int = DEFAULT_SNAPLEN) -> list[Instruction]:
    """The program (or, if empty, accept-all) behind a test of the packet's direction."""
    body = [tuple(i) for i in program] or [(0x06, 0, 0, snaplen)]
    if direction == "inout":
        return body
    outgoing_jumps = (0, 1) if direction == "in" else (1, 0)   # (jt, jf) of jeq #OUTGOING
    test = (0x15, *outgoing_jumps, _PACKET_OUTGOING)
    return [_LD_PKTTYPE, test, _REJECT, *body]


class LiveCapture(Source):
    """A capture on one interface (or ``any``), filtered in the kernel.

    Iterate ``batches()`` for whole ring blocks (borrowed from the kernel until
    the next iteration) or ``packets()`` for one packet at a time; or give it
    to ``zcap.pipeline.pump`` with sinks.
    """

    exhausted = False          # a live capture never ends by itself

    def __init__(self, interface: str, *, snaplen: int = DEFAULT_SNAPLEN,
                 buffer_kib: int = DEFAULT_BUFFER_KIB, promisc: bool = True,
                 filter: str | None = None, program: Sequence[Instruction] | None = None,
                 xdp: bool = False, xdp_mode: str | None = None,
                 queues: Sequence[int] | None = None, direction: str = "inout",
                 fanout: tuple[int, int] | None = None, reserve: int = 0) -> None:
        # A program compiled from `filter` (a bpf_filters.Program) saves compiling it again.
        if filter and program and getattr(program, "expression", None) != filter:
            raise UsageError("give a filter expression or a compiled program, not both")
        if direction not in ("in", "out", "inout"):
            raise UsageError(f"invalid direction {direction!r}: in, out or inout")
        if xdp and direction == "out":
            raise UsageError("-Q out can't work with --xdp: XDP sees only received packets")
        if xdp:
            direction = "inout"             # every packet XDP sees is inbound
        if snaplen == 0:
            snaplen = DEFAULT_SNAPLEN       # tcpdump's -s 0
        if filter and not program:
            from .iface import lookup
            from .pcapng import LINKTYPE_LINUX_SLL2
            linktype = None if interface == "any" else lookup(interface).linktype
            cooked = linktype in (None, LINKTYPE_LINUX_SLL2)
            # AF_XDP sees frames before the kernel strips VLAN tags: compile for
            # tags in the frame; a socket filter sees them stripped.
            program = compile_filter(filter, linktype or LINKTYPE_LINUX_SLL2, kernel=not xdp,
                                     cooked=cooked)
        if program:
            program = [tuple(i) for i in program]   # the sources take (code, jt, jf, k)
        if direction != "inout":
            # The kernel tells the direction (SKF_AD_PKTTYPE) to the socket filter.
            program = with_direction(program or [], direction, snaplen)
            word = "inbound" if direction == "in" else "outbound"
            filter = f"{word} and ({filter})" if filter else word   # as the IDB shows it
        self.filter = filter
        if xdp:
            if interface == "any":
                raise UsageError("--xdp needs a real interface, not 'any'")
            from .sources.xdp import XdpSource
            self.source: object = XdpSource(interface, snaplen=snaplen, program=program,
                                    mode=xdp_mode, queues=queues)
        else:
            from .sources.tpacket import TpacketSource
            self.source = TpacketSource(interface, snaplen=snaplen, buffer_kib=buffer_kib,
                                        promisc=promisc, program=program,
                                        ignore_outgoing=direction == "in", fanout=fanout,
                                        reserve=reserve)
        self.interface = interface
        self.snaplen = snaplen
        self.start_ns = time.time_ns()
        self._idbs: list[InterfaceDescription] | None = None

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

    def interfaces(self) -> list[InterfaceDescription]:
        """The one IDB of this capture, as a list (the ``Source`` interface)."""
        if self._idbs is None:             # asked for once per batch by the pump
            self._idbs = [self.describe()]
        return self._idbs

    def next_batch(self, timeout_ms: int = POLL_MS) -> Batch | None:
        """The next ready batch or None after ``timeout_ms``. Release it with ``release``."""
        return self.source.next_batch(timeout_ms)

    def release(self, batch: Batch) -> None:
        """Give a batch's memory back to the kernel."""
        self.source.release(batch)

    def quiesce(self) -> int | None:
        """Stop taking packets so that the ring can be read to its end; the
        milliseconds to wait for its last block (None: nothing to drain)."""
        quiesce = getattr(self.source, "quiesce", None)
        return quiesce() if quiesce is not None else None

    def batches(self, timeout_ms: int = POLL_MS) -> Iterator[Batch]:
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

    @property
    def filter_rejected(self) -> int:
        """Packets a filter the kernel refused rejected in user space: "received
        by filter" counts them, as libpcap's does; pcapng's isb_filteraccept not."""
        return self.source.filter_rejected

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


def run(capture: LiveCapture, sinks: Sequence, **kwargs) -> Summary:
    """``zcap.pipeline.pump`` under its old name: feed a live capture's batches to sinks."""
    return pump(capture, sinks, **kwargs)
