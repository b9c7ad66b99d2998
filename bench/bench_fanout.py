#!/usr/bin/env python3
"""Fanout benchmark: the highest loss-free rate with 1 and 2 capture workers.

A namespace sends small UDP frames of many flows (source port and source
address vary per frame, 198.18.0.0/15 only) over a veth pair with a paced
sendmmsg() sender of our own (compiled from the C text below, since
bench/pace.c sends a single flow, which hash fanout would give to one worker).
`python -m zcap -j N` captures in the other namespace, writing to
tmpfs. For each N the rate is searched by bisection: a trial is loss-free
when every frame sent is in the files. Also reported: the capturers' CPU
(parent and workers, user+sys, less an idle start/stop) per million
packets at that rate. 1514-byte frames by default: with 64-byte frames the
sender (~375 kpps here) runs out before one worker does.

The machine has few cores (2 here); on a veth the kernel's copy into the
rings runs in softirq on the sending CPU, so sender, softirq and workers
share them. Run as root, one foreground command:  python bench/bench_fanout.py
"""

import argparse
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tests.netns import create_pair, destroy_pair  # noqa: E402

SHM = Path("/dev/shm")

SENDER_C = r"""
/* Paced sendmmsg() of UDP frames, a different flow per frame.
 * Usage: flows IFNAME FRAME_BYTES COUNT RATE_PPS FLOWS; prints "sent seconds". */
#define _GNU_SOURCE
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BURST 64

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static void ip_csum(uint8_t *ip)
{
    uint32_t sum = 0;
    ip[10] = ip[11] = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    ip[10] = (uint8_t)(~sum >> 8);
    ip[11] = (uint8_t)~sum;
}

int main(int argc, char **argv)
{
    if (argc != 6)
        return 2;
    int size = atoi(argv[2]);
    uint64_t count = strtoull(argv[3], NULL, 10), rate = strtoull(argv[4], NULL, 10);
    unsigned flows = (unsigned)atoi(argv[5]);
    if (size < 60 || size > 1514 || flows < 1 || flows > 65536)
        return 2;
    static uint8_t frames[BURST][1514];
    struct mmsghdr msgs[BURST];
    struct iovec iov[BURST];
    memset(msgs, 0, sizeof(msgs));
    for (int b = 0; b < BURST; b++) {
        uint8_t *f = frames[b], *ip = f + 14, *udp = f + 34;
        const uint8_t hdr[14] = {2, 0x5a, 0, 0, 0, 0x99, 2, 0x5a, 0, 0, 0, 1, 8, 0};
        memcpy(f, hdr, 14);
        uint16_t iplen = (uint16_t)(size - 14), udplen = (uint16_t)(iplen - 20);
        ip[0] = 0x45; ip[2] = iplen >> 8; ip[3] = iplen & 0xff; ip[8] = 64; ip[9] = 17;
        ip[12] = 198; ip[13] = 18; ip[16] = 198; ip[17] = 19; ip[18] = 0; ip[19] = 2;
        udp[2] = 0; udp[3] = 9; udp[4] = udplen >> 8; udp[5] = udplen & 0xff;
        iov[b] = (struct iovec){f, (size_t)size};
        msgs[b].msg_hdr.msg_iov = &iov[b];
        msgs[b].msg_hdr.msg_iovlen = 1;
    }
    int fd = socket(AF_PACKET, SOCK_RAW, 0);
    struct sockaddr_ll sll = {.sll_family = AF_PACKET,
                              .sll_ifindex = (int)if_nametoindex(argv[1])};
    if (fd < 0 || !sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
        perror("socket/bind");
        return 1;
    }
    int one = 1, sndbuf = 8 << 20;
    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));
    uint64_t sent = 0, start = now_ns();
    while (sent < count) {
        unsigned n = count - sent < BURST ? (unsigned)(count - sent) : BURST;
        for (unsigned b = 0; b < n; b++) {
            unsigned flow = (unsigned)((sent + b) % flows);
            uint8_t *ip = frames[b] + 14, *udp = frames[b] + 34;
            ip[14] = (uint8_t)(flow >> 8); ip[15] = (uint8_t)(flow & 0xff);
            udp[0] = (uint8_t)((10000 + flow) >> 8); udp[1] = (uint8_t)(10000 + flow);
            ip_csum(ip);
        }
        int r = sendmmsg(fd, msgs, n, 0);
        if (r < 0) { perror("sendmmsg"); return 1; }
        sent += (uint64_t)r;
        if (rate) {
            uint64_t due = start + sent * 1000000000u / rate, t;
            while ((t = now_ns()) < due)
                if (due - t > 200000) {
                    struct timespec d = {0, (long)(due - t - 100000)};
                    nanosleep(&d, NULL);
                }
        }
    }
    printf("%llu %.6f\n", (unsigned long long)sent, (double)(now_ns() - start) / 1e9);
    return 0;
}
"""


def children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


