/* TPACKET_V3 blocks rewritten in place into pcapng (see inplace.h).
 *
 * Layout of a packet in the ring, for Ethernet on a SOCK_RAW socket:
 *   tpacket3_hdr (48) | sockaddr_ll (20) | free | frame (tp_mac) | align to 8
 * tp_mac is 82 + PACKET_RESERVE, so with a reserve of 2 each frame starts at a
 * multiple of 4 and its 28-byte EPB header fits in the headroom right before
 * it, 4-byte aligned as pcapng wants; a put-back VLAN tag takes 4 bytes more
 * of the same headroom. Any other layout still works: the packet's bytes are
 * moved (memmove) to where an aligned EPB fits, which costs one copy.
 *
 * The rewrite is planned first, from the table alone, and applied second: a
 * block whose layout cannot be planned is left untouched (-EINVAL). */
#define _GNU_SOURCE                  /* AT_EMPTY_PATH */
#include "inplace.h"
#include "pcapng_wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/stat.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The least an EPB needs after its (padded) data: epb_flags (8),
 * opt_endofopt (4), block length (4). */
#define EPB_TRAILER_MIN 16u
#define OPT_EPB_FLAGS 2u
#define OPT_BODY_MAX 65532u          /* an option's length is 16 bits; keep bodies 4-aligned */
#define PAD_BLOCK_MIN 12u            /* type, length, length */
#define DESC_BYTES ((uint32_t)sizeof(struct tpacket_block_desc))

static inline uint32_t align4(uint32_t n) { return (n + 3u) & ~3u; }

static inline void put16(uint8_t *b, uint32_t at, uint16_t v) { memcpy(b + at, &v, 2); }
static inline void put32(uint8_t *b, uint32_t at, uint32_t v) { memcpy(b + at, &v, 4); }

uint32_t zc_inplace_scan(const void *block, int mode, struct zc_meta *t, uint32_t max)
{
    const struct tpacket_block_desc *bd = block;
    const uint8_t *base = block;
    uint32_t n = bd->hdr.bh1.num_pkts, off = bd->hdr.bh1.offset_to_first_pkt;

    if (n > max)
        n = max;
    for (uint32_t i = 0; i < n; i++) {
        const struct tpacket3_hdr *h = (const void *)(base + off);
        const struct sockaddr_ll *sll =
            (const void *)(base + off + TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));
        struct zc_meta *m = &t[i];

        m->ts_ns = (uint64_t)h->tp_sec * 1000000000u + h->tp_nsec;
        m->caplen = h->tp_snaplen;
        m->wirelen = h->tp_len;
        m->data_off = off + h->tp_mac;
        m->epb_off = 0;
        m->ifindex = sll->sll_ifindex;
        m->protocol = sll->sll_protocol;
        m->hatype = sll->sll_hatype;
        m->vlan_valid = mode == ZC_FRAME_ETHER && (h->tp_status & TP_STATUS_VLAN_VALID);
        m->vlan_tci = (uint16_t)h->hv1.tp_vlan_tci;
        m->vlan_tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ? h->hv1.tp_vlan_tpid
                                                                   : ETH_P_8021Q;
        m->pkttype = sll->sll_pkttype;
        m->halen = sll->sll_halen > 8 ? 8 : sll->sll_halen;
        memcpy(m->addr, sll->sll_addr, 8);
        off += h->tp_next_offset;
    }
    return n;
}

/* Bytes put in front of the captured bytes in the file: a LINUX_SLL2 header
 * for `any`, the VLAN tag the kernel took out (after the 12 address bytes). */
static inline uint32_t extra_of(const struct zc_meta *m, int mode)
{
    if (mode == ZC_FRAME_SLL2)
        return SLL2_HEADER_BYTES;
    return m->vlan_valid && m->caplen >= MAC_PAIR_BYTES ? VLAN_TAG_BYTES : 0;
}

static inline uint32_t file_len(const struct zc_meta *m, int mode, uint32_t snaplen)
{
    uint32_t n = m->caplen + extra_of(m, mode);
    return snaplen && n > snaplen ? snaplen : n;
}

