/* The compiler and platform glue of the checksum-free lwIP build: Linux, glibc, little-endian. */
#ifndef SYNACK_LWIP_ARCH_CC_H
#define SYNACK_LWIP_ARCH_CC_H
#include <stdlib.h>
#include <sys/types.h>
#define LWIP_TIMEVAL_PRIVATE 0
#define LWIP_ERRNO_STDINCLUDE 1
#define LWIP_DONT_PROVIDE_BYTEORDER_FUNCTIONS
#include <arpa/inet.h>
#endif
