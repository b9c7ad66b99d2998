"""Size, scale and depth: long host and port lists, deep nesting.

Lists compile to set tests and search trees (bpf_filters.lists); they must
give libpcap's optimised verdict on every frame, truncated at every length,
and be no bigger than libpcap's program. Depth: no RecursionError at 10000
levels of any construct. (Compile time is measured in bench/, not here.)
"""

from __future__ import annotations

import ipaddress
import random
import struct

import libpcap_ref as ref
import pytest

import bpf_filters as bf
from bpf_filters import lists
from bpf_filters.cinterp import CFilter
from bpf_filters.interp import run

_R = random.Random(13)
HOSTS = sorted({f"10.{_R.randrange(4)}.{_R.randrange(256)}.{_R.randrange(1, 255)}"
                for _ in range(140)})[:120]
PORTS = sorted({_R.randrange(1, 65536) for _ in range(140)})[:120]
NETS = [f"172.{16 + i}" for i in range(12)]


def _hosts(n: int) -> str:
    return " or ".join(HOSTS[:n])


def _ports(n: int) -> str:
    return " or ".join(str(p) for p in PORTS[:n])


# Short lists (one run of jeq), long ones (a tree: above lists.MIN_TREE), and
# lists inside bigger expressions.
LIST_EXPRS = [
    f"host {_hosts(3)}", f"host {_hosts(20)}", f"host {_hosts(120)}",
    f"src host {_hosts(120)}", f"dst {_hosts(100)}", f"ip host {_hosts(110)}",
    f"arp host {_hosts(10)}", f"port {_ports(3)}", f"port {_ports(120)}",
    f"tcp port {_ports(100)}", f"udp dst port {_ports(110)}", f"src port {_ports(30)}",
    f"tcp and (port {_ports(100)})", f"(host {_hosts(100)}) and not port 22",
    f"port 80 or host {_hosts(100)}", f"host {_hosts(100)} or port {_ports(100)}",
    f"not (host {_hosts(100)})", f"src net {' or '.join(NETS)}", f"net {' or '.join(NETS)}",
    "net " + " or ".join(f"10.{i}" for i in range(4)), f"dst net {' or '.join(NETS)}",
    "net " + " or ".join(f"172.{i}.0.0/16" for i in range(10, 30)),
    "src net 10.0.0.0/14 or 172.16.0.0/14 or net 10.2.0.0/15",
    # not set tests (yet), one by one as libpcap
    "ether host " + " or ".join(f"02:00:00:00:00:{i:02x}" for i in range(40)),
    "ip6 host " + " or ".join(f"2001:db8::{i:x}" for i in range(30)),
    "portrange " + " or ".join(f"{p}-{p + 5}" for p in PORTS[:30]),
    "host " + " or host ".join(HOSTS[:100]), "tcp port " + " or tcp port ".join(
        str(p) for p in PORTS[:100]),
    f"vlan and host {_hosts(100)}", " and ".join(f"not host {h}" for h in HOSTS[:100]),
    "tcp and " + " and ".join(f"not dst port {p}" for p in PORTS[:50]),
    "not host " + " and not ".join(HOSTS[:10]), "not port 1 and not 2 or port 3",
    "(host " + " or ".join(HOSTS[100:105]) + f") and (host {_hosts(100)})",
]


def _eth(et: int, payload: bytes) -> bytes:
    return b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02" + struct.pack("!H", et) + payload


def _ip4(src: str, dst: str, proto: int, l4: bytes) -> bytes:
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0,
                       ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed) + l4


def _ip6(proto: int, l4: bytes) -> bytes:
    a = ipaddress.IPv6Address("2001:db8::1").packed
    return struct.pack("!IHBB16s16s", 0x60000000, len(l4), proto, 64, a, a) + l4


