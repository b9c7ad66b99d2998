"""Run inside a network namespace by test_filters_kernel: receive or send frames.

receive IFACE HEXPROG SECONDS: attach the program (SO_ATTACH_FILTER) to an
AF_PACKET socket before binding it, print "ready", then print one hex frame per
line (with its VLAN tag from the auxiliary data, if any) until SECONDS pass.
send IFACE HEXFRAME...: send each frame as is.
"""

from __future__ import annotations

import ctypes
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SO_ATTACH_FILTER = 26
SOL_PACKET = 263
PACKET_AUXDATA = 8


def receive(iface: str, prog_hex: str, seconds: float) -> None:
    prog = bytes.fromhex(prog_hex)
    buf = ctypes.create_string_buffer(prog, len(prog))
    fprog = struct.pack("HL", len(prog) // 8, ctypes.addressof(buf))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.bind((iface, ETH_P_ALL))
    s.settimeout(0.1)
    print("ready", flush=True)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            data, anc, _flags, addr = s.recvmsg(65536, 1024)
        except TimeoutError:
            continue
        tci = -1
        for level, kind, payload in anc:
            if level == SOL_PACKET and kind == PACKET_AUXDATA:
                status, _len, _snap, _mac, _net, vlan_tci = struct.unpack_from("IIIHHH", payload)
                if status & 0x10:  # TP_STATUS_VLAN_VALID
                    tci = vlan_tci
        if addr[2] != socket.PACKET_OUTGOING:
            print(f"{tci} {data.hex()}", flush=True)


def send(iface: str, frames: list[str]) -> None:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.bind((iface, 0))
    for f in frames:
        s.send(bytes.fromhex(f))
        time.sleep(0.002)


if __name__ == "__main__":
    if sys.argv[1] == "receive":
        receive(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    else:
        send(sys.argv[2], sys.argv[3:])
