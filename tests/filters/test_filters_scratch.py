"""Scratch memory read before it is written, and libpcap's last optimiser step.

After a failed `geneve` or `pppoes`, libpcap's code for what follows an `or`
reads offset cells nothing wrote: its bpf_filter() then reads stack garbage
and the kernel refuses the program. zcap's programs clear those cells first,
so the kernel takes them and the verdict is that of memory starting at 0
(libpcap's, run behind libpcap_ref.ZERO_MEMORY).
"""

from __future__ import annotations

import ctypes
import functools
import socket
import struct

import libpcap_ref as ref
import pytest
from filter_frames import ethernet_frames
from filter_frames_link import frames_for
from filter_fuzz import DLT

import bpf_filters as bf
from bpf_filters.interp import run
from bpf_filters.scratch import unwritten_reads

SO_ATTACH_FILTER = 26

CASES = [
    ("EN10MB", "geneve or ip"), ("EN10MB", "geneve or not ip[6:2] & 0x1fff > 1000"),
    ("EN10MB", "geneve 5 or udp port 53"), ("EN10MB", "geneve and ip or tcp"),
    ("EN10MB", "pppoes or tcp"), ("EN10MB", "pppoes 5 or udp port 53 or ip6"),
    ("EN10MB", "not geneve or arp"), ("IEEE802_11", "geneve or llc"),
    ("EN10MB", "geneve or llc i"), ("IEEE802_11_RADIO", "geneve or llc u"),
    ("IEEE802_11_RADIO", "geneve 5 or ip"), ("NULL", "geneve 5 or not geneve 5"),
]


@functools.cache
def corpus(linktype: str) -> tuple[bytes, ...]:
    return tuple(ethernet_frames(600) if linktype == "EN10MB" else frames_for(linktype, 150))


def kernel_takes(insns) -> bool:
    """Does the kernel accept this program as a socket filter?"""
    buf = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *i) for i in insns))
    fprog = struct.pack("HL", len(insns), ctypes.addressof(buf))
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0) as s:
        try:
            s.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
        except OSError:
            return False
    return True


@pytest.mark.parametrize(("linktype", "expr"), CASES)
def test_verdicts_of_memory_starting_at_zero(linktype: str, expr: str) -> None:
    theirs = ref.compile_ref(expr, DLT[linktype])
    mine = bf.compile(expr, linktype)
    assert not unwritten_reads(mine.instructions)
    r = ref.RefFilter(theirs)
    for f in corpus(linktype):
        assert run(mine.instructions, f) == r.run(f), f.hex()


def test_libpcap_reads_unwritten_cells_and_the_kernel_refuses_that() -> None:
    """The oracle's premise, and zcap's programs taken where libpcap's are not."""
    theirs = ref.compile_ref("geneve or ip", 1)
    assert unwritten_reads(theirs)
    assert not kernel_takes(theirs)
    assert kernel_takes(ref.ZERO_MEMORY + theirs)
    assert kernel_takes(bf.compile("geneve or ip").instructions)
    assert kernel_takes(bf.compile("pppoes 5 or udp port 53 or ip6").instructions)


def test_unwritten_reads_follows_every_path() -> None:
    ld_mem, st = 0x60, 0x02
    assert unwritten_reads([(ld_mem, 0, 0, 3), (6, 0, 0, 0)]) == {3}
    assert unwritten_reads([(0, 0, 0, 1), (st, 0, 0, 3), (ld_mem, 0, 0, 3), (6, 0, 0, 0)]) == set()
    # written on one branch only
    one_way = [(0x28, 0, 0, 12), (0x15, 0, 1, 0x800), (st, 0, 0, 5), (ld_mem, 0, 0, 5),
               (6, 0, 0, 0)]
    assert unwritten_reads(one_way) == {5}
    assert kernel_takes(bf.scratch.zero_unwritten([bf.Insn(*i) for i in one_way]))


# libpcap's optimiser ends by making the first block whose test leads one way
# give its statements to the next: a load there still rejects a short packet
CARRIED = [("PPP", "ip[9] = 6 and clnp or link[0] % 64 != 69"),
           ("EN10MB", "ip and not ip or len > 0")]


@pytest.mark.parametrize(("linktype", "expr"), CARRIED)
def test_first_block_statements_carried_as_libpcap(linktype: str, expr: str) -> None:
    r = ref.RefFilter(ref.compile_ref(expr, DLT[linktype]))
    mine = bf.compile(expr, linktype)
    for f in corpus(linktype):
        assert run(mine.instructions, f) == r.run(f), f.hex()
