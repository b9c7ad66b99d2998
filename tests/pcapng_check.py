"""Reading what zcap wrote with real readers: dpkt, tshark/capinfos, tcpdump."""

import shutil
import struct
import subprocess
from dataclasses import dataclass, field

import dpkt


@dataclass
class Capture:
    # (ts_ns, data, wirelen, epb_flags) per EPB
    packets: list[tuple[int, bytes, int, int]] = field(default_factory=list)
    interfaces: list[dict] = field(default_factory=list)
    isb: list[dict] = field(default_factory=list)


ISB_CODES = {2: "starttime", 3: "endtime", 4: "ifrecv", 5: "ifdrop", 6: "filteraccept",
             7: "osdrop", 8: "usrdeliv"}


def _options(buf: bytes, off: int, end: int) -> list[tuple[int, bytes]]:
    out = []
    while off + 4 <= end:
        code, length = struct.unpack_from("=HH", buf, off)
        if code == 0:
            break
        out.append((code, buf[off + 4:off + 4 + length]))
        off += 4 + length + (-length % 4)
    return out


def parse(path: str) -> Capture:
    """A strict little parser of our own pcapng (host byte order) for the fields
    readers don't expose (epb_flags, ISB). Asserts the block framing is sound."""
    buf = open(path, "rb").read()
    cap = Capture()
    off = 0
    while off < len(buf):
        btype, total = struct.unpack_from("=II", buf, off)
        assert total % 4 == 0 and off + total <= len(buf), f"bad block at {off}"
        assert struct.unpack_from("=I", buf, off + total - 4)[0] == total
        body = off + 8
        if btype == 1:
            linktype, _, snaplen = struct.unpack_from("=HHI", buf, body)
            opts = dict(_options(buf, body + 8, off + total - 4))
            cap.interfaces.append({"linktype": linktype, "snaplen": snaplen, "options": opts})
        elif btype == 6:
            ifid, hi, lo, caplen, wirelen = struct.unpack_from("=IIIII", buf, body)
            data = buf[body + 20:body + 20 + caplen]
            opts = dict(_options(buf, body + 20 + caplen + (-caplen % 4), off + total - 4))
            flags = struct.unpack("=I", opts[2])[0] if 2 in opts else 0
            cap.packets.append(((hi << 32) | lo, data, wirelen, flags))
        elif btype == 5:
            ifid = struct.unpack_from("=I", buf, body)[0]
            rec = {"ifid": ifid}
            for code, val in _options(buf, body + 12, off + total - 4):
                if code in (2, 3):
                    hi, lo = struct.unpack("=II", val)
                    rec[ISB_CODES[code]] = (hi << 32) | lo
                elif code in ISB_CODES:
                    rec[ISB_CODES[code]] = struct.unpack("=Q", val)[0]
            cap.isb.append(rec)
        off += total
    return cap


def dpkt_frames(path: str) -> list[bytes]:
    with open(path, "rb") as f:
        return [bytes(buf) for _ts, buf in dpkt.pcapng.Reader(f)]


def tshark_count(path: str) -> int:
    """Packets tshark reads; fails the test on any warning or error from tshark."""
    proc = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e", "frame.number"],
                          capture_output=True, text=True, timeout=60)
    problems = [line for line in proc.stderr.splitlines()
                if line.strip() and "Running as user" not in line]
    assert proc.returncode == 0 and not problems, proc.stderr
    return len(proc.stdout.split())


def capinfos_count(path: str) -> int:
    out = subprocess.run(["capinfos", "-M", "-c", path], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    for line in out.splitlines():
        if "Number of packets" in line:
            return int(line.split(":")[1].strip())
    raise AssertionError(out)


def tcpdump_count(path: str) -> int:
    proc = subprocess.run(["tcpdump", "-n", "-r", path], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    return len(proc.stdout.splitlines())


def have(tool: str) -> bool:
    return shutil.which(tool) is not None
