/* pcap and pcapng record walkers; see readers.h.
 *
 * Every length read from the file is checked against the bytes that are left
 * before it is used, and every iteration advances `off` by at least 4 bytes, so
 * no input can make the walk read outside `buf` or stop making progress. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "readers.h"

/* pcap file header magics, as read in our (little-endian) order */
#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAP_HDR_LEN 24
#define PCAP_REC_LEN 16
/* libpcap refuses records larger than this whatever the header's snaplen
 * says, except for the link types below */
#define PCAP_MAX_SNAPLEN 262144u
#define LINKTYPE_DBUS 231u
#define LINKTYPE_USBPCAP 249u
#define LINKTYPE_EBHSCR 279u
#define LINKTYPE_MASK 0x03ffffffu

/* pcapng block types and option codes (draft-ietf-opsawg-pcapng) */
#define PNG_SHB 0x0a0d0d0au
#define PNG_IDB 0x00000001u
#define PNG_OPB 0x00000002u
#define PNG_SPB 0x00000003u
#define PNG_EPB 0x00000006u
#define PNG_BOM 0x1a2b3c4du
#define OPT_ENDOFOPT 0
#define OPT_EPB_FLAGS 2     /* also pack_flags in the obsolete OPB */
#define OPT_IF_TSRESOL 9
#define OPT_IF_TSOFFSET 14

static inline uint32_t rd32(const struct zc_rd *rd, const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return rd->swap ? __builtin_bswap32(v) : v;
}

static inline uint16_t rd16(const struct zc_rd *rd, const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return rd->swap ? __builtin_bswap16(v) : v;
}

static inline uint64_t rd64(const struct zc_rd *rd, const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return rd->swap ? __builtin_bswap64(v) : v;
}

static int fail(struct zc_rd *rd, const char *what, uint64_t off)
{
    rd->err = what;
    rd->err_off = rd->base + off;
    return ZC_RD_CORRUPT;
}

static int short_at(struct zc_rd *rd, const char *what, uint64_t off)
{
    rd->err = what;
    rd->err_off = rd->base + off;
    return ZC_RD_SHORT;
}

/* Append an interface; returns NULL when memory runs out. */
static struct zc_rd_if *add_if(struct zc_rd *rd)
{
    if (rd->nif == rd->ifs_cap) {
        uint32_t cap = rd->ifs_cap ? rd->ifs_cap * 2 : 8;
        struct zc_rd_if *n;
        if (cap < rd->ifs_cap)
            return NULL;
        n = realloc(rd->ifs, (size_t)cap * sizeof *n);
        if (!n)
            return NULL;
        rd->ifs = n;
        rd->ifs_cap = cap;
    }
    struct zc_rd_if *ifp = &rd->ifs[rd->nif++];
    memset(ifp, 0, sizeof *ifp);
    ifp->tsresol = 6;
    ifp->ts_mul = 1000;
    ifp->big_endian = (rd->swap != 0) == (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__);
    ifp->section = rd->nsections ? rd->nsections - 1 : 0;
    return ifp;
}

/* Derive the per-unit conversion from an if_tsresol byte: high bit clear means
 * units of 10^-n s, set means 2^-n s. */
static void set_tsresol(struct zc_rd_if *ifp, uint8_t res)
{
    unsigned n = res & 0x7f;
    unsigned __int128 div = 1;
    ifp->tsresol = res;
    ifp->ts_mul = 0;
    ifp->ts_div_lo = ifp->ts_div_hi = 0;
    if (!(res & 0x80) && n <= 9) {
        uint64_t m = 1;
        for (unsigned i = n; i < 9; i++)
            m *= 10;
        ifp->ts_mul = m;
        return;
    }
    if (res & 0x80) {
        div = (unsigned __int128)1 << n;
    } else {
        /* 10^38 is the largest power of ten in 128 bits; finer units than
         * that round every timestamp down to 0 anyway. */
        for (unsigned i = 0; i < n && i < 39; i++)
            div *= 10;
    }
    ifp->ts_div_lo = (uint64_t)div;
    ifp->ts_div_hi = (uint64_t)(div >> 64);
}

