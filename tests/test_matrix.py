"""Every source with every output, through the real CLI on veth pairs.

Each cell either works (exit 0, every file valid in tshark, the packet count
right, no packet lost or written twice across rotated or fanout files) or is
refused up front with one line and exit status 2; ``EXPECT`` says which.
Cells of one source run in parallel, each on its own pair of namespaces.
"""

import glob
import os
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from . import pcapng_check as chk
from .conftest import kernel_test_reason
from .frames import seq_of, udp_frame
from .netns import create_pair, destroy_pair

N = 24                       # packets per cell: enough to spread over files and workers
FRAMES = [udp_frame(i, 300) for i in range(N)]

SOURCES = {
    "tpacket": ["-i", "{if_b}"],
    "xdp-skb": ["-i", "{if_b}", "--xdp", "--xdp-mode", "skb"],
    "pcap": ["-r", "{pcap}"],
    "pcapng": ["-r", "{pcapng}"],
    "fanout": ["-i", "{if_b}", "-j", "2"],
}
OUTPUTS = {
    "file": ["-w", "{out}/o.pcapng"],
    "stdout": ["-w", "-"],
    "size": ["-w", "{out}/s.pcapng", "-C", "1k"],              # ~3 packets a file
    "time": ["-w", "{out}/t-%H%M%S.pcapng", "-G", "1", "-W", "2"],
    "print": [],
    "tui": ["--tui"],
    "merge": ["-w", "{out}/m.pcapng", "--merge"],
}
# What is refused, and the words of the refusal; every other cell must work.
REFUSED = {
    ("pcap", "time"): "-G applies to live",
    ("pcapng", "time"): "-G applies to live",
    ("fanout", "stdout"): "needs --merge",
    ("fanout", "size"): "--fanout goes with",
    ("fanout", "time"): "--fanout goes with",
    ("fanout", "print"): "--fanout writes files",
    ("fanout", "tui"): "--fanout goes with",
}
for _source in ("tpacket", "xdp-skb", "pcap", "pcapng"):
    REFUSED[(_source, "merge")] = "go with --fanout"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("inputs")
    pcap = d / "in.pcap"
    with open(pcap, "wb") as f:
        import dpkt
        w = dpkt.pcap.Writer(f, snaplen=65535)
        for i, frame in enumerate(FRAMES):
            w.writepkt(frame, ts=1_700_000_000 + i / 1000)
    pcapng = d / "in.pcapng"
    subprocess.run(["editcap", "-F", "pcapng", str(pcap), str(pcapng)], check=True,
                   timeout=60)
    return {"pcap": str(pcap), "pcapng": str(pcapng)}


def _arguments(source: str, output: str, places: dict) -> list[str]:
    args = [a.format(**places) for a in SOURCES[source] + OUTPUTS[output]]
    if output != "time":
        args += ["-c", str(N)]          # -G -W ends by itself, after its second file
    return args


def _files(output: str, out: str, source: str) -> list[str]:
    if output == "file" and source == "fanout":
        return sorted(glob.glob(f"{out}/o.*.pcapng"))
    pattern = {"file": "o.pcapng", "size": "s.pcapng*", "time": "t-*.pcapng",
               "merge": "m.pcapng"}[output]
    return sorted(glob.glob(f"{out}/{pattern}"))


def _seqs_in(files: list[str]) -> list[int]:
    seqs = []
    for path in files:
        assert chk.tshark_count(path) == len(chk.parse(path).packets), path   # valid for tshark
        seqs += [seq_of(p[1]) for p in chk.parse(path).packets]
    return seqs


