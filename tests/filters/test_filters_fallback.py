"""A live filter the kernel refuses (too long) runs in user space, as libpcap's
does: one warning line, and the capture keeps exactly the frames libpcap's
program accepts, with `-c` and the summary counted on the kept frames.

libpcap's oracle: its programs for the list in chunks of 100 hosts, a frame
kept when one of them keeps it (a disjunction's verdict on a whole frame);
libpcap needs minutes for the whole list at once.
"""

from __future__ import annotations

import functools
import struct
import time

import dpkt
import libpcap_ref as ref
import pytest

import bpf_filters as bf
from tests import pcapng_check as chk
from tests.netns import MAC_A, MAC_ELSEWHERE

HOSTS = 5000
LISTED = [f"198.19.{i // 200}.{i % 200 + 1}" for i in range(HOSTS)]
EXPR = " or ".join(f"host {a}" for a in LISTED)


def _mac(text: str) -> bytes:
    return bytes.fromhex(text.replace(":", ""))


def _frame(seq: int, src: str, vlan: int | None = None) -> bytes:
    udp = dpkt.udp.UDP(sport=40000, dport=9, data=struct.pack("!I", seq) + bytes(20))
    udp.ulen = len(udp)
    ip = dpkt.ip.IP(src=bytes(map(int, src.split("."))), dst=bytes([198, 18, 9, 9]),
                    p=dpkt.ip.IP_PROTO_UDP, ttl=64, id=seq, data=udp)
    ip.len = len(ip)
    tag = struct.pack("!HH", 0x8100, vlan) if vlan is not None else b""
    return _mac(MAC_ELSEWHERE) + _mac(MAC_A) + tag + b"\x08\x00" + bytes(ip)


def _frames() -> list[bytes]:
    """Listed and unlisted sources interleaved; some tagged (the kernel takes the
    tag out: `host` must still find the addresses); an ARP frame now and then."""
    out = []
    for i in range(240):
        listed = i % 3 != 0
        src = LISTED[(i * 37) % HOSTS] if listed else f"198.19.{200 + i % 50}.{i % 250 + 1}"
        out.append(_frame(i, src, vlan=5 if i % 7 == 0 else None))
        if i % 40 == 0:
            out.append(_mac("ff:ff:ff:ff:ff:ff") + _mac(MAC_A) + b"\x08\x06" + bytes(28))
    return out


@functools.cache
def _libpcap_programs() -> list[ref.RefFilter]:
    chunks = [" or ".join(f"host {a}" for a in LISTED[i:i + 100]) for i in range(0, HOSTS, 100)]
    return [ref.RefFilter(ref.compile_ref(c, 1)) for c in chunks]


def _libpcap_keeps(frames: list[bytes], view=lambda f: f) -> list[bytes]:
    return [f for f in frames if any(p.run(view(f)) for p in _libpcap_programs())]


def _kernel_view(frame: bytes) -> bytes:
    """The frame as a socket filter sees it: the kernel took the VLAN tag out
    (zcap puts it back in the file)."""
    return frame[:12] + frame[16:] if frame[12:14] == b"\x81\x00" else frame


def test_the_program_is_too_long_for_the_kernel() -> None:
    program = bf.compile(EXPR, kernel=True, max_insns=bf.USER_MAXINSNS)
    assert not bf.fits_kernel(program)
    with pytest.raises(bf.ProgramTooLong):
        bf.compile(EXPR, kernel=True)


@pytest.mark.parametrize("count", [None, 100])
def test_live_capture_filters_in_user_space(veth, tmp_path, count: int | None) -> None:
    frames = _frames()
    want = _libpcap_keeps(frames, _kernel_view)
    assert 100 < len(want) < len(frames) - 50
    path = str(tmp_path / "out.pcapng")
    limit = ["-c", str(count)] if count else []
    z = veth.zcap("-i", veth.if_b, "-w", path, *limit, EXPR)
    warnings = [line for line in z.stderr.splitlines() if "user space" in line]
    assert len(warnings) == 1 and warnings[0].startswith("zcap: warning: the kernel refused")
    veth.send(frames)
    if count:
        assert z.wait(30) == 0, z.stderr
        want = want[:count]
    else:
        # Nothing is filtered in the kernel: every frame is "received by filter",
        # as libpcap counts when it filters in user space.
        end = time.monotonic() + 15
        while z.counters()[:2] != (len(want), len(frames)) and time.monotonic() < end:
            time.sleep(0.05)
        assert z.stop() == 0, z.stderr
    got = chk.dpkt_frames(path)
    assert got == want
    summary = z.summary()
    assert summary["captured"] == len(want)
    if not count:
        assert summary == {"captured": len(want), "received": len(frames), "dropped": 0}
        # the ISB: every frame reached the socket, only the kept ones passed
        # the filter (tcpdump's summary has no such count)
        isb = chk.parse(path).isb[0]
        assert (isb["ifrecv"], isb["filteraccept"]) == (len(frames), len(want))
    assert "Traceback" not in z.stderr
    assert sum("user space" in line for line in z.stderr.splitlines()) == 1


