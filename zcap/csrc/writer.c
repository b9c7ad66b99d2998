/* The per-packet loop of the pcapng writer.
 *
 * Each packet becomes one Enhanced Packet Block: the 28-byte header and the
 * trailer (padding, epb_flags, block length) are built in a small arena, the
 * packet bytes are referenced where they lie. Trailer i and header i+1 sit next
 * to each other in the arena and share one iovec, so a packet costs about two
 * iovecs and a writev() carries ~500 packets. Nothing is written until the
 * caller's batch ends or the iovec array is full, and the caller releases the
 * batch to the kernel only after we return, so the memory stays valid. */
#include "writer.h"
#include "pcapng_wire.h"
#include "stats.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define EPB_FLAGS_OPTION_BYTES 12u   /* epb_flags (8) + opt_endofopt (4) */
/* Worst case per packet: header, SLL2 or tag, padding, options, length. */
#define PKT_ARENA_MAX (EPB_HEADER_BYTES + SLL2_HEADER_BYTES + 3 + EPB_FLAGS_OPTION_BYTES + 4)
#define COPY_LIMIT 4096            /* copy_max is clamped to this: the arena must fit a packet */
#define PKT_IOV_MAX 5

/* pcapng epb_flags: bits 0-1 direction, bits 2-4 reception type. */
#define EPB_IN 1u
#define EPB_OUT 2u
#define EPB_UNICAST (1u << 2)
#define EPB_MULTICAST (2u << 2)
#define EPB_BROADCAST (3u << 2)
#define EPB_PROMISC (4u << 2)

struct segment {
    const uint8_t *p;
    uint32_t len;
    int in_arena;              /* bytes must be copied into the arena (they are on our stack) */
};

static inline uint32_t pad4(uint32_t n) { return (4u - (n & 3u)) & 3u; }

struct zc_writer *zc_writer_new(int fd, uint64_t offset, uint32_t snaplen)
{
    struct zc_writer *w = calloc(1, sizeof(*w));
    if (w) {
        w->fd = fd;
        w->offset = offset;
        w->snaplen = snaplen;
        w->copy_max = ZC_COPY_MAX_DEFAULT;
    }
    return w;
}

void zc_writer_free(struct zc_writer *w) { free(w); }

static void add_iov(struct zc_writer *w, const void *p, size_t n)
{
    if (n == 0)
        return;
    w->iov[w->niov].iov_base = (void *)p;
    w->iov[w->niov].iov_len = n;
    w->niov++;
    w->pending += n;
}

static void end_block(struct zc_writer *w, int is_pkt)
{
    w->block_end[w->nblocks] = (uint32_t)w->pending;
    w->block_is_pkt[w->nblocks] = (uint8_t)is_pkt;
    w->nblocks++;
}

static int room_for_packet(const struct zc_writer *w)
{
    return w->niov + PKT_IOV_MAX <= ZC_IOV_MAX && w->nblocks < ZC_BLOCKS_MAX &&
           w->arena_used + PKT_ARENA_MAX + COPY_LIMIT <= ZC_ARENA_BYTES;
}

/* Write all pending iovecs, resuming short writes. On an error, the blocks
 * that made it whole are kept and a torn one is cut off the file again, so
 * the file ends on a block boundary and stays readable. */
int zc_flush(struct zc_writer *w)
{
    size_t done = 0;
    int i = 0, err = w->err;

    while (!err && i < w->niov) {
        ssize_t r = writev(w->fd, w->iov + i, w->niov - i);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            err = errno;
            break;
        }
        done += (size_t)r;
        while (i < w->niov && (size_t)r >= w->iov[i].iov_len) {
            r -= (ssize_t)w->iov[i].iov_len;
            i++;
        }
        if (i < w->niov && r > 0) {
            w->iov[i].iov_base = (uint8_t *)w->iov[i].iov_base + r;
            w->iov[i].iov_len -= (size_t)r;
        }
    }

    size_t whole = 0;
    for (int b = 0; b < w->nblocks && w->block_end[b] <= done; b++) {
        whole = w->block_end[b];
        w->packets += w->block_is_pkt[b];
    }
    w->offset += whole;
    w->bytes += whole;
    if (err) {
        struct stat st;
        if (done > whole && fstat(w->fd, &st) == 0 && S_ISREG(st.st_mode)) {
            /* Best effort: if this fails too, there is nothing better to do. */
            if (ftruncate(w->fd, (off_t)w->offset) == 0)
                lseek(w->fd, (off_t)w->offset, SEEK_SET);
        }
        w->err = err;
    }
    w->niov = 0;
    w->nblocks = 0;
    w->arena_used = 0;
    w->pending = 0;
    return err ? -err : 0;
}

