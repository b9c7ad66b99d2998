/* Classic BPF interpreter: see bpf_interp.h for the contract. */
#include "zcap.h"
#include "bpf_interp.h"

#define ZC_MEMWORDS 16
#define ZC_MAXINSNS 65536 /* bpf_filters.opcodes.USER_MAXINSNS: longer than the kernel's 4096 */
#define ZC_AD_OFF 0xfffff000u   /* SKF_AD_OFF as an unsigned k */
/* A loop (protochain's) that jumps back more often than this rejects the
 * packet: a crafted header chain could otherwise keep it turning forever. */
#define ZC_MAX_BACKWARD_JUMPS (1u << 16)

static uint32_t ld_be(const uint8_t *p, uint32_t size)
{
    if (size == 4)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    if (size == 2)
        return (uint32_t)p[0] << 8 | p[1];
    return p[0];
}

int zc_bpf_validate(const struct sock_filter *insns, uint32_t n)
{
    if (insns == NULL || n == 0 || n > ZC_MAXINSNS)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        const struct sock_filter *f = &insns[i];
        uint16_t c = f->code;
        int bad = 0;
        switch (BPF_CLASS(c)) {
        case BPF_LD:
            bad = (BPF_SIZE(c) == 0x18) ||
                  !(BPF_MODE(c) == BPF_IMM || BPF_MODE(c) == BPF_ABS || BPF_MODE(c) == BPF_IND ||
                    BPF_MODE(c) == BPF_MEM || BPF_MODE(c) == BPF_LEN) ||
                  (BPF_MODE(c) == BPF_MEM && f->k >= ZC_MEMWORDS);
            break;
        case BPF_LDX:
            bad = !(c == (BPF_LDX | BPF_W | BPF_IMM) || c == (BPF_LDX | BPF_W | BPF_MEM) ||
                    c == (BPF_LDX | BPF_W | BPF_LEN) || c == (BPF_LDX | BPF_B | BPF_MSH)) ||
                  (BPF_MODE(c) == BPF_MEM && f->k >= ZC_MEMWORDS);
            break;
        case BPF_ST:
        case BPF_STX:
            bad = f->k >= ZC_MEMWORDS;
            break;
        case BPF_ALU:
            switch (BPF_OP(c)) {
            case BPF_ADD: case BPF_SUB: case BPF_MUL: case BPF_OR: case BPF_AND:
            case BPF_XOR: case BPF_NEG:
                break;
            case BPF_DIV: case BPF_MOD:
                bad = BPF_SRC(c) == BPF_K && f->k == 0;
                break;
            case BPF_LSH: case BPF_RSH:
                bad = BPF_SRC(c) == BPF_K && f->k >= 32;
                break;
            default:
                bad = 1;
            }
            break;
        case BPF_JMP:
            if (BPF_OP(c) == BPF_JA) {
                /* negative: backwards, protochain's loop (libpcap's too) */
                int64_t to = (int64_t)i + 1 + (int32_t)f->k;
                bad = to < 0 || to >= n || to == i;
            }
            else if (BPF_OP(c) == BPF_JEQ || BPF_OP(c) == BPF_JGT || BPF_OP(c) == BPF_JGE ||
                     BPF_OP(c) == BPF_JSET)
                bad = (uint32_t)f->jt >= n - i - 1 || (uint32_t)f->jf >= n - i - 1;
            else
                bad = 1;
            break;
        case BPF_RET:
            bad = !(BPF_RVAL(c) == BPF_K || BPF_RVAL(c) == BPF_A);
            break;
        case BPF_MISC:
            bad = !(c == (BPF_MISC | BPF_TAX) || c == (BPF_MISC | BPF_TXA));
            break;
        }
        if (bad)
            return -(int)(i + 1);
    }
    if (BPF_CLASS(insns[n - 1].code) != BPF_RET)
        return -1;
    return 0;
}

/* The ancillary field at k (>= SKF_AD_OFF) into *out; 0 when there is none. */
static int ancillary(const struct zc_bpf_aux *aux, uint32_t k, uint32_t *out)
{
    if (aux == NULL)
        return 0;
    switch ((int32_t)k - SKF_AD_OFF) {
    case SKF_AD_PROTOCOL: *out = aux->protocol; return 1;
    case SKF_AD_PKTTYPE: *out = aux->pkttype; return 1;
    case SKF_AD_IFINDEX: *out = aux->ifindex; return 1;
    case SKF_AD_VLAN_TAG: *out = aux->vlan_tci; return 1;
    case SKF_AD_VLAN_TAG_PRESENT: *out = aux->vlan_present; return 1;
    case SKF_AD_VLAN_TPID: *out = aux->vlan_tpid; return 1;
    default: return 0;
    }
}

uint32_t zc_bpf_run(const struct sock_filter *insns, uint32_t n,
                    const uint8_t *p, uint32_t caplen, uint32_t wirelen)
{
    return zc_bpf_run_aux(insns, n, p, caplen, wirelen, NULL);
}

