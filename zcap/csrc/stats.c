/* The per-packet loop of the live summary: decode just enough of each frame
 * (EtherType, IP protocol, addresses, ports) to bump a few counters.
 *
 * Keyed tables are space-saving summaries (Metwally et al., 2005): a full
 * table hands the lightest entry's slot to a new key, which inherits that
 * weight as its error bound. Entries sit in a min-heap on weight, so the
 * lightest is always at the root, and an open-addressing index finds a key.
 * A one-entry cache skips the index for runs of packets of one flow. */
#include "stats.h"
#include "writer.h"            /* enum zc_frame_mode */

#include <string.h>

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

static const uint32_t size_limits[ZC_SIZE_BUCKETS - 1] = {64, 128, 256, 512, 1024, 1519, 9217};

/* Where the frame starts and what is known about it before decoding. */
enum start { AT_ETHER, AT_NETWORK, AT_OTHER };

static inline uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* -- space-saving tables ---------------------------------------------------- */

static uint32_t key_hash(const uint8_t *key)
{
    uint64_t h = 0, w;
    for (int i = 0; i < ZC_KEY_BYTES; i += 8) {
        memcpy(&w, key + i, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 29;
    }
    return (uint32_t)(h >> 32);
}

static inline void put(struct zc_top *t, uint32_t i, const struct zc_top_entry *e)
{
    t->e[i] = *e;
    t->index[e->slot] = (int32_t)i;
}

static uint32_t sift_down(struct zc_top *t, uint32_t i)
{
    struct zc_top_entry moving = t->e[i];
    for (;;) {
        uint32_t l = 2 * i + 1, m = l;
        if (l >= t->n)
            break;
        if (l + 1 < t->n && t->e[l + 1].weight < t->e[l].weight)
            m = l + 1;
        if (t->e[m].weight >= moving.weight)
            break;
        put(t, i, &t->e[m]);
        i = m;
    }
    put(t, i, &moving);
    return i;
}

static uint32_t sift_up(struct zc_top *t, uint32_t i)
{
    struct zc_top_entry moving = t->e[i];
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (t->e[parent].weight <= moving.weight)
            break;
        put(t, i, &t->e[parent]);
        i = parent;
    }
    put(t, i, &moving);
    return i;
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
            t->index[hole] = x;
            t->e[x].slot = hole;
            t->index[j] = -1;
            hole = j;
        }
    }
}

static void top_add(struct zc_top *t, const uint8_t *key, uint64_t bytes)
{
    const uint32_t mask = ZC_TOP_HASH - 1;
    uint64_t w = t->by_bytes ? bytes : 1;
    uint32_t i = t->last, h, s;

    if (i < t->n && memcmp(t->e[i].key, key, ZC_KEY_BYTES) == 0)
        goto hit;
    h = key_hash(key);
    for (s = h & mask; t->index[s] >= 0; s = (s + 1) & mask) {
        i = (uint32_t)t->index[s];
        if (t->e[i].hash == h && memcmp(t->e[i].key, key, ZC_KEY_BYTES) == 0)
            goto hit;
    }
    if (t->n < ZC_TOP_SLOTS) {
        struct zc_top_entry *e = &t->e[t->n];
        memcpy(e->key, key, ZC_KEY_BYTES);
        e->weight = w;
        e->err = 0;
        e->packets = 1;
        e->bytes = bytes;
        e->slot = s;
        e->hash = h;
        t->index[s] = (int32_t)t->n;
        t->last = sift_up(t, t->n++);
        return;
    }
    /* Full: the lightest key gives up its place. */
    struct zc_top_entry *e = &t->e[0];
    index_delete(t, e->slot);
    for (s = h & mask; t->index[s] >= 0; s = (s + 1) & mask)
        ;
    memcpy(e->key, key, ZC_KEY_BYTES);
    e->err = e->weight;
    e->weight += w;
    e->packets = 1;
    e->bytes = bytes;
    e->slot = s;
    e->hash = h;
    t->index[s] = 0;
    t->evicted++;
    t->last = sift_down(t, 0);
    return;
hit:
    t->e[i].weight += w;
    t->e[i].packets++;
    t->e[i].bytes += bytes;
    t->last = sift_down(t, i);
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

uint32_t zc_top_rank(const struct zc_top *t, int by_bytes, uint32_t *out, uint32_t k)
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
}

/* -- one packet ------------------------------------------------------------- */