int zc_write_raw(struct zc_writer *w, const void *buf, size_t len)
{
    int rc = zc_flush(w);
    if (rc < 0)
        return rc;
    add_iov(w, buf, len);
    end_block(w, 0);
    return zc_flush(w);
}

/* Bytes written at the arena's end since `from` become (part of) an iovec. */
static void arena_commit(struct zc_writer *w, uint8_t *from, uint8_t *to)
{
    size_t n = (size_t)(to - from);
    if (n == 0)
        return;
    w->arena_used += n;
    if (w->niov > 0 && (uint8_t *)w->iov[w->niov - 1].iov_base + w->iov[w->niov - 1].iov_len == from) {
        w->iov[w->niov - 1].iov_len += n;
        w->pending += n;
    } else {
        add_iov(w, from, n);
    }
}

/* Queue one EPB made of `nseg` segments, cut to `caplen` bytes in all. Header,
 * small segments and trailer are written straight into the arena; a large
 * segment gets its own iovec pointing where the bytes are. */
static void add_epb(struct zc_writer *w, uint32_t ifid, uint64_t ts_ns, uint32_t caplen,
                    uint32_t wirelen, uint32_t flags, struct segment *seg, int nseg)
{
    uint32_t opt = flags ? EPB_FLAGS_OPTION_BYTES : 0;
    uint32_t total = EPB_HEADER_BYTES + caplen + pad4(caplen) + opt + 4;
    uint32_t hdr[7] = {EPB_TYPE, total, ifid, (uint32_t)(ts_ns >> 32), (uint32_t)ts_ns,
                       caplen, wirelen};
    uint8_t *from = w->arena + w->arena_used, *cur = from;
    uint32_t left = caplen;

    memcpy(cur, hdr, sizeof(hdr));
    cur += sizeof(hdr);
    for (int i = 0; i < nseg && left > 0; i++) {
        uint32_t n = seg[i].len < left ? seg[i].len : left;
        if (seg[i].in_arena || (n <= w->copy_max && n <= COPY_LIMIT)) {
            memcpy(cur, seg[i].p, n);
            cur += n;
        } else {
            arena_commit(w, from, cur);
            add_iov(w, seg[i].p, n);
            from = cur;
        }
        left -= n;
    }
    memset(cur, 0, pad4(caplen));
    cur += pad4(caplen);
    if (flags) {
        uint16_t code_len[2] = {2 /* epb_flags */, 4};
        uint32_t option[3] = {0, flags, 0 /* opt_endofopt */};
        memcpy(option, code_len, 4);
        memcpy(cur, option, sizeof(option));
        cur += sizeof(option);
    }
    memcpy(cur, &total, 4);
    cur += 4;
    arena_commit(w, from, cur);
    end_block(w, 1);
}

uint32_t zc_epb_flags(uint8_t pkttype)
{
    switch (pkttype) {
    case PACKET_HOST: return EPB_IN | EPB_UNICAST;
    case PACKET_BROADCAST: return EPB_IN | EPB_BROADCAST;
    case PACKET_MULTICAST: return EPB_IN | EPB_MULTICAST;
    case PACKET_OTHERHOST: return EPB_IN | EPB_PROMISC;
    case PACKET_OUTGOING: return EPB_OUT;
    default: return 0;
    }
}

static inline const struct sockaddr_ll *ring_sll(const struct tpacket3_hdr *h)
{
    return (const void *)((const uint8_t *)h + TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));
}

static inline uint64_t ring_ts(const struct tpacket3_hdr *h)
{
    return (uint64_t)h->tp_sec * 1000000000u + h->tp_nsec;
}

