/* What the two C pcapng writers (writer.c: iovecs into the ring; inplace.c:
 * blocks rewritten in place) share about the file format: sizes of the EPB and
 * of the headers a frame may need in front, and the LINUX_SLL2 header of a
 * frame captured on `any`. No declarations for Python: nothing in the cdef. */
#ifndef ZCAP_PCAPNG_WIRE_H
#define ZCAP_PCAPNG_WIRE_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#define EPB_TYPE 6u
#define EPB_HEADER_BYTES 28u
#define SLL2_HEADER_BYTES 20u
#define VLAN_TAG_BYTES 4u
#define MAC_PAIR_BYTES 12u

/* The LINUX_SLL2 header from a packet's sockaddr_ll fields (protocol already
 * in network order, as the kernel gives it; at most 8 address bytes). */
static inline void zc_sll2_header(uint8_t out[SLL2_HEADER_BYTES], uint16_t protocol_be,
                                  int ifindex, uint16_t hatype, uint8_t pkttype,
                                  uint8_t halen, const uint8_t addr[8])
{
    uint32_t ifindex_be = htonl((uint32_t)ifindex);
    uint16_t hatype_be = htons(hatype);
    memcpy(out, &protocol_be, 2);
    memset(out + 2, 0, 2);
    memcpy(out + 4, &ifindex_be, 4);
    memcpy(out + 8, &hatype_be, 2);
    out[10] = pkttype;
    out[11] = halen > 8 ? 8 : halen;
    memcpy(out + 12, addr, 8);
}

#endif
