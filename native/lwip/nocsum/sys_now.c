/* NO_SYS builds leave the clock to the program: milliseconds of the monotonic clock. */
#include <time.h>
#include "lwip/sys.h"

u32_t sys_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (u32_t)(ts.tv_sec * 1000u + ts.tv_nsec / 1000000);
}
