"""Fanout workers on a veth: the kernel spreads packets over N capture
processes; together they write every packet once, flows stay whole in hash
mode, --merge makes one time-ordered file."""

import os
import re
import signal
import struct
import subprocess
import sys
import threading
from pathlib import Path

import dpkt
import pytest

from zcap.config import Config
from zcap.errors import UsageError
from zcap.fanout import part_name

from . import pcapng_check as chk
from .frames import mac, seq_of
from .netns import MAC_A, MAC_ELSEWHERE, Zcap
from .waiting import packets_so_far, wait_until

FLOWS = 64


def flow_frame(seq: int, flow: int, size: int = 100) -> bytes:
    """A UDP frame of flow ``flow`` (its own source address in 198.18.0.0/15
    and source port), carrying ``seq`` where tests.frames.seq_of finds it."""
    payload = struct.pack("!I", seq) + bytes(size - 14 - 28 - 4)
    udp = dpkt.udp.UDP(sport=10000 + flow, dport=9, data=payload)
    udp.ulen = len(udp)
    src = bytes([198, 18 + (flow >> 16 & 1), flow >> 8 & 0xFF, flow & 0xFF or 1])
    ip = dpkt.ip.IP(src=src, dst=bytes([198, 19, 0, 2]), p=dpkt.ip.IP_PROTO_UDP, ttl=64,
                    id=seq & 0xFFFF, data=udp)
    ip.len = len(ip)
    frame = mac(MAC_ELSEWHERE) + mac(MAC_A) + b"\x08\x00" + bytes(ip)
    assert len(frame) == size and seq_of(frame) == seq
    return frame


def flow_of(frame: bytes) -> int:
    return struct.unpack_from("!H", frame, 34)[0] - 10000


def start_fanout(veth, *args: str) -> Zcap:
    """`python -m zcap -j N` in namespace B."""
    cmd = ["ip", "netns", "exec", veth.ns_b, sys.executable, "-m", "zcap",
           "-i", veth.if_b, *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            close_fds=True)
    veth.procs.append(proc)
    z = Zcap(proc)
    z.wait_listening()
    assert proc.poll() is None, z.stderr
    return z


def wait_parts(parts: list[str], count: int) -> None:
    """Wait until the workers' files hold ``count`` packets between them."""
    wait_until(lambda: sum(packets_so_far(p) for p in parts) >= count,
               f"{count} packets in {parts}")


def worker_lines(stderr: str) -> list[tuple[int, int, int]]:
    """(captured, received, dropped) per worker, from the exit summary."""
    pat = re.compile(r"^worker (\d+): (\d+) packets captured, (\d+) received by filter, "
                     r"(\d+) dropped by kernel$", re.M)
    found = pat.findall(stderr)
    assert [int(f[0]) for f in found] == list(range(len(found)))
    return [tuple(int(x) for x in f[1:]) for f in found]


def test_hash_mode_keeps_flows_whole(veth, tmp_path):
    path = str(tmp_path / "out.pcapng")
    frames = [flow_frame(i, i % FLOWS) for i in range(FLOWS * 40)]
    z = start_fanout(veth, "-w", path, "-j", "2")
    veth.send(frames)
    parts = [part_name(path, 0), part_name(path, 1)]
    wait_parts(parts, len(frames))        # the retire timer has handed over the last blocks
    assert z.stop(signal.SIGINT) == 0, z.stderr
    assert parts == [str(tmp_path / "out.0.pcapng"), str(tmp_path / "out.1.pcapng")]
    assert sorted(os.listdir(tmp_path)) == ["out.0.pcapng", "out.1.pcapng"]
    per_worker = [[p[1] for p in chk.parse(name).packets] for name in parts]
    # Both workers got traffic, and no flow went to both.
    assert all(per_worker)
    flows = [{flow_of(f) for f in got} for got in per_worker]
    assert not flows[0] & flows[1] and flows[0] | flows[1] == set(range(FLOWS))
    # Every packet once; within a worker, in the order sent.
    seqs = [[seq_of(f) for f in got] for got in per_worker]
    assert sorted(seqs[0] + seqs[1]) == list(range(len(frames)))
    assert all(s == sorted(s) for s in seqs)
    # sent = written + dropped, per worker and in total; each file says so in its ISB.
    lines = worker_lines(z.stderr)
    assert [c for c, _r, _d in lines] == [len(s) for s in seqs]
    assert sum(c + d for c, _r, d in lines) == len(frames)
    assert sum(r for _c, r, _d in lines) == len(frames)
    assert z.summary() == {"captured": len(frames), "received": len(frames), "dropped": 0}
    for name, (c, r, _d) in zip(parts, lines, strict=True):
        isb = chk.parse(name).isb[0]
        assert isb["usrdeliv"] == c and isb["filteraccept"] == r
        assert chk.tshark_count(name) == c


