/* The per-packet loop of the live summary: decode just enough of each frame
 * (EtherType, IP protocol, addresses, ports) to bump a few counters.
 *
 * Keyed tables are space-saving summaries (Metwally et al., 2005): a full
 * table hands the lightest entry's slot to a new key, which inherits that
 * weight as its error bound. An open-addressing index finds a key; once a
 * table is full, a min-heap on weight names the lightest entry.
 *
 * Packets are first summed per flow (struct zc_agg, and zc_agg4 for plain
 * IPv4) in small tables that are emptied into the keyed tables when a view is
 * taken, or a slot at a time when a new flow needs its place: the keyed tables
 * see a few updates per flow and second, not one per packet. (Emptying them at
 * the end of every batch cost more than the packets themselves with 1514-byte
 * frames: a 1 MiB block holds ~650 of them.) */
#include "stats.h"
#include "writer.h"            /* enum zc_frame_mode */

#include <string.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "count_flow's IPv4 fast path builds key words for a little-endian host"
#endif

#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW 101
#define LINKTYPE_RAW_BSD 12
#define LINKTYPE_RAW_OPENBSD 14
#define LINKTYPE_LINUX_SLL 113
#define LINKTYPE_LINUX_SLL2 276

#define ETH_HEADER 14
#define SLL_HEADER 16
#define SLL2_HEADER 20
#define ETYPE_IPV4 0x0800
#define ETYPE_IPV6 0x86DD
#define ETYPE_8021Q 0x8100
#define ETYPE_8021AD 0x88A8
#define ETYPE_QINQ_OLD 0x9100
#define ETYPE_8023 0x0000          /* what we file 802.3 length-field frames under */
#define IPV6_MAX_EXT 8             /* extension headers we walk before giving up */

#define AGG_PROBES 8               /* slots a flow sum tries before one is given up */

static const uint32_t size_limits[ZC_SIZE_BUCKETS - 1] = {64, 128, 256, 512, 1024, 1519, 9217};

/* Where the frame starts and what is known about it before decoding. */
enum start { AT_ETHER, AT_NETWORK, AT_OTHER };

static inline uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* -- space-saving tables ---------------------------------------------------- */

/* Five independent multiplies rather than a chain: the hash is on every packet. */
static inline uint32_t key_hash(const uint8_t *key)
{
    uint64_t w[5];
    memcpy(w, key, sizeof(w));
    uint64_t h = (w[0] * 0x9E3779B97F4A7C15ull) ^ (w[1] * 0xC2B2AE3D27D4EB4Full) ^
                 (w[2] * 0x165667B19E3779F9ull) ^ (w[3] * 0xD6E8FEB86659FD93ull) ^
                 (w[4] * 0xFF51AFD7ED558CCDull);
    h ^= h >> 33;                        /* a product's high bits must reach the low ones */
    h *= 0xFF51AFD7ED558CCDull;
    return (uint32_t)(h >> 32);
}

static inline int key_eq(const uint8_t *a, const uint8_t *b)
{
    uint64_t x[5], y[5];
    memcpy(x, a, sizeof(x));
    memcpy(y, b, sizeof(y));
    return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4])) == 0;
}

static inline uint64_t heap_weight(const struct zc_top *t, uint32_t pos)
{
    return t->e[t->heap[pos]].weight;
}

static inline void heap_put(struct zc_top *t, uint32_t pos, uint16_t entry)
{
    t->heap[pos] = entry;
    t->e[entry].pos = pos;
}

/* An entry's weight only ever grows, so it only ever moves down. */
static void sift_down(struct zc_top *t, uint32_t pos)
{
    uint16_t moving = t->heap[pos];
    uint64_t w = t->e[moving].weight;
    for (;;) {
        uint32_t l = 2 * pos + 1, m = l;
        if (l >= t->n)
            break;
        if (l + 1 < t->n && heap_weight(t, l + 1) < heap_weight(t, l))
            m = l + 1;
        if (heap_weight(t, m) >= w)
            break;
        heap_put(t, pos, t->heap[m]);
        pos = m;
    }
    heap_put(t, pos, moving);
}

