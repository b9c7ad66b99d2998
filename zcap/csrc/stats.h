/* Live traffic counters, updated a batch per call (one ring block or one
 * zc_pkt array). Totals, EtherTypes, IP protocols and sizes are exact; the
 * keyed tables (talkers, conversations, destination ports) are bounded
 * space-saving summaries: exact while their population fits, then each count
 * is an over-estimate by at most the entry's `err`. */
#ifndef ZCAP_STATS_H
#define ZCAP_STATS_H

#include "zcap.h"

#define ZC_TOP_SLOTS 1024            /* entries a keyed table keeps */
#define ZC_TOP_HASH 2048             /* open-addressing index, a power of two */
#define ZC_KEY_BYTES 40
#define ZC_ETYPE_SLOTS 16            /* distinct EtherTypes kept; the rest is `etype_other` */
#define ZC_SIZE_BUCKETS 8
#define ZC_AGG_SLOTS 512             /* flows summed before they reach the keyed tables */
#define ZC_AGG4_SLOTS 1024           /* the same for plain IPv4 (struct zc_agg4) */
#define ZC_RUN 32                    /* ring packets decoded per pass (see zc_stats_ring_run) */
#define ZC_VIEW_TOP 32               /* entries of each ranking a view carries */

/* Address family of a key (first byte). */
#define ZC_AF_MAC 1                  /* non-IP Ethernet: MAC addresses */
#define ZC_AF_INET 4
#define ZC_AF_INET6 6

/* Key layouts (all zero-padded to ZC_KEY_BYTES):
 *  talker:       [0] af, [1..3] 0, [4..19] src, [20..35] dst
 *  conversation: [0] af, [1] ip proto, [2..3] port a, [4..19] addr a,
 *                [20..35] addr b, [36..37] port b; the lesser (addr, port) is a
 *  port:         [0] ip proto, [2..3] destination port (network order) */
struct zc_top_entry {
    uint8_t key[ZC_KEY_BYTES];
    uint64_t weight;                 /* the ranking count: packets or bytes, err included */
    uint64_t err;                    /* weight inherited from the entry it replaced */
    uint64_t packets;                /* seen since the key entered the table */
    uint64_t bytes;
    uint32_t slot;                   /* its slot in `index` */
    uint32_t hash;                   /* of the key, for deletions from the index */
    uint32_t pos;                    /* its place in `heap` */
    uint32_t pad;
};

/* Entries never move: `index` finds a key's entry, `heap` orders entry numbers
 * by weight. The heap is only needed to find the lightest entry once the table
 * is full, so it is built then (until then an update is a hash probe). */
struct zc_top {
    uint32_t n;                      /* entries in use */
    uint32_t by_bytes;               /* weight counts bytes (else packets) */
    uint64_t evicted;                /* keys replaced: non-zero means approximate */
    uint32_t heaped;                 /* `heap` is valid (the table filled up) */
    uint32_t pad;
    struct zc_top_entry e[ZC_TOP_SLOTS];
    uint16_t heap[ZC_TOP_SLOTS];            /* a min-heap of entry numbers on weight */
    int16_t index[ZC_TOP_HASH];             /* entry number or -1 */
};

struct zc_etype {
    uint16_t type;
    uint16_t pad[3];
    uint64_t packets, bytes;
};

/* One flow's packets since the aggregates were last emptied (key: directed, as
 * a conversation key but not reordered, byte 38 set when it has ports). */
struct zc_agg {
    uint8_t key[ZC_KEY_BYTES];
    uint64_t packets, bytes;
    uint32_t gen;                    /* emptying it belongs to; older ones are free */
    uint32_t pad;
};

/* The common case, an IPv4 packet with a plain 20-byte header, is summed in a
 * table of its own with a 16-byte key, so the per-packet probe is two
 * compares: k0 = source and destination address, k1 = the four port bytes,
 * the protocol and a has-ports flag (bytes as on the wire). packets == 0: free. */
struct zc_agg4 {
    uint64_t k0, k1;
    uint64_t packets, bytes;
};

/* The exact counters. */
struct zc_counts {
    uint64_t packets, bytes;         /* bytes on the wire (a stripped VLAN tag counted) */
    uint64_t batches;
    uint64_t vlan;                   /* packets that carried an 802.1Q/802.1ad tag */
    uint64_t non_ip;
    uint64_t undecoded;              /* link types or frames too short to look into */
    uint64_t first_ts_ns, last_ts_ns;
    uint32_t n_etype;                /* slots of etype[] in use */
    uint32_t pad;
    struct zc_etype etype[ZC_ETYPE_SLOTS];
    uint64_t etype_other_packets, etype_other_bytes;
    uint64_t proto_packets[256], proto_bytes[256];
    uint64_t size_packets[ZC_SIZE_BUCKETS];
};

struct zc_stats {
    struct zc_counts c;
    struct zc_top talkers_bytes;
    struct zc_top talkers_packets;
    struct zc_top conversations;
    struct zc_top ports;
    /* per-flow sums in front of the keyed tables (see stats.c) */
    uint32_t gen;
    uint32_t nused, nused4;
    uint16_t used[ZC_AGG_SLOTS];
    uint16_t used4[ZC_AGG4_SLOTS];
    struct zc_agg agg[ZC_AGG_SLOTS];
    struct zc_agg4 agg4[ZC_AGG4_SLOTS];
};

/* What a display needs of a keyed table: its heaviest entries both ways. */
struct zc_top_view {
    uint32_t n;                      /* keys held */
    uint32_t count[2];               /* entries in top[0] (by packets), top[1] (by bytes) */
    uint32_t pad;
    uint64_t evicted;
    struct zc_top_entry top[2][ZC_VIEW_TOP];
};

/* A copy of everything a display shows, some 30 kB instead of the whole
 * ~430 kB struct, made in one call (so under one hold of the caller's lock). */
struct zc_stats_view {
    struct zc_counts c;
    struct zc_top_view talkers_bytes;
    struct zc_top_view talkers_packets;
    struct zc_top_view conversations;
    struct zc_top_view ports;
};

void zc_stats_init(struct zc_stats *st);
/* Count the first `max_pkts` packets of a TPACKET_V3 block (mode: enum zc_frame_mode). */
uint32_t zc_stats_block(struct zc_stats *st, const void *block, int mode, uint32_t max_pkts);
/* Count `n` packets whose bytes start with a `linktype` header (LINKTYPE_*). */
uint32_t zc_stats_pkts(struct zc_stats *st, const struct zc_pkt *pkts, uint32_t n,
                       uint32_t linktype);
/* The same in pieces, for a writer that counts what it writes (struct
 * zc_writer's tap): `n` consecutive packets of a ring block from `h` on, or
 * one zc_pkt, as often as needed, then zc_stats_end_batch once per batch. */
void zc_stats_ring_run(struct zc_stats *st, const struct tpacket3_hdr *h, uint32_t n, int mode);
void zc_stats_pkt(struct zc_stats *st, const struct zc_pkt *k, uint32_t linktype);
void zc_stats_end_batch(struct zc_stats *st);
/* Empty the per-flow sums into the tables, then copy the counters and, with
 * `tables`, the `k` (<= ZC_VIEW_TOP) heaviest entries of each table both ways. */
void zc_stats_view(struct zc_stats *st, struct zc_stats_view *out, uint32_t k, int tables);
/* Size bucket i holds wire lengths below this bound (and at or above bucket i-1's). */
uint32_t zc_size_limit(uint32_t i);

#endif
