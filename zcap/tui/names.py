"""Names for numbers on the screen: EtherTypes, IP protocols, services, and
human-readable units."""

import socket
from functools import lru_cache

ETHERTYPES = {
    0x0000: "802.3/LLC", 0x0800: "IPv4", 0x0806: "ARP", 0x8035: "RARP", 0x86DD: "IPv6",
    0x8100: "802.1Q", 0x88A8: "802.1ad", 0x8847: "MPLS", 0x8848: "MPLS-mc",
    0x8863: "PPPoE-disc", 0x8864: "PPPoE", 0x888E: "EAPOL", 0x88CC: "LLDP", 0x88E5: "MACsec",
    0x88F7: "PTP", 0x8902: "CFM", 0x9000: "loopback", 0x22F0: "AVTP", 0x893A: "IEEE1905",
}

IP_PROTOCOLS = {
    0: "HOPOPT", 1: "ICMP", 2: "IGMP", 4: "IPIP", 6: "TCP", 17: "UDP", 33: "DCCP", 41: "IPv6",
    43: "IPv6-route", 44: "IPv6-frag", 46: "RSVP", 47: "GRE", 50: "ESP", 51: "AH",
    58: "ICMPv6", 59: "IPv6-nonxt", 60: "IPv6-opts", 89: "OSPF", 103: "PIM", 112: "VRRP",
    115: "L2TP", 132: "SCTP", 136: "UDPLite", 137: "MPLS-in-IP",
}

_SERVICE_PROTO = {6: "tcp", 17: "udp", 132: "sctp", 33: "dccp", 136: "udp"}


def ethertype_name(etype: int | None) -> str:
    """'IPv4', '0x88b5', or 'other' for the overflow bucket."""
    if etype is None:
        return "other"
    return ETHERTYPES.get(etype, f"0x{etype:04x}")


def protocol_name(proto: int) -> str:
    """'TCP', 'UDP', ... or the number."""
    return IP_PROTOCOLS.get(proto, str(proto))


@lru_cache(maxsize=4096)
def service_name(proto: int, port: int) -> str:
    """The /etc/services name of a port ('https'), or '' when it has none."""
    name = _SERVICE_PROTO.get(proto)
    if name is None:
        return ""
    for candidate in (name, "tcp" if name != "tcp" else "udp"):
        try:
            return socket.getservbyport(port, candidate)
        except (OSError, OverflowError):
            continue
    return ""


def _scaled(value: float, units: tuple[str, ...], base: float) -> str:
    # Dozens of calls a frame: a comparison per unit, one division, one format.
    size, limit = abs(value), base
    if size < limit:
        return f"{value:.0f} {units[0]}"
    for unit in units[1:-1]:
        if size < limit * base:
            return f"{value / limit:.1f} {unit}"
        limit *= base
    return f"{value / limit:.1f} {units[-1]}"


def human_bytes(n: float) -> str:
    """1234567 -> '1.2 MB' (decimal units, as network people count)."""
    return _scaled(n, ("B", "kB", "MB", "GB", "TB", "PB"), 1000)


def human_bits(bits_per_s: float) -> str:
    """Bits per second: '12.3 Mb/s'."""
    return _scaled(bits_per_s, ("b/s", "kb/s", "Mb/s", "Gb/s", "Tb/s"), 1000)


def human_count(n: float) -> str:
    """Short counts for narrow columns: 987, 12.3k, 4.5M."""
    if n < 10000:
        return f"{n:.0f}"
    return _scaled(n, ("", "k", "M", "G", "T"), 1000).replace(" ", "")


def duration(seconds: float) -> str:
    """'01:02:03' (or '1d 01:02:03')."""
    s = int(max(seconds, 0))
    days, s = divmod(s, 86400)
    text = f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"
    return f"{days}d {text}" if days else text