static inline uint64_t units_to_ns(const struct zc_rd_if *ifp, uint64_t units)
{
    uint64_t ns;
    if (ifp->ts_mul) {
        ns = units * ifp->ts_mul;
    } else {
        unsigned __int128 div = ((unsigned __int128)ifp->ts_div_hi << 64) | ifp->ts_div_lo;
        ns = (uint64_t)(((unsigned __int128)units * 1000000000u) / div);
    }
    return ns + (uint64_t)ifp->tsoffset_s * 1000000000u;
}

/* ---- pcap ---- */

static uint32_t max_snaplen_for(uint32_t linktype)
{
    switch (linktype) {
    case LINKTYPE_DBUS:
        return 128u << 20;
    case LINKTYPE_EBHSCR:
        return 8u << 20;
    case LINKTYPE_USBPCAP:
        return 1u << 20;
    default:
        return PCAP_MAX_SNAPLEN;
    }
}

static int pcap_header(struct zc_rd *rd)
{
    const uint8_t *p = rd->buf + rd->off;
    uint32_t magic;
    if (rd->len - rd->off < PCAP_HDR_LEN)
        return short_at(rd, "truncated pcap file header", rd->off);
    memcpy(&magic, p, 4);
    rd->swap = 0;
    if (magic == __builtin_bswap32(PCAP_MAGIC_US) || magic == __builtin_bswap32(PCAP_MAGIC_NS)) {
        rd->swap = 1;
        magic = __builtin_bswap32(magic);
    }
    rd->pcap_ts_mul = magic == PCAP_MAGIC_NS ? 1 : 1000;
    rd->major = rd16(rd, p + 4);
    rd->minor = rd16(rd, p + 6);
    /* libpcap's rule: 2.0 to 2.4, and DG/UX's 543.0 */
    if (rd->major < 2)
        return fail(rd, "archaic pcap savefile format", rd->off);
    if (!((rd->major == 2 && rd->minor <= 4) || (rd->major == 543 && rd->minor == 0))) {
        snprintf(rd->errbuf, sizeof rd->errbuf, "unsupported pcap savefile version %u.%u",
                 rd->major, rd->minor);
        return fail(rd, rd->errbuf, rd->off);
    }
    if (rd->major == 543 || rd->minor < 3)
        rd->pcap_lengths = ZC_RD_LEN_SWAPPED;
    else
        rd->pcap_lengths = rd->minor == 3 ? ZC_RD_LEN_MAYBE : ZC_RD_LEN_NORMAL;
    struct zc_rd_if *ifp = add_if(rd);
    if (!ifp)
        return fail(rd, "out of memory for interfaces", rd->off);
    ifp->linktype = rd32(rd, p + 20) & LINKTYPE_MASK;
    /* a snapshot length of 0 or past INT_MAX stands for the link type's largest */
    rd->pcap_maxcap = max_snaplen_for(ifp->linktype);
    ifp->snaplen = rd32(rd, p + 16);
    if (ifp->snaplen == 0 || ifp->snaplen > 0x7fffffffu)
        ifp->snaplen = rd->pcap_maxcap;
    ifp->tsresol = rd->pcap_ts_mul == 1 ? 9 : 6;
    ifp->ts_mul = rd->pcap_ts_mul;
    rd->format = ZC_RD_PCAP;
    rd->sec_nif = 1;
    rd->nsections = 1;
    rd->off += PCAP_HDR_LEN;
    return ZC_RD_MORE;
}

