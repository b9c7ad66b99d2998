"""One validated configuration, built from the command line's flags.

Every check of a flag's value and of how flags combine lives here, so the
rest of zcap can trust what it is given: ``Config.from_flags`` either returns
a configuration that makes sense or raises ``UsageError`` (one line, exit
status 2). Errors that only running can find (no such interface, a file that
cannot be opened or written) come later and exit 1.

``FLAGS`` lists every flag with what a value must be; ``REFUSED`` lists the
combinations that are refused with what the refusal says. The tests are
driven from both, so a flag cannot be added without its checks.
"""

from __future__ import annotations

import math
import os

from bpf_filters.linktypes import DEFAULT_SNAPLEN

from .defaults import (
    DEFAULT_BUFFER_KIB,
    DEFAULT_DISK_BUFFER_MIB,
    MAX_BUFFER_KIB,
    MAX_DISK_BUFFER_MIB,
    MAX_FANOUT_WORKERS,
)
from .errors import UsageError, ZcapError

INT64_MAX = (1 << 63) - 1
# -G: the C writer compares packet timestamps against a 64-bit nanosecond
# deadline; ten years of seconds keeps it far from overflowing.
MAX_SECONDS = 10 * 365 * 24 * 3600
MAX_QUEUE = 65535


# Flag and Config are plain classes, not dataclasses: every command line builds
# them, and making 2 dataclasses (one of 47 fields) cost more at start-up than
# everything else this module does (issue 16, `zcap -d`/`-D`/`-r` under 100 ms).
class Flag:
    """What one flag's value must be. ``name`` is both the CLI parameter and
    the ``Config`` field; ``option`` is how a user types it; ``kind`` is int,
    float, str, bool or count; ``what`` is the words of the error message.

    ``bad`` lists bad values of a free-form flag, for the tests: each is an
    argument list in which {pcap} is a small capture file, {dir} a directory,
    {unreadable} a file nobody may read, and the flag's value must be refused
    in one line."""

    __slots__ = ("name", "option", "kind", "low", "high", "choices", "what", "bad")

    def __init__(self, name: str, option: str, kind: str = "str", low: float | None = None,
                 high: float | None = None, choices: tuple[str, ...] = (), what: str = "",
                 bad: tuple[tuple[str, ...], ...] = ()) -> None:
        self.name, self.option, self.kind = name, option, kind
        self.low, self.high, self.choices = low, high, choices
        self.what, self.bad = what, bad

    def check(self, value):
        """The value if it is valid; UsageError (one line) if not."""
        if value is None or self.kind in ("bool", "count"):
            return value
        if self.kind in ("int", "float"):
            if self.kind == "float" and not math.isfinite(value):
                raise UsageError(f"invalid {self.what} {value}: must be a finite number")
            if self.kind == "float" and value <= 0:     # every float flag is a time span
                raise UsageError(f"invalid {self.what} {value}: must be positive")
            if (self.low is not None and value < self.low) or (
                    self.high is not None and value > self.high):
                raise UsageError(f"invalid {self.what} {value}: {self._range()}")
        if self.choices and value not in self.choices:
            raise UsageError(f"invalid {self.what} {value!r}: {' or '.join(self.choices)}")
        return value

    def _range(self) -> str:
        if self.kind == "float":
            return f"must be positive and at most {int(self.high)} seconds"
        return f"must be {int(self.low or 0)} to {int(self.high)}"

    def bad_values(self) -> list[str]:
        """Values a user might type that must be refused (for the tests)."""
        if self.kind == "int":
            out = ["x", "1.5", str(-10 ** 30), str(10 ** 30)]
            if self.low is not None:
                out.append(str(int(self.low) - 1))
            if self.high is not None:
                out.append(str(int(self.high) + 1))
            return out
        if self.kind == "float":
            out = ["x", "nan", "inf", "-inf", "-1", "1e400"]
            out.append("0")
            if self.high is not None:
                out.append(repr(self.high * 2))
            return out
        if self.choices:
            return ["bogus", ""]
        return []

    def bad_arguments(self) -> list[list[str]]:
        """Whole argument lists that give this flag a bad value (for the tests)."""
        out = [list(b) for b in self.bad]
        out += [[self.option, v] if self.option.startswith("-") else [v]
                for v in self.bad_values()]
        return out


