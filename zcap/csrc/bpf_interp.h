/* Classic BPF interpreter for reading files and for live filters the kernel
 * refused (too long): runs a filter over a batch of packets in one call.
 * Semantics follow the kernel's socket filter: a load past the captured bytes
 * or a division by zero rejects the packet; `ret #N` keeps at most N bytes.
 * Ancillary loads (SKF_AD_*) read a `struct zc_bpf_aux` when the caller has
 * one (a live ring knows what the kernel would have told its filter); reading
 * a file there is none and they reject the packet, as libpcap's bpf_filter
 * does. */
#ifndef ZCAP_BPF_INTERP_H
#define ZCAP_BPF_INTERP_H

#include <stdint.h>
#include <linux/filter.h>

struct zc_pkt;

/* What a socket filter's ancillary loads would read (SKF_AD_*), host order. */
struct zc_bpf_aux {
    uint32_t protocol;         /* SKF_AD_PROTOCOL: the frame's ethertype */
    uint32_t pkttype;          /* SKF_AD_PKTTYPE: PACKET_HOST, PACKET_OUTGOING, ... */
    uint32_t ifindex;          /* SKF_AD_IFINDEX */
    uint32_t vlan_present;     /* SKF_AD_VLAN_TAG_PRESENT: the kernel took a tag out */
    uint32_t vlan_tci;         /* SKF_AD_VLAN_TAG */
    uint32_t vlan_tpid;        /* SKF_AD_VLAN_TPID */
};

/* 0 when the program is one the kernel would accept, else -(index + 1) of the
 * first bad instruction (or -1 for a bad length / missing final return). */
int zc_bpf_validate(const struct sock_filter *insns, uint32_t ninsns);

/* Run over one packet; the program's return value (0 = reject). The program
 * must have passed zc_bpf_validate. */
uint32_t zc_bpf_run(const struct sock_filter *insns, uint32_t ninsns,
                    const uint8_t *data, uint32_t caplen, uint32_t wirelen);

/* zc_bpf_run with ancillary data (aux NULL: none, as zc_bpf_run). */
uint32_t zc_bpf_run_aux(const struct sock_filter *insns, uint32_t ninsns,
                        const uint8_t *data, uint32_t caplen, uint32_t wirelen,
                        const struct zc_bpf_aux *aux);

/* Run over pkts[0..n): keep the accepted packets, in order, at the front of the
 * array, each caplen cut to the return value; return how many were kept.
 * Returns 0 and keeps nothing when the program does not validate. */
uint32_t zc_bpf_filter(const struct sock_filter *insns, uint32_t ninsns,
                       struct zc_pkt *pkts, uint32_t n);

#endif