def _frames() -> list[bytes]:
    """Frames whose addresses and ports are in the lists or next to them, each
    cut at every length."""
    r = random.Random(7)
    outside = ["10.9.9.9", "1.2.3.4", "172.15.0.1", "172.20.1.1", "172.16.3.4", "10.9.1.1"]

    def addr() -> str:  # from short lists, long lists, or none
        return r.choice(r.choice([HOSTS[:3], HOSTS, HOSTS[100:105], outside, outside]))

    def port() -> int:
        return r.choice(r.choice([PORTS[:3], PORTS, [22, 80, 1, 65535]]))

    whole = []
    for _ in range(40):
        l4 = struct.pack("!HHII", port(), port(), 0, 0) + b"\x50\x02" + bytes(6)
        proto = r.choice([6, 17, 132])
        whole.append(_eth(0x0800, _ip4(addr(), addr(), proto, l4)))
        whole.append(_eth(0x86DD, _ip6(proto, l4)))
    for _ in range(8):
        arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, bytes(6),
                          ipaddress.IPv4Address(addr()).packed, bytes(6),
                          ipaddress.IPv4Address(addr()).packed)
        whole.append(_eth(r.choice([0x0806, 0x8035]), arp))
    whole.append(_eth(0x8100, b"\x00\x0a\x08\x00" + _ip4(HOSTS[0], HOSTS[1], 6, bytes(20))))
    # src matches the list, the destination is cut off: libpcap accepts
    whole.append(_eth(0x0800, _ip4(HOSTS[50], "1.2.3.4", 6, b""))[:33])
    cut = []
    for f in whole:
        cut.extend(f[:n] for n in range(len(f) + 1))
    return cut


FRAMES = _frames()