def test_xdp_runs_the_long_filter_in_its_program(veth, tmp_path) -> None:
    """With --xdp the program becomes eBPF, which has no 4096-instruction limit:
    the whole list runs inside XDP, no warning; the frames keep their VLAN tags
    there, as in a file."""
    frames = _frames()
    want = _libpcap_keeps(frames)[:100]
    path = str(tmp_path / "out.pcapng")
    z = veth.zcap("-i", veth.if_b, "--xdp", "-w", path, "-c", "100", EXPR)
    veth.send(frames)
    assert z.wait(30) == 0, z.stderr
    assert chk.dpkt_frames(path) == want
    assert z.summary()["captured"] == 100
    assert "user space" not in z.stderr and "Traceback" not in z.stderr


def _ip6(seq: int, chain: list[int]) -> bytes:
    """IPv6 with extension headers naming each other down `chain`, then 8 bytes."""
    ext = b"".join(bytes([chain[i + 1], 0]) + bytes(6) for i in range(len(chain) - 1))
    payload = ext + struct.pack("!I", seq) + bytes(4)
    head = struct.pack("!IHBB", 0x60000000, len(payload), chain[0], 64) + bytes(15) + b"\x01" + \
        bytes(15) + b"\x02"
    return _mac(MAC_ELSEWHERE) + _mac(MAC_A) + b"\x86\xdd" + head + payload


def test_protochain_filters_in_user_space(veth, tmp_path) -> None:
    """protochain's loop is a backward jump the kernel refuses: tcpdump filters
    in user space then, and so does zcap, chains of any length included."""
    chains = [[17], [0, 17], [0, 60, 43, 17], [60] * 12 + [17], [0, 6], [60] * 3 + [59]]
    frames = [_ip6(i, chains[i % len(chains)]) for i in range(60)] + [_frame(99, LISTED[0])]
    program = ref.RefFilter(ref.compile_ref("ip6 protochain 17", 1))
    want = [f for f in frames if program.run(f)]
    assert 0 < len(want) < len(frames)
    path = str(tmp_path / "out.pcapng")
    z = veth.zcap("-i", veth.if_b, "-w", path, "-c", str(len(want)), "ip6 protochain 17")
    assert sum("user space" in line for line in z.stderr.splitlines()) == 1
    veth.send(frames)
    assert z.wait(30) == 0, z.stderr
    assert chk.dpkt_frames(path) == want


@pytest.mark.parametrize("expr", ["inbound and udp", "outbound", "vlan 5 and ip", "not vlan",
                                  "vlan 7 or arp", "ifindex 3 or ip6", "ip6 protochain 17"])
def test_c_interpreter_reads_what_the_kernel_would(expr: str) -> None:
    """The verdict pass gives the program the ancillary data the socket filter
    would have had (csrc/verdict.c fills it from the ring's headers)."""
    from zcap._core import ffi, lib

    from bpf_filters.cinterp import CFilter

    program = bf.compile(expr, kernel=True)
    c = CFilter(program)
    frames = [_frame(1, LISTED[0]), _ip6(2, [0, 17]), _frame(3, LISTED[1])[:30]]
    kept = 0
    for frame in frames:
        for pkttype in (0, 3, 4):
            for tag in (None, 5, 7):
                aux = ffi.new("struct zc_bpf_aux *", {
                    "protocol": int.from_bytes(frame[12:14], "big"), "pkttype": pkttype,
                    "ifindex": 3, "vlan_present": tag is not None, "vlan_tci": tag or 0,
                    "vlan_tpid": 0x8100 if tag is not None else 0})
                got = lib.zc_bpf_run_aux(c.insns, c.n, frame, len(frame), len(frame), aux)
                want = bf.run(program, frame, vlan_tci=tag, vlan_tpid=0x8100 if tag else None,
                              pkttype=pkttype, protocol=int.from_bytes(frame[12:14], "big"),
                              ifindex=3)
                assert got == want, (frame.hex(), pkttype, tag)
                kept += got != 0
    assert kept


def test_direct_sink_writes_only_the_kept_packets(veth, tmp_path) -> None:
    """The in-place rewrite of a block the user-space filter thinned: the
    rejected packets' bytes become padding, and every reader sees the rest."""
    from tests.frames import udp_frame
    from tests.test_direct import check_readers, drain, idb, open_source
    from zcap.sinks.direct import DirectSink

    expr = "ip protochain 17 and ip[5] & 1 = 1"     # a loop: the kernel refuses it
    program = bf.compile(expr, kernel=True)
    src = open_source(veth, program=[tuple(i) for i in program])
    assert src.user_filter is not None
    frames = [udp_frame(i, (60, 1514, 200, 64)[i % 4], vlan=9 if i % 5 == 0 else None)
              for i in range(80)]
    want = [f for f in frames if f[12:14] == b"\x81\x00" and f[23] & 1 or
            f[12:14] != b"\x81\x00" and f[19] & 1]
    path = str(tmp_path / "direct.pcapng")
    sink = DirectSink(path, idb(src))
    try:
        veth.send(frames)
        assert drain(src, sink, len(want)) == len(want)
    finally:
        sink.close([])
        src.close()
    check_readers(path, want)
