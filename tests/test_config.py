"""The configuration's own lists drive these tests: every flag's bad values and
every refused combination end in one line on stderr and exit 1 or 2, never a
traceback; a new source and a new sink are one registration each; the
package has no import cycles."""

import ast
import inspect
import os
import pathlib
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from zcap import cli, registry
from zcap.config import FLAGS, REFUSED, Config

from . import pcapng_check as chk

ROOT = pathlib.Path(__file__).resolve().parent.parent


def tiny_pcap(path: pathlib.Path, n: int = 3) -> None:
    with open(path, "wb") as f:
        f.write(struct.pack("=IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(n):
            frame = bytes(12) + b"\x08\x00" + bytes(46)
            f.write(struct.pack("=IIII", 1_700_000_000 + i, 0, len(frame), len(frame)) + frame)


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cfg")
    tiny_pcap(tmp / "t.pcap")
    (tmp / "secret").write_text("ip\n")
    os.chmod(tmp / "secret", 0)
    return {"pcap": str(tmp / "t.pcap"), "dir": str(tmp), "unreadable": str(tmp / "secret")}


def run_cli(args: list[str]) -> subprocess.CompletedProcess:
    """The real CLI; with an unreadable file, as root without the capabilities
    that let root read anything."""
    cmd = [sys.executable, "-m", "zcap", *args]
    if any("secret" in a for a in args):
        drop = "-dac_override,-dac_read_search"
        cmd = ["setpriv", f"--bounding-set={drop}", f"--inh-caps={drop}", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=ROOT)


def refused_in_one_line(proc: subprocess.CompletedProcess, args) -> None:
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode in (1, 2), (args, proc.returncode, proc.stderr[-500:])
    assert "Traceback" not in proc.stderr, (args, proc.stderr[-2000:])
    if len(lines) == 3 and lines[1].strip() == "^":
        # A filter error: the expression, a caret under the fault, the reason.
        assert lines[2].startswith("filter error"), (args, lines[2])
        return
    assert len(lines) == 1, (args, proc.stderr[-500:])
    assert lines[0].startswith("zcap: "), (args, lines[0][:300])


def test_the_flag_list_is_the_cli():
    declared = set(inspect.signature(cli.zcap).parameters)
    assert declared == set(FLAGS)
    # Every flag has bad values to try, or a combination that is refused.
    in_combinations = {word for args, _ in REFUSED for word in args}
    for flag in FLAGS.values():
        assert flag.bad_arguments() or flag.option in in_combinations or \
            flag.name in ("list_ifaces", "version", "unbuffered", "numeric", "link_header",
                          "hex_", "hex_ascii", "verbose", "quiet", "tstamp", "number",
                          "line_buffered", "list_linktypes", "dump", "install_extcap"), \
            flag.name


def bad_cases(places) -> list[list[str]]:
    cases = []
    for flag in FLAGS.values():
        for args in flag.bad_arguments():
            args = [a.format(**places) for a in args]
            if not any(a in ("-r", "-d", "-D") for a in args):
                args = ["-r", places["pcap"], *args]      # refused before any capture
                if flag.name in ("interface", "xdp_mode", "queue", "direction", "buffer_kib",
                                 "fanout", "fanout_mode", "rotate_seconds"):
                    args = args[2:] + ["-d"]              # live flags: checked, then -d exits
            cases.append(args)
    return cases


def in_process(args: list[str]) -> subprocess.CompletedProcess:
    """cli.main in this process (fast): what a subprocess would show."""
    import io

    out = io.StringIO()
    saved, sys.stderr = sys.stderr, out
    try:
        cli.main(args)
        code = 0
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.stderr = saved
    return subprocess.CompletedProcess(args, code, "", out.getvalue())


def test_every_bad_value_is_one_line(places, capsys):
    cases = bad_cases(places)
    assert len(cases) > 90
    # Through a real process where it matters: an unreadable file needs
    # capabilities dropped, a deep filter the interpreter's own stack.
    apart = [a for a in cases if any("secret" in x or len(x) > 1000 for x in a)]
    failures = []
    with ThreadPoolExecutor(4) as pool:
        procs = list(pool.map(run_cli, apart))
    procs += [in_process(a) for a in cases if a not in apart]
    for proc in procs:
        try:
            refused_in_one_line(proc, proc.args)
        except AssertionError as exc:
            failures.append(str(exc)[:300])
    assert not failures, "\n".join(failures)
    assert len(procs) == len(cases)


@pytest.mark.parametrize("args,words", REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_refused_combinations(args, words, places):
    argv = [places["pcap"] if a == "x.pcap" else a for a in args]
    with pytest.raises(SystemExit) as exc, _stderr() as err:
        cli.main(argv)
    assert exc.value.code == 2, err.getvalue()
    line = err.getvalue().strip()
    assert "\n" not in line and words in line, line


class _stderr:
    def __enter__(self):
        import io
        self.saved, sys.stderr = sys.stderr, io.StringIO()
        return sys.stderr

    def __exit__(self, *exc):
        sys.stderr = self.saved


def test_values_checked_by_kind():
    assert Config.from_flags(count=5, snaplen=0).snaplen == 262144
    for name, value in (("count", 0), ("count", 1 << 63), ("buffer_kib", 99999999999),
                        ("duration", float("nan")), ("queue", -1), ("snaplen", 262145)):
        with pytest.raises(cli.ZcapError):
            Config.from_flags(**{name: value})


def test_huge_ring_is_one_line():
    proc = run_cli(["-i", "lo", "-B", "99999999999", "-c", "1"])
    refused_in_one_line(proc, "-B")
    assert "buffer size" in proc.stderr


# -- one place to register a source or a sink --------------------------------------
class DummyBatch:
    """Three Ethernet frames in a ``struct zc_pkt`` table (the file reader's layout)."""

    linktype = 1

    def __init__(self, seq: int) -> None:
        from zcap._core import ffi

        self.frames = [bytes(12) + b"\x08\x00" + bytes([seq, i]) + bytes(44) for i in range(3)]
        self._bufs = [ffi.from_buffer(f) for f in self.frames]
        self.pkts = ffi.new("struct zc_pkt[]", 3)
        for i, b in enumerate(self._bufs):
            self.pkts[i].data = ffi.cast("const uint8_t *", b)
            self.pkts[i].caplen = self.pkts[i].wirelen = 60
            self.pkts[i].ts_ns = 1_700_000_000_000_000_000 + seq * 3 + i
        self.count = 3

    def packets(self):
        return iter(())

    def write_pcapng(self, writer, ifid, limit, skip=0):
        from zcap._core import lib

        before = writer.packets
        rc = lib.zc_write_pkts(writer, self.pkts + skip, max(0, min(limit, self.count) - skip))
        return rc, type("W", (), {"written": writer.packets - before})

    def count_stats(self, counters, limit):
        from zcap._core import lib

        return lib.zc_stats_pkts(counters, self.pkts, min(limit, self.count), self.linktype)


class DummySource(registry.Source):
    linktype, snaplen = 1, 65535

    def __init__(self, config) -> None:
        self.sent = 0

    def next_batch(self, timeout_ms):
        self.sent += 1
        return DummyBatch(self.sent)

    def release(self, batch):
        pass

    def interfaces(self):
        from zcap.pcapng import InterfaceDescription
        return [InterfaceDescription(linktype=1, snaplen=65535, name="dummy0")]

    def stats(self):
        return self.sent * 3, 0

    def close(self):
        pass


class CountingSink(registry.Sink):
    def __init__(self, pipeline) -> None:
        self.seen = 0
        self.closed = False
        COUNTED.append(self)

    def consume(self, batch, limit):
        self.seen += limit
        return limit

    def close(self, stats=None):
        self.closed = True


COUNTED: list = []


def test_a_new_source_and_sink_are_one_registration_each(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "SOURCES", [
        registry.SourceEntry("dummy", lambda c: c.interface == "dummy0", DummySource),
        *registry.SOURCES])
    monkeypatch.setattr(registry, "SINKS", [
        *registry.SINKS, registry.SinkEntry("counting", lambda c: True, CountingSink)])
    out = tmp_path / "d.pcapng"
    with pytest.raises(SystemExit) as exc, _stderr() as err:
        cli.main(["-i", "dummy0", "-c", "7", "-w", str(out)])
    assert exc.value.code == 0, err.getvalue()
    assert "7 packets captured" in err.getvalue()
    assert COUNTED[-1].seen == 7 and COUNTED[-1].closed
    assert chk.tshark_count(str(out)) == 7


# -- no import cycles ----------------------------------------------------------------
def _module_imports(path: pathlib.Path, module: str, package: bool,
                    known: set[str]) -> set[str]:
    """Modules imported anywhere in the file (not under ``if TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text())
    out: set[str] = set()
    base = module.split(".") if package else module.split(".")[:-1]

    def visit(node) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                out.update(a.name for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                parts = base[:len(base) - child.level + 1] if child.level else []
                target = ".".join(parts + ([child.module] if child.module else []))
                subs = {f"{target}.{a.name}" for a in child.names}
                out.update(subs & known)
                if subs - known:             # a name from the module (or package) itself
                    out.add(target)
            visit(child)
    visit(tree)
    return out


# Cycles that exist today, each to be untangled by the owner of its modules; the
# test fails on any other cycle, and when one of these goes (so it is struck off).
KNOWN_CYCLES: set[frozenset[str]] = set()


def test_no_import_cycles():
    modules = {}
    for top in ("zcap", "bpf_filters"):
        for path in (ROOT / top).rglob("*.py"):
            rel = path.relative_to(ROOT).with_suffix("")
            package = rel.name == "__init__"
            name = ".".join(rel.parts[:-1] if package else rel.parts)
            modules[name] = (path, package)
    graph = {name: {m for m in _module_imports(path, name, package, set(modules))
                    if m in modules and m != name}
             for name, (path, package) in modules.items()}
    assert "zcap.pipeline" in graph["zcap.capture"]       # the graph sees real edges
    assert {frozenset(c) for c in _strongly_connected(graph)} == KNOWN_CYCLES


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: every set of modules that import each other, in a ring."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            ring = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                ring.append(w)
                if w == v:
                    break
            if len(ring) > 1:
                found.append(ring)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_help_states_the_real_defaults():
    from zcap.defaults import DEFAULT_BUFFER_KIB, DEFAULT_SNAPLEN

    # --help can't import them (start-up time): its numbers are checked here.
    params = inspect.signature(cli.zcap).parameters
    snap_help = params["snaplen"].annotation.__metadata__[0].help
    ring_help = params["buffer_kib"].annotation.__metadata__[0].help
    assert str(DEFAULT_SNAPLEN) in snap_help and str(DEFAULT_BUFFER_KIB) in ring_help


def test_every_batch_offers_the_whole_interface():
    # XdpBatch.write_pcapng once lacked `skip`, so --xdp -C crashed mid-capture.
    from zcap.protocols import Batch
    from zcap.readers.reader import Batch as FileBatch
    from zcap.sources.tpacket import TpacketBatch
    from zcap.sources.xdp import XdpBatch

    wanted = [n for n in dir(Batch) if not n.startswith("_")]
    assert {"count", "linktype", "packets", "write_pcapng", "count_stats"} <= set(wanted)
    for cls in (TpacketBatch, XdpBatch, FileBatch):
        have = set(dir(cls)) | set(getattr(cls, "__slots__", ()))
        assert set(wanted) <= have, (cls, set(wanted) - have)
        assert list(inspect.signature(cls.write_pcapng).parameters)[1:] == \
            ["writer", "ifid", "limit", "skip"], cls
