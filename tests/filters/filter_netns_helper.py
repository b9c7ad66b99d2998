"""Run inside a network namespace by the kernel tests: receive, send, compile.

receive IFACE TIMEOUT ENDHEX HEXPROG...: attach each program (SO_ATTACH_FILTER) to
its own AF_PACKET socket before binding it, print "ready", then print a line per
frame received, "N TCI HEX" (N: which program, TCI: the VLAN tag from the
auxiliary data or -1), until an unfiltered socket has seen the frame ENDHEX (sent
last) and the others' queues are empty; exit 1 if that takes over TIMEOUT seconds.
send IFACE HEXFRAME...: send each frame as is.
compile IFACE: read a JSON list of expressions on stdin, compile each with
libpcap on a live handle on IFACE, optimised and not, and print a JSON object
{expr: [optimised, unoptimised]}, each a list of instructions or libpcap's
error message.
"""

from __future__ import annotations

import ctypes
import json
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SO_ATTACH_FILTER = 26
SOL_PACKET = 263
PACKET_AUXDATA = 8


def _print_frame(sockets: list[socket.socket], s: socket.socket) -> None:
    data, anc, _flags, addr = s.recvmsg(65536, 1024)
    tci = -1
    for level, kind, payload in anc:
        if level == SOL_PACKET and kind == PACKET_AUXDATA:
            status, _len, _snap, _mac, _net, vlan_tci = struct.unpack_from("IIIHHH", payload)
            if status & 0x10:  # TP_STATUS_VLAN_VALID
                tci = vlan_tci
    if addr[2] != socket.PACKET_OUTGOING:
        print(f"{sockets.index(s)} {tci} {data.hex()}", flush=True)


def receive(iface: str, timeout: float, end_hex: str, progs_hex: list[str]) -> None:
    sockets = []
    for prog_hex in progs_hex:
        prog = bytes.fromhex(prog_hex)
        buf = ctypes.create_string_buffer(prog, len(prog))
        fprog = struct.pack("HL", len(prog) // 8, ctypes.addressof(buf))
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        s.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
        s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        s.bind((iface, ETH_P_ALL))
        s.setblocking(False)
        sockets.append(s)
    watch = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    watch.bind((iface, ETH_P_ALL))
    watch.setblocking(False)
    print("ready", flush=True)
    end_frame = bytes.fromhex(end_hex)
    deadline = time.monotonic() + timeout
    seen_end = False
    while not seen_end:
        if time.monotonic() > deadline:
            sys.exit(f"the end frame did not arrive in {timeout} s")
        ready, _, _ = select.select(sockets + [watch], [], [], 0.1)
        for s in ready:
            if s is watch:
                seen_end = seen_end or watch.recv(65536) == end_frame
            else:
                _print_frame(sockets, s)
    # The kernel hands each frame to every socket in turn before the next frame:
    # once the last one sent is here, all the others are queued on every socket.
    for s in sockets:
        try:
            while True:
                _print_frame(sockets, s)
        except BlockingIOError:
            pass


def send(iface: str, frames: list[str]) -> None:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.bind((iface, 0))
    for f in frames:
        s.send(bytes.fromhex(f))


def compile_live(iface: str) -> None:
    import libpcap_ref as ref  # beside this file, on sys.path when run as a script

    p = ref.open_live(iface)
    out = {}
    for expr in json.load(sys.stdin):
        progs: list[object] = []
        for optimize in (True, False):
            try:
                progs.append(ref.compile_live(p, expr, optimize))
            except ref.LibpcapError as e:
                progs.append(str(e))
        out[expr] = progs
    ref.lib().pcap_close(p)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    if sys.argv[1] == "receive":
        receive(sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5:])
    elif sys.argv[1] == "compile":
        compile_live(sys.argv[2])
    else:
        send(sys.argv[2], sys.argv[3:])
