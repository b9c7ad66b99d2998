"""Printing agreement: zcap's packet lines against tcpdump's on real captures.

    python bench/bench_print.py [--fetch DIR] [--in-process] [--jobs N]
                                [--detail FILE] [--every-file] PATH...

PATH is a capture file or a folder searched for *.pcap, *.pcapng, *.cap and
*.pcap.gz files (dumps from outside the project: the captures shipped in the
Debian source packages of tcpdump, libpcap and wireshark, say). ``--fetch
DIR`` downloads those source packages into DIR with Debian's own client
(``apt-get source --download-only``, a deb-src list kept in DIR, the
machine's apt configuration untouched), unpacks them and adds DIR to the
paths. The captures are never copied into the repository.

For each file, TZ=UTC: ``tcpdump -n -r FILE`` and ``tcpdump -nv -r FILE``,
then zcap the same way (``python -m zcap -r FILE -n`` / ``-nv``, or with
``--in-process`` the Printer over zcap's reader, which is quicker but never
sees the CLI's errors). A packet's first line is a line that starts with a
timestamp; the lines after it, up to the next one, belong to that packet.
Reported per file and in total: packets (tcpdump's), first lines identical
with -n and with -nv (compared in order, packet i against packet i), files
where both print as many packet lines, files where both or neither report a
damaged file (a non-zero exit), and zcap tracebacks. A markdown table goes
to stdout (a row per file that differs, a total per PATH and one for all);
``--detail`` writes each differing pair of first lines to a file for finding
the largest gaps.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import subprocess
import sys
import tarfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUFFIXES = (".pcap", ".pcapng", ".cap", ".pcap.gz", ".pcapng.gz")
SOURCES = ("tcpdump", "libpcap", "wireshark")
STAMP = re.compile(r"^(\d\d:\d\d:\d\d\.\d{6,} |\[Invalid header|\[Error converting time\])")
ENV = {**os.environ, "TZ": "UTC"}
DEB_SRC = """Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""


@dataclass
class Run:
    """One program's output for one file and flag set."""

    firsts: list[str]
    rc: int
    traceback: bool = False


@dataclass
class FileResult:
    name: str
    packets: int = 0
    same_n: int = 0
    same_v: int = 0
    count_ok: bool = True
    damaged_ok: bool = True
    damaged: bool = False
    tracebacks: int = 0
    diffs: list[tuple[str, str, str]] = field(default_factory=list)


def first_lines(text: str) -> list[str]:
    """The first line of each packet in tcpdump-style output."""
    return [line for line in text.splitlines() if STAMP.match(line)]


def run_tcpdump(path: Path, flags: str) -> Run:
    res = subprocess.run(["tcpdump", flags, "-r", str(path)], capture_output=True,
                         text=True, errors="replace", env=ENV)
    return Run(first_lines(res.stdout), res.returncode)


def run_zcap_cli(path: Path, flags: str) -> Run:
    res = subprocess.run([sys.executable, "-m", "zcap", "-r", str(path), flags],
                         capture_output=True, text=True, errors="replace", env=ENV,
                         cwd=ROOT)
    return Run(first_lines(res.stdout), res.returncode, "Traceback" in res.stderr)


def run_zcap_inproc(path: Path, flags: str) -> Run:
    from tests.print_oracle import options_from_flags
    from zcap.errors import ZcapError
    from zcap.printer import Printer
    from zcap.readers import open_offline

    out = io.StringIO()
    rc, tb = 0, False
    try:
        with open_offline(str(path)) as r:
            p = Printer(out, options_from_flags("" if flags == "-n" else "-v"))
            for b in r.batches(64):
                p.print_batch(b)
    except ZcapError:
        rc = 1
    except Exception:  # noqa: BLE001 - a traceback is what this counts
        rc, tb = 1, True
    return Run(first_lines(out.getvalue()), rc, tb)


def compare(path: Path, zcap) -> FileResult:
    r = FileResult(str(path))
    for flags in ("-n", "-nv"):
        t, z = run_tcpdump(path, flags), zcap(path, flags)
        same = 0
        for a, b in zip(t.firsts, z.firsts, strict=False):
            if a == b:
                same += 1
            else:
                r.diffs.append((flags, a, b))
        if flags == "-n":
            r.packets, r.same_n = len(t.firsts), same
            r.damaged = t.rc != 0
        else:
            r.same_v = same
        r.count_ok &= len(t.firsts) == len(z.firsts)
        r.damaged_ok &= (t.rc != 0) == (z.rc != 0)
        r.tracebacks += z.traceback
    return r


