"""The live-summary counters (csrc/stats.c through sinks/stats.py): exact for a
known mix, bounded and honest about it for a large population, and the same
numbers from a real ring on a veth pair."""

import collections
import random
import struct
import threading

import dpkt
import pytest
from zcap._core import ffi, lib

from zcap.capture import open_live, run
from zcap.sinks.stats import StatsSink, _talker_key

from .frames import mac, udp_frame
from .netns import MAC_A, MAC_ELSEWHERE, in_netns

IP_A, IP_B, IP_C = "198.18.0.1", "198.18.0.2", "198.18.0.3"


def ip4(text: str) -> bytes:
    return bytes(int(x) for x in text.split("."))


def eth(payload: bytes, etype: int, *, vlan: int | None = None, src: str = MAC_A,
        dst: str = MAC_ELSEWHERE) -> bytes:
    tag = struct.pack("!HH", 0x8100, vlan) if vlan is not None else b""
    return mac(dst) + mac(src) + tag + struct.pack("!H", etype) + payload


def ipv4(src: str, dst: str, proto: int, l4: bytes, *, frag_offset: int = 0) -> bytes:
    ip = dpkt.ip.IP(src=ip4(src), dst=ip4(dst), p=proto, ttl=64, data=l4)
    ip.offset = frag_offset * 8
    ip.len = len(ip)
    return bytes(ip)


def udp(sport: int, dport: int, size: int = 10) -> bytes:
    u = dpkt.udp.UDP(sport=sport, dport=dport, data=b"x" * size)
    u.ulen = len(u)
    return bytes(u)


def tcp(sport: int, dport: int) -> bytes:
    return bytes(dpkt.tcp.TCP(sport=sport, dport=dport, flags=dpkt.tcp.TH_SYN))


def ipv6_udp(src: str, dst: str, sport: int, dport: int) -> bytes:
    import socket
    u = udp(sport, dport)
    hdr = struct.pack("!IHBB", 6 << 28, len(u), 17, 64)
    return hdr + socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + u


class PktBatch:
    """A batch of `struct zc_pkt`, as a file reader or AF_XDP hands them out."""

    def __init__(self, frames: list[bytes], linktype: int = 1) -> None:
        self._bufs = [ffi.from_buffer(f) for f in frames]
        self.pkts = ffi.new("struct zc_pkt[]", max(len(frames), 1))
        for i, (f, b) in enumerate(zip(frames, self._bufs, strict=True)):
            self.pkts[i].data = ffi.cast("const uint8_t *", b)
            self.pkts[i].caplen = self.pkts[i].wirelen = len(f)
            self.pkts[i].ts_ns = 1_000 + i
        self.count = len(frames)
        self.linktype = linktype

    def count_stats(self, counters, limit: int) -> int:
        """The Batch interface's counting: C over the packet table."""
        return lib.zc_stats_pkts(counters, self.pkts, min(limit, self.count), self.linktype)


def known_mix() -> list[bytes]:
    frames = []
    frames += [eth(ipv4(IP_A, IP_B, 17, udp(40000, 53)), 0x0800)] * 5          # 5 x DNS A->B
    frames += [eth(ipv4(IP_B, IP_A, 17, udp(53, 40000)), 0x0800)] * 3          # 3 replies B->A
    frames += [eth(ipv4(IP_A, IP_C, 6, tcp(40001, 443)), 0x0800)] * 4          # 4 x https A->C
    frames += [eth(ipv4(IP_C, IP_A, 1, b"\x08\x00" + b"\0" * 30), 0x0800)] * 2  # 2 x ICMP
    frames += [eth(ipv6_udp("2001:db8::1", "2001:db8::2", 5000, 123), 0x86DD)] * 2
    frames += [eth(b"\x00\x01\x08\x00\x06\x04\x00\x01" + b"\0" * 20, 0x0806)]   # 1 ARP
    frames += [eth(ipv4(IP_A, IP_B, 17, udp(40000, 514)), 0x0800, vlan=7)]     # 1 tagged syslog
    # A later fragment: counted as UDP, but it has no ports to count.
    frames += [eth(ipv4(IP_A, IP_B, 17, b"y" * 16, frag_offset=100), 0x0800)]
    return frames


