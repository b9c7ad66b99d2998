/* The verdict pass: a live capture whose filter the kernel refused (too
 * long) attaches only a snapshot filter and runs the real one here, over each
 * TPACKET_V3 block while user space owns it, before any sink sees the block.
 *
 * Rejected packets are unlinked from the block: the previous kept packet's
 * tp_next_offset (or the block's offset_to_first_pkt) steps over them and
 * num_pkts counts only the kept ones, so every sink that walks a block (the
 * writer, the counters, the printer, the in-place rewrite, whose padding
 * covers the bytes left between packets) sees exactly the accepted packets
 * and needs no mask. A kept packet's tp_snaplen is cut to the filter's return
 * value, as the kernel cuts it. */
#ifndef ZCAP_VERDICT_H
#define ZCAP_VERDICT_H

#include <stdint.h>
#include <linux/filter.h>

/* Filter the block in place; returns how many packets it keeps, and in
 * *seen how many it held before (the rejected ones are what pcapng's
 * isb_filteraccept leaves out). `insns` must have passed zc_bpf_validate. */
uint32_t zc_filter_block(const struct sock_filter *insns, uint32_t ninsns, void *block,
                         uint32_t *seen);

#endif
