/* File readers: walk a pcap or pcapng image in memory (an mmapped file, or a
 * buffer filled from a pipe) and turn its records into struct zc_pkt, a batch
 * per call. Python keeps the file open and decides what to do with batches;
 * C does the per-record walk and every bounds check. */
#ifndef ZCAP_READERS_H
#define ZCAP_READERS_H

#include <stdint.h>
#include "zcap.h"

/* zc_rd_scan() results */
#define ZC_RD_MORE 0     /* stopped early (batch full, or next packet has another link type) */
#define ZC_RD_END 1      /* the buffer ends exactly at a record boundary */
#define ZC_RD_SHORT 2    /* the buffer ends inside a record; err_off is where it starts */
#define ZC_RD_CORRUPT 3  /* damaged input: err names what, err_off where */

#define ZC_RD_PCAP 1
#define ZC_RD_PCAPNG 2

/* pcap files before version 2.3 (and DG/UX's 543.0) hold a record's wire
 * length where later ones hold its captured length; 2.3 was written both ways,
 * so libpcap takes the smaller of the two as the captured length. */
#define ZC_RD_LEN_NORMAL 0
#define ZC_RD_LEN_SWAPPED 1
#define ZC_RD_LEN_MAYBE 2

/* One interface: the single one of a pcap file, or one IDB of a pcapng file,
 * numbered across the whole file (a new section numbers from 0 again; we don't). */
struct zc_rd_if {
    uint64_t block_off;      /* file offset of the IDB (pcapng), 0 for pcap */
    int64_t tsoffset_s;      /* if_tsoffset, seconds */
    uint64_t ts_mul;         /* ts_ns = units * ts_mul, when ts_div == 0 */
    uint64_t ts_div_lo;      /* else ts_ns = units * 1e9 / ts_div (128-bit) */
    uint64_t ts_div_hi;
    uint32_t linktype;
    uint32_t snaplen;
    uint32_t tsresol;        /* raw if_tsresol byte (6 when absent) */
    uint32_t big_endian;     /* byte order of the section it came from */
    uint32_t section;        /* pcapng section number, from 0 */
};

struct zc_rd {
    /* Set by the caller: the bytes to walk. `base` is the file offset of buf[0]
     * (non-zero when a stream buffer was refilled); `off` indexes buf. */
    const uint8_t *buf;
    uint64_t len;
    uint64_t off;
    uint64_t base;
    /* Learned from the file. */
    uint32_t format;          /* 0 until the header was seen, then ZC_RD_PCAP/PCAPNG */
    uint32_t swap;            /* current section's byte order differs from ours */
    uint32_t pcap_ts_mul;     /* 1000 (µs) or 1 (ns) */
    uint32_t pcap_maxcap;     /* largest caplen a pcap record may claim */
    uint32_t pcap_lengths;    /* ZC_RD_LEN_*: where old files keep caplen and len */
    uint64_t odd_stamps;      /* pcap records with a fraction of a second or more,
                                 or a seconds field past 2^31 */
    uint32_t sec_first_if;    /* global index of the current section's interface 0 */
    uint32_t sec_nif;         /* interfaces declared in the current section */
    uint32_t nif;             /* interfaces in ifs[] */
    uint32_t ifs_cap;
    struct zc_rd_if *ifs;     /* malloc'd by C; free with zc_rd_free() */
    uint32_t major, minor;    /* file format version (pcap header or first SHB) */
    uint32_t nsections;
    const char *err;          /* names the damage: a static string, or errbuf */
    char errbuf[96];
    uint64_t err_off;         /* file offset of the damaged record */
};

/* Walk records from rd->off, filling at most `max` packets into `pkts`.
 * Stores the number filled in *count and returns a ZC_RD_* code. All packets
 * of one call share a link type, so one compiled filter fits the whole batch. */
int zc_rd_scan(struct zc_rd *rd, struct zc_pkt *pkts, uint32_t max, uint32_t *count);

/* Release what zc_rd_scan() allocated (the interface table). */
void zc_rd_free(struct zc_rd *rd);

#endif