def test_known_mix_counts_exactly():
    frames = known_mix()
    sink = StatsSink()
    batch = PktBatch(frames)
    assert sink.consume(batch, batch.count) == len(frames)
    s = sink.snapshot()
    assert s.packets == len(frames) == 19
    assert s.bytes == sum(len(f) for f in frames)
    assert s.vlan == 1 and s.non_ip == 1 and s.undecoded == 0
    assert {t: p for t, p, _ in s.ethertypes} == {0x0800: 16, 0x86DD: 2, 0x0806: 1}
    assert {p: n for p, n, _ in s.ip_protocols} == {17: 12, 6: 4, 1: 2}
    assert sum(n for _, _, n in s.sizes) == 19

    ports = {e.key: e.packets for e in s.ports.by_packets}
    assert ports == {(17, 53): 5, (17, 40000): 3, (6, 443): 4, (17, 123): 2, (17, 514): 1}
    talkers = {e.key: e.packets for e in s.talkers_by_packets.by_packets}
    assert talkers[(IP_A, IP_B)] == 7 and talkers[(IP_B, IP_A)] == 3
    assert talkers[(IP_A, IP_C)] == 4 and talkers[("2001:db8::1", "2001:db8::2")] == 2
    assert talkers[(MAC_A, MAC_ELSEWHERE)] == 1
    assert s.talkers_by_packets.by_packets[0].key == (IP_A, IP_B)
    # Both directions of the DNS exchange are one conversation.
    conv = {e.key: e.packets for e in s.conversations.by_packets}
    assert conv[(17, IP_A, 40000, IP_B, 53)] == 8
    assert conv[(6, IP_A, 40001, IP_C, 443)] == 4
    assert conv[(1, IP_A, 0, IP_C, 0)] == 2
    for table in (s.ports, s.talkers_by_bytes, s.talkers_by_packets, s.conversations):
        assert not table.approximate
        assert all(e.error == 0 for e in table.by_bytes)
    assert s.talkers_by_bytes.by_bytes[0].bytes == s.talkers_by_bytes.by_bytes[0].estimate
    assert (s.first_ts_ns, s.last_ts_ns) == (1_000, 1_000 + len(frames) - 1)


def test_limit_and_reset():
    frames = known_mix()
    sink = StatsSink()
    assert sink.consume(PktBatch(frames), 4) == 4
    assert sink.snapshot().packets == 4
    sink.reset()
    s = sink.snapshot()
    assert s.packets == 0 and s.ports.tracked == 0 and s.ethertypes == []


def test_other_link_types():
    ip = ipv4(IP_A, IP_B, 17, udp(1, 2))
    sll2 = struct.pack("!HHiHBB8s", 0x0800, 0, 3, 1, 0, 6, b"\0" * 8) + ip
    sll = struct.pack("!HHH8sH", 0, 1, 6, b"\0" * 8, 0x0800) + ip
    sink = StatsSink()
    for frames, lt in (([ip], 101), ([sll2], 276), ([sll], 113), ([b"\1\2\3"], 147)):
        sink.consume(PktBatch(frames, lt), 1)
    s = sink.snapshot()
    assert s.packets == 4 and s.undecoded == 1
    assert {e.key: e.packets for e in s.ports.by_packets} == {(17, 2): 3}


def test_truncated_frames_do_not_read_past_caplen():
    frame = eth(ipv4(IP_A, IP_B, 6, tcp(1, 2)), 0x0800)
    sink = StatsSink()
    batch = PktBatch([frame[:n] for n in range(len(frame) + 1)])
    sink.consume(batch, batch.count)
    s = sink.snapshot()
    assert s.packets == len(frame) + 1
    assert s.undecoded == 14                       # shorter than an Ethernet header
    assert {e.key: e.packets for e in s.ports.by_packets} == {(6, 2): len(frame) + 1 - 38}


def test_large_population_stays_bounded_and_says_so():
    rng = random.Random(5)
    heavy = [f"198.18.1.{i}" for i in range(3)]
    frames, truth = [], collections.Counter()
    for i in range(30000):
        src = heavy[i % 3] if i % 4 == 0 else f"198.19.{(i >> 8) & 255}.{i & 255}"
        frames.append(eth(ipv4(src, IP_B, 17, udp(rng.randrange(1, 65536), 9)), 0x0800))
        truth[src] += 1
    sink = StatsSink()
    for start in range(0, len(frames), 1000):
        b = PktBatch(frames[start:start + 1000])
        sink.consume(b, b.count)
    s = sink.snapshot()
    table = s.talkers_by_packets
    assert table.approximate and table.tracked == lib.ZC_TOP_SLOTS
    top = table.by_packets[:3]
    assert sorted(e.key[0] for e in top) == sorted(heavy)
    for e in table.by_packets:
        true = truth[e.key[0]]
        # The space-saving guarantee: estimate - error <= true count <= estimate.
        assert e.estimate - e.error <= true <= e.estimate
        assert e.packets <= true
    assert sum(n for _, _, n in s.sizes) == 30000