static void heapify(struct zc_top *t)
{
    for (uint32_t i = 0; i < t->n; i++)
        heap_put(t, i, (uint16_t)i);
    for (uint32_t i = t->n / 2; i-- > 0;)
        sift_down(t, i);
    t->heaped = 1;
}

/* Linear probing deletion by backward shift: no tombstones to pile up. */
static void index_delete(struct zc_top *t, uint32_t hole)
{
    const uint32_t mask = ZC_TOP_HASH - 1;
    uint32_t j = hole;
    t->index[hole] = -1;
    for (;;) {
        j = (j + 1) & mask;
        int32_t x = t->index[j];
        if (x < 0)
            return;
        uint32_t home = t->e[x].hash & mask;
        /* The entry at j may fill the hole unless its home lies in (hole, j]. */
        int stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (!stays) {
            t->index[hole] = (int16_t)x;
            t->e[x].slot = hole;
            t->index[j] = -1;
            hole = j;
        }
    }
}

static void top_add(struct zc_top *t, const uint8_t *key, uint64_t packets, uint64_t bytes)
{
    const uint32_t mask = ZC_TOP_HASH - 1;
    uint64_t w = t->by_bytes ? bytes : packets;
    uint32_t h = key_hash(key), s, i;
    struct zc_top_entry *e;

    for (s = h & mask; t->index[s] >= 0; s = (s + 1) & mask) {
        i = (uint32_t)t->index[s];
        e = &t->e[i];
        if (e->hash == h && key_eq(e->key, key)) {
            e->weight += w;
            e->packets += packets;
            e->bytes += bytes;
            if (t->heaped)
                sift_down(t, e->pos);
            return;
        }
    }
    if (t->n < ZC_TOP_SLOTS) {
        e = &t->e[t->n];
        memcpy(e->key, key, ZC_KEY_BYTES);
        e->weight = w;
        e->err = 0;
        e->packets = packets;
        e->bytes = bytes;
        e->slot = s;
        e->hash = h;
        t->index[s] = (int16_t)t->n++;
        if (t->n == ZC_TOP_SLOTS)
            heapify(t);
        return;
    }
    /* Full: the lightest key gives up its entry. */
    i = t->heap[0];
    e = &t->e[i];
    index_delete(t, e->slot);
    for (s = h & mask; t->index[s] >= 0; s = (s + 1) & mask)
        ;
    memcpy(e->key, key, ZC_KEY_BYTES);
    e->err = e->weight;
    e->weight += w;
    e->packets = packets;
    e->bytes = bytes;
    e->slot = s;
    e->hash = h;
    t->index[s] = (int16_t)i;
    t->evicted++;
    sift_down(t, 0);
}

static void top_init(struct zc_top *t, int by_bytes)
{
    memset(t, 0, sizeof(*t));
    t->by_bytes = (uint32_t)by_bytes;
    memset(t->index, 0xff, sizeof(t->index));
}

static inline uint64_t rank_value(const struct zc_top *t, const struct zc_top_entry *e,
                                  int by_bytes)
{
    /* A table's own weight is its best estimate; the other measure is only
     * what was seen since the key came in. */
    if ((uint32_t)by_bytes == t->by_bytes)
        return e->weight;
    return by_bytes ? e->bytes : e->packets;
}

/* Entry numbers of the `k` heaviest entries, heaviest first, ranked by bytes
 * or packets (not by the table's weight); returns how many were written. */
