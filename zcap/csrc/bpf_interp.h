/* Classic BPF interpreter for reading files: runs a filter over a batch of
 * packets in one call. Semantics follow the kernel's socket filter: a load past
 * the captured bytes or a division by zero rejects the packet; `ret #N` keeps
 * at most N bytes. Ancillary loads (SKF_AD_*) have no data when reading a
 * file: they reject the packet, as libpcap's bpf_filter does. */
#ifndef ZCAP_BPF_INTERP_H
#define ZCAP_BPF_INTERP_H

#include <stdint.h>
#include <linux/filter.h>

struct zc_pkt;

/* 0 when the program is one the kernel would accept, else -(index + 1) of the
 * first bad instruction (or -1 for a bad length / missing final return). */
int zc_bpf_validate(const struct sock_filter *insns, uint32_t ninsns);

/* Run over one packet; the program's return value (0 = reject). The program
 * must have passed zc_bpf_validate. */
uint32_t zc_bpf_run(const struct sock_filter *insns, uint32_t ninsns,
                    const uint8_t *data, uint32_t caplen, uint32_t wirelen);

/* Run over pkts[0..n): keep the accepted packets, in order, at the front of the
 * array, each caplen cut to the return value; return how many were kept.
 * Returns 0 and keeps nothing when the program does not validate. */
uint32_t zc_bpf_filter(const struct sock_filter *insns, uint32_t ninsns,
                       struct zc_pkt *pkts, uint32_t n);

#endif