static void pad_block(uint8_t *p, uint32_t len)
{
    put32(p, 0, ZC_PAD_BLOCK_TYPE);
    put32(p, 4, len);
    memset(p + 8, 0, len - PAD_BLOCK_MIN);
    put32(p, len - 4, len);
}

void zc_pad_blocks(void *p, uint32_t len)
{
    uint8_t *b = p;
    while (len > 0) {
        uint32_t n = len > ZC_PAD_BLOCK_MAX ? ZC_PAD_BLOCK_MAX : len;
        if (len - n > 0 && len - n < PAD_BLOCK_MIN)
            n -= PAD_BLOCK_MIN;      /* leave the last block room for its own framing */
        pad_block(b, n);
        b += n;
        len -= n;
    }
}

/* The EPB at `epb`, whose frame ends at `data_end`, ends at `stop`: zero the
 * gap (ring alignment, the next packet's tpacket header and sockaddr_ll, a
 * moved packet's old bytes), then cover it with options. */
static void close_epb(uint8_t *b, uint32_t epb, uint32_t data_end, uint32_t stop, uint32_t flags)
{
    uint32_t p = align4(data_end), fill_end = stop - 8;   /* opt_endofopt, block length */

    memset(b + data_end, 0, stop - data_end);
    if (flags) {
        put16(b, p, OPT_EPB_FLAGS);
        put16(b, p + 2, 4);
        put32(b, p + 4, flags);
        p += 8;
    }
    while (p < fill_end) {
        uint32_t body = fill_end - p - 4;
        if (body > OPT_BODY_MAX)
            body = OPT_BODY_MAX;
        put16(b, p, ZC_PAD_OPTION_CODE);
        put16(b, p + 2, (uint16_t)body);
        p += 4 + body;
    }
    put32(b, stop - 4, stop - epb);
}

/* Where each packet's EPB goes (table[i].epb_off); returns the end of the
 * last EPB, or 0 when some packet cannot be placed without overwriting the
 * bytes of a packet not yet placed. */
static uint32_t plan(const struct zc_meta *t, uint32_t n, int mode, uint32_t snaplen,
                     uint32_t block_size, uint32_t compact_max, struct zc_meta *out_t)
{
    /* Nothing below the end of the descriptor (its block_status must stay)
     * and the padding block's closing length. */
    uint32_t lo = DESC_BYTES + 4, end = 0;

    for (uint32_t i = 0; i < n; i++) {
        uint32_t extra = extra_of(&t[i], mode), flen = file_len(&t[i], mode, snaplen);
        uint32_t need = EPB_HEADER_BYTES + align4(flen) + EPB_TRAILER_MIN;
        uint32_t limit = i + 1 < n ? t[i + 1].data_off : block_size;
        uint32_t epb;

        if (t[i].data_off >= lo + extra + EPB_HEADER_BYTES) {
            uint32_t natural = t[i].data_off - extra - EPB_HEADER_BYTES;
            int compact = t[i].caplen <= compact_max || natural - lo >= t[i].caplen;
            epb = compact ? lo : natural & ~3u;
        } else {
            epb = lo;                /* headroom too small: move the frame up */
        }
        if (i + 1 == n && epb + need > block_size) {
            /* No room for the last EPB's trailer: move it down a little. */
            if (block_size < need || ((block_size - need) & ~3u) < lo)
                return 0;
            epb = (block_size - need) & ~3u;
        }
        if (epb + EPB_HEADER_BYTES + flen > limit)
            return 0;
        out_t[i].epb_off = epb;
        lo = align4(epb + EPB_HEADER_BYTES + flen) + EPB_TRAILER_MIN;
        end = lo;
    }
    return end;
}

/* Put the file form of packet m (flen bytes) at b + at. In place, only the
 * headroom is written; otherwise the frame is moved, its first bytes kept
 * aside first because source and destination may overlap. */
