/* AF_XDP RX ring walk and fill ring refill; see xdp.h. The kernel is the
 * producer of the RX ring and the consumer of the fill ring: read its index
 * with acquire, publish ours with release, as the AF_XDP docs require. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include "xdp.h"

#ifndef AF_XDP
#define AF_XDP 44
#endif

void zc_xsk_ring_init(struct zc_xsk_ring *r, void *map, uint64_t producer_off,
                      uint64_t consumer_off, uint64_t desc_off, uint32_t entries)
{
    uint8_t *base = map;
    r->producer = (uint32_t *)(base + producer_off);
    r->consumer = (uint32_t *)(base + consumer_off);
    r->ring = base + desc_off;
    r->mask = entries - 1;
    r->cached = 0;
}

static inline uint32_t load_acquire(const uint32_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void store_release(uint32_t *p, uint32_t v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Hand every frame of the UMEM to the kernel (at start). */
uint32_t zc_xsk_fill_all(struct zc_xsk *x, uint32_t frames)
{
    uint64_t *slots = x->fill.ring;
    uint32_t prod = x->fill.cached;
    for (uint32_t i = 0; i < frames; i++)
        slots[(prod + i) & x->fill.mask] = (uint64_t)i * x->frame_size;
    x->fill.cached = prod + frames;
    store_release(x->fill.producer, x->fill.cached);
    return frames;
}

uint32_t zc_xsk_rx_ready(struct zc_xsk *x)
{
    return load_acquire(x->rx.producer) - x->rx.cached - x->held;
}

/* The next run of RX descriptors as packet records, without consuming them:
 * their frames stay ours until zc_xsk_rx_release. Frames the program stamped
 * get kernel time + clock_offset_ns; others (no metadata room) get now_ns. */
uint32_t zc_xsk_rx_peek(struct zc_xsk *x, struct zc_pkt *out, uint32_t max, uint32_t ifid,
                        uint32_t snaplen, int64_t clock_offset_ns, uint64_t now_ns)
{
    const struct xdp_desc *descs = x->rx.ring;
    uint32_t start = x->rx.cached + x->held;
    uint32_t n = load_acquire(x->rx.producer) - start;
    if (n > max)
        n = max;
    for (uint32_t i = 0; i < n; i++) {
        const struct xdp_desc *d = &descs[(start + i) & x->rx.mask];
        const uint8_t *data = x->umem + d->addr;
        struct zc_xdp_meta meta;
        uint32_t caplen = d->len < snaplen ? d->len : snaplen;
        memcpy(&meta, data - sizeof(meta), sizeof(meta));
        if (meta.magic == ZC_XDP_META_MAGIC) {
            out[i].ts_ns = meta.ts_ns + (uint64_t)clock_offset_ns;
            if (meta.keep < caplen)
                caplen = meta.keep;
        } else {
            out[i].ts_ns = now_ns;
            x->no_stamp++;
        }
        out[i].data = data;
        out[i].caplen = caplen;
        out[i].wirelen = d->len;
        out[i].ifid = ifid;
        out[i].flags = 1;                  /* epb_flags: inbound */
    }
    x->held += n;
    x->delivered += n;
    return n;
}

/* Consume the oldest n held descriptors and give their frames back to the
 * kernel through the fill ring (which has room for every frame). The stamp
 * is wiped so a frame reused without metadata is not mistaken for stamped. */
void zc_xsk_rx_release(struct zc_xsk *x, uint32_t n)
{
    const struct xdp_desc *descs = x->rx.ring;
    uint64_t *slots = x->fill.ring;
    uint64_t chunk_mask = ~(x->frame_size - 1);
    if (n > x->held)
        n = x->held;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t addr = descs[(x->rx.cached + i) & x->rx.mask].addr;
        struct zc_xdp_meta *meta = (struct zc_xdp_meta *)(x->umem + addr) - 1;
        meta->magic = 0;
        slots[(x->fill.cached + i) & x->fill.mask] = addr & chunk_mask;
    }
    x->fill.cached += n;
    store_release(x->fill.producer, x->fill.cached);
    x->rx.cached += n;
    x->held -= n;
    store_release(x->rx.consumer, x->rx.cached);
}

void zc_pkts_set_ifid(struct zc_pkt *pkts, uint32_t n, uint32_t ifid)
{
    for (uint32_t i = 0; i < n; i++)
        pkts[i].ifid = ifid;
}

int zc_xsk_bind(int fd, uint32_t ifindex, uint32_t queue, uint16_t flags)
{
    struct sockaddr_xdp sxdp;
    memset(&sxdp, 0, sizeof(sxdp));
    sxdp.sxdp_family = AF_XDP;
    sxdp.sxdp_flags = flags;
    sxdp.sxdp_ifindex = ifindex;
    sxdp.sxdp_queue_id = queue;
    if (bind(fd, (struct sockaddr *)&sxdp, sizeof(sxdp)) < 0)
        return -errno;
    return 0;
}

/* bpf(2): the result (an fd or 0) or -errno. */
long zc_bpf(int cmd, void *attr, uint32_t size)
{
    long rc = syscall(__NR_bpf, cmd, attr, size);
    return rc < 0 ? -errno : rc;
}
