/*
 * Options of the checksum-free lwIP build the benchmark compiles from Debian's lwIP 2.1.3 source
 * (src/bench/lwip.ts): the raw API on one thread (NO_SYS), IPv4 and TCP only, pools from malloc as
 * Debian ships them (no fixed limit on connections or TIME-WAIT entries), and no checksums computed
 * or checked, the match for synack's rows that offload checksums. TCP_MSS, TCP_WND and
 * TCP_RCV_SCALE come from the compiler's command line, one build per (MSS, window).
 */
#ifndef SYNACK_LWIP_NOCSUM_OPTS_H
#define SYNACK_LWIP_NOCSUM_OPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0

#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT 8

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 0
#define LWIP_ETHERNET 0
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_UDP 0
#define LWIP_TCP 1
#define LWIP_DHCP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define IP_REASSEMBLY 0
#define IP_FRAG 0

#define CHECKSUM_GEN_IP 0
#define CHECKSUM_GEN_TCP 0
#define CHECKSUM_GEN_ICMP 0
#define CHECKSUM_CHECK_IP 0
#define CHECKSUM_CHECK_TCP 0
#define CHECKSUM_CHECK_ICMP 0

#ifndef TCP_MSS
#define TCP_MSS 1460
#endif
#ifndef TCP_WND
#define TCP_WND 0xFFFF
#endif
#define LWIP_WND_SCALE 1
#ifndef TCP_RCV_SCALE
#define TCP_RCV_SCALE 0
#endif
#define TCP_SND_BUF TCP_WND
#define TCP_SND_QUEUELEN LWIP_MIN(0xFFFE, (4 * (TCP_SND_BUF) + (TCP_MSS - 1)) / (TCP_MSS))
/* The checks that fail for windows past 64 KiB or an MSS near 64 KiB are about TCP_SNDLOWAT, which
 * only the socket and netconn APIs read (when a socket is writable); the raw API never does. */
#define LWIP_DISABLE_TCP_SANITY_CHECKS 1

#define LWIP_STATS 0
#define LWIP_NOASSERT 1
#define LWIP_RAND() ((u32_t)rand())

#endif