class Bench:
    def __init__(self, sender: str, outdir: str, frame: int, flows: int, ring_kib: int) -> None:
        self.pair = create_pair()
        self.sender = sender
        self.outdir = outdir
        self.frame = frame
        self.flows = flows
        self.ring_kib = ring_kib

    def close(self) -> None:
        destroy_pair(self.pair)

    def trial(self, workers: int, count: int, rate: int) -> dict:
        """One capture of ``count`` frames sent at ``rate`` pps (0: flat out)."""
        out = os.path.join(self.outdir, "out.pcapng")
        cmd = ["ip", "netns", "exec", self.pair.ns_b, sys.executable, "-m", "zcap",
               "-i", self.pair.if_b, "-w", out, "-j", str(workers), "-B", str(self.ring_kib)]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                cwd=str(HERE.parent))
        err = b""
        while b"listening on" not in err:                # workers ready
            chunk = os.read(proc.stderr.fileno(), 4096)
            if not chunk:
                raise RuntimeError(f"zcap --fanout did not start: {err.decode()}")
            err += chunk
        res = subprocess.run(["ip", "netns", "exec", self.pair.ns_a, self.sender,
                              self.pair.if_a, str(self.frame), str(count), str(rate),
                              str(self.flows)], capture_output=True, text=True, check=True)
        sent, secs = res.stdout.split()
        time.sleep(0.3)                                  # the retire timer hands over the rest
        before = children_cpu()
        proc.send_signal(signal.SIGINT)
        _, rest = proc.communicate(timeout=60)
        cpu = children_cpu() - before
        text = (err + rest).decode(errors="replace")
        for name in os.listdir(self.outdir):
            os.unlink(os.path.join(self.outdir, name))
        captured = int(re.search(r"^(\d+) packets captured", text, re.M).group(1))
        dropped = int(re.search(r"^(\d+) packets dropped by kernel", text, re.M).group(1))
        per_worker = [int(m) for m in re.findall(r"^worker \d+: (\d+) packets captured",
                                                  text, re.M)]
        return {"workers": workers, "rate": rate, "sent": int(sent), "secs": float(secs),
                "captured": captured, "dropped": dropped, "per_worker": per_worker,
                "cpu": cpu}

    def loss_free(self, workers: int, lo: int, hi: int, seconds: float,
                  steps: int) -> tuple[int, dict | None]:
        """Bisection for the highest rate (pps) at which nothing is lost."""
        best, best_row = 0, None
        for _ in range(steps):
            rate = (lo + hi) // 2
            r = self.trial(workers, int(rate * seconds), rate)
            ok = r["captured"] == r["sent"] and r["dropped"] == 0
            print(f"# {workers} worker(s) at {rate} pps: sent {r['sent']} in {r['secs']:.2f} s, "
                  f"captured {r['captured']} {r['per_worker']}, dropped {r['dropped']}, "
                  f"cpu {r['cpu']:.2f} s -> {'ok' if ok else 'LOSS'}", file=sys.stderr,
                  flush=True)
            if ok:
                best, best_row, lo = rate, r, rate
            else:
                hi = rate
        return best, best_row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frame", type=int, default=1514, help="frame bytes (60-1514)")
    ap.add_argument("--flows", type=int, default=256)
    ap.add_argument("--seconds", type=float, default=2.0, help="length of a paced trial")
    ap.add_argument("--low", type=int, default=50_000, help="search floor, pps")
    ap.add_argument("--high", type=int, default=0, help="search ceiling, pps "
                    "(default: what the sender reaches flat out)")
    ap.add_argument("--steps", type=int, default=5, help="bisection steps per worker count")
    ap.add_argument("--flat", type=int, default=500_000, help="frames of the flat-out trials")
    ap.add_argument("--ring", type=int, default=32 * 1024, help="ring KiB per worker")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_fanout: needs root (namespaces, packet sockets)")
    tmp = tempfile.mkdtemp(prefix="zcap-bench-fanout-")
    outdir = tempfile.mkdtemp(prefix="zcap-bench-fanout-", dir=SHM)
    src = Path(tmp) / "flows.c"
    src.write_text(SENDER_C)
    sender = str(Path(tmp) / "flows")
    subprocess.run(["gcc", "-O2", "-o", sender, str(src)], check=True)
    bench = Bench(sender, outdir, args.frame, args.flows, args.ring)
    t0 = time.monotonic()
    results = {}
    try:
        flat = bench.trial(1, args.flat, 0)
        ceiling = args.high or int(flat["sent"] / flat["secs"])
        print(f"# flat out: {ceiling} pps from the sender; 1 worker kept "
              f"{flat['captured']}/{flat['sent']}", file=sys.stderr, flush=True)
        flat2 = bench.trial(2, args.flat, 0)
        # Starting and stopping the interpreters costs CPU of its own: subtract it.
        idle = {w: bench.trial(w, 0, 0)["cpu"] for w in (1, 2)}
        for workers in (1, 2):
            results[workers] = bench.loss_free(workers, args.low, ceiling, args.seconds,
                                               args.steps)
    finally:
        bench.close()
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(outdir, ignore_errors=True)

    print(f"Fanout benchmark, {time.strftime('%Y-%m-%d')}, {os.uname().release}, "
          f"{os.cpu_count()} CPUs, veth, {args.frame}-byte frames of {args.flows} flows, "
          f"hash fanout, {args.ring // 1024} MiB ring per worker, output on tmpfs "
          f"({time.monotonic() - t0:.0f} s)\n")
    print("| workers | highest loss-free rate | CPU s / M pkts there | flat out: kept "
          "(per worker) |")
    print("| --- | --- | --- | --- |")
    for workers, flat_row in ((1, flat), (2, flat2)):
        rate, row = results[workers]
        cpu = f"{max(row['cpu'] - idle[workers], 0) / max(row['captured'], 1) * 1e6:.2f}" \
            if row else "-"
        shown = f"{rate // 1000} kpps" if rate else f"below {args.low // 1000} kpps"
        if row is not None and rate >= ceiling - ceiling // 2 ** args.steps:
            shown = f">= {rate // 1000} kpps (the sender's limit)"
        kept = 100 * flat_row["captured"] / max(flat_row["sent"], 1)
        print(f"| {workers} | {shown} | {cpu} | {kept:.1f}% of {flat_row['sent']} at "
              f"{flat_row['sent'] / flat_row['secs'] / 1e3:.0f} kpps "
              f"{flat_row['per_worker']} |")
    print(f"\nSearch: {args.steps} bisection steps between {args.low // 1000} kpps and the "
          f"sender's flat-out rate, {args.seconds:g} s per trial.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
