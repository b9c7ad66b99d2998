"""The README's API examples run as written (file examples here; the live one
in a namespace, on a veth end in place of eth0)."""

import re
import subprocess
import sys
import time
from pathlib import Path

from . import pcapng_check as chk
from .frames import udp_frame

ROOT = Path(__file__).resolve().parent.parent


def api_examples() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## API\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def write_pcap(path: Path, frames: list[bytes]) -> None:
    import dpkt

    with open(path, "wb") as f:
        w = dpkt.pcap.Writer(f, snaplen=65535)
        for i, frame in enumerate(frames):
            w.writepkt(frame, ts=1_700_000_000 + i / 1000)


def run(code: str, cwd: Path, prefix: list[str] = ()) -> subprocess.Popen:
    return subprocess.Popen([*prefix, sys.executable, "-c", code], cwd=cwd,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_the_file_examples(tmp_path):
    examples = api_examples()
    assert len(examples) == 3 and "open_live" in examples[2]
    write_pcap(tmp_path / "in.pcap", [udp_frame(i, 80) for i in range(15)])
    out, err = run(examples[0], tmp_path).communicate(timeout=60)
    assert err == "" and "ret" in out
    rows = [line for line in out.splitlines() if line.startswith("1700000000")]
    assert len(rows) == 15 and all(line.split()[1] == "80" for line in rows)

    out, err = run(examples[1], tmp_path).communicate(timeout=60)
    assert err == "", err
    assert out.splitlines()[-1] == "10 packets"
    assert sum("198.18.0.1.40000 > 198.18.0.2.9" in line for line in out.splitlines()) == 10
    assert chk.tshark_count(str(tmp_path / "out.pcapng")) == 10


def test_the_live_example(veth, tmp_path):
    code = api_examples()[2].replace('"eth0"', repr(veth.if_b))
    proc = run(code, tmp_path, ["ip", "netns", "exec", veth.ns_b])
    veth.procs.append(proc)
    seq = 0
    deadline = time.monotonic() + 30
    while proc.poll() is None and time.monotonic() < deadline:
        veth.send([udp_frame(seq + i, 80) for i in range(20)])     # until it has 100
        seq += 20
        time.sleep(0.2)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and err == "", err
    assert out.startswith("100 captured")
    cap = chk.parse(str(tmp_path / "live.pcapng"))
    assert len(cap.packets) == 100 and chk.tshark_count(str(tmp_path / "live.pcapng")) == 100
    assert cap.isb[0]["usrdeliv"] == 100
