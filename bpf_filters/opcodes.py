"""Classic BPF instruction encoding, described once as data.

Values are those of <linux/filter.h> / <linux/bpf_common.h>; the ancillary
offsets (SKF_AD_*) are those of <linux/filter.h>.
"""

from __future__ import annotations

from typing import NamedTuple

# instruction classes
BPF_LD = 0x00
BPF_LDX = 0x01
BPF_ST = 0x02
BPF_STX = 0x03
BPF_ALU = 0x04
BPF_JMP = 0x05
BPF_RET = 0x06
BPF_MISC = 0x07

# ld/ldx sizes
BPF_W = 0x00
BPF_H = 0x08
BPF_B = 0x10

# ld/ldx modes
BPF_IMM = 0x00
BPF_ABS = 0x20
BPF_IND = 0x40
BPF_MEM = 0x60
BPF_LEN = 0x80
BPF_MSH = 0xA0

# alu/jmp operations
BPF_ADD = 0x00
BPF_SUB = 0x10
BPF_MUL = 0x20
BPF_DIV = 0x30
BPF_OR = 0x40
BPF_AND = 0x50
BPF_LSH = 0x60
BPF_RSH = 0x70
BPF_NEG = 0x80
BPF_MOD = 0x90
BPF_XOR = 0xA0

BPF_JA = 0x00
BPF_JEQ = 0x10
BPF_JGT = 0x20
BPF_JGE = 0x30
BPF_JSET = 0x40

# operand source
BPF_K = 0x00
BPF_X = 0x08
BPF_A = 0x10  # for ret

# misc
BPF_TAX = 0x00
BPF_TXA = 0x80

BPF_MEMWORDS = 16
BPF_MAXINSNS = 4096  # <linux/bpf_common.h>: the longest socket filter
# The longest program the user-space interpreters (interp, zcap/csrc/bpf_interp.c)
# run: what a file read, or a live capture whose program the kernel refused, may use.
USER_MAXINSNS = 1 << 16

# <linux/filter.h> ancillary data offsets
SKF_AD_OFF = -0x1000
SKF_AD_PROTOCOL = 0
SKF_AD_PKTTYPE = 4
SKF_AD_IFINDEX = 8
SKF_AD_NLATTR = 12
SKF_AD_NLATTR_NEST = 16
SKF_AD_MARK = 20
SKF_AD_QUEUE = 24
SKF_AD_HATYPE = 28
SKF_AD_RXHASH = 32
SKF_AD_CPU = 36
SKF_AD_ALU_XOR_X = 40
SKF_AD_VLAN_TAG = 44
SKF_AD_VLAN_TAG_PRESENT = 48
SKF_AD_PAY_OFFSET = 52
SKF_AD_RANDOM = 56
SKF_AD_VLAN_TPID = 60

# <linux/if_packet.h> packet types, as SKF_AD_PKTTYPE reports them
PACKET_HOST = 0
PACKET_BROADCAST = 1
PACKET_MULTICAST = 2
PACKET_OTHERHOST = 3
PACKET_OUTGOING = 4

ANC_NAMES = {
    SKF_AD_PROTOCOL: "proto",
    SKF_AD_PKTTYPE: "type",
    SKF_AD_IFINDEX: "ifidx",
    SKF_AD_NLATTR: "nla",
    SKF_AD_NLATTR_NEST: "nlan",
    SKF_AD_MARK: "mark",
    SKF_AD_QUEUE: "queue",
    SKF_AD_HATYPE: "hatype",
    SKF_AD_RXHASH: "rxhash",
    SKF_AD_CPU: "cpu",
    SKF_AD_VLAN_TAG: "vlan_tci",
    SKF_AD_VLAN_TAG_PRESENT: "vlanp",
    SKF_AD_PAY_OFFSET: "poff",
    SKF_AD_RANDOM: "rand",
    SKF_AD_VLAN_TPID: "vlan_tpid",
}


def anc_offset(which: int) -> int:
    """The k of an absolute load that reads ancillary field `which`."""
    return (SKF_AD_OFF + which) & 0xFFFFFFFF


def anc_field(k: int) -> int | None:
    """The SKF_AD_* field an absolute load at k reads, or None for packet data."""
    off = k - 0x100000000 if k & 0x80000000 else k
    if SKF_AD_OFF <= off < 0:
        return off - SKF_AD_OFF
    return None


class Insn(NamedTuple):
    """One classic BPF instruction, as the kernel's struct sock_filter."""

    code: int
    jt: int
    jf: int
    k: int


def bpf_class(code: int) -> int:
    """Instruction class bits."""
    return code & 0x07


def bpf_size(code: int) -> int:
    """Load size bits."""
    return code & 0x18


def bpf_mode(code: int) -> int:
    """Load mode bits."""
    return code & 0xE0


def bpf_op(code: int) -> int:
    """ALU/JMP operation bits."""
    return code & 0xF0


def bpf_src(code: int) -> int:
    """Operand source bit (K or X)."""
    return code & 0x08


def bpf_rval(code: int) -> int:
    """Return value source bits."""
    return code & 0x18


SIZE_BYTES = {BPF_W: 4, BPF_H: 2, BPF_B: 1}