FLAGS: dict[str, Flag] = {f.name: f for f in [
    Flag("expression", "EXPRESSION", bad=(("-r", "{pcap}", "(" * 5000 + "ip" + ")" * 4999),
                                              ("-d", "ip", "and", "and"), ("-d", "port", "99999"))),
    Flag("interface", "-i", bad=(("-i", "nosuch0", "-c", "1"), ("-i", "x" * 300, "-c", "1"),
                             ("-i", "", "-c", "1"))),
    Flag("write", "-w", bad=(("-r", "{pcap}", "-w", "{dir}"), ("-r", "{pcap}", "-w", ""),
                          ("-r", "{pcap}", "-w", "/nonexistent/dir/x.pcapng"))),
    Flag("read_file", "-r", bad=(("-r", "{dir}"), ("-r", "/nonexistent.pcap"),
                                 ("-r", "{unreadable}"), ("-r", ""), ("-r", "/dev/null"))),
    Flag("count", "-c", "int", 1, INT64_MAX, what="packet count"),
    Flag("snaplen", "-s", "int", 0, DEFAULT_SNAPLEN, what="snapshot length (snaplen)"),
    Flag("buffer_kib", "-B", "int", 1, MAX_BUFFER_KIB, what="buffer size (KiB)"),
    Flag("no_promisc", "-p", "bool"),
    Flag("duration", "--duration", "float", 0, MAX_SECONDS, what="duration"),
    Flag("list_ifaces", "-D", "bool"),
    Flag("dump", "-d", "count"),
    Flag("linktype", "-y", bad=(("-d", "-y", "NOPE", "ip"), ("-d", "-y", "-1", "ip"),
                             ("-d", "-y", str(10 ** 30), "ip"))),
    Flag("filter_file", "-F", bad=(("-d", "-F", "{unreadable}"),
                                   ("-r", "{pcap}", "-F", "{dir}"), ("-d", "-F", "/nonexistent"))),
    Flag("print_", "--print", "bool"),
    Flag("xdp", "--xdp", "bool"),
    Flag("xdp_mode", "--xdp-mode", choices=("native", "skb"), what="XDP mode"),
    Flag("queue", "--queue", "int", 0, MAX_QUEUE, what="queue number"),
    Flag("all_queues", "--all-queues", "bool"),
    Flag("tui", "--tui", "bool"),
    Flag("numeric", "-n", "count"),
    Flag("link_header", "-e", "bool"),
    Flag("hex_", "-x", "count"),
    Flag("hex_ascii", "-X", "count"),
    Flag("verbose", "-v", "count"),
    Flag("quiet", "-q", "bool"),
    Flag("tstamp", "-t", "count"),
    Flag("number", "-#", "bool"),
    Flag("line_buffered", "-l", "bool"),
    Flag("precision", "--time-stamp-precision", choices=("micro", "nano"),
         what="time stamp precision"),
    Flag("file_size", "-C", what="file size",
         bad=tuple(("-r", "{pcap}", "-w", "{dir}/x", "-C", v)
                   for v in ("0", "-1", "x", "1q", "", str(10 ** 30)))),
    Flag("rotate_seconds", "-G", "float", 0, MAX_SECONDS, what="rotation interval"),
    Flag("file_count", "-W", "int", 1, INT64_MAX, what="number of output files"),
    Flag("postrotate", "-z",
         bad=(("-r", "{pcap}", "-w", "{dir}/x", "-C", "1", "-z", "/nonexistent-cmd"),)),
    Flag("fanout", "-j", "int", 1, MAX_FANOUT_WORKERS, what="number of fanout workers"),
    Flag("fanout_mode", "--fanout-mode", choices=("hash", "cpu", "lb", "qm"),
         what="fanout mode"),
    Flag("merge", "--merge", "bool"),
    Flag("direction", "-Q", choices=("in", "out", "inout"), what="direction"),
    Flag("user", "-Z", bad=(("-r", "{pcap}", "-Z", "no-such-user-x"),
                            ("-r", "{pcap}", "-Z", str(10 ** 30)), ("-r", "{pcap}", "-Z", ""))),
    Flag("stats_interval", "--stats-interval", "float", 0, MAX_SECONDS,
         what="stats interval"),
    Flag("list_linktypes", "-L", "bool"),
    Flag("unbuffered", "-U", "bool"),
    Flag("no_direct", "--no-direct", "bool"),
    Flag("disk_buffer_mib", "--disk-buffer", "int", 0, MAX_DISK_BUFFER_MIB,
         what="disk buffer size (MiB)"),
    Flag("version", "--version", "bool"),
    Flag("install_extcap", "--install-extcap", "bool"),
]}

