"""Questions about network interfaces, answered by pyroute2 (rtnetlink)."""

from dataclasses import dataclass

from .errors import InterfaceError
from .pcapng import LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW

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

# Link types whose frames come with no link header: captured as raw IP.
_RAW_IP = {ARPHRD_NONE, ARPHRD_TUNNEL, ARPHRD_TUNNEL6, ARPHRD_SIT, ARPHRD_IPGRE}


@dataclass(frozen=True)
class Interface:
    """One network interface of the current network namespace."""

    index: int
    name: str
    arphrd: int
    flags: int
    operstate: str
    mtu: int

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


def list_interfaces() -> list[Interface]:
    """Every interface of this network namespace, by index."""
    from pyroute2 import IPRoute  # imported here: it costs ~0.2 s and -d needs none

    with IPRoute() as ipr:
        links = ipr.get_links()
    found = [
        Interface(
            index=m["index"],
            name=m.get("ifname"),
            arphrd=m["ifi_type"],
            flags=m["flags"],
            operstate=m.get("operstate") or "UNKNOWN",
            mtu=m.get("mtu") or 0,
        )
        for m in links
    ]
    return sorted(found, key=lambda i: i.index)


def lookup(name: str) -> Interface:
    """The interface called ``name`` (or with that index); InterfaceError if none."""
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
