"""Test hosts: two network namespaces joined by a veth pair.

Both ends live in namespaces the test made, so no test frame can reach the
host's routing; addresses come from 198.18.0.0/15 only. Frames are sent from
a packet socket opened inside namespace A (a socket keeps the namespace it was
created in), and zcap runs inside namespace B with `ip netns exec`.
"""

import ctypes
import itertools
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from pyroute2 import IPRoute, NetNS, netns

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
_counter = itertools.count()

MAC_A = "02:5a:00:00:00:01"
MAC_B = "02:5a:00:00:00:02"
# Frames addressed here are "for another host": B's stack drops them, so
# nothing answers and the capture holds exactly what the test sent.
MAC_ELSEWHERE = "02:5a:00:00:00:99"

# zcap's answer to SIGUSR1 (a whole line: the regex needs the line's end).
SIGUSR1_LINE = re.compile(r"^zcap: SIGUSR1: (\d+) packets captured, (\d+) received by filter, "
                          r"(\d+) dropped by kernel\n", re.M)


def in_netns(name: str, fn, *args):
    """Run ``fn(*args)`` in a thread that has entered namespace ``name``."""
    result: dict = {}

    def target() -> None:
        fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
        try:
            if _libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns")
            result["value"] = fn(*args)
        except BaseException as exc:  # handed to the caller
            result["error"] = exc
        finally:
            os.close(fd)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def _sysctl(ns: str, **values: int) -> None:
    args = [f"{k.replace('__', '.')}={v}" for k, v in values.items()]
    subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-qw", *args], check=True, timeout=30)


@dataclass
class VethPair:
    """Namespaces ``ns_a``/``ns_b`` with interfaces ``if_a``/``if_b``."""

    ns_a: str
    ns_b: str
    if_a: str
    if_b: str
    addr_a: str = "198.18.0.1"
    addr_b: str = "198.18.0.2"
    procs: list = field(default_factory=list)

    def sender(self, ns: str | None = None, ifname: str | None = None) -> socket.socket:
        """A packet socket in namespace A (by default) bound to its veth end."""
        ns, ifname = ns or self.ns_a, ifname or self.if_a

        def make() -> socket.socket:
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
            s.bind((ifname, 0))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
            return s

        return in_netns(ns, make)

    def send(self, frames, ns: str | None = None, ifname: str | None = None) -> None:
        """Send each frame once from A (or the given end)."""
        with self.sender(ns, ifname) as s:
            for f in frames:
                while True:
                    try:
                        s.send(f)
                        break
                    except BlockingIOError:      # pragma: no cover - sndbuf full
                        time.sleep(0.001)

    def ifindex(self, ns: str, ifname: str) -> int:
        with NetNS(ns) as ipr:
            return ipr.link_lookup(ifname=ifname)[0]

    def set_mtu(self, mtu: int) -> None:
        for ns, ifname in ((self.ns_a, self.if_a), (self.ns_b, self.if_b)):
            with NetNS(ns) as ipr:
                ipr.link("set", index=ipr.link_lookup(ifname=ifname)[0], mtu=mtu)

    def zcap(self, *args: str, ns: str | None = None, stdout=subprocess.DEVNULL,
             user: str | None = None) -> "Zcap":
        """Start zcap inside namespace B (by default); returns once it listens."""
        cmd = ["ip", "netns", "exec", ns or self.ns_b]
        if user:
            cmd += ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"]
        cmd += [sys.executable, "-m", "zcap", *args]
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, close_fds=True)
        self.procs.append(proc)
        z = Zcap(proc)
        z.wait_listening()
        return z