static uint32_t top_rank(const struct zc_top *t, int by_bytes, uint32_t *out, uint32_t k)
{
    uint32_t have = 0;
    for (uint32_t i = 0; i < t->n && k > 0; i++) {
        uint64_t v = rank_value(t, &t->e[i], by_bytes);
        uint32_t j;
        if (have < k) {
            j = have++;
        } else if (v > rank_value(t, &t->e[out[k - 1]], by_bytes)) {
            j = k - 1;                 /* the lightest of the k so far drops out */
        } else {
            continue;
        }
        for (; j > 0 && rank_value(t, &t->e[out[j - 1]], by_bytes) < v; j--)
            out[j] = out[j - 1];
        out[j] = i;
    }
    return have;
}

static void flush_aggregates(struct zc_stats *st);

static void top_view(const struct zc_top *t, struct zc_top_view *v, uint32_t k)
{
    uint32_t rank[ZC_VIEW_TOP];
    v->n = t->n;
    v->evicted = t->evicted;
    for (int by_bytes = 0; by_bytes < 2; by_bytes++) {
        uint32_t n = top_rank(t, by_bytes, rank, k);
        for (uint32_t i = 0; i < n; i++)
            v->top[by_bytes][i] = t->e[rank[i]];
        v->count[by_bytes] = n;
    }
}

void zc_stats_view(struct zc_stats *st, struct zc_stats_view *out, uint32_t k, int tables)
{
    flush_aggregates(st);
    out->c = st->c;
    if (k > ZC_VIEW_TOP)
        k = ZC_VIEW_TOP;
    if (!tables)
        k = 0;
    top_view(&st->talkers_bytes, &out->talkers_bytes, k);
    top_view(&st->talkers_packets, &out->talkers_packets, k);
    top_view(&st->conversations, &out->conversations, k);
    top_view(&st->ports, &out->ports, k);
}

uint32_t zc_size_limit(uint32_t i)
{
    return i < ZC_SIZE_BUCKETS - 1 ? size_limits[i] : UINT32_MAX;
}

void zc_stats_init(struct zc_stats *st)
{
    memset(st, 0, sizeof(*st));
    top_init(&st->talkers_bytes, 1);
    top_init(&st->talkers_packets, 0);
    top_init(&st->conversations, 1);
    top_init(&st->ports, 0);
    st->gen = 1;
}

/* -- one packet ------------------------------------------------------------- */

static void count_etype(struct zc_stats *st, uint16_t type, uint64_t packets, uint64_t bytes)
{
    for (uint32_t i = 0; i < st->c.n_etype; i++) {
        if (st->c.etype[i].type == type) {
            st->c.etype[i].packets += packets;
            st->c.etype[i].bytes += bytes;
            return;
        }
    }
    if (st->c.n_etype < ZC_ETYPE_SLOTS) {
        struct zc_etype *e = &st->c.etype[st->c.n_etype++];
        e->type = type;
        e->packets = packets;
        e->bytes = bytes;
        return;
    }
    st->c.etype_other_packets += packets;
    st->c.etype_other_bytes += bytes;
}

static int has_ports(uint8_t proto)
{
    return proto == 6 || proto == 17 || proto == 33 || proto == 132 || proto == 136;
}

/* Addresses and ports of an IP packet at p; af is 0 when it is not one. */
struct flow {
    uint8_t af, proto, ports;
    uint8_t src[16], dst[16];
    uint16_t sport, dport;           /* network order */
};

static void decode_l4(const uint8_t *p, uint32_t len, struct flow *f)
{
    if (has_ports(f->proto) && len >= 4) {
        memcpy(&f->sport, p, 2);
        memcpy(&f->dport, p + 2, 2);
        f->ports = 1;
    }
}

static void decode_ipv4(const uint8_t *p, uint32_t len, struct flow *f)
{
    uint32_t ihl;
    if (len < 20 || (p[0] >> 4) != 4 || (ihl = (p[0] & 15u) * 4) < 20)
        return;
    f->af = ZC_AF_INET;
    f->proto = p[9];
    memcpy(f->src, p + 12, 4);
    memcpy(f->dst, p + 16, 4);
    if ((be16(p + 6) & 0x1FFF) == 0 && len > ihl)     /* ports only in a first fragment */
        decode_l4(p + ihl, len - ihl, f);
}