static int pcap_scan(struct zc_rd *rd, struct zc_pkt *pkts, uint32_t max, uint32_t *count)
{
    uint32_t n = 0;
    int rc = ZC_RD_END;
    const uint64_t mul_s = 1000000000u, mul_frac = rd->pcap_ts_mul;
    const uint32_t snaplen = rd->ifs[0].snaplen;
    while (n < max) {
        uint64_t off = rd->off, left = rd->len - off;
        const uint8_t *p = rd->buf + off;
        if (left == 0) {
            rc = ZC_RD_END;
            goto out;
        }
        if (left < PCAP_REC_LEN) {
            rc = short_at(rd, "truncated packet record header", off);
            goto out;
        }
        /* Each record's place depends on the previous one's length, so the
         * loads form a chain: ask for the lines ahead in the stream early. */
        __builtin_prefetch(p + 512);
        __builtin_prefetch(p + 1024);
        uint32_t caplen = rd32(rd, p + 8), wirelen = rd32(rd, p + 12);
        if (rd->pcap_lengths == ZC_RD_LEN_SWAPPED
            || (rd->pcap_lengths == ZC_RD_LEN_MAYBE && caplen > wirelen)) {
            uint32_t t = caplen;
            caplen = wirelen;
            wirelen = t;
        }
        if (caplen > rd->pcap_maxcap) {
            snprintf(rd->errbuf, sizeof rd->errbuf,
                     "invalid packet capture length %u, bigger than %s %u", caplen,
                     caplen > snaplen ? "snaplen of" : "maximum of",
                     caplen > snaplen ? snaplen : rd->pcap_maxcap);
            rc = fail(rd, rd->errbuf, off);
            goto out;
        }
        if (caplen > left - PCAP_REC_LEN) {
            rc = short_at(rd, "truncated packet data", off);
            goto out;
        }
        pkts[n].data = p + PCAP_REC_LEN;
        uint64_t sec = rd32(rd, p), frac = rd32(rd, p + 4);
        /* A fraction of a second or more (fuzzed files) carries into the
         * seconds here, but libpcap hands both fields on as they are, as
         * signed 32-bit numbers: count such records, and those with the sign
         * bit set, for the printer to go back to the record. */
        if (frac * mul_frac >= mul_s || sec & 0x80000000u)
            rd->odd_stamps++;
        pkts[n].ts_ns = sec * mul_s + frac * mul_frac;
        /* a record longer than the snapshot length: libpcap hands on only
         * that much of it (fuzzed files, or Solaris 2.3's bufmod) */
        pkts[n].caplen = caplen > snaplen ? snaplen : caplen;
        pkts[n].wirelen = wirelen;
        pkts[n].ifid = 0;
        pkts[n].flags = 0;
        n++;
        rd->off = off + PCAP_REC_LEN + caplen;
    }
    rc = ZC_RD_MORE;
out:
    *count = n;
    return rc;
}

/* ---- pcapng ---- */

/* Walk the options in [p, end). For each option calls nothing: returns the
 * value pointer of option `want` (and its length) or NULL. A malformed option
 * list is reported through *bad. */
static const uint8_t *find_opt(const struct zc_rd *rd, const uint8_t *p, const uint8_t *end,
                               uint16_t want, uint16_t *vlen, int *bad)
{
    *bad = 0;
    while (end - p >= 4) {
        uint16_t code = rd16(rd, p), len = rd16(rd, p + 2);
        uint32_t padded = ((uint32_t)len + 3) & ~3u;
        if (code == OPT_ENDOFOPT)
            return NULL;
        if ((uint64_t)(end - p - 4) < padded) {
            *bad = 1;
            return NULL;
        }
        if (code == want) {
            *vlen = len;
            return p + 4;
        }
        p += 4 + padded;
    }
    return NULL;
}

