/* AF_XDP rings walked in C: RX descriptors become zc_pkt records that point
 * into the UMEM, and frames go back to the fill ring once the batch is done.
 * Also the raw bpf() syscall, so Python needs no libbpf. */
#ifndef ZCAP_XDP_H
#define ZCAP_XDP_H

#include "zcap.h"
#include <linux/if_xdp.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

/* What the XDP program writes in front of each redirected frame
 * (bpf_xdp_adjust_meta). `magic` tells a stamped frame from a stale one. */
struct zc_xdp_meta {
    uint64_t ts_ns;                /* kernel clock (TAI unless `clock` says otherwise) */
    uint32_t keep;                 /* the filter's accept value: bytes to keep */
    uint32_t magic;
};
#define ZC_XDP_META_MAGIC 0x7a636170u  /* "zcap" */

/* One mmapped AF_XDP ring as seen by its user-space side. `cached` is our
 * own index: the consumer index for RX, the producer index for fill. */
struct zc_xsk_ring {
    uint32_t *producer;
    uint32_t *consumer;
    void *ring;
    uint32_t mask;
    uint32_t cached;
};

/* One socket bound to one queue, with its own UMEM. */
struct zc_xsk {
    uint8_t *umem;
    uint64_t frame_size;           /* chunk size: a power of two */
    struct zc_xsk_ring rx;
    struct zc_xsk_ring fill;
    uint32_t held;                 /* RX descriptors handed out, not yet released */
    uint64_t delivered;            /* RX descriptors ever taken */
    uint64_t no_stamp;             /* frames that came without metadata */
};

void zc_xsk_ring_init(struct zc_xsk_ring *r, void *map, uint64_t producer_off,
                      uint64_t consumer_off, uint64_t desc_off, uint32_t entries);
uint32_t zc_xsk_fill_all(struct zc_xsk *x, uint32_t frames);
uint32_t zc_xsk_rx_peek(struct zc_xsk *x, struct zc_pkt *out, uint32_t max, uint32_t ifid,
                        uint32_t snaplen, int64_t clock_offset_ns, uint64_t now_ns);
void zc_xsk_rx_release(struct zc_xsk *x, uint32_t n);
uint32_t zc_xsk_rx_ready(struct zc_xsk *x);
void zc_pkts_set_ifid(struct zc_pkt *pkts, uint32_t n, uint32_t ifid);
int zc_xsk_bind(int fd, uint32_t ifindex, uint32_t queue, uint16_t flags);
long zc_bpf(int cmd, void *attr, uint32_t size);

#endif