static void decode_ipv6(const uint8_t *p, uint32_t len, struct flow *f)
{
    uint32_t off = 40;
    uint8_t nh;
    if (len < 40 || (p[0] >> 4) != 6)
        return;
    f->af = ZC_AF_INET6;
    memcpy(f->src, p + 8, 16);
    memcpy(f->dst, p + 24, 16);
    nh = p[6];
    for (int i = 0; i < IPV6_MAX_EXT; i++) {
        if (nh == 0 || nh == 43 || nh == 60) {           /* hop-by-hop, routing, dest opts */
            if (off + 2 > len)
                break;
            nh = p[off];
            off += (p[off + 1] + 1u) * 8;
        } else if (nh == 44) {                             /* fragment */
            if (off + 8 > len)
                break;
            int later = (be16(p + off + 2) & 0xFFF8) != 0;
            nh = p[off];
            off += 8;
            if (later) {
                f->proto = nh;
                return;
            }
        } else if (nh == 51) {                             /* authentication header */
            if (off + 2 > len)
                break;
            nh = p[off];
            off += (p[off + 1] + 2u) * 4;
        } else {
            break;
        }
    }
    f->proto = nh;
    if (off < len)
        decode_l4(p + off, len - off, f);
}

/* Feed one flow's sums to the tables. */
static void flush_flow(struct zc_stats *st, const uint8_t *k, uint64_t n, uint64_t bytes)
{
    uint8_t key[ZC_KEY_BYTES];

    memset(key, 0, sizeof(key));
    key[0] = k[0];
    memcpy(key + 4, k + 4, 32);                      /* src, dst */
    top_add(&st->talkers_bytes, key, n, bytes);
    top_add(&st->talkers_packets, key, n, bytes);
    if (k[0] == ZC_AF_MAC)
        return;

    /* Both directions of a conversation share one key: the lesser end first. */
    int c = memcmp(k + 4, k + 20, 16);
    int swap = c > 0 || (c == 0 && be16(k + 2) > be16(k + 36));
    memset(key, 0, sizeof(key));
    key[0] = k[0];
    key[1] = k[1];
    memcpy(key + 2, swap ? k + 36 : k + 2, 2);
    memcpy(key + 4, swap ? k + 20 : k + 4, 16);
    memcpy(key + 20, swap ? k + 4 : k + 20, 16);
    memcpy(key + 36, swap ? k + 2 : k + 36, 2);
    top_add(&st->conversations, key, n, bytes);

    st->c.proto_packets[k[1]] += n;
    st->c.proto_bytes[k[1]] += bytes;
    if (k[38]) {
        memset(key, 0, sizeof(key));
        key[0] = k[1];
        memcpy(key + 2, k + 36, 2);
        top_add(&st->ports, key, n, bytes);
    }
}

/* A plain IPv4 flow's sums, in the general key layout. */
static void flush_agg4(struct zc_stats *st, struct zc_agg4 *a)
{
    const uint8_t *addrs = (const uint8_t *)&a->k0, *rest = (const uint8_t *)&a->k1;
    uint8_t key[ZC_KEY_BYTES];

    memset(key, 0, sizeof(key));
    key[0] = ZC_AF_INET;
    key[1] = rest[4];                   /* protocol */
    memcpy(key + 2, rest, 2);           /* source port */
    memcpy(key + 4, addrs, 4);          /* source address */
    memcpy(key + 20, addrs + 4, 4);     /* destination address */
    memcpy(key + 36, rest + 2, 2);      /* destination port */
    key[38] = rest[5];                  /* has ports */
    count_etype(st, ETYPE_IPV4, a->packets, a->bytes);
    flush_flow(st, key, a->packets, a->bytes);
    a->packets = 0;
    a->k1 = UINT64_MAX;                 /* no real key: bytes 6-7 of k1 are always 0 */
}

