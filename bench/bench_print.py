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
the largest gaps, and ``--groups N`` lists the N most frequent kinds of
in-scope difference (by tshark's top protocol and flag set) on stderr.

In scope: each packet is classified by its protocol stack as tshark sees it
(``tshark -r FILE -T fields -e frame.protocols``, cached with
``--tshark-cache FILE`` since tshark takes most of a run). A packet is in
scope when every protocol of its stack is one issue 14 lists (``SCOPE``); a
packet tshark does not report (it stops elsewhere in a damaged file) is not.
The in-scope columns count those packets only; tcpdump's and zcap's lines are
compared as they are, with no normalising.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
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
# tshark's names (frame.protocols) for the protocols and link types issue 14
# lists, each with the issue's name for it. tshark names a few layers that are
# not protocols of their own (``ethertype``, ``wlan_radio``, the ``data`` of a
# payload it has no decoder for, the certificates inside a TLS handshake, the
# text of an HTTP body); those count as part of the layer that carries them.
# ``data`` is in scope only as the payload of a listed transport (UDP on a
# port nothing claims): after an ethertype or IP protocol tshark cannot
# decode, it stands for a protocol the issue does not list.
SCOPE = {
    "eth": "Ethernet", "ethertype": "Ethernet", "vlan": "802.1Q", "ieee8021ad": "QinQ",
    "llc": "LLC/SNAP", "stp": "STP", "lldp": "LLDP", "cdp": "CDP",
    "arp": "ARP/RARP", "ip": "IPv4", "ipv6": "IPv6", "ipv6.hopopts": "IPv6",
    "ipv6.routing": "IPv6", "ipv6.fraghdr": "IPv6", "ipv6.dstopts": "IPv6",
    "icmp": "ICMP", "icmpv6": "ICMPv6", "igmp": "IGMP", "tcp": "TCP", "udp": "UDP",
    "sctp": "SCTP", "dns": "DNS", "mdns": "mDNS", "llmnr": "LLMNR", "dhcp": "DHCP",
    "dhcpv6": "DHCPv6", "ntp": "NTP", "snmp": "SNMP", "syslog": "syslog",
    "http": "HTTP", "data-text-lines": "HTTP", "tls": "TLS", "x509sat": "TLS",
    "x509ce": "TLS", "x509af": "TLS", "pkix1implicit": "TLS", "pkix1explicit": "TLS",
    "pkcs-1": "TLS", "ns_cert_exts": "TLS", "gre": "GRE", "vxlan": "VXLAN",
    "geneve": "Geneve", "mpls": "MPLS", "pppoed": "PPPoE", "pppoes": "PPPoE",
    "ppp": "PPP", "lcp": "PPP", "ipcp": "PPP", "ipv6cp": "PPP", "vrrp": "VRRP",
    "esp": "ESP", "ah": "AH", "udpencap": "ESP", "sll": "LINUX_SLL", "raw": "RAW",
    "null": "NULL", "loop": "LOOP", "wlan": "IEEE802_11", "wlan_radio": "IEEE802_11",
    "radiotap": "IEEE802_11_RADIO", "data": "payload",
}
PAYLOAD_CARRIERS = {"udp", "tcp", "sctp"}
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
    # tshark's stack for each of tcpdump's packets ('' where tshark has none)
    stacks: list[str] = field(default_factory=list)
    scope_packets: int = 0
    scope_n: int = 0
    scope_v: int = 0
    diffs: list[tuple[int, str, str, str]] = field(default_factory=list)


def in_scope(stack: str) -> bool:
    """Whether every protocol of a tshark stack is one the issue lists."""
    names = stack.split(":")
    return bool(stack) and all(
        p in SCOPE and (p != "data" or (i > 0 and names[i - 1] in PAYLOAD_CARRIERS))
        for i, p in enumerate(names))


class Stacks:
    """tshark's protocol stack per packet, per file, kept in an optional cache
    (keyed by path, size and modification time) across runs."""

    def __init__(self, cache: Path | None) -> None:
        self.cache = cache
        self.known: dict[str, list[str]] = {}
        if cache and cache.exists():
            self.known = json.loads(cache.read_text())
        self.tshark = shutil.which("tshark")

    def __call__(self, path: Path) -> list[str]:
        st = path.stat()
        key = f"{path}|{st.st_size}|{st.st_mtime_ns}"
        if key not in self.known and self.tshark:
            res = subprocess.run([self.tshark, "-r", str(path), "-T", "fields",
                                  "-e", "frame.protocols"], capture_output=True,
                                 text=True, errors="replace", env=ENV)
            self.known[key] = res.stdout.splitlines()
        return self.known.get(key, [])

    def save(self) -> None:
        if self.cache:
            self.cache.write_text(json.dumps(self.known))


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


def compare(path: Path, zcap, stacks: Stacks) -> FileResult:
    r = FileResult(str(path))
    for flags in ("-n", "-nv"):
        t, z = run_tcpdump(path, flags), zcap(path, flags)
        if flags == "-n":
            known = stacks(path)[:len(t.firsts)]
            r.stacks = known + [""] * (len(t.firsts) - len(known))
            r.scope_packets = sum(map(in_scope, r.stacks))
        same = scope_same = 0
        for i, (a, b) in enumerate(zip(t.firsts, z.firsts, strict=False)):
            if a == b:
                same += 1
                scope_same += in_scope(r.stacks[i])
            else:
                r.diffs.append((i, flags, a, b))
        if flags == "-n":
            r.packets, r.same_n, r.scope_n = len(t.firsts), same, scope_same
            r.damaged = t.rc != 0
        else:
            r.same_v, r.scope_v = same, scope_same
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


def share(part: int, whole: int) -> str:
    return f"{part} ({100 * part / whole:.1f}%)" if whole else "-"


def total_row(label: str, results: list[FileResult]) -> str:
    """One row adding up ``results``."""
    packets = sum(r.packets for r in results)
    scope = sum(r.scope_packets for r in results)
    return (f"| **{label}** ({len(results)} files) | {scope} "
            f"| {share(sum(r.scope_n for r in results), scope)} "
            f"| {share(sum(r.scope_v for r in results), scope)} | {packets} "
            f"| {share(sum(r.same_n for r in results), packets)} "
            f"| {share(sum(r.same_v for r in results), packets)} "
            f"| {sum(r.count_ok for r in results)}/{len(results)} "
            f"| {sum(r.damaged_ok for r in results)}/{len(results)} "
            f"| {sum(r.tracebacks for r in results)} |")


def table(results: list[FileResult], sources: dict[str, list[FileResult]],
          every_file: bool) -> str:
    """Markdown: a row per file with a difference (every file with
    ``every_file``), a total per path given and one for all."""
    rows = ["| file | in scope | in scope same -n | in scope same -nv | packets "
            "| same -n | same -nv | line count | damaged | tracebacks |",
            "|---|---:|---:|---:|---:|---:|---:|:-:|:-:|---:|"]
    for r in results:
        if not every_file and r.same_n == r.packets == r.same_v and r.count_ok \
                and r.damaged_ok:
            continue
        rows.append(f"| {Path(r.name).name} | {r.scope_packets} | {r.scope_n} "
                    f"| {r.scope_v} | {r.packets} | {r.same_n} | {r.same_v} | "
                    f"{'ok' if r.count_ok else 'DIFF'} | {'ok' if r.damaged_ok else 'DIFF'} "
                    f"| {r.tracebacks} |")
    if len(sources) > 1:
        rows += [total_row(name, rs) for name, rs in sources.items()]
    rows.append(total_row("all", results))
    return "\n".join(rows)


def groups(results: list[FileResult], n: int) -> str:
    """The ``n`` most frequent in-scope differences, by tshark's top protocol
    and flag set, each with a count and its first example."""
    count: Counter[tuple[str, str]] = Counter()
    example: dict[tuple[str, str], str] = {}
    for r in results:
        for i, flags, t, z in r.diffs:
            if i < len(r.stacks) and in_scope(r.stacks[i]):
                key = (r.stacks[i].split(":")[-1], flags)
                count[key] += 1
                example.setdefault(key, f"{Path(r.name).name} #{i + 1}\n  T {t}\n  Z {z}")
    return "\n".join(f"{c} {proto} {flags}: {example[proto, flags]}"
                     for (proto, flags), c in count.most_common(n))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--fetch", type=Path, help="download Debian's source captures here")
    ap.add_argument("--in-process", action="store_true", help="zcap's Printer, not its CLI")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--detail", type=Path, help="write each differing first-line pair here")
    ap.add_argument("--every-file", action="store_true", help="a row for every file")
    ap.add_argument("--tshark-cache", type=Path, help="keep tshark's protocol stacks here")
    ap.add_argument("--groups", type=int, default=0,
                    help="list the N most frequent in-scope differences on stderr")
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
    stacks = Stacks(a.tshark_cache)
    if not stacks.tshark and not stacks.known:
        print("bench_print: no tshark, so no packet is counted in scope", file=sys.stderr)
    with ThreadPoolExecutor(a.jobs) as pool:
        results = list(pool.map(lambda f: compare(f, zcap, stacks), files))
    stacks.save()
    by_file = dict(zip(files, results, strict=True))
    sources = {name: [by_file[f] for f in fs] for name, fs in per_path.items() if fs}
    print(table(results, sources, a.every_file))
    if a.detail:
        with a.detail.open("w") as d:
            for r in results:
                for i, flags, t, z in r.diffs:
                    stack = r.stacks[i] if i < len(r.stacks) else ""
                    mark = "in" if in_scope(stack) else "out"
                    d.write(f"{Path(r.name).name} #{i + 1} {flags} {mark} {stack}\n"
                            f"  T {t}\n  Z {z}\n")
    if a.groups:
        print(groups(results, a.groups), file=sys.stderr)


if __name__ == "__main__":
    main()