static int png_shb(struct zc_rd *rd, uint64_t off, uint64_t left)
{
    const uint8_t *p = rd->buf + off;
    uint32_t bom, blen;
    if (left < 12)
        return short_at(rd, "truncated section header block", off);
    memcpy(&bom, p + 8, 4);
    if (bom == PNG_BOM)
        rd->swap = 0;
    else if (bom == __builtin_bswap32(PNG_BOM))
        rd->swap = 1;
    else
        return fail(rd, "section header block with bad byte-order magic", off);
    blen = rd32(rd, p + 4);
    if (blen < 28 || blen % 4)
        return fail(rd, "section header block with invalid length", off);
    if (blen > left)
        return short_at(rd, "truncated section header block", off);
    if (rd32(rd, p + blen - 4) != blen)
        return fail(rd, "section header block with mismatched trailing length", off);
    uint32_t major = rd16(rd, p + 12), minor = rd16(rd, p + 14);
    /* libpcap reads versions 1.0 and 1.2; after the first section it checks
     * only the major version */
    if (rd->nsections == 0 && !(major == 1 && (minor == 0 || minor == 2))) {
        snprintf(rd->errbuf, sizeof rd->errbuf, "unsupported pcapng savefile version %u.%u",
                 major, minor);
        return fail(rd, rd->errbuf, off);
    }
    if (major != 1) {
        snprintf(rd->errbuf, sizeof rd->errbuf,
                 "unknown pcapng savefile major version number %u", major);
        return fail(rd, rd->errbuf, off);
    }
    if (rd->nsections++ == 0) {
        rd->major = major;
        rd->minor = minor;
    }
    rd->format = ZC_RD_PCAPNG;
    rd->sec_first_if = rd->nif;
    rd->sec_nif = 0;
    rd->off = off + blen;
    return ZC_RD_MORE;
}

static int png_idb(struct zc_rd *rd, const uint8_t *p, uint32_t blen, uint64_t off)
{
    uint16_t vlen;
    int bad;
    const uint8_t *v, *end = p + blen - 4;
    if (blen < 20)
        return fail(rd, "interface description block too short", off);
    struct zc_rd_if *ifp = add_if(rd);
    if (!ifp)
        return fail(rd, "out of memory for interfaces", off);
    ifp->block_off = rd->base + off;
    ifp->linktype = rd16(rd, p + 8);
    ifp->snaplen = rd32(rd, p + 12);
    v = find_opt(rd, p + 16, end, OPT_IF_TSRESOL, &vlen, &bad);
    if (v && vlen == 1)
        set_tsresol(ifp, v[0]);
    if (!bad) {
        v = find_opt(rd, p + 16, end, OPT_IF_TSOFFSET, &vlen, &bad);
        if (v && vlen == 8)
            ifp->tsoffset_s = (int64_t)rd64(rd, v);
    }
    if (bad) {
        rd->nif--;
        return fail(rd, "interface description block with malformed options", off);
    }
    rd->sec_nif++;
    return ZC_RD_MORE;
}

/* Fill one packet from an EPB/OPB/SPB body. Returns ZC_RD_MORE on success,
 * ZC_RD_CORRUPT on damage, and sets *lt to the interface's link type. */
static int png_packet(struct zc_rd *rd, uint32_t type, const uint8_t *p, uint32_t blen,
                      uint64_t off, struct zc_pkt *pkt)
{
    const uint8_t *end = p + blen - 4, *data, *v;
    uint32_t ifid, caplen, wirelen, flags = 0;
    uint64_t units;
    uint16_t vlen;
    int bad;

    if (type == PNG_SPB) {
        if (blen < 16)
            return fail(rd, "simple packet block too short", off);
        if (rd->sec_nif == 0)
            return fail(rd, "simple packet block before any interface description", off);
        ifid = 0;
        wirelen = rd32(rd, p + 8);
        caplen = blen - 16;
        if (wirelen < caplen)
            caplen = wirelen;
        uint32_t snap = rd->ifs[rd->sec_first_if].snaplen;
        if (snap && snap < caplen)
            caplen = snap;
        data = p + 12;
        units = 0;
    } else {
        if (blen < 32)
            return fail(rd, "packet block too short", off);
        if (type == PNG_EPB) {
            ifid = rd32(rd, p + 8);
        } else {
            ifid = rd16(rd, p + 8);
        }
        units = ((uint64_t)rd32(rd, p + 12) << 32) | rd32(rd, p + 16);
        caplen = rd32(rd, p + 20);
        wirelen = rd32(rd, p + 24);
        data = p + 28;
        if (caplen > (uint64_t)(end - data))
            return fail(rd, "packet block whose captured length overruns the block", off);
        if (ifid >= rd->sec_nif)
            return fail(rd, "packet on an interface with no description block", off);
        v = find_opt(rd, data + ((caplen + 3u) & ~3u), end, OPT_EPB_FLAGS, &vlen, &bad);
        if (bad)
            return fail(rd, "packet block with malformed options", off);
        if (v && vlen == 4)
            flags = rd32(rd, v);
    }
    const struct zc_rd_if *ifp = &rd->ifs[rd->sec_first_if + ifid];
    pkt->data = data;
    pkt->ts_ns = type == PNG_SPB ? 0 : units_to_ns(ifp, units);
    pkt->caplen = caplen;
    pkt->wirelen = wirelen;
    pkt->ifid = rd->sec_first_if + ifid;
    pkt->flags = flags;
    return ZC_RD_MORE;
}