static void flush_aggregates(struct zc_stats *st)
{
    for (uint32_t i = 0; i < st->nused4; i++)
        flush_agg4(st, &st->agg4[st->used4[i]]);
    st->nused4 = 0;
    for (uint32_t i = 0; i < st->nused; i++) {
        const struct zc_agg *a = &st->agg[st->used[i]];
        flush_flow(st, a->key, a->packets, a->bytes);
    }
    st->nused = 0;
    st->gen++;
    if (st->gen == 0) {                   /* wrapped: make sure no slot looks current */
        for (uint32_t i = 0; i < ZC_AGG_SLOTS; i++)
            st->agg[i].gen = UINT32_MAX;
        st->gen = 1;
    }
}

/* A flow key as five words, so the hot path builds, hashes and compares it in
 * registers (byte stores read back as words stall on store forwarding). */
struct key5 {
    uint64_t w[5];
};

static void count_key(struct zc_stats *st, struct key5 k, uint32_t wirelen)
{
    uint64_t h = (k.w[0] * 0x9E3779B97F4A7C15ull) ^ (k.w[1] * 0xC2B2AE3D27D4EB4Full) ^
                 (k.w[2] * 0x165667B19E3779F9ull) ^ (k.w[3] * 0xD6E8FEB86659FD93ull) ^
                 (k.w[4] * 0xFF51AFD7ED558CCDull);
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    uint32_t s = (uint32_t)(h >> 32);
    struct zc_agg *a = NULL;

    for (int i = 0; i < AGG_PROBES; i++, s++) {
        a = &st->agg[s & (ZC_AGG_SLOTS - 1)];
        if (a->gen != st->gen) {                   /* free: the flow starts here */
            st->used[st->nused++] = (uint16_t)(s & (ZC_AGG_SLOTS - 1));
            a->gen = st->gen;
            goto fresh;
        }
        uint64_t x[5];
        memcpy(x, a->key, sizeof(x));
        if (((x[0] ^ k.w[0]) | (x[1] ^ k.w[1]) | (x[2] ^ k.w[2]) | (x[3] ^ k.w[3]) |
             (x[4] ^ k.w[4])) == 0) {
            a->packets++;
            a->bytes += wirelen;
            return;
        }
    }
    flush_flow(st, a->key, a->packets, a->bytes);   /* a crowded neighbourhood: the last goes now */
fresh:
    memcpy(a->key, k.w, ZC_KEY_BYTES);
    a->packets = 1;
    a->bytes = wirelen;
}

static void count_flow(struct zc_stats *st, const struct flow *f, uint32_t wirelen)
{
    struct key5 k;
    if (f->af == ZC_AF_INET) {
        /* The layout of flush_flow's key, little-endian words: af, proto, sport,
         * src at bytes 0-7; dst at 20-23; dport and the ports flag at 36-38. */
        uint32_t src, dst;
        memcpy(&src, f->src, 4);
        memcpy(&dst, f->dst, 4);
        k.w[0] = f->af | (uint64_t)f->proto << 8 | (uint64_t)f->sport << 16 | (uint64_t)src << 32;
        k.w[1] = 0;
        k.w[2] = (uint64_t)dst << 32;
        k.w[3] = 0;
        k.w[4] = (uint64_t)f->dport << 32 | (uint64_t)f->ports << 48;
    } else {
        uint8_t key[ZC_KEY_BYTES];
        memset(key, 0, sizeof(key));
        key[0] = f->af;
        key[1] = f->proto;
        memcpy(key + 2, &f->sport, 2);
        memcpy(key + 4, f->src, 16);
        memcpy(key + 20, f->dst, 16);
        memcpy(key + 36, &f->dport, 2);
        key[38] = f->ports;
        memcpy(k.w, key, sizeof(key));
    }
    count_key(st, k, wirelen);
}

