"""The Python view of one packet, for consumers that work per packet
(printing, tests, library users). The hot paths never build these."""


class Packet:
    """One captured packet.

    ``data`` is the frame as it is (or would be) written to a file: with a VLAN
    tag the kernel stripped put back, and with a LINUX_SLL2 header for ``any``.
    It is a ``memoryview`` borrowed from kernel-shared or mmapped memory and
    valid only until its batch is released, unless ``owned`` is true (then it
    is a private copy, as when a header had to be rebuilt). Call ``bytes()`` on
    it to keep it.
    """

    __slots__ = ("ts_ns", "wirelen", "data", "ifid", "linktype", "flags", "owned", "raw_stamp")

    def __init__(self, ts_ns: int, wirelen: int, data: memoryview | bytes, ifid: int,
                 linktype: int, flags: int = 0, owned: bool = False,
                 raw_stamp: tuple[int, int, int] | None = None) -> None:
        self.ts_ns = ts_ns  # nanoseconds since the Unix epoch
        self.wirelen = wirelen  # length on the wire
        self.data = data
        self.ifid = ifid  # pcapng interface id within the capture / file
        self.linktype = linktype  # LINKTYPE_* of that interface
        self.flags = flags  # pcapng epb_flags (direction, reception type); 0 = unknown
        self.owned = owned
        # (seconds, fraction, fractions per second) of a pcap record as libpcap
        # reads them, kept only for damaged or fuzzed records (a fraction of a
        # whole second or more, seconds past 2^31): ts_ns carries the fraction into
        # the seconds, while tcpdump prints the fields as they are
        self.raw_stamp = raw_stamp

    @property
    def caplen(self) -> int:
        """Number of captured bytes."""
        return len(self.data)

    @property
    def direction(self) -> str:
        """'in', 'out' or '' (unknown), from the epb_flags bits 0-1."""
        return {1: "in", 2: "out"}.get(self.flags & 3, "")