# Combinations refused up front: (arguments besides the source, words of the refusal).
# The tests run each one through the CLI; ``check_combinations`` is what refuses them.
REFUSED: list[tuple[list[str], str]] = [
    (["-i", "lo", "-C", "1"], "need -w"),
    (["-i", "lo", "-G", "1"], "need -w"),
    (["-i", "lo", "-W", "2", "-w", "x.pcapng"], "-W needs -C or -G"),
    (["-i", "lo", "-z", "true"], "need -w"),
    (["-r", "x.pcap", "-i", "lo"], "-r and -i"),
    (["-r", "x.pcap", "-Q", "in"], "-Q applies to live"),
    (["-r", "x.pcap", "-G", "1", "-w", "x.pcapng"], "-G applies to live"),
    (["-r", "x.pcap", "--xdp"], "--xdp applies to live"),
    (["-r", "x.pcap", "-B", "1024"], "-B applies to live"),
    (["-r", "x.pcap", "-p"], "-p applies to live"),
    (["-r", "x.pcap", "--stats-interval", "1"], "--stats-interval applies to live"),
    (["-r", "x.pcap", "-j", "2", "-w", "x.pcapng"], "--fanout"),
    (["-i", "lo", "--queue", "1"], "go with --xdp"),
    (["-i", "lo", "--xdp-mode", "skb"], "go with --xdp"),
    (["-i", "lo", "--all-queues"], "go with --xdp"),
    (["-i", "lo", "--xdp", "--queue", "0", "--all-queues"], "not both"),
    (["-i", "any", "--xdp"], "real interface"),
    (["-i", "lo", "--xdp", "-Q", "out"], "-Q out"),
    (["-i", "lo", "--xdp", "-B", "1024"], "-B sizes the TPACKET ring"),
    (["-i", "lo", "--merge", "-w", "x.pcapng"], "go with --fanout"),
    (["-i", "lo", "--fanout-mode", "cpu", "-w", "x.pcapng"], "go with --fanout"),
    (["-i", "lo", "-j", "2"], "--fanout writes files"),
    (["-i", "lo", "-j", "2", "-w", "-"], "needs --merge"),
    (["-i", "any", "-j", "2", "-w", "x.pcapng"], "real interface"),
    (["-i", "lo", "-j", "2", "-w", "x.pcapng", "--xdp"], "--fanout goes with"),
    (["-i", "lo", "-j", "2", "-w", "x.pcapng", "--tui"], "--fanout goes with"),
    (["-i", "lo", "-j", "2", "-w", "x.pcapng", "--print"], "--fanout goes with"),
    (["-i", "lo", "-j", "2", "-w", "x.pcapng", "-C", "1"], "--fanout goes with"),
    (["-i", "lo", "-j", "2", "-w", "x.pcapng", "-Q", "in"], "--fanout goes with"),
    (["-i", "lo", "-w", "-", "-C", "1"], "not standard output"),
    (["-i", "lo", "--tui", "--print"], "--print and --tui"),
    (["-i", "lo", "--no-direct"], "--no-direct goes with -w"),
    (["-i", "lo", "--disk-buffer", "64"], "--disk-buffer goes with"),
    (["-i", "lo", "-w", "x.pcapng", "--no-direct", "--disk-buffer", "64"],
     "--disk-buffer goes with"),
]