def test_heap_and_index_agree_under_churn():
    """Random keys with heavy eviction: every kept key is still found, never duplicated."""
    rng = random.Random(7)
    sink = StatsSink()
    truth = collections.Counter()
    for _round in range(6):
        frames = []
        for _ in range(2000):
            skewed = rng.random() < 0.5
            n = int(rng.paretovariate(0.8)) % 4000 if skewed else rng.randrange(4000)
            frames.append(eth(ipv4(f"198.18.{n >> 8}.{n & 255}", IP_B, 6, tcp(1, 2)), 0x0800))
            truth[n] += 1
        sink.consume(PktBatch(frames), len(frames))
    top = sink.snapshot().talkers_by_packets.by_packets   # also empties the flow sums
    # The whole table, not just a snapshot's top: every entry must be sound.
    table = sink.counters.talkers_packets
    entries = [table.e[i] for i in range(table.n)]
    keys = [_talker_key(bytes(e.key)) for e in entries]
    assert len(keys) == len(set(keys)) == lib.ZC_TOP_SLOTS
    total = sum(truth.values())
    counts = {k[0]: e for k, e in zip(keys, entries, strict=True)}
    for n, c in truth.items():
        if c > total / lib.ZC_TOP_SLOTS:       # frequent keys are always kept
            assert f"198.18.{n >> 8}.{n & 255}" in counts
    for k, e in zip(keys, entries, strict=True):
        n = int(k[0].split(".")[2]) << 8 | int(k[0].split(".")[3])
        assert e.weight - e.err <= truth[n] <= e.weight
    assert sum(e.weight for e in entries) == total   # space-saving keeps the total weight
    # The snapshot ranks the heaviest of them, heaviest first.
    assert [e.estimate for e in top] == sorted((e.weight for e in entries), reverse=True)[:len(top)]


def test_probes_are_read_from_consume():
    calls = collections.Counter()

    def kernel():
        calls["kernel"] += 1
        return 10, 2

    sink = StatsSink(kernel_stats=kernel, ring=lambda: (3, 8), written=lambda: 1234)
    sink.consume(PktBatch(known_mix()), 5)
    sink.consume(PktBatch(known_mix()), 5)          # within PROBE_INTERVAL: not read again
    p = sink.snapshot().probe
    assert (p.received, p.dropped, p.ring_used, p.ring_total, p.written) == (10, 2, 3, 8, 1234)
    assert calls["kernel"] == 1


def test_snapshot_while_consuming_is_consistent():
    sink = StatsSink()
    batch = PktBatch(known_mix())
    done, looked = threading.Event(), threading.Event()

    def feed():
        for i in range(3000):
            if i == 1500:            # on a busy machine this thread could finish first
                looked.wait(30)
            sink.consume(batch, batch.count)
        done.set()

    t = threading.Thread(target=feed)
    t.start()
    seen = 0
    while not done.is_set():
        s = sink.snapshot()
        assert s.packets % 19 == 0
        assert sum(n for _, _, n in s.sizes) == s.packets
        assert sum(p for _, p, _ in s.ethertypes) == s.packets
        seen += 1
        looked.set()
    t.join()
    assert sink.snapshot().packets == 3000 * 19 and seen > 0


def test_ring_blocks_count_exactly(veth):
    """Frames through a real TPACKET_V3 ring, with a tag the kernel strips."""
    frames = [udp_frame(i, 100 + i, dport=53) for i in range(40)]
    frames += [udp_frame(100 + i, 200, vlan=5, dport=514) for i in range(10)]
    cap = in_netns(veth.ns_b, lambda: open_live(veth.if_b, buffer_kib=1024))
    sink = StatsSink.for_live(cap)
    try:
        t = threading.Thread(target=veth.send, args=(frames,))
        t.start()
        summary = run(cap, [sink], count=len(frames), duration=10)
        t.join()
        sink.probe()
    finally:
        cap.close()
    assert summary.captured == len(frames)
    s = sink.snapshot()
    assert s.packets == len(frames)
    assert s.bytes == sum(len(f) for f in frames)       # stripped tags counted back
    assert s.vlan == 10
    assert {e.key: e.packets for e in s.ports.by_packets} == {(17, 53): 40, (17, 514): 10}
    assert s.talkers_by_bytes.by_bytes[0].key == (IP_A, IP_B)
    assert s.talkers_by_bytes.by_bytes[0].bytes == s.bytes
    assert s.probe.received == len(frames) and s.probe.dropped == 0
    assert s.probe.ring_total == cap_blocks(1024)


def counters(s) -> tuple:
    """Every counter and every ranking of a snapshot, as plain data."""
    tables = [(t.tracked, t.approximate, t.by_bytes, t.by_packets)
              for t in (s.talkers_by_bytes, s.talkers_by_packets, s.conversations, s.ports)]
    return (s.packets, s.bytes, s.vlan, s.non_ip, s.undecoded, s.first_ts_ns, s.last_ts_ns,
            sorted(s.ethertypes, key=str), sorted(s.ip_protocols), s.sizes, tables)


