"""The Python view of one packet, for consumers that work per packet
(printing, tests, library users). The hot paths never build these."""

from dataclasses import dataclass


@dataclass(slots=True)
class Packet:
    """One captured packet.

    ``data`` is the frame as it is (or would be) written to a file: with a VLAN
    tag the kernel stripped put back, and with a LINUX_SLL2 header for ``any``.
    It is a ``memoryview`` borrowed from kernel-shared or mmapped memory and
    valid only until its batch is released, unless ``owned`` is true (then it
    is a private copy, as when a header had to be rebuilt). Call ``bytes()`` on
    it to keep it.
    """

    ts_ns: int          # nanoseconds since the Unix epoch
    wirelen: int        # length on the wire
    data: memoryview | bytes
    ifid: int           # pcapng interface id within the capture / file
    linktype: int       # LINKTYPE_* of that interface
    flags: int = 0      # pcapng epb_flags (direction, reception type); 0 = unknown
    owned: bool = False
    # (seconds, fraction, fractions per second) of a pcap record as libpcap
    # reads them, kept only for damaged or fuzzed records (a fraction of a
    # whole second or more, seconds past 2^31): ts_ns carries the fraction into
    # the seconds, while tcpdump prints the fields as they are
    raw_stamp: tuple[int, int, int] | None = None

    @property
    def caplen(self) -> int:
        """Number of captured bytes."""
        return len(self.data)

    @property
    def direction(self) -> str:
        """'in', 'out' or '' (unknown), from the epb_flags bits 0-1."""
        return {1: "in", 2: "out"}.get(self.flags & 3, "")