class Config:
    """Every flag, checked, with the values derived from them (see ``from_flags``).

    The annotated class attributes below are the fields and their defaults;
    ``Config(**values)`` sets any of them by name."""

    expression: list[str] | None = None
    interface: str | None = None
    write: str | None = None
    read_file: str | None = None
    count: int | None = None
    snaplen: int = DEFAULT_SNAPLEN
    buffer_kib: int | None = None
    no_promisc: bool = False
    duration: float | None = None
    list_ifaces: bool = False
    dump: int = 0
    linktype: str | None = None
    filter_file: str | None = None
    print_: bool = False
    xdp: bool = False
    xdp_mode: str | None = None
    queue: int | None = None
    all_queues: bool = False
    tui: bool = False
    numeric: int = 0
    link_header: bool = False
    hex_: int = 0
    hex_ascii: int = 0
    verbose: int = 0
    quiet: bool = False
    tstamp: int = 0
    number: bool = False
    line_buffered: bool = False
    precision: str = "micro"
    file_size: str | None = None
    rotate_seconds: float | None = None
    file_count: int | None = None
    postrotate: str | None = None
    fanout: int | None = None
    fanout_mode: str = "hash"
    merge: bool = False
    direction: str = "inout"
    user: str | None = None
    stats_interval: float | None = None
    list_linktypes: bool = False
    unbuffered: bool = False
    no_direct: bool = False
    disk_buffer_mib: int | None = None
    version: bool = False
    install_extcap: bool = False         # its folder, if given, is the first word of EXPRESSION
    # -- derived -----------------------------------------------------------------
    filter_expr: str | None = None          # the expression, or -F's text
    file_size_bytes: int | None = None      # -C in bytes
    warnings: list[str]                     # set in __init__: one list per config

    def __init__(self, **values) -> None:
        unknown = set(values) - set(CONFIG_FIELDS)
        if unknown:
            raise TypeError(f"unknown Config fields {sorted(unknown)}")
        self.warnings = []
        for name, value in values.items():
            setattr(self, name, value)

    @classmethod
    def from_flags(cls, **flags) -> Config:
        """Check every flag and combination; UsageError (exit 2) on the first
        problem, ZcapError (exit 1) for an unreadable -F file."""
        unknown = set(flags) - set(FLAGS)
        if unknown:
            raise TypeError(f"unknown flags {sorted(unknown)}")
        for name, value in flags.items():
            FLAGS[name].check(value)
        given = {k: v for k, v in flags.items() if v is not None}
        config = cls(**given)
        config.check_combinations()
        config._derive()
        return config

    @property
    def rotating(self) -> bool:
        """-C, -G or -W: files in turn."""
        return (self.file_size is not None or self.rotate_seconds is not None
                or self.file_count is not None)

    @property
    def direct(self) -> bool:
        """-w of a live TPACKET_V3 capture: ring blocks rewritten in place into
        pcapng and written from the ring (``zcap.sinks.direct``), with O_DIRECT
        where the file system takes it. The ring is then set up with the
        headroom the rewrite wants, so this is known before the socket opens.
        -C/-G/-W rotate direct files; --no-direct, -r and --xdp use the buffered
        writer."""
        return self.write is not None and self.live and not self.xdp and not self.no_direct

    @property
    def printing(self) -> bool:
        """Packets are printed: without -w, or with --print (never with --tui)."""
        return (self.write is None or self.print_) and not self.tui

    @property
    def live(self) -> bool:
        """A live capture (not -r, -D, -L, -d)."""
        return self.read_file is None and not (self.list_ifaces or self.list_linktypes
                                               or self.dump)

    def check_combinations(self) -> None:
        """Refuse what doesn't go together (each case is in ``REFUSED``)."""
        if self.list_ifaces or self.dump or self.install_extcap:
            return                       # they answer and exit: nothing else matters
        if self.user is not None:
            from .privs import lookup_user
            lookup_user(self.user)
        if self.list_linktypes:
            return
        if (self.rotating or self.postrotate is not None) and self.write is None:
            raise UsageError("-C, -G, -W and -z need -w FILE")
        if self.file_count is not None and self.file_size is None \
                and self.rotate_seconds is None:
            raise UsageError("-W needs -C or -G")
        if self.rotating and self.write == "-":
            raise UsageError("-C, -G and -W need a file name with -w, not standard output")
        if self.file_size is not None:
            from .sinks.rotate import parse_file_size
            self.file_size_bytes = parse_file_size(self.file_size)
            if self.file_size_bytes > INT64_MAX:
                raise UsageError(f"invalid file size {self.file_size!r}: too large")
        if self.postrotate is not None:
            from .sinks.rotate import check_postrotate
            check_postrotate(self.postrotate)
            if os.geteuid() == 0 and self.user is None:
                raise UsageError("refusing to run a -z command as root: give -Z USER to "
                                 "run it as")
        if self.no_direct and self.write is None:
            raise UsageError("--no-direct goes with -w FILE: it says how the file is written")
        if self.disk_buffer_mib is not None and not self.direct:
            raise UsageError("--disk-buffer goes with -w FILE of a live capture written with "
                             "direct I/O (not --no-direct, --xdp or -r)")
        if self.tui and self.print_:
            raise UsageError("--print and --tui both want the terminal: choose one")
        if self.read_file is not None:
            self._check_offline()
        if self.fanout is not None:
            self._check_fanout()
        elif self.merge or self.fanout_mode != "hash":
            raise UsageError("--fanout-mode and --merge go with --fanout")
        if not self.xdp and (self.xdp_mode is not None or self.queue is not None
                             or self.all_queues):
            raise UsageError("--xdp-mode, --queue and --all-queues go with --xdp")
        if self.xdp:
            if self.queue is not None and self.all_queues:
                raise UsageError("--queue N or --all-queues, not both")
            if self.interface == "any":
                raise UsageError("--xdp needs a real interface, not 'any'")
            if self.direction == "out":
                raise UsageError("-Q out can't work with --xdp: XDP sees only received "
                                 "packets")
            if self.buffer_kib is not None:
                raise UsageError("-B sizes the TPACKET ring; --xdp sizes its own frames")

    def _check_offline(self) -> None:
        if self.interface is not None:
            raise UsageError("-r and -i don't go together: read a file or capture live")
        if self.direction != "inout":
            raise UsageError("-Q applies to live captures: a file's packets are already taken")
        if self.rotate_seconds is not None:
            raise UsageError("-G applies to live captures (a file's time has passed)")
        if self.xdp:
            raise UsageError("--xdp applies to live captures, not to -r")
        if self.buffer_kib is not None:
            raise UsageError("-B applies to live captures: reading a file needs no ring")
        if self.no_promisc:
            raise UsageError("-p applies to live captures: a file has no interface to set")
        if self.stats_interval is not None:
            raise UsageError("--stats-interval applies to live captures")
        if self.fanout is not None:
            raise UsageError("--fanout applies to live captures, not to -r")

    def _check_fanout(self) -> None:
        if self.xdp or self.rotating or self.postrotate or self.tui or self.print_ \
                or self.direction != "inout" or self.user is not None:
            raise UsageError("--fanout goes with -i, -w, a filter, -c, -s, -B, -p, "
                             "--duration and --stats-interval only")
        if self.write is None:
            raise UsageError("--fanout writes files: give -w FILE")
        if self.write == "-" and not self.merge:
            raise UsageError("--fanout to standard output needs --merge (one stream)")
        if self.interface == "any":
            raise UsageError("--fanout needs a real interface, not 'any'")

    def _derive(self) -> None:
        self.snaplen = self.snaplen or DEFAULT_SNAPLEN      # tcpdump's -s 0
        self.filter_expr = " ".join(self.expression or []) or None
        if self.filter_file is not None and not self.list_ifaces:
            try:
                with open(self.filter_file) as f:
                    text = " ".join(line.split("#", 1)[0] for line in f).strip()
            except OSError as exc:
                raise ZcapError(f"{self.filter_file}: {os.strerror(exc.errno or 0)}") from None
            except UnicodeDecodeError:
                raise ZcapError(f"{self.filter_file}: not a text file") from None
            if self.filter_expr:
                self.warnings.append("warning: -F given, the expression on the command line "
                                     "is ignored")
            self.filter_expr = text or None

    @property
    def ring_kib(self) -> int:
        """-B, or the default ring size."""
        return self.buffer_kib if self.buffer_kib is not None else DEFAULT_BUFFER_KIB

    @property
    def disk_buffer_bytes(self) -> int:
        """--disk-buffer, or its default, in bytes."""
        mib = self.disk_buffer_mib if self.disk_buffer_mib is not None else DEFAULT_DISK_BUFFER_MIB
        return mib << 20

    @property
    def queues(self) -> list[int] | None:
        """--queue N as a list; None for every queue."""
        return [self.queue] if self.queue is not None else None

    def replace(self, **changes) -> Config:
        """A copy with ``changes`` (e.g. a fanout worker's own -w file)."""
        values = {name: getattr(self, name) for name in CONFIG_FIELDS}
        values["warnings"] = list(self.warnings)
        values.update(changes)
        return Config(**values)


CONFIG_FIELDS: tuple[str, ...] = tuple(Config.__annotations__)