static void count_etype(struct zc_stats *st, uint16_t type, uint32_t wirelen)
{
    for (uint32_t i = 0; i < st->n_etype; i++) {
        if (st->etype[i].type == type) {
            st->etype[i].packets++;
            st->etype[i].bytes += wirelen;
            return;
        }
    }
    if (st->n_etype < ZC_ETYPE_SLOTS) {
        struct zc_etype *e = &st->etype[st->n_etype++];
        e->type = type;
        e->packets = 1;
        e->bytes = wirelen;
        return;
    }
    st->etype_other_packets++;
    st->etype_other_bytes += wirelen;
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

static void count_flow(struct zc_stats *st, const struct flow *f, uint32_t wirelen)
{
    uint8_t key[ZC_KEY_BYTES];

    st->proto_packets[f->proto]++;
    st->proto_bytes[f->proto] += wirelen;

    memset(key, 0, sizeof(key));
    key[0] = f->af;
    memcpy(key + 4, f->src, 16);
    memcpy(key + 20, f->dst, 16);
    top_add(&st->talkers_bytes, key, wirelen);
    top_add(&st->talkers_packets, key, wirelen);

    /* Both directions of a conversation share one key: the lesser end first. */
    int c = memcmp(f->src, f->dst, 16);
    int src_first = c < 0 || (c == 0 && be16((const uint8_t *)&f->sport) <=
                                            be16((const uint8_t *)&f->dport));
    const uint8_t *a = src_first ? f->src : f->dst, *b = src_first ? f->dst : f->src;
    uint16_t pa = f->ports ? (src_first ? f->sport : f->dport) : 0;
    uint16_t pb = f->ports ? (src_first ? f->dport : f->sport) : 0;
    memset(key, 0, sizeof(key));
    key[0] = f->af;
    key[1] = f->proto;
    memcpy(key + 2, &pa, 2);
    memcpy(key + 4, a, 16);
    memcpy(key + 20, b, 16);
    memcpy(key + 36, &pb, 2);
    top_add(&st->conversations, key, wirelen);

    if (f->ports) {
        memset(key, 0, sizeof(key));
        key[0] = f->proto;
        memcpy(key + 2, &f->dport, 2);
        top_add(&st->ports, key, wirelen);
    }
}

static void count_macs(struct zc_stats *st, const uint8_t *eth, uint32_t wirelen)
{
    uint8_t key[ZC_KEY_BYTES];
    memset(key, 0, sizeof(key));
    key[0] = ZC_AF_MAC;
    memcpy(key + 4, eth + 6, 6);        /* source */
    memcpy(key + 20, eth, 6);           /* destination */
    top_add(&st->talkers_bytes, key, wirelen);
    top_add(&st->talkers_packets, key, wirelen);
}

/* `etype` is the protocol when the frame starts at the network header. */
static void count_packet(struct zc_stats *st, const uint8_t *p, uint32_t caplen,
                         uint32_t wirelen, enum start where, uint16_t etype, int tagged,
                         uint64_t ts_ns)
{
    uint32_t off = 0, b = 0;
    struct flow f;

    st->packets++;
    st->bytes += wirelen;
    while (b < ZC_SIZE_BUCKETS - 1 && wirelen >= size_limits[b])
        b++;
    st->size_packets[b]++;
    if (!st->first_ts_ns)
        st->first_ts_ns = ts_ns;
    st->last_ts_ns = ts_ns;

    if (where == AT_ETHER) {
        if (caplen < ETH_HEADER) {
            st->undecoded++;
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
        st->undecoded++;
        return;
    }
    st->vlan += tagged != 0;
    count_etype(st, etype, wirelen);

    memset(&f, 0, sizeof(f));
    if (etype == ETYPE_IPV4)
        decode_ipv4(p + off, caplen - off, &f);
    else if (etype == ETYPE_IPV6)
        decode_ipv6(p + off, caplen - off, &f);
    if (f.af) {
        count_flow(st, &f, wirelen);
        return;
    }
    st->non_ip++;
    if (where == AT_ETHER)
        count_macs(st, p, wirelen);
}

/* -- batches ---------------------------------------------------------------- */

uint32_t zc_stats_block(struct zc_stats *st, const void *block, int mode, uint32_t max_pkts)
{
    const struct tpacket_block_desc *bd = block;
    const uint8_t *h8 = (const uint8_t *)block + bd->hdr.bh1.offset_to_first_pkt;
    uint32_t n = bd->hdr.bh1.num_pkts;

    if (n > max_pkts)
        n = max_pkts;
    for (uint32_t i = 0; i < n; i++) {
        const struct tpacket3_hdr *h = (const void *)h8;
        const struct sockaddr_ll *sll =
            (const void *)(h8 + TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));
        uint64_t ts = (uint64_t)h->tp_sec * 1000000000u + h->tp_nsec;
        if (mode == ZC_FRAME_SLL2) {
            count_packet(st, h8 + h->tp_mac, h->tp_snaplen, h->tp_len, AT_NETWORK,
                         be16((const uint8_t *)&sll->sll_protocol), 0, ts);
        } else {
            int tagged = (h->tp_status & TP_STATUS_VLAN_VALID) != 0;
            count_packet(st, h8 + h->tp_mac, h->tp_snaplen, h->tp_len + (tagged ? 4u : 0u),
                         AT_ETHER, 0, tagged, ts);
        }
        h8 += h->tp_next_offset;
    }
    st->batches++;
    return n;
}

uint32_t zc_stats_pkts(struct zc_stats *st, const struct zc_pkt *pkts, uint32_t n,
                       uint32_t linktype)
{
    for (uint32_t i = 0; i < n; i++) {
        const struct zc_pkt *k = &pkts[i];
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
    st->batches++;
    return n;
}