def mixed_frames() -> list[bytes]:
    """known_mix and 300 more flows (so a batch's aggregates hold many keys)."""
    frames = known_mix() * 3
    for i in range(300):
        frames.append(eth(ipv4(f"198.18.{i % 7}.{i % 250 + 1}", IP_B, 17, udp(1000 + i, 9)),
                          0x0800))
    return frames


@pytest.mark.parametrize("file_size", [None, 4000])
def test_writer_tap_counts_what_a_walk_counts(veth, tmp_path, file_size):
    """A StatsSink fed by the file writer's tap sees exactly what one walking
    the same ring blocks itself sees, also when -C splits batches over files."""
    from zcap.sinks.pcapng import PcapngSink
    from zcap.sinks.rotate import RotatingPcapngSink

    frames = mixed_frames()
    cap = in_netns(veth.ns_b, lambda: open_live(veth.if_b, buffer_kib=1024))
    try:
        out = str(tmp_path / "tap.pcapng")
        writer = (RotatingPcapngSink(out, [cap.describe()], file_size=file_size) if file_size
                  else PcapngSink(out, [cap.describe()]))
        tapped = StatsSink.for_live(cap, writer=writer)
        walked = StatsSink.for_live(cap)
        assert tapped.tapped and not walked.tapped
        t = threading.Thread(target=veth.send, args=(frames,))
        t.start()
        summary = run(cap, [writer, tapped, walked], count=len(frames), duration=10)
        t.join()
        writer.close(summary.per_interface)
    finally:
        cap.close()
    assert summary.captured == writer.packets == len(frames)
    if file_size:
        assert len(writer.files) > 3           # batches were split between files
    a, b = tapped.snapshot(), walked.snapshot()
    assert a.packets == len(frames)
    assert counters(a) == counters(b)


def test_writer_tap_on_packet_arrays(tmp_path):
    """The same through zc_write_pkts (AF_XDP's path): counted as written."""
    from zcap.sinks.pcapng import PcapngSink

    frames = mixed_frames()
    batch = PktBatch(frames)
    writer = PcapngSink(str(tmp_path / "pkts.pcapng"), [])
    tapped, walked = StatsSink(1), StatsSink(1)
    writer.tap(tapped)
    with tapped.lock:
        assert lib.zc_write_pkts(writer.writer, batch.pkts, batch.count) == 0
    walked.consume(batch, batch.count)
    assert writer.packets == len(frames)
    assert counters(tapped.snapshot()) == counters(walked.snapshot())
    writer.close()


def test_plain_ipv4_and_general_decoder_agree():
    """A flow counted by the plain-IPv4 path and by the general decoder (IP
    options send a packet there) ends up under one key, counted once each."""
    plain = eth(ipv4(IP_A, IP_B, 17, udp(40000, 53)), 0x0800)
    ip = plain[14:]
    # IHL 6: one 4-byte option (four NOPs); the lengths stay unchecked by the counters.
    optioned = plain[:14] + bytes([0x46]) + ip[1:20] + b"\x01" * 4 + ip[20:]
    sink = StatsSink()
    batch = PktBatch([plain, optioned, plain])
    sink.consume(batch, batch.count)
    s = sink.snapshot()
    assert [(e.key, e.packets) for e in s.talkers_by_packets.by_packets] == [((IP_A, IP_B), 3)]
    assert [(e.key, e.packets) for e in s.ports.by_packets] == [((17, 53), 3)]
    assert [(e.key[1:], e.packets) for e in s.conversations.by_packets] == \
        [((IP_A, 40000, IP_B, 53), 3)]
    assert s.ethertypes == [(0x0800, 3, 2 * len(plain) + len(optioned))]
    assert s.ip_protocols == [(17, 3, 2 * len(plain) + len(optioned))]


def test_a_snapshot_stays_valid_after_later_ones():
    """Tables are decoded when first read, from the snapshot's own copy: later
    snapshots (reusing freed memory) must not change what an old one says."""
    sink = StatsSink()
    batch = PktBatch(known_mix())
    sink.consume(batch, batch.count)
    first = sink.snapshot()
    busy = PktBatch(mixed_frames())
    for _ in range(30):
        sink.consume(busy, busy.count)
        assert sink.snapshot().ports.by_packets
    assert {e.key: e.packets for e in first.ports.by_packets} == \
        {(17, 53): 5, (17, 40000): 3, (6, 443): 4, (17, 123): 2, (17, 514): 1}
    assert [e.key for e in first.talkers_by_bytes.by_bytes][:1] == [(IP_A, IP_B)]


def cap_blocks(buffer_kib: int) -> int:
    from zcap.sources.tpacket import ring_geometry
    return ring_geometry(buffer_kib).block_nr


@pytest.mark.parametrize("n", [0, 1])
def test_empty_and_single(n):
    sink = StatsSink()
    sink.consume(PktBatch(known_mix()[:n]), n)
    s = sink.snapshot()
    assert s.packets == n and len(s.ports.by_packets) == n
