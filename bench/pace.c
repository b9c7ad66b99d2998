/* A paced frame sender for the benchmarks: sendmmsg() bursts of 32 identical
 * Ethernet/IPv4/UDP frames (198.18.0.1 -> 198.18.0.2, addressed to a MAC that
 * no host has) on one interface, at a given rate or flat out.
 * Usage: pace IFNAME FRAME_BYTES COUNT RATE_PPS(0 = flat out) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BURST 32

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static uint16_t ip_checksum(const uint8_t *p, int n)
{
    uint32_t sum = 0;
    for (int i = 0; i < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s IFNAME FRAME_BYTES COUNT RATE_PPS\n", argv[0]);
        return 2;
    }
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);   /* wake when due, not up to 50 us later */
    int size = atoi(argv[2]);
    uint64_t count = strtoull(argv[3], NULL, 10), rate = strtoull(argv[4], NULL, 10);
    if (size < 60 || size > 9000)
        return 2;

    static uint8_t frame[9000];
    const uint8_t dst[6] = {0x02, 0x5a, 0, 0, 0, 0x99}, src[6] = {0x02, 0x5a, 0, 0, 0, 0x01};
    memcpy(frame, dst, 6);
    memcpy(frame + 6, src, 6);
    frame[12] = 0x08;
    uint8_t *ip = frame + 14;
    uint16_t iplen = (uint16_t)(size - 14), udplen = (uint16_t)(iplen - 20);
    ip[0] = 0x45;
    ip[2] = iplen >> 8; ip[3] = iplen & 0xff;
    ip[8] = 64; ip[9] = 17;
    ip[12] = 198; ip[13] = 18; ip[14] = 0; ip[15] = 1;
    ip[16] = 198; ip[17] = 18; ip[18] = 0; ip[19] = 2;
    uint16_t csum = ip_checksum(ip, 20);
    ip[10] = csum >> 8; ip[11] = csum & 0xff;
    uint8_t *udp = ip + 20;
    udp[0] = 0x9c; udp[1] = 0x40; udp[2] = 0; udp[3] = 9;
    udp[4] = udplen >> 8; udp[5] = udplen & 0xff;
    for (int i = 8; i < udplen; i++)
        udp[i] = (uint8_t)i;

    int fd = socket(AF_PACKET, SOCK_RAW, 0);
    if (fd < 0) { perror("socket"); return 1; }
    struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(argv[1])};
    if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
        perror("bind");
        return 1;
    }
    int one = 1, sndbuf = 8 << 20;
    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));

    struct mmsghdr msgs[BURST];
    struct iovec iov = {frame, (size_t)size};
    memset(msgs, 0, sizeof(msgs));
    for (int i = 0; i < BURST; i++) {
        msgs[i].msg_hdr.msg_iov = &iov;
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    uint64_t sent = 0, start = now_ns();
    while (sent < count) {
        unsigned n = count - sent < BURST ? (unsigned)(count - sent) : BURST;
        int r = sendmmsg(fd, msgs, n, 0);
        if (r < 0) { perror("sendmmsg"); return 1; }
        sent += (uint64_t)r;
        if (rate) {
            /* Sleep until the next burst is due, never spin: a sender that
             * spins for part of each gap spends a share of a CPU that depends
             * on how long its last burst took, and so on the capturer, which
             * makes system-wide CPU figures meaningless. The due times are
             * absolute, so a late wake-up is made up by the next bursts. */
            uint64_t due = start + sent * 1000000000u / rate;
            if (now_ns() < due) {
                struct timespec at = {(time_t)(due / 1000000000u), (long)(due % 1000000000u)};
                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL);
            }
        }
    }
    double secs = (double)(now_ns() - start) / 1e9;
    printf("%llu %.6f\n", (unsigned long long)sent, secs);
    return 0;
}
