/* A TPACKET_V3 block rewritten in place into a run of pcapng blocks, so that
 * the block's own memory can be handed to one write() (with O_DIRECT: the
 * packet bytes go from the ring to the disk by DMA, copied by no CPU).
 *
 * Two passes, in this order:
 *   zc_inplace_scan     reads each packet's metadata into a table, once; the
 *                       rewrite destroys the tpacket headers and sockaddr_ll,
 *                       so every reader of the batch reads the table instead;
 *   zc_inplace_rewrite  turns the block into: a padding block over the block
 *                       descriptor (block_status, bytes 8-11, left as it is:
 *                       the kernel reads it), an EPB header in the headroom
 *                       before each packet, each gap after a packet covered
 *                       by that EPB's options, padding blocks over the tail. */
#ifndef ZCAP_INPLACE_H
#define ZCAP_INPLACE_H

#include "zcap.h"
#include "writer.h"                /* enum zc_frame_mode */

/* pcapng codes reserved for local use (high bit set): readers skip a block of
 * such a type without showing it, and an option of such a code carries only
 * zeros here. Custom blocks/options (0xBAD, 2988) would need an enterprise
 * number, and tshark lists a Custom Block as a row. */
#define ZC_PAD_BLOCK_TYPE 0x805A4350u      /* "PCZ\x80" on little-endian disks */
#define ZC_PAD_OPTION_CODE 0xA5A0u
#define ZC_PAD_BLOCK_MAX (256u * 1024u)    /* Wireshark's pipe reader refuses larger blocks */
/* Packets up to this many bytes are moved down next to the previous one: a
 * 60-byte frame takes ~144 bytes of ring stride against 104 bytes of EPB, and
 * moving it costs less than writing the gap. */
#define ZC_COMPACT_MAX_DEFAULT 256

/* One packet of a block, read before the rewrite. The table every sink reads. */
struct zc_meta {
    uint64_t ts_ns;                /* nanoseconds since the Unix epoch */
    uint32_t caplen;               /* bytes captured (tp_snaplen) */
    uint32_t wirelen;              /* length on the wire (tp_len), without a stripped tag */
    uint32_t data_off;             /* offset of the bytes in the block, as the kernel left them */
    uint32_t epb_off;              /* after the rewrite: offset of the packet's EPB; the
                                      file-form frame starts 28 bytes further */
    int32_t ifindex;
    uint16_t protocol;             /* network byte order, as in sockaddr_ll */
    uint16_t hatype;
    uint16_t vlan_tci;
    uint16_t vlan_tpid;            /* host order; ETH_P_8021Q when the kernel gave none */
    uint8_t vlan_valid;            /* the kernel removed an outer tag from the frame */
    uint8_t pkttype;
    uint8_t halen;
    uint8_t addr[8];
};

/* What a rewrite produced. Plain writes take [first, end); direct writes take
 * [0, direct_end), a multiple of the alignment asked for. */
struct zc_inplace_out {
    uint32_t first;                /* the first EPB */
    uint32_t end;                  /* the end of the last EPB */
    uint32_t direct_end;           /* end of the padded run of blocks */
    uint32_t packets;              /* EPBs written in the block */
    uint32_t moved;                /* of them, packets whose bytes were moved */
    uint64_t wire_bytes;           /* wire length of those packets, as written */
};

uint32_t zc_inplace_scan(const void *block, int mode, struct zc_meta *table, uint32_t max);
int zc_inplace_rewrite(void *block, uint32_t block_size, struct zc_meta *table, uint32_t n,
                       int mode, uint32_t ifid, uint32_t snaplen, uint32_t align,
                       uint32_t compact_max, struct zc_inplace_out *out);
/* A padding block of `len` bytes (a multiple of 4, at least 12) at `p`, as
 * blocks of at most ZC_PAD_BLOCK_MAX bytes; its bodies are zeroed. */
void zc_pad_blocks(void *p, uint32_t len);

/* How a file takes direct I/O: 0 and the alignments when it does, -errno when
 * asking failed; both alignments 0 when the file system offers none (tmpfs,
 * pipes, anything not a regular file). */
int zc_dio_align(int fd, uint32_t *mem_align, uint32_t *offset_align);

#endif