def test_count_is_exact_over_workers(veth, tmp_path):
    path = str(tmp_path / "c.pcapng")
    frames = [flow_frame(i, i % FLOWS) for i in range(3000)]
    z = start_fanout(veth, "-w", path, "-j", "2", "--fanout-mode", "lb", "-c", "1234")
    veth.send(frames)
    assert z.wait(20) == 0, z.stderr
    counts = [len(chk.parse(part_name(path, i)).packets) for i in range(2)]
    assert sum(counts) == 1234
    assert z.summary()["captured"] == 1234
    assert [c for c, _r, _d in worker_lines(z.stderr)] == counts


def test_merge_is_time_ordered_and_complete(veth, tmp_path):
    path = str(tmp_path / "m.pcapng")
    frames = [flow_frame(i, i % FLOWS, 60 + i % 200) for i in range(4000)]
    # lb: round robin, so the two parts interleave packet by packet.
    z = start_fanout(veth, "-w", path, "-j", "2", "--fanout-mode", "lb", "--merge")
    veth.send(frames)
    wait_parts([part_name(path, 0), part_name(path, 1)], len(frames))
    assert z.stop(signal.SIGINT) == 0, z.stderr
    assert os.listdir(tmp_path) == ["m.pcapng"]          # the parts are gone
    lines = worker_lines(z.stderr)
    assert all(c > 0 for c, _r, _d in lines)
    cap = chk.parse(path)
    stamps = [p[0] for p in cap.packets]
    assert stamps == sorted(stamps)
    assert sorted(seq_of(p[1]) for p in cap.packets) == list(range(len(frames)))
    assert [p[1] for p in sorted(cap.packets, key=lambda p: seq_of(p[1]))] == frames
    assert len(cap.interfaces) == 1 and cap.interfaces[0]["options"][2] == veth.if_b.encode()
    assert cap.isb[0]["usrdeliv"] == len(frames) == cap.isb[0]["filteraccept"]
    assert chk.tshark_count(path) == len(frames)


def test_refusals():
    for kwargs in ({"fanout": 0}, {"fanout_mode": "rnd"}, {"write": "-"}, {"interface": "any"},
                   {"count": 0}, {"fanout": 65}):
        args = {"interface": "lo", "write": "/nonexistent/x.pcapng", "fanout": 2,
                "fanout_mode": "hash", **kwargs}
        with pytest.raises(UsageError):
            Config.from_flags(**args)
    assert part_name("/d/out.pcapng", 3) == "/d/out.3.pcapng"
    assert part_name("out", 0) == "out.0"
    assert part_name("/d/a.b.pcap", 1) == "/d/a.b.1.pcap"


def capture_parts(veth, tmp_path, frames_by_sender, *args: str,
                  expect: int | None = None) -> list[list[bytes]]:
    """Run `-j 2` with ``args``; each list of frames is sent by a thread of its own
    (on the CPU given as its key, None: anywhere); once ``expect`` packets (default:
    as many as sent) are written, returns each worker's frames."""
    path = str(tmp_path / "p.pcapng")
    parts = [part_name(path, 0), part_name(path, 1)]
    z = start_fanout(veth, "-w", path, "-j", "2", *args)

    def send(cpu, frames) -> None:
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})         # this thread only
        veth.send(frames)

    for cpu, frames in frames_by_sender.items():
        t = threading.Thread(target=send, args=(cpu, frames))
        t.start()
        t.join()
    wait_parts(parts, expect or sum(len(f) for f in frames_by_sender.values()))
    assert z.stop(signal.SIGINT) == 0, z.stderr
    return [[p[1] for p in chk.parse(name).packets] for name in parts]


def test_cpu_mode_follows_the_receiving_cpu(veth, tmp_path):
    """On veth a frame is received on the CPU that sent it: in cpu mode what one
    CPU sent goes to one worker, what the other sent to the other."""
    cpus = sorted(os.sched_getaffinity(0))[:2]
    if len(cpus) < 2:
        pytest.skip("needs two CPUs")
    sent = {cpu: [flow_frame(n * 100 + i, i % FLOWS) for i in range(100)]
            for n, cpu in enumerate(cpus)}
    got = capture_parts(veth, tmp_path, sent, "--fanout-mode", "cpu")
    by_worker = sorted(got, key=lambda frames: seq_of(frames[0]) if frames else -1)
    assert by_worker == [sent[cpus[0]], sent[cpus[1]]]


def test_qm_mode_follows_the_queue(veth, tmp_path):
    """A veth end has one RX queue: in qm mode every frame goes to one worker."""
    frames = [flow_frame(i, i % FLOWS) for i in range(200)]
    got = capture_parts(veth, tmp_path, {None: frames}, "--fanout-mode", "qm")
    assert sorted(got, key=len) == [[], frames]