static void add_ring_packet(struct zc_writer *w, const struct tpacket3_hdr *h, uint32_t ifid,
                            int mode)
{
    const uint8_t *data = (const uint8_t *)h + h->tp_mac;
    const struct sockaddr_ll *sll = ring_sll(h);
    uint32_t caplen = h->tp_snaplen, wirelen = h->tp_len;
    struct segment seg[3];
    int nseg = 0;
    uint8_t extra[SLL2_HEADER_BYTES];

    if (mode == ZC_FRAME_SLL2) {
        zc_sll2_header(extra, sll->sll_protocol, sll->sll_ifindex, sll->sll_hatype,
                       sll->sll_pkttype, sll->sll_halen, sll->sll_addr);
        seg[nseg++] = (struct segment){extra, SLL2_HEADER_BYTES, 1};
        seg[nseg++] = (struct segment){data, caplen, 0};
        caplen += SLL2_HEADER_BYTES;
        wirelen += SLL2_HEADER_BYTES;
    } else if ((h->tp_status & TP_STATUS_VLAN_VALID) && caplen >= MAC_PAIR_BYTES) {
        /* The kernel took the outer tag out of the frame: put it back. */
        uint16_t tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ? h->hv1.tp_vlan_tpid
                                                                    : ETH_P_8021Q;
        uint16_t tag[2] = {htons(tpid), htons((uint16_t)h->hv1.tp_vlan_tci)};
        memcpy(extra, tag, VLAN_TAG_BYTES);
        seg[nseg++] = (struct segment){data, MAC_PAIR_BYTES, 0};
        seg[nseg++] = (struct segment){extra, VLAN_TAG_BYTES, 1};
        seg[nseg++] = (struct segment){data + MAC_PAIR_BYTES, caplen - MAC_PAIR_BYTES, 0};
        caplen += VLAN_TAG_BYTES;
        wirelen += VLAN_TAG_BYTES;
    } else {
        seg[nseg++] = (struct segment){data, caplen, 0};
    }
    if (w->snaplen && caplen > w->snaplen)
        caplen = w->snaplen;
    add_epb(w, ifid, ring_ts(h), caplen, wirelen, zc_epb_flags(sll->sll_pkttype), seg, nseg);
}

static inline const struct tpacket3_hdr *first_packet(const void *block)
{
    const struct tpacket_block_desc *bd = block;
    return (const void *)((const uint8_t *)block + bd->hdr.bh1.offset_to_first_pkt);
}

static inline const struct tpacket3_hdr *next_packet(const struct tpacket3_hdr *h)
{
    return (const void *)((const uint8_t *)h + h->tp_next_offset);
}

/* A rotating sink splits a batch where the file reaches its size or its
 * time: the packets from there on go to the next file (`skip` them there). */
static inline int must_stop(const struct zc_writer *w, uint64_t ts_ns)
{
    return (w->stop_offset && w->offset + w->pending >= w->stop_offset) ||
           (w->stop_ts_ns && ts_ns >= w->stop_ts_ns);
}

int zc_write_block(struct zc_writer *w, const void *block, uint32_t ifid, int mode,
                   uint32_t skip, uint32_t max_pkts, struct zc_block_info *info)
{
    const struct tpacket_block_desc *bd = block;
    const struct tpacket3_hdr *h = first_packet(block);
    uint32_t n = bd->hdr.bh1.num_pkts;
    uint64_t before = w->packets;
    uint32_t queued = 0;               /* packets queued for the file */
    const struct tpacket3_hdr *run_from;   /* the first of them not counted yet */
    int rc = 0;

    memset(info, 0, sizeof(*info));
    info->num_pkts = n;
    info->losing = (bd->hdr.bh1.block_status & TP_STATUS_LOSING) != 0;
    if (n > max_pkts)
        n = max_pkts;
    for (uint32_t i = 0; i < skip && i < n; i++)
        h = next_packet(h);
    run_from = h;
    for (uint32_t i = skip; i < n; i++, h = next_packet(h)) {
        /* The kernel filled this block from another CPU: ask for the next
         * packet's lines while this one is copied. */
        if (i + 1 < n) {
            const uint8_t *nx = (const uint8_t *)next_packet(h);
            __builtin_prefetch(nx);
            __builtin_prefetch(nx + 64);
            __builtin_prefetch(nx + 128);
        }
        if (must_stop(w, ring_ts(h)))
            break;
        if (!room_for_packet(w) && (rc = zc_flush(w)) < 0)
            break;
        if (i == skip)
            info->first_ts_ns = ring_ts(h);
        info->last_ts_ns = ring_ts(h);
        info->bytes += h->tp_len;
        add_ring_packet(w, h, ifid, mode);
        /* Count in runs, right behind the writer: the run's headers and small
         * frames are still in L1. */
        if (++queued % ZC_RUN == 0) {
            if (w->tap)
                zc_stats_ring_run(w->tap, run_from, ZC_RUN, mode);
            run_from = next_packet(h);
        }
    }
    if (w->tap && queued) {
        zc_stats_ring_run(w->tap, run_from, queued % ZC_RUN, mode);
        zc_stats_end_batch(w->tap);
    }
    if (rc == 0)
        rc = zc_flush(w);
    info->written = (uint32_t)(w->packets - before);
    return rc;
}