static void count_macs(struct zc_stats *st, const uint8_t *eth, uint32_t wirelen)
{
    uint8_t key[ZC_KEY_BYTES];
    memset(key, 0, sizeof(key));
    key[0] = ZC_AF_MAC;
    memcpy(key + 4, eth + 6, 6);        /* source */
    memcpy(key + 20, eth, 6);           /* destination */
    struct key5 k;
    memcpy(k.w, key, sizeof(key));
    count_key(st, k, wirelen);
}

/* A plain IPv4 packet's flow key and its home slot in agg4. */
struct key4 {
    uint64_t k0, k1;
    uint32_t slot, wirelen;
};

static void agg4_add(struct zc_stats *st, const struct key4 *q)
{
    struct zc_agg4 *a = NULL;
    uint32_t s = q->slot;

    for (int i = 0; i < AGG_PROBES; i++, s++) {
        a = &st->agg4[s & (ZC_AGG4_SLOTS - 1)];
        if (a->packets == 0) {
            st->used4[st->nused4++] = (uint16_t)(s & (ZC_AGG4_SLOTS - 1));
            goto fresh;
        }
        if (a->k0 == q->k0 && a->k1 == q->k1) {
            a->packets++;
            a->bytes += q->wirelen;
            return;
        }
    }
    flush_agg4(st, a);                  /* a crowded neighbourhood: the last goes now */
fresh:
    a->k0 = q->k0;
    a->k1 = q->k1;
    a->packets = 1;
    a->bytes = q->wirelen;
}

static inline uint32_t key4_slot(uint64_t k0, uint64_t k1)
{
    uint64_t h = (k0 * 0x9E3779B97F4A7C15ull) ^ (k1 * 0xC2B2AE3D27D4EB4Full);
    h ^= h >> 32;
    h *= 0xFF51AFD7ED558CCDull;
    return (uint32_t)(h >> 48);
}

/* Fields are compared as they lie in memory: little-endian loads of
 * big-endian bytes. */
#define WIRE_ETYPE_IPV4 0x0008u
#define WIRE_FRAG_OFFSET 0xFF1Fu       /* the 13 offset bits of the flags/offset field */

/* The key of an IPv4 packet with a plain header (as nearly all are); 0 when
 * the general decoder must take it. */
static inline __attribute__((always_inline)) int ipv4_key(const uint8_t *ip, uint32_t len,
                                                          uint32_t wirelen, struct key4 *q)
{
    uint16_t frag;
    uint32_t ports;
    uint64_t k0, k1;

    if (len < 20 || ip[0] != 0x45)
        return 0;
    uint8_t proto = ip[9];
    k1 = (uint64_t)proto << 32;
    if (proto == 6 || proto == 17) {
        memcpy(&frag, ip + 6, 2);
        if (!(frag & WIRE_FRAG_OFFSET) && len >= 24) {     /* ports only in a first fragment */
            memcpy(&ports, ip + 20, 4);
            k1 |= ports | 1ull << 40;
        }
    } else if (has_ports(proto)) {
        return 0;
    }
    memcpy(&k0, ip + 12, 8);
    q->k0 = k0;
    q->k1 = k1;
    q->slot = key4_slot(k0, k1);
    q->wirelen = wirelen;
    return 1;
}

/* ipv4_key for an Ethernet frame; 0 when it is not plain IPv4. */
static inline __attribute__((always_inline)) int ether_ipv4_key(const uint8_t *p,
                                                                uint32_t caplen,
                                                                uint32_t wirelen,
                                                                struct key4 *q)
{
    uint16_t etype;

    if (caplen < ETH_HEADER)
        return 0;
    memcpy(&etype, p + 12, 2);
    return etype == WIRE_ETYPE_IPV4 && ipv4_key(p + ETH_HEADER, caplen - ETH_HEADER, wirelen, q);
}