def captures(paths: list[Path]) -> list[Path]:
    """Capture files named, or found under the folders named."""
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found += sorted(f for f in p.rglob("*") if f.is_file() and f.name.endswith(SUFFIXES))
        elif p.is_file():
            found.append(p)
    return found


def fetch(dest: Path) -> None:
    """Debian's source packages of tcpdump, libpcap and wireshark, unpacked in ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    parts, lists = dest / "apt-sources", dest / "apt-lists"
    parts.mkdir(exist_ok=True)
    (lists / "partial").mkdir(parents=True, exist_ok=True)
    (parts / "src.sources").write_text(DEB_SRC)
    apt = ["apt-get", "-q", "-o", "Dir::Etc::SourceList=/dev/null",
           "-o", f"Dir::Etc::SourceParts={parts}", "-o", f"Dir::State::Lists={lists}"]
    subprocess.run([*apt, "update"], check=True, capture_output=True)
    subprocess.run([*apt, "source", "--download-only", *SOURCES], check=True,
                   capture_output=True, cwd=dest)
    for tgz in dest.glob("*.orig.tar.*"):
        with tarfile.open(tgz) as t:
            t.extractall(dest, filter="data")


def total_row(label: str, results: list[FileResult]) -> str:
    """One row adding up ``results``."""
    packets = sum(r.packets for r in results)
    same_n, same_v = sum(r.same_n for r in results), sum(r.same_v for r in results)
    pct = (lambda a: f"{100 * a / packets:.1f}%") if packets else (lambda a: "-")
    return (f"| **{label}** ({len(results)} files) | {packets} | {same_n} ({pct(same_n)}) "
            f"| {same_v} ({pct(same_v)}) | {sum(r.count_ok for r in results)}/{len(results)} "
            f"| {sum(r.damaged_ok for r in results)}/{len(results)} "
            f"| {sum(r.tracebacks for r in results)} |")


def table(results: list[FileResult], sources: dict[str, list[FileResult]],
          every_file: bool) -> str:
    """Markdown: a row per file with a difference (every file with
    ``every_file``), a total per path given and one for all."""
    rows = ["| file | packets | same -n | same -nv | line count | damaged | tracebacks |",
            "|---|---:|---:|---:|:-:|:-:|---:|"]
    for r in results:
        if not every_file and r.same_n == r.packets == r.same_v and r.count_ok \
                and r.damaged_ok:
            continue
        rows.append(f"| {Path(r.name).name} | {r.packets} | {r.same_n} | {r.same_v} | "
                    f"{'ok' if r.count_ok else 'DIFF'} | {'ok' if r.damaged_ok else 'DIFF'} "
                    f"| {r.tracebacks} |")
    if len(sources) > 1:
        rows += [total_row(name, rs) for name, rs in sources.items()]
    rows.append(total_row("all", results))
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--fetch", type=Path, help="download Debian's source captures here")
    ap.add_argument("--in-process", action="store_true", help="zcap's Printer, not its CLI")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--detail", type=Path, help="write each differing first-line pair here")
    ap.add_argument("--every-file", action="store_true", help="a row for every file")
    a = ap.parse_args()
    if a.fetch:
        fetch(a.fetch)
        a.paths.append(a.fetch)
    # labelled as given, opened by absolute path (zcap runs from the repository)
    per_path = {str(p): [f.resolve() for f in captures([p])] for p in a.paths}
    files = [f for fs in per_path.values() for f in fs]
    if not files:
        sys.exit("bench_print: no capture files found (give a folder, or --fetch DIR)")
    sys.path.insert(0, str(ROOT))
    zcap = run_zcap_inproc if a.in_process else run_zcap_cli
    with ThreadPoolExecutor(a.jobs) as pool:
        results = list(pool.map(lambda f: compare(f, zcap), files))
    by_file = dict(zip(files, results, strict=True))
    sources = {name: [by_file[f] for f in fs] for name, fs in per_path.items() if fs}
    print(table(results, sources, a.every_file))
    if a.detail:
        with a.detail.open("w") as d:
            for r in results:
                for flags, t, z in r.diffs:
                    d.write(f"{Path(r.name).name} {flags}\n  T {t}\n  Z {z}\n")
        print(Counter(r.damaged for r in results), file=sys.stderr)


if __name__ == "__main__":
    main()
