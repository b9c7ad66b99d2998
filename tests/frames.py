"""Frames for capture tests, built with dpkt, each carrying its sequence number."""

import struct

import dpkt

from .netns import MAC_A, MAC_ELSEWHERE

ETH_HDR = 14


def mac(text: str) -> bytes:
    return bytes.fromhex(text.replace(":", ""))


def udp_frame(seq: int, size: int = 60, *, dst_mac: str = MAC_ELSEWHERE, src_mac: str = MAC_A,
              vlan: int | None = None, dport: int = 9) -> bytes:
    """An Ethernet/IPv4/UDP frame of exactly ``size`` bytes (VLAN tag included)."""
    overhead = ETH_HDR + 20 + 8 + (4 if vlan is not None else 0)
    payload = struct.pack("!I", seq) + bytes((seq + i) & 0xFF for i in range(size - overhead - 4))
    udp = dpkt.udp.UDP(sport=40000, dport=dport, data=payload)
    udp.ulen = len(udp)
    ip = dpkt.ip.IP(src=bytes([198, 18, 0, 1]), dst=bytes([198, 18, 0, 2]), p=dpkt.ip.IP_PROTO_UDP,
                    ttl=64, id=seq & 0xFFFF, data=udp)
    ip.len = len(ip)
    body = bytes(ip)
    if vlan is not None:
        head = mac(dst_mac) + mac(src_mac) + struct.pack("!HHH", 0x8100, vlan, 0x0800)
    else:
        head = mac(dst_mac) + mac(src_mac) + struct.pack("!H", 0x0800)
    frame = head + body
    assert len(frame) == size, (len(frame), size)
    return frame


def seq_of(frame: bytes) -> int:
    """The sequence number udp_frame put in a frame (tagged or not)."""
    off = ETH_HDR + (4 if frame[12:14] == b"\x81\x00" else 0) + 28
    return struct.unpack_from("!I", frame, off)[0]
