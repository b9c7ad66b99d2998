"""Ring to disk: TPACKET_V3 blocks rewritten in place into pcapng and written
from the ring (sinks/direct.py, csrc/inplace.c), captured on a veth pair from
Python (TpacketSource + DirectSink), read back by real readers.

Direct mode is checked on the machine's disk (a directory that is not tmpfs,
checked), plain mode on tmpfs and into a pipe."""

import contextlib
import os
import shutil
import struct
import subprocess
import tempfile
import threading
import time
from types import SimpleNamespace

import pytest
from zcap._core import ffi, lib

from zcap import pcapng as fmt
from zcap.errors import OutputError
from zcap.pcapng import InterfaceDescription
from zcap.sinks.direct import SHOW_EVERY_S, SPARSE_BYTES, DirectSink, ring_reserve
from zcap.sinks.pcapng import InterfaceStats, PcapngSink
from zcap.sources.tpacket import TpacketBatch, TpacketSource

from . import pcapng_check as chk
from .frames import udp_frame
from .netns import in_netns

DISK_DIR = "/var/tmp"
SHM_DIR = "/dev/shm"
EPB_IN_PROMISC = 1 | (4 << 2)

pytestmark = pytest.mark.skipif(not all(chk.have(t) for t in ("tshark", "capinfos", "tcpdump",
                                                                "editcap")),
                                reason="needs tshark, capinfos, editcap and tcpdump")


def _tempdir(parent: str):
    d = tempfile.mkdtemp(prefix="zcap-direct-", dir=parent)
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def disk_dir():
    """A directory on the real disk (direct I/O), removed afterwards."""
    yield from _tempdir(DISK_DIR)


@pytest.fixture
def shm_dir():
    """A directory on tmpfs (plain writes), removed afterwards."""
    yield from _tempdir(SHM_DIR)


def open_source(veth, interface=None, reserve=True, **kw) -> TpacketSource:
    """A TPACKET_V3 source in namespace B (its sockets keep that namespace)."""
    name = interface or veth.if_b
    mode = lib.ZC_FRAME_SLL2 if name == "any" else lib.ZC_FRAME_ETHER
    kw.setdefault("buffer_kib", 8192)
    kw.setdefault("retire_ms", 10)
    return in_netns(veth.ns_b, lambda: TpacketSource(
        name, reserve=ring_reserve(mode) if reserve else 0, **kw))


def idb(source) -> list[InterfaceDescription]:
    return [InterfaceDescription(source.linktype, source.snaplen, name=source.name)]


def drain(source, sink, want: int, limit: int | None = None, timeout: float = 10.0) -> int:
    """Feed ready blocks to the sink until ``want`` packets were written."""
    got, end = 0, time.monotonic() + timeout
    while got < want and time.monotonic() < end:
        batch = source.next_batch(50)
        if batch is None:
            continue
        try:
            got += sink.consume(batch, (limit if limit is not None else want) - got)
        finally:
            source.release(batch)
    return got


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, **kw)


def quiet(stderr: str) -> list[str]:
    """Lines a reader printed that are not its usual chatter."""
    return [line for line in stderr.splitlines() if line.strip()
            and "Running as user" not in line and not line.startswith("reading from file")]


def check_readers(path: str, frames: list[bytes]) -> None:
    """dpkt byte for byte; tshark, capinfos, tcpdump -r and editcap count them,
    and none of them prints a warning."""
    assert chk.dpkt_frames(path) == frames
    assert [p[1] for p in chk.parse(path).packets] == frames
    assert chk.tshark_count(path) == len(frames)          # fails on any tshark warning
    cap = run(["capinfos", "-M", "-c", path])
    assert cap.returncode == 0 and not quiet(cap.stderr), cap.stderr
    assert f"Number of packets:   {len(frames)}" in cap.stdout.replace("\t", " "), cap.stdout
    tcpd = run(["tcpdump", "-n", "-r", path])
    assert tcpd.returncode == 0 and not quiet(tcpd.stderr), tcpd.stderr
    # (an unknown ethertype gets a hex dump on indented lines)
    assert sum(1 for line in tcpd.stdout.splitlines() if not line[:1].isspace()) == len(frames)
    copy = path + ".editcap.pcapng"
    ed = run(["editcap", "-F", "pcapng", path, copy])
    assert ed.returncode == 0 and not quiet(ed.stderr), ed.stderr
    assert chk.dpkt_frames(copy) == frames
    os.unlink(copy)


