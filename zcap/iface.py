"""Questions about network interfaces: names, indexes, link types, state.

Answered without netlink: ``socket.if_nameindex()`` and the SIOCGIF* ioctls
on a socket of the calling thread's network namespace, plus the operational
state from /sys/class/net where that sysfs is this namespace's. pyroute2
costs ~200 ms to import; it stays for netlink work (XDP attach, tests).

`zcap -D` runs through here, so start-up counts (issue 16): the sockets come
from ``_socket``, the C module under ``socket``, since ``import socket`` builds
four enum classes on the way (a third of what -D costs beyond the CLI), and
Interface is a plain class rather than a dataclass.
"""

import _socket
import contextlib
import fcntl
import struct

from bpf_filters.linktypes import LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW

from .errors import InterfaceError

# <linux/if_arp.h>
ARPHRD_ETHER = 1
ARPHRD_LOOPBACK = 772
ARPHRD_NONE = 0xFFFE
ARPHRD_IPGRE = 778
ARPHRD_TUNNEL = 768
ARPHRD_TUNNEL6 = 769
ARPHRD_SIT = 776
# <linux/if.h>
IFF_UP = 0x1
IFF_LOOPBACK = 0x8
IFF_RUNNING = 0x40
# <linux/sockios.h>
SIOCGIFFLAGS = 0x8913
SIOCGIFMTU = 0x8921
SIOCGIFHWADDR = 0x8927
IFREQ = struct.Struct("16s24x")        # struct ifreq: the name, then a 24-byte union

# Link types whose frames come with no link header: captured as raw IP.
_RAW_IP = {ARPHRD_NONE, ARPHRD_TUNNEL, ARPHRD_TUNNEL6, ARPHRD_SIT, ARPHRD_IPGRE}


class Interface:
    """One network interface of the current network namespace."""

    __slots__ = ("index", "name", "arphrd", "flags", "operstate", "mtu")

    def __init__(self, *, index: int, name: str, arphrd: int, flags: int, operstate: str,
                 mtu: int) -> None:
        self.index, self.name, self.arphrd, self.flags = index, name, arphrd, flags
        self.operstate, self.mtu = operstate, mtu

    def __repr__(self) -> str:
        return f"Interface(index={self.index}, name={self.name!r})"

    @property
    def up(self) -> bool:
        """Administratively up."""
        return bool(self.flags & IFF_UP)

    @property
    def linktype(self) -> int:
        """The pcapng link type a capture on this interface writes."""
        if self.arphrd in (ARPHRD_ETHER, ARPHRD_LOOPBACK):
            return LINKTYPE_ETHERNET
        if self.arphrd in _RAW_IP:
            return LINKTYPE_RAW
        # Anything else is captured in cooked mode, like `any`.
        return LINKTYPE_LINUX_SLL2

    @property
    def state(self) -> str:
        """tcpdump -D style state words."""
        words = ["Up" if self.up else "Down"]
        if self.flags & IFF_RUNNING:
            words.append("Running")
        if self.flags & IFF_LOOPBACK:
            words.append("Loopback")
        return ", ".join(words)


def _ioctl(sock: _socket.socket, request: int, name: str) -> bytes:
    """The ifreq union an SIOCGIF* ioctl fills in for ``name``."""
    return fcntl.ioctl(sock, request, IFREQ.pack(name.encode()))[16:]


def _operstate(name: str, index: int, flags: int) -> str:
    """RFC 2863 state from sysfs when it shows this namespace (``ip netns exec``
    mounts one), else up/down from IFF_RUNNING."""
    try:
        with open(f"/sys/class/net/{name}/ifindex") as f:
            same = int(f.read()) == index
        if same:
            with open(f"/sys/class/net/{name}/operstate") as f:
                return f.read().strip().upper()
    except (OSError, ValueError):
        pass
    return "UP" if flags & IFF_RUNNING else "DOWN"


def _describe(sock: _socket.socket, index: int, name: str) -> Interface | None:
    try:
        flags = struct.unpack_from("=H", _ioctl(sock, SIOCGIFFLAGS, name))[0]
        mtu = struct.unpack_from("=i", _ioctl(sock, SIOCGIFMTU, name))[0]
        arphrd = struct.unpack_from("=H", _ioctl(sock, SIOCGIFHWADDR, name))[0]
    except OSError:
        return None                       # gone between the listing and the question
    return Interface(index=index, name=name, arphrd=arphrd, flags=flags,
                     operstate=_operstate(name, index, flags), mtu=mtu)


def _query_socket() -> contextlib.closing:
    """A socket to ask SIOCGIF* questions on, closed at the end of a with block
    (``_socket.socket`` is no context manager)."""
    return contextlib.closing(
        _socket.socket(_socket.AF_UNIX, _socket.SOCK_DGRAM | _socket.SOCK_CLOEXEC))


def list_interfaces() -> list[Interface]:
    """Every interface of this network namespace, by index."""
    found = []
    with _query_socket() as sock:
        for index, name in _socket.if_nameindex():
            itf = _describe(sock, index, name)
            if itf is not None:
                found.append(itf)
    return sorted(found, key=lambda i: i.index)


def lookup(name: str) -> Interface:
    """The interface called ``name`` (or with that index); InterfaceError if none."""
    if len(name) < 16 and "/" not in name and "\0" not in name:
        with _query_socket() as sock:
            try:
                index = _socket.if_nametoindex(name)
            except OSError:
                index = 0
            if index:
                itf = _describe(sock, index, name)
                if itf is not None:
                    return itf
    interfaces = list_interfaces()
    for itf in interfaces:
        if itf.name == name or (name.isdigit() and itf.index == int(name)):
            return itf
    names = ", ".join(i.name for i in interfaces) or "none"
    raise InterfaceError(f"{name}: no such interface (interfaces here: {names}, any)")


def default_interface() -> Interface:
    """What tcpdump picks without -i: the first interface that is up and not loopback."""
    for itf in list_interfaces():
        if itf.up and not itf.flags & IFF_LOOPBACK:
            return itf
    raise InterfaceError("no interface is up to capture on (use -i, or -D to list them)")