uint32_t zc_pkts_fitting(const struct zc_writer *w, const struct zc_pkt *pkts, uint32_t n)
{
    /* How many of pkts go to the current file before a stop condition. */
    uint64_t at = w->offset + w->pending;
    for (uint32_t i = 0; i < n; i++) {
        if ((w->stop_offset && at >= w->stop_offset) ||
            (w->stop_ts_ns && pkts[i].ts_ns >= w->stop_ts_ns))
            return i;
        at += EPB_HEADER_BYTES + pkts[i].caplen + pad4(pkts[i].caplen) + 4 +
              (pkts[i].flags ? EPB_FLAGS_OPTION_BYTES : 0);
    }
    return n;
}

int zc_write_pkts(struct zc_writer *w, const struct zc_pkt *pkts, uint32_t n)
{
    int rc = 0;
    n = zc_pkts_fitting(w, pkts, n);
    for (uint32_t i = 0; i < n; i++) {
        struct segment seg = {pkts[i].data, pkts[i].caplen, 0};
        if (!room_for_packet(w) && (rc = zc_flush(w)) < 0)
            return rc;
        add_epb(w, pkts[i].ifid, pkts[i].ts_ns, pkts[i].caplen, pkts[i].wirelen, pkts[i].flags,
                &seg, 1);
        if (w->tap)
            zc_stats_pkt(w->tap, &pkts[i], w->tap_linktype);
    }
    if (w->tap && n)
        zc_stats_end_batch(w->tap);
    return zc_flush(w);
}

void zc_writer_tap(struct zc_writer *w, struct zc_stats *st, uint32_t linktype)
{
    w->tap = st;
    w->tap_linktype = linktype;
}

uint32_t zc_block_status(const void *block)
{
    const struct tpacket_block_desc *bd = block;
    return __atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE);
}

void zc_block_release(void *block)
{
    struct tpacket_block_desc *bd = block;
    __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
}

uint32_t zc_block_pkts(const void *block, int mode, struct zc_pkt *out,
                       struct zc_ring_meta *meta, uint32_t max)
{
    const struct tpacket_block_desc *bd = block;
    const struct tpacket3_hdr *h = first_packet(block);
    uint32_t n = bd->hdr.bh1.num_pkts;

    if (n > max)
        n = max;
    for (uint32_t i = 0; i < n; i++, h = next_packet(h)) {
        const struct sockaddr_ll *sll = ring_sll(h);
        out[i] = (struct zc_pkt){(const uint8_t *)h + h->tp_mac, ring_ts(h), h->tp_snaplen,
                                 h->tp_len, 0, zc_epb_flags(sll->sll_pkttype)};
        meta[i].ifindex = sll->sll_ifindex;
        meta[i].protocol = sll->sll_protocol;
        meta[i].hatype = sll->sll_hatype;
        meta[i].pkttype = sll->sll_pkttype;
        meta[i].halen = sll->sll_halen > 8 ? 8 : sll->sll_halen;
        memcpy(meta[i].addr, sll->sll_addr, 8);
        meta[i].vlan_valid = mode == ZC_FRAME_ETHER && (h->tp_status & TP_STATUS_VLAN_VALID);
        meta[i].vlan_tci = (uint16_t)h->hv1.tp_vlan_tci;
        meta[i].vlan_tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ? h->hv1.tp_vlan_tpid
                                                                        : ETH_P_8021Q;
    }
    return n;
}

int zc_bind_ll(int fd, int ifindex, uint16_t protocol)
{
    /* Python's bind() for AF_PACKET wants an interface name; `any` has none. */
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof(sll));
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(protocol);
    sll.sll_ifindex = ifindex;
    return bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ? -errno : 0;
}