def capture(veth, frames, path, *, direct=True, source=None, limit=None, sink=None):
    """Send ``frames`` from A, capture them in B into ``path``; returns the sink."""
    src = source or open_source(veth)
    sink = sink or DirectSink(path, idb(src), direct=direct)
    try:
        veth.send(frames)
        want = len(frames) if limit is None else limit
        assert drain(src, sink, want, limit) == want
    finally:
        sink.close([])
        if source is None:
            src.close()
    return sink


def mixed_frames() -> list[bytes]:
    sizes = [60, 1514, 60, 200, 1514, 64, 1000]
    frames = [udp_frame(i, sizes[i % len(sizes)]) for i in range(70)]
    frames += [udp_frame(100 + i, 60 + 40 * i, vlan=10 + i) for i in range(6)]
    return frames


@pytest.mark.parametrize("where", ["disk", "tmpfs"])
def test_frames_byte_exact_in_every_reader(veth, where, disk_dir, shm_dir):
    veth.set_mtu(9000)
    frames = mixed_frames() + [udp_frame(200 + i, 9000) for i in range(4)]
    frames += [udp_frame(300, 1514, vlan=99), udp_frame(301, 9000, vlan=4094)]
    path = os.path.join(disk_dir if where == "disk" else shm_dir, "f.pcapng")
    sink = capture(veth, frames, path)
    if where == "disk":
        assert sink.align >= 512 and sink.mode.startswith("direct I/O")
    else:
        assert sink.align == 0 and sink.mode == "plain writes"
    check_readers(path, frames)
    cap = chk.parse(path)
    assert {p[3] for p in cap.packets} == {EPB_IN_PROMISC}
    assert [p[2] for p in cap.packets] == [len(f) for f in frames]
    # Only the small frames were moved (compaction); the others got their EPB
    # header in the headroom the reserve made.
    # (a tagged frame's caplen in the ring is 4 bytes less: the kernel took the tag out)
    small = sum(1 for f in frames
                if len(f) - 4 * (f[12:14] == b"\x81\x00") <= lib.ZC_COMPACT_MAX_DEFAULT)
    assert sink.moved <= small


def test_any_gets_sll2_in_the_headroom(veth, disk_dir):
    src = open_source(veth, "any")
    frames = [udp_frame(i, 120 + 690 * (i % 3)) for i in range(12)]
    path = os.path.join(disk_dir, "any.pcapng")
    try:
        sink = capture(veth, frames, path, source=src)
    finally:
        src.close()
    # SOCK_DGRAM frames start 4-aligned with no reserve: only compaction moves any.
    assert sink.moved == sum(1 for f in frames if len(f) - 14 <= lib.ZC_COMPACT_MAX_DEFAULT)
    cap = chk.parse(path)
    assert cap.interfaces[0]["linktype"] == 276
    ifindex = veth.ifindex(veth.ns_b, veth.if_b)
    for (_ts, data, wirelen, _flags), sent in zip(cap.packets, frames, strict=True):
        proto, _res, idx, hatype, pkttype, halen = struct.unpack_from("!HHiHBB", data)
        assert (proto, idx, hatype, pkttype, halen) == (0x0800, ifindex, 1, 3, 6)
        assert data[12:18] == sent[6:12] and data[20:] == sent[14:]
        assert wirelen == len(sent) - 14 + 20
    assert chk.tshark_count(path) == len(frames)


def test_without_reserve_every_frame_is_moved_and_still_exact(veth, shm_dir):
    """The fallback: a ring whose frames sit at 2 mod 4 still gives a valid file."""
    src = open_source(veth, reserve=False)
    frames = [udp_frame(i, 1514, vlan=5 if i % 4 == 0 else None) for i in range(20)]
    path = os.path.join(shm_dir, "moved.pcapng")
    try:
        sink = capture(veth, frames, path, source=src)
    finally:
        src.close()
    assert sink.moved == len(frames)
    check_readers(path, frames)