/* Bucket i holds wire lengths in [size_limits[i-1], size_limits[i]). */
static inline uint32_t size_bucket(uint32_t wirelen)
{
    if (wirelen < 1024)
        return wirelen < 64 ? 0 : 26 - (uint32_t)__builtin_clz(wirelen);
    return 5 + (wirelen >= 1519) + (wirelen >= 9217);
}

/* The general decoder, for every link type. `etype` is the protocol when the
 * frame starts at the network header. */
static void count_packet(struct zc_stats *st, const uint8_t *p, uint32_t caplen,
                         uint32_t wirelen, enum start where, uint16_t etype, int tagged,
                         uint64_t ts_ns)
{
    uint32_t off = 0;
    struct flow f;

    st->c.packets++;
    st->c.bytes += wirelen;
    st->c.size_packets[size_bucket(wirelen)]++;
    if (!st->c.first_ts_ns)
        st->c.first_ts_ns = ts_ns;
    st->c.last_ts_ns = ts_ns;

    if (where == AT_ETHER) {
        if (caplen < ETH_HEADER) {
            st->c.undecoded++;
            return;
        }
        etype = be16(p + 12);
        off = ETH_HEADER;
        while ((etype == ETYPE_8021Q || etype == ETYPE_8021AD || etype == ETYPE_QINQ_OLD) &&
               off + 4 <= caplen) {
            tagged = 1;
            etype = be16(p + off + 2);
            off += 4;
        }
        if (etype < 0x0600)
            etype = ETYPE_8023;
    } else if (where == AT_OTHER) {
        st->c.undecoded++;
        return;
    }
    st->c.vlan += tagged != 0;
    if (etype == ETYPE_IPV4) {
        struct key4 q;
        if (ipv4_key(p + off, caplen - off, wirelen, &q)) {
            agg4_add(st, &q);
            return;
        }
    }
    count_etype(st, etype, 1, wirelen);
    memset(&f, 0, sizeof(f));
    if (etype == ETYPE_IPV4)
        decode_ipv4(p + off, caplen - off, &f);
    else if (etype == ETYPE_IPV6)
        decode_ipv6(p + off, caplen - off, &f);
    if (f.af) {
        count_flow(st, &f, wirelen);
        return;
    }
    st->c.non_ip++;
    if (where == AT_ETHER)
        count_macs(st, p, wirelen);
}

/* -- batches ---------------------------------------------------------------- */

static inline uint64_t ring_ts(const struct tpacket3_hdr *h)
{
    return (uint64_t)h->tp_sec * 1000000000u + h->tp_nsec;
}

/* Two passes over at most ZC_RUN packets: decode each (the general decoder
 * takes what is not plain IPv4 over Ethernet) and prefetch its aggregate's
 * line, then add them up. In a capture the aggregates are pushed out of cache
 * by the ring and the file writes between packets; waiting for that line was
 * 40% of the counting time before the prefetch. */
