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
#define ZC_AGG_SLOTS 512             /* flows summed within one batch before the tables */

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
    uint32_t slot;                   /* its index slot, kept in step with heap moves */
    uint32_t hash;                   /* of the key, for deletions from the index */
};

struct zc_top {
    uint32_t n;                      /* entries in use */
    uint32_t by_bytes;               /* weight counts bytes (else packets) */
    uint64_t evicted;                /* keys replaced: non-zero means approximate */
    uint32_t last;                   /* heap index of the last key hit (a cheap cache) */
    uint32_t pad;
    struct zc_top_entry e[ZC_TOP_SLOTS];   /* a min-heap on weight */
    int32_t index[ZC_TOP_HASH];             /* heap index or -1 */
};

struct zc_etype {
    uint16_t type;
    uint16_t pad[3];
    uint64_t packets, bytes;
};

/* One flow's packets within the current batch (key: directed, as a conversation
 * key but not reordered, byte 38 set when it has ports). */
struct zc_agg {
    uint8_t key[ZC_KEY_BYTES];
    uint64_t packets, bytes;
    uint32_t gen;                    /* batch it belongs to; older ones are empty */
    uint32_t pad;
};

struct zc_stats {
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
    struct zc_top talkers_bytes;
    struct zc_top talkers_packets;
    struct zc_top conversations;
    struct zc_top ports;
    /* per-batch aggregation: most batches hold few flows, so the tables see
     * one update per flow and batch instead of one per packet */
    uint32_t gen;
    uint32_t nused;
    uint16_t used[ZC_AGG_SLOTS];
    struct zc_agg agg[ZC_AGG_SLOTS];
};

void zc_stats_init(struct zc_stats *st);
/* Count the first `max_pkts` packets of a TPACKET_V3 block (mode: enum zc_frame_mode). */
uint32_t zc_stats_block(struct zc_stats *st, const void *block, int mode, uint32_t max_pkts);
/* Count `n` packets whose bytes start with a `linktype` header (LINKTYPE_*). */
uint32_t zc_stats_pkts(struct zc_stats *st, const struct zc_pkt *pkts, uint32_t n,
                       uint32_t linktype);
/* Heap indices of the `k` heaviest entries, heaviest first, ranked by bytes
 * or packets (not by the table's weight); returns how many were written. */
uint32_t zc_top_rank(const struct zc_top *t, int by_bytes, uint32_t *out, uint32_t k);
/* Size bucket i holds wire lengths below this bound (and at or above bucket i-1's). */
uint32_t zc_size_limit(uint32_t i);

#endif