static int png_scan(struct zc_rd *rd, struct zc_pkt *pkts, uint32_t max, uint32_t *count)
{
    uint32_t n = 0, lt = 0;
    int rc;
    while (n < max) {
        uint64_t off = rd->off, left = rd->len - off;
        const uint8_t *p = rd->buf + off;
        if (left == 0) {
            rc = ZC_RD_END;
            goto out;
        }
        if (left < 12) {
            rc = short_at(rd, "truncated block header", off);
            goto out;
        }
        uint32_t type;
        memcpy(&type, p, 4);
        if (type == PNG_SHB) {  /* same in both byte orders */
            rc = png_shb(rd, off, left);
            if (rc != ZC_RD_MORE)
                goto out;
            continue;
        }
        type = rd32(rd, p);
        uint32_t blen = rd32(rd, p + 4);
        if (blen < 12 || blen % 4) {
            rc = fail(rd, "block with invalid length", off);
            goto out;
        }
        if (blen > left) {
            rc = short_at(rd, "truncated block", off);
            goto out;
        }
        if (rd32(rd, p + blen - 4) != blen) {
            rc = fail(rd, "block with mismatched trailing length", off);
            goto out;
        }
        if (type == PNG_IDB) {
            rc = png_idb(rd, p, blen, off);
            if (rc != ZC_RD_MORE)
                goto out;
        } else if (type == PNG_EPB || type == PNG_SPB || type == PNG_OPB) {
            rc = png_packet(rd, type, p, blen, off, &pkts[n]);
            if (rc != ZC_RD_MORE)
                goto out;
            uint32_t plt = rd->ifs[pkts[n].ifid].linktype;
            if (n && plt != lt) {
                rc = ZC_RD_MORE;  /* leave it for the next batch */
                goto out;
            }
            lt = plt;
            n++;
        }
        /* every other block type (ISB, NRB, DSB, custom...) is skipped */
        rd->off = off + blen;
    }
    rc = ZC_RD_MORE;
out:
    *count = n;
    return rc;
}

int zc_rd_scan(struct zc_rd *rd, struct zc_pkt *pkts, uint32_t max, uint32_t *count)
{
    *count = 0;
    rd->err = NULL;
    if (rd->off > rd->len)
        return fail(rd, "reader offset past the end of the buffer", rd->len);
    if (rd->format == 0) {
        const uint8_t *p = rd->buf + rd->off;
        uint64_t left = rd->len - rd->off;
        uint32_t magic;
        int rc;
        if (left < 4)
            return short_at(rd, "truncated file header", rd->off);
        memcpy(&magic, p, 4);
        if (magic == PNG_SHB) {
            rc = png_shb(rd, rd->off, left);
        } else if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS
                   || magic == __builtin_bswap32(PCAP_MAGIC_US)
                   || magic == __builtin_bswap32(PCAP_MAGIC_NS)) {
            rc = pcap_header(rd);
        } else {
            return fail(rd, "not a pcap or pcapng file (unknown magic number)", rd->off);
        }
        if (rc != ZC_RD_MORE)
            return rc;
    }
    if (max == 0)
        return ZC_RD_MORE;
    return rd->format == ZC_RD_PCAP ? pcap_scan(rd, pkts, max, count)
                                    : png_scan(rd, pkts, max, count);
}

void zc_rd_free(struct zc_rd *rd)
{
    free(rd->ifs);
    rd->ifs = NULL;
    rd->nif = rd->ifs_cap = 0;
}
