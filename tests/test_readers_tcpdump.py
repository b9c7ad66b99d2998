"""The readers against tcpdump -r on crafted files: which pcap and pcapng
versions libpcap reads (and the error and exit code when it doesn't), the
swapped length fields of old pcap files, and time stamp fractions of a second
or more, which tcpdump prints as the file holds them (no carry)."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from . import read_corpus as rc
from .print_oracle import assert_same_text

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "TZ": "UTC"}
FRAMES = rc.ethernet_frames()[:3]


def _pcap(path: Path, records: list[tuple[int, int, bytes, int]], *, major: int = 2,
          minor: int = 4, nano: bool = False, big: bool = False, swapped: bool = False,
          snaplen: int = 65535) -> Path:
    """A pcap file from (seconds, fraction, frame, wire length) records, the
    fraction written as it is; ``swapped`` writes wire length before caplen."""
    e = ">" if big else "<"
    out = [struct.pack(e + "IHHiIII", 0xA1B23C4D if nano else 0xA1B2C3D4, major, minor,
                       0, 0, snaplen, rc.LINKTYPE_ETHERNET)]
    for sec, frac, frame, wire in records:
        lens = (wire, len(frame)) if swapped else (len(frame), wire)
        out.append(struct.pack(e + "IIII", sec, frac, *lens) + frame)
    path.write_bytes(b"".join(out))
    return path


def _run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, env=ENV, cwd=ROOT)


def _both(path: Path) -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess]:
    theirs = _run(["tcpdump", "-n", "-r", str(path)])
    ours = _run([sys.executable, "-m", "zcap", "-n", "-r", str(path)])
    return theirs, ours


def _refused_alike(path: Path) -> None:
    theirs, ours = _both(path)
    assert theirs.returncode != 0 and theirs.stdout == ""
    assert ours.returncode == theirs.returncode, ours.stderr
    assert ours.stdout == "" and "Traceback" not in ours.stderr
    why = theirs.stderr.strip().removeprefix("tcpdump: ")
    assert why in ours.stderr and len(ours.stderr.strip().splitlines()) == 1, ours.stderr


@pytest.mark.parametrize("version", [(2, 5), (2, 65535), (3, 0), (1, 0), (0, 4), (543, 1)])
def test_pcap_versions_libpcap_refuses(tmp_path: Path, version: tuple[int, int]) -> None:
    records = [(1_700_000_000, 5, f, len(f)) for f in FRAMES]
    _refused_alike(_pcap(tmp_path / "v.pcap", records, major=version[0], minor=version[1]))


def _pcapng(path: Path, major: int, minor: int, second: tuple[int, int] | None = None) -> Path:
    """Sections of one interface and one packet each; the first with version
    major.minor, a second one (if given) with that version."""
    def section(ver: tuple[int, int]) -> bytes:
        shb_body = struct.pack("<IHHq", 0x1A2B3C4D, *ver, -1)
        idb_body = struct.pack("<HHI", rc.LINKTYPE_ETHERNET, 0, 65535)
        f = FRAMES[0]
        epb_body = struct.pack("<IIIII", 0, 0x60000, 0x12345678, len(f), len(f)) + \
            f + b"\0" * (-len(f) % 4)
        return b"".join(struct.pack("<II", t, len(b) + 12) + b + struct.pack("<I", len(b) + 12)
                        for t, b in ((0x0A0D0D0A, shb_body), (1, idb_body), (6, epb_body)))
    path.write_bytes(section((major, minor)) + (section(second) if second else b""))
    return path


@pytest.mark.parametrize("version", [(0, 1), (1, 1), (2, 0), (1, 3)])
def test_pcapng_versions_libpcap_refuses(tmp_path: Path, version: tuple[int, int]) -> None:
    _refused_alike(_pcapng(tmp_path / "v.pcapng", *version))


def test_pcapng_later_section_of_another_major_version(tmp_path: Path) -> None:
    theirs, ours = _both(_pcapng(tmp_path / "v.pcapng", 1, 0, second=(2, 0)))
    assert theirs.returncode != 0 and len(theirs.stdout.splitlines()) == 1
    assert ours.returncode == theirs.returncode and ours.stdout == theirs.stdout
    assert theirs.stderr.splitlines()[-1].removeprefix("tcpdump: pcap_loop: ") in ours.stderr
    # a later section's minor version is not checked
    theirs, ours = _both(_pcapng(tmp_path / "w.pcapng", 1, 2, second=(1, 7)))
    assert theirs.returncode == ours.returncode == 0
    assert ours.stdout == theirs.stdout and len(ours.stdout.splitlines()) == 2


@pytest.mark.parametrize("version", [(2, 0), (2, 2), (2, 3), (2, 4), (543, 0)])
def test_old_pcap_versions_and_their_length_fields(tmp_path: Path,
                                                   version: tuple[int, int]) -> None:
    old = version[0] == 543 or version[1] < 3
    records = [(1_700_000_000 + i, 1000 * i, f[:40], len(f)) for i, f in enumerate(FRAMES)]
    # 2.3 files were written both ways: the smaller field is the captured length
    swapped = old or version == (2, 3)
    f = _pcap(tmp_path / "old.pcap", records, major=version[0], minor=version[1],
              swapped=swapped)
    for flags in ("", "-e -v"):
        assert_same_text(f, flags)
    theirs, ours = _both(f)
    assert ours.returncode == theirs.returncode == 0 and ours.stdout == theirs.stdout
    if version == (2, 3):
        assert_same_text(_pcap(tmp_path / "plain.pcap", records, minor=3), "-e")


MAX32 = 0xFFFFFFFF


@pytest.mark.parametrize("nano", [False, True])
@pytest.mark.parametrize("big", [False, True])
def test_fractions_of_a_second_or_more_print_as_tcpdump_prints_them(
        tmp_path: Path, nano: bool, big: bool) -> None:
    per = 10**9 if nano else 10**6
    base = 1_700_000_000
    fracs = [5, per, per + 1234, 4 * per - 1, 3 * per, 0, MAX32, per - 1, 999_999_999, 7]
    secs = [base, base, base + 1, base + 1, base - 2, base + 2 * 86400 + 3, base + 9,
            base + 9, 0x80000001, base + 10]
    records = [(s, fr, FRAMES[i % 3], len(FRAMES[i % 3]))
               for i, (s, fr) in enumerate(zip(secs, fracs, strict=True))]
    f = _pcap(tmp_path / "odd.pcap", records, nano=nano, big=big)
    for flags in ("", "-tt", "-ttt", "-tttt", "-ttttt", "--nano", "-ttt --nano",
                  "-ttttt --nano", "-tt --nano"):
        assert_same_text(f, flags)
    theirs, ours = _both(f)
    assert ours.returncode == theirs.returncode == 0 and ours.stdout == theirs.stdout


def test_odd_fractions_through_a_pipe(tmp_path: Path) -> None:
    records = [(1_700_000_000 + i, (i + 1) * 10**6 + i, f, len(f)) for i, f in enumerate(FRAMES)]
    f = _pcap(tmp_path / "odd.pcap", records * 50)
    with f.open("rb") as fh:
        ours = subprocess.run([sys.executable, "-m", "zcap", "-n", "-r", "-"], stdin=fh,
                              capture_output=True, text=True, env=ENV, cwd=ROOT)
    theirs = _run(["tcpdump", "-n", "-r", str(f)])
    assert ours.returncode == 0 and ours.stdout == theirs.stdout


def test_records_longer_than_the_snapshot_length_are_cut_to_it(tmp_path: Path) -> None:
    records = [(1_700_000_000 + i, 7, f, len(f) + i) for i, f in enumerate(FRAMES)]
    f = _pcap(tmp_path / "snap.pcap", records, snaplen=30)
    for flags in ("", "-x", "-e -v"):
        assert_same_text(f, flags)
    theirs, ours = _both(f)
    assert ours.returncode == theirs.returncode == 0 and ours.stdout == theirs.stdout


@pytest.mark.parametrize("snaplen", [0, 0x80000000, 0xFFFFFFFF])
def test_a_bogus_snapshot_length_stands_for_the_largest(tmp_path: Path, snaplen: int) -> None:
    records = [(1_700_000_000, 7, f, len(f)) for f in FRAMES]
    f = _pcap(tmp_path / "snap.pcap", records, snaplen=snaplen)
    theirs, ours = _both(f)
    assert ours.returncode == theirs.returncode == 0 and ours.stdout == theirs.stdout
    assert ours.stderr.removeprefix("zcap: ") == theirs.stderr      # "snapshot length 262144"


@pytest.mark.parametrize("snaplen", [65535, 300_000])
def test_a_record_past_the_largest_snapshot_length_is_damage(tmp_path: Path,
                                                             snaplen: int) -> None:
    big = FRAMES[0] + bytes(270_000)
    records = [(1_700_000_000, 7, FRAMES[1], 66), (1_700_000_001, 8, big, len(big)),
               (1_700_000_002, 9, FRAMES[2], 66)]
    theirs, ours = _both(_pcap(tmp_path / "big.pcap", records, snaplen=snaplen))
    assert theirs.returncode != 0 and len(theirs.stdout.splitlines()) == 1
    assert ours.returncode == theirs.returncode and ours.stdout == theirs.stdout
    why = theirs.stderr.splitlines()[-1].removeprefix("tcpdump: pcap_loop: ")
    assert why in ours.stderr and "Traceback" not in ours.stderr, (why, ours.stderr)
