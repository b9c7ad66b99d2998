/* pcapng Enhanced Packet Blocks written with writev() straight from the
 * memory the packets live in (ring blocks, mmapped files). */
#ifndef ZCAP_WRITER_H
#define ZCAP_WRITER_H

#include "zcap.h"

struct zc_stats;                   /* stats.h: live summary counters */

#define ZC_IOV_MAX 1024            /* IOV_MAX on Linux; one more gives EINVAL */
#define ZC_ARENA_BYTES (1024 * 1024)
#define ZC_BLOCKS_MAX 8192         /* pcapng blocks in one writev(): ~1 MiB of small packets */
/* Packets up to this many bytes are copied into the arena instead of getting
 * an iovec of their own: the kernel's cost per iovec segment is more than a
 * memcpy of a small frame (measured in bench/: 64-byte frames cost 3x less
 * CPU this way). Larger frames stay zero-copy. */
#define ZC_COPY_MAX_DEFAULT 256

/* How the packet bytes in a TPACKET_V3 block become a file frame. */
enum zc_frame_mode {
    ZC_FRAME_ETHER = 0,            /* as captured, VLAN tag put back */
    ZC_FRAME_SLL2 = 1,             /* LINUX_SLL2 header built from sockaddr_ll */
};

struct zc_writer {
    int fd;
    int err;                       /* first errno seen; sticky, the file is then closed */
    uint64_t offset;               /* end of the last complete block in the file */
    uint64_t packets;              /* EPBs completely written */
    uint64_t bytes;                /* bytes completely written */
    uint32_t snaplen;              /* frames grown by a re-inserted tag are cut to this */
    uint32_t copy_max;             /* segments up to this size go into the arena */
    uint64_t stop_offset;          /* no packet starts at or past this file offset (0: none) */
    uint64_t stop_ts_ns;           /* nor with a timestamp at or past this (0: none) */
    /* Counters fed with each packet as it is written (NULL: none). Counting in
     * the writer's pass finds the packet's bytes already in cache; a second
     * walk over a 1 MiB block after the writer costs several times more. */
    struct zc_stats *tap;
    uint32_t tap_linktype;         /* how zc_write_pkts' packets start (LINKTYPE_*) */
    /* the pending writev: iovecs, the arena holding headers, and block ends */
    int niov;
    int nblocks;
    size_t arena_used;
    size_t pending;
    struct iovec iov[ZC_IOV_MAX];
    uint32_t block_end[ZC_BLOCKS_MAX];  /* byte offset (in pending) where each block ends */
    uint8_t block_is_pkt[ZC_BLOCKS_MAX];
    uint8_t arena[ZC_ARENA_BYTES];
};

struct zc_block_info {
    uint32_t num_pkts;             /* packets the kernel put in the block */
    uint32_t written;              /* EPBs written from it */
    uint32_t losing;               /* TP_STATUS_LOSING was set: the kernel dropped some */
    uint64_t bytes;                /* wire bytes of the written packets */
    uint64_t first_ts_ns, last_ts_ns;
};

/* The meta data of a ring packet that is not in its bytes. */
struct zc_ring_meta {
    int32_t ifindex;
    uint16_t protocol;             /* network byte order, as in sockaddr_ll */
    uint16_t hatype;
    uint8_t pkttype;
    uint8_t halen;
    uint8_t addr[8];
    uint8_t vlan_valid;
    uint16_t vlan_tci;
    uint16_t vlan_tpid;            /* host order; ETH_P_8021Q when the kernel gave none */
};

struct zc_writer *zc_writer_new(int fd, uint64_t offset, uint32_t snaplen);
void zc_writer_free(struct zc_writer *w);
int zc_write_raw(struct zc_writer *w, const void *buf, size_t len);
int zc_write_block(struct zc_writer *w, const void *block, uint32_t ifid, int mode,
                   uint32_t skip, uint32_t max_pkts, struct zc_block_info *info);
int zc_write_pkts(struct zc_writer *w, const struct zc_pkt *pkts, uint32_t n);
uint32_t zc_pkts_fitting(const struct zc_writer *w, const struct zc_pkt *pkts, uint32_t n);
int zc_flush(struct zc_writer *w);
/* The pcapng epb_flags (direction, reception type) of a sockaddr_ll pkttype. */
uint32_t zc_epb_flags(uint8_t pkttype);
/* Count every packet written from now on into `st` (NULL stops it). */
void zc_writer_tap(struct zc_writer *w, struct zc_stats *st, uint32_t linktype);

/* ring helpers: a block's status word with the barriers the kernel asks for */
uint32_t zc_block_status(const void *block);
void zc_block_release(void *block);
uint32_t zc_block_pkts(const void *block, int mode, struct zc_pkt *out,
                       struct zc_ring_meta *meta, uint32_t max);
int zc_bind_ll(int fd, int ifindex, uint16_t protocol);

#endif