void zc_stats_ring_run(struct zc_stats *st, const struct tpacket3_hdr *h, uint32_t n, int mode)
{
    struct key4 q[ZC_RUN];

    if (n == 0)
        return;
    if (!st->c.first_ts_ns)
        st->c.first_ts_ns = ring_ts(h);
    while (n > 0) {
        uint32_t m = n < ZC_RUN ? n : ZC_RUN, nq = 0;
        uint64_t bytes = 0, vlan = 0;
        const struct tpacket3_hdr *last = h;
        for (uint32_t i = 0; i < m; i++) {
            const uint8_t *p = (const uint8_t *)h + h->tp_mac;
            uint32_t caplen = h->tp_snaplen, wirelen = h->tp_len;
            uint64_t ts = 0;            /* only the general decoder wants it */
            if (mode == ZC_FRAME_SLL2) {
                ts = ring_ts(h);
                const struct sockaddr_ll *sll = (const void *)((const uint8_t *)h +
                    TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));
                count_packet(st, p, caplen, wirelen, AT_NETWORK,
                             be16((const uint8_t *)&sll->sll_protocol), 0, ts);
            } else {
                int tagged = (h->tp_status & TP_STATUS_VLAN_VALID) != 0;
                wirelen += tagged ? 4u : 0u;
                if (ether_ipv4_key(p, caplen, wirelen, &q[nq])) {
                    __builtin_prefetch(&st->agg4[q[nq].slot & (ZC_AGG4_SLOTS - 1)], 1);
                    st->c.size_packets[size_bucket(wirelen)]++;
                    bytes += wirelen;
                    vlan += (uint64_t)tagged;
                    nq++;
                } else {
                    ts = ring_ts(h);
                    count_packet(st, p, caplen, wirelen, AT_ETHER, 0, tagged, ts);
                }
            }
            last = h;
            h = (const void *)((const uint8_t *)h + h->tp_next_offset);
        }
        st->c.packets += nq;
        st->c.bytes += bytes;
        st->c.vlan += vlan;
        st->c.last_ts_ns = ring_ts(last);
        for (uint32_t i = 0; i < nq; i++) {
            struct zc_agg4 *a = &st->agg4[q[i].slot & (ZC_AGG4_SLOTS - 1)];
            if (a->k0 == q[i].k0 && a->k1 == q[i].k1) {     /* at home: the usual case */
                a->packets++;
                a->bytes += q[i].wirelen;
            } else {
                agg4_add(st, &q[i]);
            }
        }
        n -= m;
    }
}

void zc_stats_end_batch(struct zc_stats *st)
{
    st->c.batches++;
}

uint32_t zc_stats_block(struct zc_stats *st, const void *block, int mode, uint32_t max_pkts)
{
    const struct tpacket_block_desc *bd = block;
    uint32_t n = bd->hdr.bh1.num_pkts;

    if (n > max_pkts)
        n = max_pkts;
    zc_stats_ring_run(st, (const void *)((const uint8_t *)block +
                                         bd->hdr.bh1.offset_to_first_pkt), n, mode);
    zc_stats_end_batch(st);
    return n;
}

void zc_stats_pkt(struct zc_stats *st, const struct zc_pkt *k, uint32_t linktype)
{
    const uint8_t *p = k->data;
    uint32_t len = k->caplen;
    switch (linktype) {
    case LINKTYPE_ETHERNET:
        count_packet(st, p, len, k->wirelen, AT_ETHER, 0, 0, k->ts_ns);
        break;
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_BSD:
    case LINKTYPE_RAW_OPENBSD:
        count_packet(st, p, len, k->wirelen, len ? AT_NETWORK : AT_OTHER,
                     len && (p[0] >> 4) == 6 ? ETYPE_IPV6 : ETYPE_IPV4, 0, k->ts_ns);
        break;
    case LINKTYPE_LINUX_SLL2:
        if (len >= SLL2_HEADER)
            count_packet(st, p + SLL2_HEADER, len - SLL2_HEADER, k->wirelen, AT_NETWORK,
                         be16(p), 0, k->ts_ns);
        else
            count_packet(st, p, len, k->wirelen, AT_OTHER, 0, 0, k->ts_ns);
        break;
    case LINKTYPE_LINUX_SLL:
        if (len >= SLL_HEADER)
            count_packet(st, p + SLL_HEADER, len - SLL_HEADER, k->wirelen, AT_NETWORK,
                         be16(p + 14), 0, k->ts_ns);
        else
            count_packet(st, p, len, k->wirelen, AT_OTHER, 0, 0, k->ts_ns);
        break;
    default:
        count_packet(st, p, len, k->wirelen, AT_OTHER, 0, 0, k->ts_ns);
    }
}

uint32_t zc_stats_pkts(struct zc_stats *st, const struct zc_pkt *pkts, uint32_t n,
                       uint32_t linktype)
{
    for (uint32_t i = 0; i < n; i++)
        zc_stats_pkt(st, &pkts[i], linktype);
    zc_stats_end_batch(st);
    return n;
}