def fragments(seq: int, flow: int, pieces: int = 3) -> list[bytes]:
    """A UDP datagram of ``flow`` carrying ``seq``, cut into IPv4 fragments of
    400 bytes of payload each (the first holds the UDP header)."""
    whole = flow_frame(seq, flow, 14 + 20 + 400 * pieces)
    ip = dpkt.ip.IP(whole[14:])
    payload = bytes(ip.data)
    out = []
    for k in range(pieces):
        piece = payload[400 * k:400 * (k + 1)]
        flags_offset = (dpkt.ip.IP_MF if k < pieces - 1 else 0) | (400 * k) // 8
        head = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(piece), ip.id, flags_offset,
                           64, ip.p, 0, ip.src, ip.dst)
        head = head[:10] + struct.pack("!H", dpkt.in_cksum(head)) + head[12:]
        out.append(whole[:14] + head + piece)
    return out


def test_fragments_stay_with_their_flow(veth, tmp_path):
    """hash mode reassembles before it hashes: a fragmented datagram is captured
    whole by the worker that gets the rest of its flow."""
    frames, datagrams = [], {}
    for flow in range(FLOWS):
        frames += [flow_frame(1000 * flow + i, flow) for i in range(4)]
        datagrams[1000 * flow + 999] = flow_frame(1000 * flow + 999, flow, 14 + 20 + 1200)
        frames += fragments(1000 * flow + 999, flow)
    got = capture_parts(veth, tmp_path, {None: frames}, "--fanout-mode", "hash",
                        expect=FLOWS * 5)
    flows = [{flow_of(f) for f in part} for part in got]
    assert all(flows) and not flows[0] & flows[1]
    whole = {seq_of(f): f for part in got for f in part if seq_of(f) in datagrams}
    assert sorted(whole) == sorted(datagrams)
    for seq, frame in whole.items():                # reassembled: the datagram as built
        assert frame[14 + 20:] == datagrams[seq][14 + 20:]
    assert sum(map(len, got)) == FLOWS * 5


def interval_lines(stderr: str) -> list[tuple[int, int, int]]:
    """(captured, received, dropped) of each --stats-interval line (not SIGUSR1's)."""
    pat = re.compile(r"^zcap: (\d+) packets captured, (\d+) received by filter, "
                     r"(\d+) dropped by kernel$", re.M)
    return [tuple(int(x) for x in f) for f in pat.findall(stderr)]


def worker_pids(z: Zcap) -> list[int]:
    """The fanout workers: the zcap process's children but multiprocessing's
    resource tracker."""
    with open(f"/proc/{z.proc.pid}/task/{z.proc.pid}/children") as f:
        pids = [int(p) for p in f.read().split()]
    return [p for p in pids if b"resource_tracker" not in Path(f"/proc/{p}/cmdline").read_bytes()]


def test_sigusr1_and_stats_interval_sum_the_workers(veth, tmp_path):
    """Under -j the parent asks every worker for its counters: SIGUSR1 and
    --stats-interval print the line a capture without -j prints, with the sums."""
    path = str(tmp_path / "s.pcapng")
    frames = [flow_frame(i, i % FLOWS) for i in range(600)]
    # lb: round robin, so each worker's share is half and the line must add them.
    z = start_fanout(veth, "-w", path, "-j", "2", "--fanout-mode", "lb",
                     "--stats-interval", "0.2")
    veth.send(frames[:400])
    assert z.settle(400) == (400, 400, 0)           # SIGUSR1 until all are written
    z.wait_stderr(lambda err: (400, 400, 0) in interval_lines(err), "an interval line at 400")
    # A SIGUSR1 that reaches the workers too (sent to the process group) stops nobody.
    workers = worker_pids(z)
    assert len(workers) == 2
    for pid in workers:
        os.kill(pid, signal.SIGUSR1)
    veth.send(frames[400:])
    assert z.settle(600) == (600, 600, 0)
    z.wait_stderr(lambda err: (600, 600, 0) in interval_lines(err), "an interval line at 600")
    assert all(os.path.exists(f"/proc/{pid}") for pid in workers)
    assert z.stop() == 0, z.stderr
    lines = interval_lines(z.stderr)
    assert lines[-1] == (600, 600, 0)
    assert all(r <= 600 and c + d <= r for c, r, d in lines)
    assert [c for c, _r, _d in lines] == sorted(c for c, _r, _d in lines)
    assert sorted(c for c, _r, _d in worker_lines(z.stderr)) == [300, 300]
    assert z.summary() == {"captured": 600, "received": 600, "dropped": 0}
    assert sum(chk.tshark_count(part_name(path, i)) for i in range(2)) == 600