static int place_frame(uint8_t *b, const struct zc_meta *m, int mode, uint32_t at, uint32_t flen)
{
    uint32_t src = m->data_off, extra = extra_of(m, mode);
    uint8_t head[SLL2_HEADER_BYTES];
    uint32_t nhead;

    if (extra == 0) {
        if (at != src)
            memmove(b + at, b + src, flen);
        return at != src;
    }
    if (mode == ZC_FRAME_SLL2) {
        zc_sll2_header(head, m->protocol, m->ifindex, m->hatype, m->pkttype, m->halen, m->addr);
        nhead = SLL2_HEADER_BYTES;
        if (at + nhead != src && flen > nhead)
            memmove(b + at + nhead, b + src, flen - nhead);
    } else {
        uint16_t tag[2] = {htons(m->vlan_tpid), htons(m->vlan_tci)};
        memcpy(head, b + src, MAC_PAIR_BYTES);
        memcpy(head + MAC_PAIR_BYTES, tag, VLAN_TAG_BYTES);
        nhead = MAC_PAIR_BYTES + VLAN_TAG_BYTES;
        if (at + VLAN_TAG_BYTES != src && flen > nhead)
            memmove(b + at + nhead, b + src + MAC_PAIR_BYTES, flen - nhead);
    }
    memcpy(b + at, head, flen < nhead ? flen : nhead);
    return at + extra != src;
}

int zc_inplace_rewrite(void *block, uint32_t block_size, struct zc_meta *t, uint32_t n,
                       int mode, uint32_t ifid, uint32_t snaplen, uint32_t align,
                       uint32_t compact_max, struct zc_inplace_out *out)
{
    uint8_t *b = block;
    uint32_t end, direct_end, prev_data_end = 0;

    memset(out, 0, sizeof(*out));
    if (n == 0)
        return 0;
    if (align < 4 || block_size % align)
        return -EINVAL;
    end = plan(t, n, mode, snaplen, block_size, compact_max, t);
    if (end == 0)
        return -EINVAL;
    direct_end = (end + align - 1) / align * align;
    /* A tail too short for a padding block joins the last EPB's options. */
    if (direct_end - end < PAD_BLOCK_MIN)
        end = direct_end;

    for (uint32_t i = 0; i < n; i++) {
        const struct zc_meta *m = &t[i];
        uint32_t epb = m->epb_off, flen = file_len(m, mode, snaplen);
        uint32_t next = i + 1 < n ? t[i + 1].epb_off : end;
        uint32_t hdr[7] = {EPB_TYPE, next - epb, ifid, (uint32_t)(m->ts_ns >> 32),
                           (uint32_t)m->ts_ns, flen, m->wirelen + extra_of(m, mode)};

        out->moved += place_frame(b, m, mode, epb + EPB_HEADER_BYTES, flen);
        memcpy(b + epb, hdr, sizeof(hdr));
        if (i == 0) {
            /* The descriptor becomes a padding block around block_status. */
            put32(b, 0, ZC_PAD_BLOCK_TYPE);
            put32(b, 4, epb);
            memset(b + DESC_BYTES, 0, epb - 4 - DESC_BYTES);
            put32(b, epb - 4, epb);
        } else {
            close_epb(b, t[i - 1].epb_off, prev_data_end, epb, zc_epb_flags(t[i - 1].pkttype));
        }
        prev_data_end = epb + EPB_HEADER_BYTES + flen;
        out->wire_bytes += m->wirelen + extra_of(m, mode);
    }
    close_epb(b, t[n - 1].epb_off, prev_data_end, end, zc_epb_flags(t[n - 1].pkttype));
    if (direct_end > end)
        zc_pad_blocks(b + end, direct_end - end);
    out->first = t[0].epb_off;
    out->end = end;
    out->direct_end = direct_end;
    out->packets = n;
    return 0;
}

int zc_dio_align(int fd, uint32_t *mem_align, uint32_t *offset_align)
{
    struct statfs fs;
    struct statx sx;

    *mem_align = *offset_align = 0;
    if (fstatfs(fd, &fs) < 0)
        return -errno;
    /* tmpfs accepts O_DIRECT but copies anyway: nothing to gain. */
    if (fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC)
        return 0;
    memset(&sx, 0, sizeof(sx));
    if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_DIOALIGN, &sx) < 0)
        return -errno;
    if (!S_ISREG(sx.stx_mode) || !(sx.stx_mask & STATX_DIOALIGN))
        return 0;
    *mem_align = sx.stx_dio_mem_align;
    *offset_align = sx.stx_dio_offset_align;
    return 0;
}
