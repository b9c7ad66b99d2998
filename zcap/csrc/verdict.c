/* The verdict pass over a TPACKET_V3 block: see verdict.h. */
#include <arpa/inet.h>

#include "zcap.h"
#include "bpf_interp.h"
#include "verdict.h"

uint32_t zc_filter_block(const struct sock_filter *insns, uint32_t ninsns, void *block,
                         uint32_t *seen)
{
    struct tpacket_block_desc *bd = block;
    uint8_t *base = block;
    uint32_t n = bd->hdr.bh1.num_pkts, off = bd->hdr.bh1.offset_to_first_pkt;

    *seen = n;
    uint32_t kept = 0, first = 0;
    struct tpacket3_hdr *last = NULL;      /* the last packet kept so far */

    for (uint32_t i = 0; i < n; i++) {
        struct tpacket3_hdr *h = (void *)(base + off);
        const struct sockaddr_ll *sll =
            (const void *)(base + off + TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));
        uint32_t next = off + h->tp_next_offset;
        /* What the kernel tells a socket filter about this packet. */
        struct zc_bpf_aux aux = {
            .protocol = ntohs(sll->sll_protocol),
            .pkttype = sll->sll_pkttype,
            .ifindex = (uint32_t)sll->sll_ifindex,
            .vlan_present = (h->tp_status & TP_STATUS_VLAN_VALID) != 0,
            .vlan_tci = h->hv1.tp_vlan_tci,
            .vlan_tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ? h->hv1.tp_vlan_tpid
                         : (h->tp_status & TP_STATUS_VLAN_VALID) ? ETH_P_8021Q : 0,
        };
        uint32_t r = zc_bpf_run_aux(insns, ninsns, base + off + h->tp_mac, h->tp_snaplen,
                                    h->tp_len, &aux);

        if (r != 0) {
            if (h->tp_snaplen > r)
                h->tp_snaplen = r;
            if (last == NULL)
                first = off;
            else
                last->tp_next_offset = (uint32_t)((uint8_t *)h - (uint8_t *)last);
            last = h;
            kept++;
        }
        off = next;
    }
    if (kept > 0)
        bd->hdr.bh1.offset_to_first_pkt = first;
    bd->hdr.bh1.num_pkts = kept;
    return kept;
}