uint32_t zc_bpf_run_aux(const struct sock_filter *insns, uint32_t n,
                        const uint8_t *p, uint32_t caplen, uint32_t wirelen,
                        const struct zc_bpf_aux *aux)
{
    uint32_t A = 0, X = 0, mem[ZC_MEMWORDS] = {0};
    const struct sock_filter *pc = insns, *end = insns + n;
    uint64_t off;
    uint32_t size, back = 0;

    for (; pc < end; pc++) {
        uint32_t k = pc->k;
        switch (pc->code) {
        case BPF_RET | BPF_K:
            return k;
        case BPF_RET | BPF_A:
            return A;
        case BPF_LD | BPF_W | BPF_ABS:
        case BPF_LD | BPF_H | BPF_ABS:
        case BPF_LD | BPF_B | BPF_ABS:
            /* k >= 2^31 is ancillary data or a negative offset (SKF_NET_OFF,
             * SKF_LL_OFF, which zcap's compiler never emits) */
            if (k >= 0x80000000u) {
                if (k < ZC_AD_OFF || !ancillary(aux, k, &A))
                    return 0;
                break;
            }
            off = k;
            goto load;
        case BPF_LD | BPF_W | BPF_IND:
        case BPF_LD | BPF_H | BPF_IND:
        case BPF_LD | BPF_B | BPF_IND:
            off = (uint32_t)(X + k);
            if (off >= 0x80000000u)
                return 0;
load:
            size = BPF_SIZE(pc->code) == BPF_W ? 4 : BPF_SIZE(pc->code) == BPF_H ? 2 : 1;
            if (off + size > caplen)
                return 0;
            A = ld_be(p + off, size);
            break;
        case BPF_LD | BPF_IMM:
            A = k;
            break;
        case BPF_LD | BPF_MEM:
            A = mem[k];
            break;
        case BPF_LD | BPF_W | BPF_LEN:
            A = wirelen;
            break;
        case BPF_LDX | BPF_W | BPF_IMM:
            X = k;
            break;
        case BPF_LDX | BPF_W | BPF_MEM:
            X = mem[k];
            break;
        case BPF_LDX | BPF_W | BPF_LEN:
            X = wirelen;
            break;
        case BPF_LDX | BPF_B | BPF_MSH:
            if (k >= caplen)
                return 0;
            X = (uint32_t)(p[k] & 0xf) << 2;
            break;
        case BPF_ST:
            mem[k] = A;
            break;
        case BPF_STX:
            mem[k] = X;
            break;
        case BPF_ALU | BPF_ADD | BPF_K: A += k; break;
        case BPF_ALU | BPF_SUB | BPF_K: A -= k; break;
        case BPF_ALU | BPF_MUL | BPF_K: A *= k; break;
        case BPF_ALU | BPF_DIV | BPF_K: A /= k; break;
        case BPF_ALU | BPF_MOD | BPF_K: A %= k; break;
        case BPF_ALU | BPF_AND | BPF_K: A &= k; break;
        case BPF_ALU | BPF_OR | BPF_K: A |= k; break;
        case BPF_ALU | BPF_XOR | BPF_K: A ^= k; break;
        case BPF_ALU | BPF_LSH | BPF_K: A <<= (k & 31); break;
        case BPF_ALU | BPF_RSH | BPF_K: A >>= (k & 31); break;
        case BPF_ALU | BPF_ADD | BPF_X: A += X; break;
        case BPF_ALU | BPF_SUB | BPF_X: A -= X; break;
        case BPF_ALU | BPF_MUL | BPF_X: A *= X; break;
        case BPF_ALU | BPF_DIV | BPF_X:
            if (X == 0)
                return 0;
            A /= X;
            break;
        case BPF_ALU | BPF_MOD | BPF_X:
            if (X == 0)
                return 0;
            A %= X;
            break;
        case BPF_ALU | BPF_AND | BPF_X: A &= X; break;
        case BPF_ALU | BPF_OR | BPF_X: A |= X; break;
        case BPF_ALU | BPF_XOR | BPF_X: A ^= X; break;
        /* as libpcap's bpf_filter(): a count of 32 or more shifts all bits out */
        case BPF_ALU | BPF_LSH | BPF_X: A = X < 32 ? A << X : 0; break;
        case BPF_ALU | BPF_RSH | BPF_X: A = X < 32 ? A >> X : 0; break;
        case BPF_ALU | BPF_NEG: A = (uint32_t)0 - A; break;
        case BPF_JMP | BPF_JA:
            if ((int32_t)k < 0 && ++back > ZC_MAX_BACKWARD_JUMPS)
                return 0;
            pc += (int32_t)k;
            break;
        case BPF_JMP | BPF_JEQ | BPF_K: pc += (A == k) ? pc->jt : pc->jf; break;
        case BPF_JMP | BPF_JGT | BPF_K: pc += (A > k) ? pc->jt : pc->jf; break;
        case BPF_JMP | BPF_JGE | BPF_K: pc += (A >= k) ? pc->jt : pc->jf; break;
        case BPF_JMP | BPF_JSET | BPF_K: pc += (A & k) ? pc->jt : pc->jf; break;
        case BPF_JMP | BPF_JEQ | BPF_X: pc += (A == X) ? pc->jt : pc->jf; break;
        case BPF_JMP | BPF_JGT | BPF_X: pc += (A > X) ? pc->jt : pc->jf; break;
        case BPF_JMP | BPF_JGE | BPF_X: pc += (A >= X) ? pc->jt : pc->jf; break;
        case BPF_JMP | BPF_JSET | BPF_X: pc += (A & X) ? pc->jt : pc->jf; break;
        case BPF_MISC | BPF_TAX: X = A; break;
        case BPF_MISC | BPF_TXA: A = X; break;
        default:
            return 0;   /* unreachable after validation */
        }
    }
    return 0;
}

uint32_t zc_bpf_filter(const struct sock_filter *insns, uint32_t ninsns,
                       struct zc_pkt *pkts, uint32_t n)
{
    uint32_t kept = 0;

    if (zc_bpf_validate(insns, ninsns) != 0)
        return 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = zc_bpf_run(insns, ninsns, pkts[i].data, pkts[i].caplen, pkts[i].wirelen);
        if (r == 0)
            continue;
        if (kept != i)
            pkts[kept] = pkts[i];
        if (pkts[kept].caplen > r)
            pkts[kept].caplen = r;
        kept++;
    }
    return kept;
}
