"""State a printer carries from packet to packet, shared by the decoders."""

from __future__ import annotations

# _socket, the C module under socket: `import socket` builds four enum classes,
# a tenth of what `zcap -r` costs to start (issue 16), and only inet_ntop is used.
from _socket import AF_INET, AF_INET6, inet_ntop
from typing import TYPE_CHECKING, Any

from zcap.printing.options import PrintOptions

if TYPE_CHECKING:
    from zcap.printing.iphdr import IpHdr


class Ctx:
    """Options plus per-conversation memory (TCP initial sequence numbers)."""

    def __init__(self, opts: PrintOptions,
                 tcp_isn: dict[tuple[bytes, bytes, int], tuple[int, int]] | None = None,
                 cut_short: bool = False, ip: IpHdr | None = None,
                 link_src: bytes | None = None, memo: dict[str, Any] | None = None) -> None:
        self.opts = opts
        # tcpdump's relative sequence numbers: canonical (src, dst, ports) -> (seq0, ack0)
        self.tcp_isn = {} if tcp_isn is None else tcp_isn
        # set while printing a packet that tcpdump abandons half-way because the
        # capture ends (its longjmp): -x then dumps the frame from the link header on
        self.cut_short = cut_short
        # the IP header under the application being printed, for the few printers
        # that tell the two ends of a conversation apart (ISAKMP's initiator table)
        self.ip = ip
        # the link layer's source address under the ethertype being printed (an
        # Ethernet frame's; None from other link layers), which a few printers show
        self.link_src = link_src
        # per-protocol memory across packets, keyed by the protocol's module name
        self.memo = {} if memo is None else memo

    def cut(self, proto: str) -> str:
        """tcpdump's `` [|proto]`` for a packet that ends too soon, remembering it."""
        self.cut_short = True
        return f" [|{proto}]"


def ip4_str(b: bytes) -> str:
    """Dotted quad."""
    return inet_ntop(AF_INET, b)


def ip6_str(b: bytes) -> str:
    """RFC 5952 text, as inet_ntop (and so tcpdump) writes it."""
    return inet_ntop(AF_INET6, b)


def mac_str(b: bytes) -> str:
    """Colon-separated lower-case hex."""
    return ":".join(f"{x:02x}" for x in b)


def text_chars(b: bytes) -> str:
    """Bytes as tcpdump prints untrusted text: ``M-`` for the high bit, ``^X``
    for control characters, everything else as itself."""
    out = []
    for c in b:
        if c >= 0x80:
            out.append("M-")
            c &= 0x7F
        out.append(chr(c) if 0x20 <= c < 0x7F else "^" + chr(c ^ 0x40))
    return "".join(out)


RELTS_UNITS = (("y", 31536000), ("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def relts(secs: int) -> str:
    """A duration as tcpdump writes one: ``1m45s``, ``2d3h``, ``0s``."""
    out = []
    for unit, n in RELTS_UNITS:
        if secs >= n:
            out.append(f"{secs // n}{unit}")
            secs %= n
    return "".join(out) or "0s"
