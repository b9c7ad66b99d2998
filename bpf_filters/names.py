"""Name look-ups the language needs, without any resolver: services, protocols,
host names (from /etc/hosts only), ether types and link types.

Every table has a built-in copy used when the system file is missing.
"""

from __future__ import annotations

import functools
import ipaddress
from pathlib import Path

# the names `ether proto \\NAME` knows (libpcap's own table, not /etc/ethertypes)
ETHERTYPE = {
    "ip": 0x0800, "ip6": 0x86DD, "arp": 0x0806, "rarp": 0x8035, "mopdl": 0x6001,
    "moprc": 0x6002, "decnet": 0x6003, "lat": 0x6004, "sca": 0x6007, "atalk": 0x809B,
    "aarp": 0x80F3, "loopback": 0x9000,
}
LLC_SAPS = {"iso": 0xFE, "stp": 0x42, "ipx": 0xE0, "netbeui": 0xF0}

_BUILTIN_PROTOCOLS = {
    "ip": 0, "hopopt": 0, "icmp": 1, "igmp": 2, "ggp": 3, "ipencap": 4, "st": 5, "tcp": 6,
    "egp": 8, "igp": 9, "pup": 12, "udp": 17, "hmp": 20, "xns-idp": 22, "rdp": 27,
    "iso-tp4": 29, "dccp": 33, "xtp": 36, "ddp": 37, "idpr-cmtp": 38, "ipv6": 41,
    "ipv6-route": 43, "ipv6-frag": 44, "idrp": 45, "rsvp": 46, "gre": 47, "esp": 50, "ah": 51,
    "skip": 57, "ipv6-icmp": 58, "ipv6-nonxt": 59, "ipv6-opts": 60, "rspf": 73, "vmtp": 81,
    "eigrp": 88, "ospf": 89, "ax.25": 93, "ipip": 94, "etherip": 97, "encap": 98, "pim": 103,
    "ipcomp": 108, "vrrp": 112, "l2tp": 115, "isis": 124, "sctp": 132, "fc": 133,
    "mobility-header": 135, "udplite": 136, "mpls-in-ip": 137, "manet": 138, "hip": 139,
    "shim6": 140, "wesp": 141, "rohc": 142, "ethernet": 143,
}

_BUILTIN_SERVICES = {
    # name: (tcp port or None, udp port or None)
    "ftp-data": (20, None), "ftp": (21, None), "ssh": (22, None), "telnet": (23, None),
    "smtp": (25, None), "domain": (53, 53), "bootps": (None, 67), "bootpc": (None, 68),
    "tftp": (None, 69), "http": (80, None), "pop3": (110, None), "sunrpc": (111, 111),
    "ntp": (None, 123), "imap2": (143, None), "snmp": (None, 161), "ldap": (389, None),
    "https": (443, None), "syslog": (None, 514), "imaps": (993, None), "pop3s": (995, None),
}


@functools.lru_cache(maxsize=1)
def _protocols() -> dict[str, int]:
    table: dict[str, int] = {}
    try:
        text = Path("/etc/protocols").read_text(errors="replace")
    except OSError:
        return dict(_BUILTIN_PROTOCOLS)
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and fields[1].isdigit():
            for name in [fields[0]] + fields[2:]:
                table.setdefault(name, int(fields[1]))
    return table or dict(_BUILTIN_PROTOCOLS)


@functools.lru_cache(maxsize=1)
def _services() -> dict[str, dict[str, int]]:
    """name -> {"tcp": port, "udp": port, "sctp": port}"""
    table: dict[str, dict[str, int]] = {}
    try:
        text = Path("/etc/services").read_text(errors="replace")
    except OSError:
        for name, (t, u) in _BUILTIN_SERVICES.items():
            table[name] = {k: v for k, v in (("tcp", t), ("udp", u)) if v is not None}
        return table
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2 or "/" not in fields[1]:
            continue
        port, _, proto = fields[1].partition("/")
        if not port.isdigit():
            continue
        for name in [fields[0]] + fields[2:]:
            table.setdefault(name, {}).setdefault(proto, int(port))
    return table


@functools.lru_cache(maxsize=1)
def _hosts() -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    try:
        text = Path("/etc/hosts").read_text(errors="replace")
    except OSError:
        return {"localhost": ["127.0.0.1"]}
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2:
            continue
        try:
            ipaddress.ip_address(fields[0])
        except ValueError:
            continue
        for name in fields[1:]:
            lst = table.setdefault(name.lower(), [])
            if fields[0] not in lst:
                lst.append(fields[0])
    return table


def ip_proto(name: str) -> int | None:
    """IP protocol number of a name from /etc/protocols, or None."""
    return _protocols().get(name)


def service(name: str) -> tuple[int, str | None] | None:
    """(port, proto) for a service name as libpcap resolves it: proto None when the
    name means the same port for tcp and udp (then any of tcp/udp/sctp).
    libpcap asks the system for the name's tcp port, then its udp one, never
    its sctp one: a name only /etc/services' sctp lines know is unknown."""
    entry = _services().get(name)
    if not entry:
        return None
    tcp, udp = entry.get("tcp"), entry.get("udp")
    if tcp is not None:
        if udp is not None and udp == tcp:
            return tcp, None
        return tcp, "tcp"
    if udp is not None:
        return udp, "udp"
    return None


def host_addresses(name: str) -> list[str]:
    """Addresses of a host name from /etc/hosts (no DNS); empty when unknown."""
    return list(_hosts().get(name.lower(), []))


# 802.11 frame control: type values (already shifted into place, mask 0x0c)...
WLAN_TYPES = {"mgt": 0x00, "management": 0x00, "ctl": 0x04, "control": 0x04, "data": 0x08}
# ...and the subtype names of each type (mask 0xf0)
WLAN_SUBTYPES = {
    0x00: {"assoc-req": 0x00, "assoc-resp": 0x10, "reassoc-req": 0x20, "reassoc-resp": 0x30,
           "probe-req": 0x40, "probe-resp": 0x50, "beacon": 0x80, "atim": 0x90,
           "disassoc": 0xA0, "auth": 0xB0, "deauth": 0xC0},
    0x04: {"ps-poll": 0xA0, "rts": 0xB0, "cts": 0xC0, "ack": 0xD0, "cf-end": 0xE0,
           "cf-end-ack": 0xF0},
    0x08: {"data": 0x00, "data-cf-ack": 0x10, "data-cf-poll": 0x20, "data-cf-ack-poll": 0x30,
           "null": 0x40, "cf-ack": 0x50, "cf-poll": 0x60, "cf-ack-poll": 0x70,
           "qos-data": 0x80, "qos-data-cf-ack": 0x90, "qos-data-cf-poll": 0xA0,
           "qos-data-cf-ack-poll": 0xB0, "qos": 0xC0, "qos-cf-poll": 0xE0,
           "qos-cf-ack-poll": 0xF0},
}
# the To DS / From DS bits of the second frame control byte
WLAN_DIRS = {"nods": 0, "tods": 1, "fromds": 2, "dstods": 3}

# 802.2 LLC control-field values: supervisory frames (mask 0x0f) and
# unnumbered frames (mask 0xef, the poll/final bit left out)
LLC_S_FRAMES = {"rr": 0x01, "rnr": 0x05, "rej": 0x09}
LLC_U_FRAMES = {"ui": 0x03, "ua": 0x63, "disc": 0x43, "dm": 0x0F, "sabme": 0x6F, "test": 0xE3,
                "xid": 0xAF, "frmr": 0x87}