def test_lists_become_trees() -> None:
    big = bf.compile(f"host {_hosts(120)}")
    jge = sum(1 for i in big.instructions if i.code == 0x35)
    assert jge >= 3 * (120 // lists.LEAF) // 2  # split tests in each of its trees
    small = bf.compile(f"host {_hosts(3)}")
    assert not any(i.code == 0x35 for i in small.instructions)


@pytest.mark.parametrize("expr", LIST_EXPRS, ids=[e[:40] for e in LIST_EXPRS])
def test_list_verdicts_and_size(expr: str) -> None:
    """libpcap's optimised verdict on every frame (truncated ones too), and at
    most libpcap's instruction count."""
    want = ref.RefFilter(ref.compile_ref(expr, 1))
    mine = bf.compile(expr)
    assert len(mine) <= want.n, (len(mine), want.n)
    c = CFilter(mine)
    got = [c.run(f) for f in FRAMES]
    for f, g in zip(FRAMES, got, strict=True):
        assert g == want.run(f), f"frame {f.hex()}"
    assert any(got) and not all(got)


def test_the_issues_truncated_example() -> None:
    """`host A or B or C` on a 33-byte IPv4 packet from B: tcpdump keeps it."""
    a, b, c = HOSTS[:3]
    frame = _eth(0x0800, _ip4(b, "1.2.3.4", 6, bytes(20)))[:33]
    prog = bf.compile(f"host {a} or {b} or {c}")
    assert run(prog.instructions, frame) == bf.DEFAULT_SNAPLEN
    assert ref.RefFilter(ref.compile_ref(f"host {a} or {b} or {c}", 1)).run(frame)


def test_big_lists_compile_and_fit() -> None:
    """1000 hosts fit the kernel's limit (libpcap's program does not)."""
    hosts = [str(ipaddress.IPv4Address(0x0A000000 + 7 * i + 1)) for i in range(1000)]
    prog = bf.compile("host " + " or ".join(hosts))
    assert len(prog) <= 4096
    frame = _eth(0x0800, _ip4("1.2.3.4", hosts[777], 6, bytes(20)))
    assert run(prog.instructions, frame)
    assert not run(prog.instructions, _eth(0x0800, _ip4("1.2.3.4", "10.0.0.3", 6, bytes(20))))


def test_too_long_for_the_kernel_runs_in_user_space() -> None:
    """3000 hosts: too long for a socket filter (ProgramTooLong, a FilterError
    with the length), but compiled for user space on request, and then the C
    interpreter runs it."""
    hosts = [str(ipaddress.IPv4Address(0x0B000000 + 3 * i)) for i in range(3000)]
    expr = "host " + " or ".join(hosts)
    with pytest.raises(bf.ProgramTooLong) as info:
        bf.compile(expr)
    assert info.value.length > bf.BPF_MAXINSNS and "too long" in info.value.message
    prog = bf.compile(expr, max_insns=bf.USER_MAXINSNS)
    assert len(prog) == info.value.length and not bf.fits_kernel(prog)
    assert bf.fits_kernel(bf.compile("tcp"))
    hit = _eth(0x0800, _ip4("1.2.3.4", hosts[2999], 6, bytes(20)))
    miss = _eth(0x0800, _ip4("1.2.3.4", "11.0.0.1", 6, bytes(20)))
    want = [bf.DEFAULT_SNAPLEN, 0]
    assert [run(prog.instructions, f) for f in (hit, miss)] == want
    c = CFilter(prog)
    assert [c.run(f) for f in (hit, miss)] == want


DEEP = 10000
DEEP_EXPRS = [
    "(" * DEEP + "tcp" + ")" * DEEP,
    "not " * DEEP + "tcp",
    "! " * (DEEP + 1) + "udp",
    "(" * DEEP + "1" + ")" * DEEP + " = ip[0]",
    "-" * DEEP + "1 = ip[0]",
    "1 + (" * DEEP + "1" + ")" * DEEP + " = ip[0]",
    "ip[" * 300 + "0" + "]" * 300 + " = 1",
    "port " + "(" * DEEP + "80" + ")" * DEEP,
    "(" * DEEP + "host 1.2.3.4 or (tcp" + ")" * (DEEP + 1),
    "host " + " or ".join(str(ipaddress.IPv4Address(0x0C000000 + i)) for i in range(3000)),
    "1 % " * DEEP + "1 = 1",
]


@pytest.mark.parametrize("expr", DEEP_EXPRS, ids=[f"{e[:12]}..{len(e)}" for e in DEEP_EXPRS])
def test_any_depth_compiles_or_fails_cleanly(expr: str) -> None:
    try:
        prog = bf.compile(expr)
    except bf.FilterError as e:
        assert e.message and "\n" not in e.message
        return
    assert 1 <= len(prog) <= 4096


def test_deep_unbalanced_is_a_parse_error_with_a_column() -> None:
    expr = "(" * DEEP + "tcp" + ")" * (DEEP - 1)
    with pytest.raises(bf.ParseError) as info:
        bf.compile(expr)
    assert info.value.column == len(expr)


def test_trees_translate_to_ebpf() -> None:
    """The XDP path's translator takes a tree with trampolines."""
    from zcap.ebpf import cbpf
    hosts = [str(ipaddress.IPv4Address(0x0A000000 + 7 * i + 1)) for i in range(1000)]
    prog = bf.compile("host " + " or ".join(hosts))
    assert any(i.code == 0x35 for i in prog.instructions)  # jge splits
    assert any(i.code == 0x05 for i in prog.instructions)  # ja trampolines
    assert cbpf.translatable([tuple(i) for i in prog.instructions]) is None


def test_reading_a_file_takes_a_filter_too_long_for_the_kernel(tmp_path) -> None:
    """`zcap -r` runs its filter in user space: 3000 hosts work, as with tcpdump -r."""
    import subprocess
    import sys
    from pathlib import Path

    import dpkt

    hosts = [str(ipaddress.IPv4Address(0x0B000000 + 3 * i)) for i in range(3000)]
    dsts = [hosts[0], hosts[2999], "11.0.0.1", "1.2.3.4", hosts[1500]]
    pcap = tmp_path / "in.pcap"
    with pcap.open("wb") as fh:
        w = dpkt.pcap.Writer(fh)
        for i, dst in enumerate(dsts):
            w.writepkt(_eth(0x0800, _ip4("1.2.3.4", dst, 6, bytes(20))), float(i))
    expr = tmp_path / "expr"
    expr.write_text("host " + " or ".join(hosts))
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-m", "zcap", "-r", str(pcap), "-n", "-F", str(expr)],
                         cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 3 and all(d in "".join(lines) for d in (hosts[0], hosts[2999]))
