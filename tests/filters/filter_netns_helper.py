"""Run inside a network namespace by the kernel tests: receive, send, compile.

receive IFACE SECONDS HEXPROG...: attach each program (SO_ATTACH_FILTER) to its
own AF_PACKET socket before binding it, print "ready", then print a line per
frame received, "N TCI HEX" (N: which program, TCI: the VLAN tag from the
auxiliary data or -1), until SECONDS pass.
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


def receive(iface: str, seconds: float, progs_hex: list[str]) -> None:
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
    print("ready", flush=True)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select(sockets, [], [], 0.1)
        for s in ready:
            data, anc, _flags, addr = s.recvmsg(65536, 1024)
            tci = -1
            for level, kind, payload in anc:
                if level == SOL_PACKET and kind == PACKET_AUXDATA:
                    status, _len, _snap, _mac, _net, vlan_tci = struct.unpack_from("IIIHHH",
                                                                                   payload)
                    if status & 0x10:  # TP_STATUS_VLAN_VALID
                        tci = vlan_tci
            if addr[2] != socket.PACKET_OUTGOING:
                print(f"{sockets.index(s)} {tci} {data.hex()}", flush=True)


def send(iface: str, frames: list[str]) -> None:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.bind((iface, 0))
    for f in frames:
        s.send(bytes.fromhex(f))
        time.sleep(0.002)


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
        receive(sys.argv[2], float(sys.argv[3]), sys.argv[4:])
    elif sys.argv[1] == "compile":
        compile_live(sys.argv[2])
    else:
        send(sys.argv[2], sys.argv[3:])