class Zcap:
    """A running zcap process and what it printed on stderr."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc
        self.stderr = ""
        self.stdout = b""

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.proc.stderr], [], [], timeout)
        if not ready:
            return False
        chunk = os.read(self.proc.stderr.fileno(), 65536)
        if not chunk:
            return False
        self.stderr += chunk.decode(errors="replace")
        return True

    def wait_listening(self, timeout: float = 20) -> None:
        end = time.monotonic() + timeout
        while "listening on" not in self.stderr:
            if self.proc.poll() is not None:
                while self._read(0):
                    pass
                return                                  # exited early: the caller looks
            if time.monotonic() > end:
                raise TimeoutError(f"zcap did not start: {self.stderr!r}")
            self._read(0.1)

    def wait_stderr(self, cond, what: str, timeout: float = 15) -> str:
        """Read stderr until ``cond(stderr)`` is true (or fail after ``timeout`` s)."""
        end = time.monotonic() + timeout
        while not cond(self.stderr):
            if time.monotonic() > end:
                raise AssertionError(f"timed out waiting for {what}: {self.stderr!r}")
            if not self._read(0.1) and self.proc.poll() is not None:
                raise AssertionError(f"zcap exited before {what}: {self.stderr!r}")
        return self.stderr

    def counters(self, timeout: float = 15) -> tuple[int, int, int]:
        """Ask with SIGUSR1: (captured, received by filter, dropped by kernel) so far."""
        before = len(SIGUSR1_LINE.findall(self.stderr))
        self.proc.send_signal(signal.SIGUSR1)
        self.wait_stderr(lambda err: len(SIGUSR1_LINE.findall(err)) > before,
                         "the answer to SIGUSR1", timeout)
        return tuple(int(n) for n in SIGUSR1_LINE.findall(self.stderr)[-1])

    def settle(self, received: int, timeout: float = 15) -> tuple[int, int, int]:
        """Wait until the filter has let ``received`` packets in and each one is
        written (or printed) or counted as dropped: nothing is left in the ring.
        Returns the counters then; fails if more than ``received`` got in."""
        end = time.monotonic() + timeout
        while True:
            got = self.counters(timeout)
            captured, rcvd, dropped = got
            assert rcvd <= received, f"{rcvd} packets passed the filter, expected {received}"
            if rcvd == received and captured + dropped == rcvd:
                return got
            if time.monotonic() > end:
                raise AssertionError(f"not settled at {received} packets: {got}")
            time.sleep(0.02)

    def stop(self, sig: int = signal.SIGINT, timeout: float = 20) -> int:
        """Signal it, wait for the exit, collect stderr; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.wait(timeout)

    def wait(self, timeout: float = 30) -> int:
        try:
            out, rest = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
            raise
        self.stdout += out or b""
        self.stderr += (rest or b"").decode(errors="replace")
        return self.proc.returncode

    def summary(self) -> dict[str, int]:
        """The three tcpdump-style counters from the exit summary, and after an
        error the packets it kept out of the file ("unwritten")."""
        out = {}
        for line in self.stderr.splitlines():
            if line.endswith("packets not written after the error"):
                out["unwritten"] = int(line.split()[0])
            for key in ("captured", "received by filter", "dropped by kernel"):
                if line.endswith(f"packets {key}"):
                    out[key.split()[0]] = int(line.split()[0])
        return out


_NS_NAME = re.compile(r"zcap-[ab]-(\d+)x\d+$")


def _remove_orphans() -> None:
    """Remove the namespaces of earlier runs whose process is gone: one killed
    with SIGKILL (or by a timeout before the handler below existed) could not
    run its own clean-up. A namespace is named after its creator's pid."""
    for ns in netns.listnetns():
        m = _NS_NAME.match(ns)
        if m and int(m.group(1)) != os.getpid() and not os.path.exists(f"/proc/{m.group(1)}"):
            # `ip`, not pyroute2's netns.remove: after that, a NetNS opened in
            # this process for the next new namespace could not see its links
            subprocess.run(["ip", "netns", "delete", ns], check=False, timeout=30)


def _clean_up_on_sigterm() -> None:
    """SIGTERM (timeout(1), kill) ends the process through SystemExit, so the
    ``finally`` blocks that remove the namespaces run; by default it would
    kill the process on the spot and leave them behind."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return
    owner = os.getpid()

    def on_sigterm(signum: int, frame) -> None:
        if os.getpid() != owner:
            # A forked helper (pyroute2 forks to enter namespaces) that
            # inherited this handler: die as it would have, running nothing
            # of its parent's clean-up.
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, on_sigterm)


def create_pair() -> VethPair:
    """Make two fresh namespaces and a veth between them (both ends inside)."""
    n = next(_counter)
    if n == 0:
        _remove_orphans()
        _clean_up_on_sigterm()
    tag = f"{os.getpid()}x{n}"          # the whole pid: _remove_orphans reads it back
    pair = VethPair(ns_a=f"zcap-a-{tag}", ns_b=f"zcap-b-{tag}", if_a=f"za{tag}",
                    if_b=f"zb{tag}")
    try:
        for ns in (pair.ns_a, pair.ns_b):
            netns.create(ns)
            # IPv6 would send router and listener chatter into every capture.
            _sysctl(ns, net__ipv6__conf__all__disable_ipv6=1,
                    net__ipv6__conf__default__disable_ipv6=1)
        with IPRoute() as ipr:
            ipr.link("add", ifname=pair.if_a, kind="veth", address=MAC_A,
                     peer={"ifname": pair.if_b, "address": MAC_B})
            ipr.link("set", index=ipr.link_lookup(ifname=pair.if_a)[0], net_ns_fd=pair.ns_a)
            ipr.link("set", index=ipr.link_lookup(ifname=pair.if_b)[0], net_ns_fd=pair.ns_b)
        for ns, ifname, addr in ((pair.ns_a, pair.if_a, pair.addr_a),
                                 (pair.ns_b, pair.if_b, pair.addr_b)):
            with NetNS(ns) as ipr:
                idx = ipr.link_lookup(ifname=ifname)[0]
                ipr.addr("add", index=idx, address=addr, prefixlen=24)
                ipr.link("set", index=idx, state="up")
                lo = ipr.link_lookup(ifname="lo")[0]
                ipr.link("set", index=lo, state="up")
    except BaseException:
        destroy_pair(pair)
        raise
    return pair


def destroy_pair(pair: VethPair) -> None:
    """Kill what the test started in the namespaces and remove them."""
    for proc in pair.procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for ns in (pair.ns_a, pair.ns_b):
        if ns in netns.listnetns():
            netns.remove(ns)