def one_block(veth, src, frames):
    """Send ``frames`` and return the block holding all of them (the retire
    timer is periodic: should it cut them in two, try again)."""
    while True:
        veth.send(frames)
        batch = None
        while batch is None:
            batch = src.next_batch(1000)
        if batch.count == len(frames):
            return batch
        src.release(batch)
        while (rest := src.next_batch(300)) is not None:
            src.release(rest)


@pytest.mark.parametrize("where", ["disk", "tmpfs"])
def test_limit_at_every_position_inside_a_block(veth, where, disk_dir, shm_dir):
    frames = [udp_frame(i, [60, 1514, 300, 64][i % 4], vlan=7 if i % 5 == 2 else None)
              for i in range(9)]
    src = open_source(veth, retire_ms=100)
    try:
        for k in range(1, len(frames) + 1):
            path = os.path.join(disk_dir if where == "disk" else shm_dir, f"c{k}.pcapng")
            batch = one_block(veth, src, frames)
            sink = DirectSink(path, idb(src))
            try:
                assert sink.consume(batch, k) == k
            finally:
                src.release(batch)
                sink.close([])
            assert chk.dpkt_frames(path) == frames[:k]
            assert [p[1] for p in chk.parse(path).packets] == frames[:k]
            if k in (1, len(frames) // 2, len(frames)):      # tshark is slow to start
                assert chk.tshark_count(path) == k
    finally:
        src.close()


def test_limit_inside_a_dense_block_on_disk(veth, disk_dir):
    """A block full enough to go out by one direct write, cut by the limit."""
    frames = [udp_frame(i, 1514) for i in range(400)]
    assert sum(map(len, frames[:397])) > SPARSE_BYTES
    path = os.path.join(disk_dir, "dense.pcapng")
    src = open_source(veth, retire_ms=300)
    try:
        batch = one_block(veth, src, frames)
        sink = DirectSink(path, idb(src))
        try:
            assert sink.align and sink.consume(batch, 397) == 397
            assert sink.ring_writes == 1       # one O_DIRECT write of the ring's own memory
        finally:
            src.release(batch)
            # The ISB goes out after O_DIRECT is dropped: it is not a whole unit.
            sink.close([InterfaceStats(1, 2, 400, 0, 397)])
    finally:
        src.close()
    check_readers(path, frames[:397])
    isb = chk.parse(path).isb
    assert len(isb) == 1 and isb[0]["usrdeliv"] == 397 and isb[0]["ifrecv"] == 400
    assert os.path.getsize(path) % sink.align != 0


def sizes_today_and_direct(veth, frames, disk_dir, pace: float = 0.0) -> tuple[int, int]:
    """File sizes of the same traffic written by PcapngSink (today's writer) and
    by DirectSink on the disk, both capturing at once from two sockets."""
    today_src, direct_src = open_source(veth, reserve=False), open_source(veth)
    today = PcapngSink(os.path.join(disk_dir, "today.pcapng"), idb(today_src))
    direct = DirectSink(os.path.join(disk_dir, "direct.pcapng"), idb(direct_src))
    counts = {}

    def pump(src, sink, key):
        counts[key] = drain(src, sink, len(frames), timeout=30)

    threads = [threading.Thread(target=pump, args=a) for a in
               ((today_src, today, "today"), (direct_src, direct, "direct"))]
    try:
        for t in threads:
            t.start()
        if pace:
            for f in frames:
                veth.send([f])
                time.sleep(pace)
        else:
            veth.send(frames)
    finally:
        for t in threads:
            t.join()
        for s in (today, direct):
            s.close([])
        today_src.close()
        direct_src.close()
    assert counts == {"today": len(frames), "direct": len(frames)}
    assert chk.dpkt_frames(direct.path) == chk.dpkt_frames(today.path) == frames
    return os.path.getsize(today.path), os.path.getsize(direct.path)


def test_small_frames_file_at_most_ten_percent_larger(veth, disk_dir):
    today, direct = sizes_today_and_direct(veth, [udp_frame(i, 60) for i in range(6000)],
                                           disk_dir)
    assert direct <= 1.10 * today, (today, direct)


def test_a_trickle_does_not_bloat_the_file(veth, disk_dir):
    """One packet per retired block (the timer retires each within 10 ms)."""
    today, direct = sizes_today_and_direct(veth, [udp_frame(i, 1514) for i in range(15)],
                                           disk_dir, pace=0.05)
    assert direct <= 1.10 * today, (today, direct)


def test_pipe_gets_plain_writes(veth):
    rd, wr = os.pipe()
    tshark = subprocess.Popen(["tshark", "-r", "-", "-T", "fields", "-e", "frame.len"],
                              stdin=rd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    os.close(rd)
    frames = [udp_frame(i, 300 + i) for i in range(30)]
    try:
        sink = capture(veth, frames, f"/proc/self/fd/{wr}")
    finally:
        os.close(wr)
    out, err = tshark.communicate(timeout=60)
    assert sink.mode == "plain writes"
    assert out.split() == [str(len(f)) for f in frames]
    assert tshark.returncode == 0 and not quiet(err), err


@contextlib.contextmanager
def tiny_ext4(size_mib: int):
    """A small ext4 file system on a loop device, always unmounted."""
    d = tempfile.mkdtemp(prefix="zcap-enospc-", dir=DISK_DIR)
    image, mnt = os.path.join(d, "fs.img"), os.path.join(d, "mnt")
    os.mkdir(mnt)
    try:
        with open(image, "wb") as f:
            f.truncate(size_mib << 20)
        subprocess.run(["mkfs.ext4", "-q", "-F", image], check=True, capture_output=True)
        subprocess.run(["mount", "-o", "loop", image, mnt], check=True)
        try:
            yield mnt
        finally:
            subprocess.run(["umount", mnt], check=True)
    finally:
        shutil.rmtree(d, ignore_errors=True)


@contextlib.contextmanager
def disk_full_once(sink, src):
    """The body fills the disk: the sink says "disk full" exactly once, from
    a consume or (a write the writer thread made last) from its close."""
    said = []
    try:
        yield
    except OutputError as exc:
        said.append(str(exc))
    finally:
        try:
            sink.close([])
        except OutputError as exc:
            said.append(str(exc))
        src.close()
    assert len(said) == 1 and "disk full" in said[0], said


@pytest.mark.skipif(not shutil.which("mkfs.ext4"), reason="needs mkfs.ext4")
def test_disk_full_in_direct_mode_cuts_back_to_the_last_packet(veth):
    frames = [udp_frame(i, 1514) for i in range(12000)]       # ~18 MB into an 8 MiB disk
    with tiny_ext4(8) as mnt:
        path = os.path.join(mnt, "full.pcapng")
        src = open_source(veth, buffer_kib=16384)
        sink = DirectSink(path, idb(src))
        assert sink.align, "the loop-mounted ext4 should take direct I/O"
        sent = 0
        with disk_full_once(sink, src):
            while sent < len(frames):
                veth.send(frames[sent:sent + 2000])
                sent += 2000
                drain(src, sink, 2000, limit=10**9, timeout=2)
        back = chk.dpkt_frames(path)
        assert 0 < len(back) < sent and back == frames[:len(back)]
        buf = open(path, "rb").read()
        last_len = struct.unpack_from("=I", buf, len(buf) - 4)[0]
        assert struct.unpack_from("=I", buf, len(buf) - last_len)[0] == 6   # ends on an EPB
        assert chk.tshark_count(path) == len(back)


def fill_disk(mnt: str, spare: int) -> None:
    """Fill the file system at ``mnt`` until a write fails for want of room,
    then free ``spare`` bytes of it again."""
    filler = os.path.join(mnt, "filler")
    with open(filler, "wb") as f:
        with contextlib.suppress(OSError):
            while True:
                f.write(b"\0" * 4096)
                f.flush()
        with contextlib.suppress(OSError):
            os.fsync(f.fileno())
    os.truncate(filler, max(0, os.path.getsize(filler) - spare))


@pytest.mark.skipif(not shutil.which("mkfs.ext4"), reason="needs mkfs.ext4")
@pytest.mark.parametrize("spare", [0, 4096, 12288])
def test_a_file_begun_on_a_full_disk_is_valid_or_gone(veth, spare):
    """A file opened when the disk has about no room left (a -C rotation's
    next file, late in a filling disk): whatever is left is a file every
    reader opens, holding as many packets as the sink says, or no file at
    all where not even its section header fitted."""
    frames = [udp_frame(i, 1514) for i in range(600)]
    with tiny_ext4(8) as mnt:
        fill_disk(mnt, spare)
        path = os.path.join(mnt, "late.pcapng")
        src = open_source(veth, buffer_kib=16384)
        sink = DirectSink(path, idb(src))
        with disk_full_once(sink, src):
            veth.send(frames)
            drain(src, sink, len(frames), limit=10**9, timeout=2)
        if os.path.exists(path):
            back = chk.dpkt_frames(path)
            assert back == frames[:sink.packets]
            assert chk.tshark_count(path) == sink.packets
        else:
            assert sink.packets == 0


def test_padding_blocks_split_at_256_kib():
    buf = bytearray(600 * 1024)
    lib.zc_pad_blocks(ffi.from_buffer(buf), len(buf))
    off, sizes = 0, []
    while off < len(buf):
        btype, total = struct.unpack_from("=II", buf, off)
        assert btype == lib.ZC_PAD_BLOCK_TYPE and btype & 0x80000000
        assert struct.unpack_from("=I", buf, off + total - 4)[0] == total
        sizes.append(total)
        off += total
    assert off == len(buf) and max(sizes) <= 256 * 1024 and min(sizes) >= 12


def test_a_block_the_rewrite_cannot_lay_out_is_written_untouched(shm_dir):
    """A layout no kernel makes (a frame starting inside its own tpacket header
    and filling the block to the last byte): no EPB fits around it, so the
    block is left as it is and written by the Python fallback."""
    block_size = 128 * 1024
    block = bytearray(bytes(i & 0xFF for i in range(block_size)))
    first, tp_mac = 48, 20             # sizeof(struct tpacket_block_desc); no headroom
    caplen = block_size - first - tp_mac
    struct.pack_into("=IIII", block, 8, lib.TP_STATUS_USER, 1, first, block_size)
    struct.pack_into("=IIIIIIHH", block, first, 0, 1_700_000_000, 5, caplen, caplen,
                     lib.TP_STATUS_USER, tp_mac, tp_mac + 14)
    frame = bytes(block[first + tp_mac:])
    source = SimpleNamespace(frame_mode=lib.ZC_FRAME_ETHER, linktype=fmt.LINKTYPE_ETHERNET,
                             geometry=SimpleNamespace(block_size=block_size))
    batch = TpacketBatch(source, 0, ffi.from_buffer(block))
    path = os.path.join(shm_dir, "fallback.pcapng")
    sink = DirectSink(path, [InterfaceDescription(fmt.LINKTYPE_ETHERNET, 262144)])
    assert sink.consume(batch, 10) == 1
    sink.close([])
    assert sink.moved == 1 and sink.ring_writes == 0
    assert chk.parse(path).packets[0][0] == 1_700_000_000 * 10**9 + 5
    check_readers(path, [frame])


def test_outgoing_tagged_frames_share_the_reserve(veth, disk_dir):
    """Frames we send, tag still in the payload (maclen 14, 18 with the tag),
    sit at the same residue as received ones: none needs moving."""
    src = in_netns(veth.ns_a, lambda: TpacketSource(
        veth.if_a, reserve=ring_reserve(lib.ZC_FRAME_ETHER), buffer_kib=8192, retire_ms=10))
    frames = [udp_frame(i, 1000, vlan=20 + i if i % 2 else None) for i in range(10)]
    path = os.path.join(disk_dir, "out.pcapng")
    try:
        sink = capture(veth, frames, path, source=src)
    finally:
        src.close()
    assert sink.moved == 0
    assert {p[3] for p in chk.parse(path).packets} == {2}      # epb_flags: outbound
    check_readers(path, frames)


def test_staging_takes_more_than_its_size_in_one_piece(disk_dir):
    """IDBs (or a fallback block) larger than the staging buffer go through it
    in pieces, in order."""
    path = os.path.join(disk_dir, "big.pcapng")
    sink = DirectSink(path, [InterfaceDescription(fmt.LINKTYPE_ETHERNET, 262144)])
    assert sink.align
    many = [InterfaceDescription(fmt.LINKTYPE_ETHERNET, 262144, name=f"if{i:06d}" + "x" * 200)
            for i in range(9000)]                          # ~2.3 MB of IDBs
    sink.add_interfaces(many)
    sink.close([])
    names = [i["options"].get(2) for i in chk.parse(path).interfaces]
    assert names[1:] == [i.name.encode() for i in many]


def unused_bytes(path: str) -> bytes:
    """Every byte of the file that no reader shows: padding block bodies (but
    a ring descriptor's header words), the bodies of our local EPB options, the
    padding after each frame."""
    buf, off, out = open(path, "rb").read(), 0, bytearray()
    while off < len(buf):
        btype, total = struct.unpack_from("=II", buf, off)
        if btype == lib.ZC_PAD_BLOCK_TYPE:
            body = buf[off + 8:off + total - 4]
            # a ring block's descriptor keeps the kernel's header (its bytes 8-47)
            out += body[40:] if total > 52 and any(body[:40]) else body
        elif btype == 6:
            caplen = struct.unpack_from("=I", buf, off + 20)[0]
            p = off + 28 + caplen
            out += buf[p:p + (-caplen % 4)]
            p += -caplen % 4
            while p < off + total - 4:
                code, length = struct.unpack_from("=HH", buf, p)
                if code == 0:
                    break
                if code == lib.ZC_PAD_OPTION_CODE:
                    out += buf[p + 4:p + 4 + length]
                p += 4 + length + (-length % 4)
        off += total
    return bytes(out)


@pytest.mark.parametrize("where", ["disk", "tmpfs"])
def test_no_stale_ring_bytes_reach_the_file(veth, where, disk_dir, shm_dir):
    """The ring wraps several times under frames full of 0xEE; every byte the
    file carries outside the frames is zero."""
    src = open_source(veth, buffer_kib=1024)                  # 8 blocks of 128 KiB
    path = os.path.join(disk_dir if where == "disk" else shm_dir, "wrap.pcapng")
    sink = DirectSink(path, idb(src))
    frames = [udp_frame(i, 1514)[:42] + b"\xee" * 1472 for i in range(3000)]  # ~4.5 MB
    try:
        for at in range(0, len(frames), 300):
            veth.send(frames[at:at + 300])
            assert drain(src, sink, 300, limit=300) == 300
    finally:
        sink.close([])
        src.close()
    assert chk.dpkt_frames(path) == frames
    waste = unused_bytes(path)
    assert len(waste) > 3000 * 20 and waste.count(0) == len(waste)


def test_staged_packets_shown_once_they_have_waited(veth, disk_dir):
    """Sparse packets are staged; they are put on the file (past its aligned
    end, plain writes) once they have waited SHOW_EVERY_S or the link goes
    quiet, not as soon as they come: a dense block usually follows within
    milliseconds and takes them along with one direct write."""
    path = os.path.join(disk_dir, "shown.pcapng")
    src = open_source(veth)
    sink = DirectSink(path, idb(src))
    frames = [udp_frame(i, 200) for i in range(30)]
    try:
        sink.tick()                                   # the header: the file is valid at once
        assert chk.dpkt_frames(path) == []
        time.sleep(SHOW_EVERY_S + 0.05)               # long after the last show
        veth.send(frames[:10])
        assert drain(src, sink, 10) == 10
        assert chk.dpkt_frames(path) == []            # fresh: not shown yet
        time.sleep(SHOW_EVERY_S + 0.05)
        veth.send(frames[10:20])
        assert drain(src, sink, 10) == 10             # the first ten have waited long enough
        shown = chk.dpkt_frames(path)                 # (with what came in the same batch)
        assert len(shown) >= 10 and shown == frames[:len(shown)]
        veth.send(frames[20:])
        assert drain(src, sink, 10) == 10
        sink.tick()                                   # the link went quiet
        assert chk.dpkt_frames(path) == frames
    finally:
        sink.close([])
        src.close()
    check_readers(path, frames)