def run_cell(source: str, output: str, inputs: dict, tmp: str) -> str | None:
    """Run one cell; None if it behaved as EXPECTed, else what went wrong."""
    out = os.path.join(tmp, f"{source}-{output}")
    os.makedirs(out)
    live = source not in ("pcap", "pcapng")
    pair = create_pair() if live else None
    try:
        places = {**inputs, "out": out, "if_b": pair.if_b if pair else ""}
        args = _arguments(source, output, places)
        stdout = subprocess.PIPE if output in ("stdout", "print") else subprocess.DEVNULL
        if live:
            z = pair.zcap(*args, stdout=stdout)
            if z.proc.poll() is None:
                pair.send(FRAMES)
            rc = z.wait(30)
            stderr, data = z.stderr, z.stdout
        else:
            proc = subprocess.run([sys.executable, "-m", "zcap", *args], stdout=stdout,
                                  stderr=subprocess.PIPE, timeout=60)
            rc, stderr, data = proc.returncode, proc.stderr.decode(), proc.stdout or b""
        cell = f"{source} x {output}: {' '.join(args)}"
        refusal = REFUSED.get((source, output))
        if refusal is not None:
            lines = stderr.strip().splitlines()
            if rc != 2 or len(lines) != 1 or refusal not in lines[0]:
                return f"{cell}: should be refused ({refusal}), got {rc}: {stderr[-300:]}"
            return None
        if rc != 0 or "Traceback" in stderr:
            return f"{cell}: exit {rc}: {stderr[-400:]}"
        if output == "stdout":
            got = subprocess.run(["tshark", "-r", "-", "-T", "fields", "-e", "frame.number"],
                                 input=data, capture_output=True, timeout=60)
            count = len(got.stdout.split())
            if got.returncode != 0 or count != N:
                return f"{cell}: tshark -r - read {count} packets: {got.stderr[-200:]}"
        elif output == "print":
            lines = data.decode().splitlines()
            if len(lines) != N or not all("198.18.0.1.40000 > 198.18.0.2" in x for x in lines):
                return f"{cell}: printed {len(lines)} lines"
        elif output == "tui":
            if live and f"{N} packets captured" not in stderr:
                return f"{cell}: summary says {stderr[-300:]}"
        else:
            files = _files(output, out, source)
            seqs = _seqs_in(files)
            if sorted(seqs) != list(range(N)):
                return f"{cell}: files {files} hold {sorted(seqs)}"
            if output == "size" and len(files) < 3:
                return f"{cell}: -C made only {len(files)} files"
            if source == "fanout" and output == "file" and len(files) != 2:
                return f"{cell}: {len(files)} worker files"
            if output == "time" and not 1 <= len(files) <= 2:
                return f"{cell}: -G 1 -W 2 made {len(files)} files"
        return None
    finally:
        if pair is not None:
            destroy_pair(pair)


@pytest.mark.parametrize("source", list(SOURCES))
def test_matrix(source, inputs, tmp_path):
    if source not in ("pcap", "pcapng") and kernel_test_reason():
        pytest.skip(kernel_test_reason())
    outputs = list(OUTPUTS)
    with ThreadPoolExecutor(4) as pool:
        problems = list(pool.map(lambda o: run_cell(source, o, inputs, str(tmp_path)), outputs))
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def test_interfaces_met_later_reach_the_file(tmp_path):
    """A pcapng input that describes its second interface after the first
    packet: the pump hands the new IDB to the sinks before that interface's
    packets, so the copy is valid and complete."""
    from zcap import pcapng as fmt

    def epb(ifid: int, ts_ns: int, frame: bytes) -> bytes:
        pad = b"\0" * (-len(frame) % 4)
        body = struct.pack("=IIIII", ifid, ts_ns >> 32, ts_ns & 0xFFFFFFFF, len(frame),
                           len(frame)) + frame + pad
        return fmt.block(fmt.EPB, body)

    ip_only = FRAMES[1][14:]                                  # LINKTYPE_RAW: from the IP header
    data = (fmt.section_header("x", "y", "z")
            + fmt.InterfaceDescription(1, 65535, "eth").encode()
            + epb(0, 1_700_000_000_000_000_000, FRAMES[0])
            + fmt.InterfaceDescription(101, 65535, "tun").encode()
            + epb(1, 1_700_000_000_000_000_001, ip_only)
            + epb(0, 1_700_000_000_000_000_002, FRAMES[2]))
    src, out = tmp_path / "late.pcapng", tmp_path / "copy.pcapng"
    src.write_bytes(data)
    proc = subprocess.run([sys.executable, "-m", "zcap", "-r", str(src), "-w", str(out),
                           "--print"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 3
    cap = chk.parse(str(out))
    assert [i["linktype"] for i in cap.interfaces] == [1, 101]
    assert [p[1] for p in cap.packets] == [FRAMES[0], ip_only, FRAMES[2]]
    assert chk.tshark_count(str(out)) == 3
