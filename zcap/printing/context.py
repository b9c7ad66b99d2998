"""State a printer carries from packet to packet, shared by the decoders."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from zcap.printing.options import PrintOptions

if TYPE_CHECKING:
    from zcap.printing.iphdr import IpHdr


@dataclass
class Ctx:
    """Options plus per-conversation memory (TCP initial sequence numbers)."""

    opts: PrintOptions
    # tcpdump's relative sequence numbers: canonical (src, dst, ports) -> (seq0, ack0)
    tcp_isn: dict[tuple[bytes, bytes, int], tuple[int, int]] = field(default_factory=dict)
    # set while printing a packet that tcpdump abandons half-way because the
    # capture ends (its longjmp): -x then dumps the frame from the link header on
    cut_short: bool = False
    # the IP header under the application being printed, for the few printers
    # that tell the two ends of a conversation apart (ISAKMP's initiator table)
    ip: IpHdr | None = None
    # the link layer's source address under the ethertype being printed (an
    # Ethernet frame's; None from other link layers), which a few printers show
    link_src: bytes | None = None
    # per-protocol memory across packets, keyed by the protocol's module name
    memo: dict[str, Any] = field(default_factory=dict)

    def cut(self, proto: str) -> str:
        """tcpdump's `` [|proto]`` for a packet that ends too soon, remembering it."""
        self.cut_short = True
        return f" [|{proto}]"


def ip4_str(b: bytes) -> str:
    """Dotted quad."""
    return socket.inet_ntop(socket.AF_INET, b)


def ip6_str(b: bytes) -> str:
    """RFC 5952 text, as inet_ntop (and so tcpdump) writes it."""
    return socket.inet_ntop(socket.AF_INET6, b)


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
