/* zcap's shared C definitions: the one packet record every C loop speaks,
 * and the kernel headers whose constants Python reads through cffi. */
#ifndef ZCAP_H
#define ZCAP_H

#include <stdint.h>
#include <stddef.h>
#include <sys/uio.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <linux/filter.h>
#include <linux/net_tstamp.h>

/* One packet, wherever its bytes live (ring block, UMEM frame, mmapped file).
 * `data` is borrowed: valid until the batch it came from is released. */
struct zc_pkt {
    const uint8_t *data;
    uint64_t ts_ns;          /* nanoseconds since the Unix epoch */
    uint32_t caplen;         /* bytes at data */
    uint32_t wirelen;        /* length on the wire */
    uint32_t ifid;           /* pcapng interface id */
    uint32_t flags;          /* pcapng epb_flags; 0 when unknown */
};

#endif
