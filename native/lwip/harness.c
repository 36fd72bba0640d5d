/*
 * Two lwIP stacks in one process, joined by an in-memory link, driven through lwIP's raw API: the
 * reference that src/bench/lwip.ts sets beside synack's throughput and connection-rate rows.
 *
 * lwIP keeps its state in globals, so one copy of the library is one stack: the harness loads the
 * library twice with dlmopen(LM_ID_NEWLM), each copy in its own link-map namespace with its own
 * globals, and calls each through a table of its functions. The harness is compiled against the
 * headers of the library it loads (Debian's /usr/include/lwip, or the checksum-free build's options),
 * since it reads pbufs and uses lwIP's macros, which depend on the options.
 *
 * The link copies each packet into a pbuf of the receiving stack (as a NIC's DMA would) and queues
 * it; the main loop delivers the queues in turn, lets the sender write, and runs each stack's timers.
 * Both workloads mirror synack's src/bench/sim-pair.ts:
 *
 *   bulk BYTES      one connection, client to server; the sender offers one preallocated pattern
 *                   buffer again and again (by reference where lwIP allows), the receiver checks the
 *                   first, middle and last byte of every pbuf it reads against the pattern.
 *   cycles N        request/response cycles with 64 in flight: connect (client ports 1024 up, never
 *                   reused within a run), a 1-byte request, a 1-byte response, the server closes first
 *                   (so TIME-WAIT stays at the server), the client closes on the end of stream; a cycle
 *                   counts when the client's connection is CLOSED.
 *
 * Prints one line of `key=value` pairs (seconds, and bytes or cycles; for cycles, the connections each
 * side holds in TIME-WAIT at the end) on success; exits 2 on a usage
 * error, 3 when the wall-clock bound passes, 4 when data or a cycle went wrong.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwip/init.h"
#include "lwip/ip4.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"

#define PORT 5001
#define IN_FLIGHT 64
#define PATTERN_LEN ((1u << 20) + 7)

/* One copy of the library: the functions the harness calls, found by dlsym in its namespace. */
struct api {
  void *handle;
  void (*lwip_init)(void);
  struct netif *(*netif_add)(struct netif *, const ip4_addr_t *, const ip4_addr_t *, const ip4_addr_t *, void *, netif_init_fn, netif_input_fn);
  void (*netif_set_up)(struct netif *);
  void (*netif_set_link_up)(struct netif *);
  void (*netif_set_default)(struct netif *);
  err_t (*ip4_input)(struct pbuf *, struct netif *);
  struct pbuf *(*pbuf_alloc)(pbuf_layer, u16_t, pbuf_type);
  u8_t (*pbuf_free)(struct pbuf *);
  void (*sys_check_timeouts)(void);
  struct tcp_pcb *(*tcp_new)(void);
  err_t (*tcp_bind)(struct tcp_pcb *, const ip_addr_t *, u16_t);
  struct tcp_pcb *(*tcp_listen_with_backlog)(struct tcp_pcb *, u8_t);
  void (*tcp_accept)(struct tcp_pcb *, tcp_accept_fn);
  err_t (*tcp_connect)(struct tcp_pcb *, const ip_addr_t *, u16_t, tcp_connected_fn);
  err_t (*tcp_write)(struct tcp_pcb *, const void *, u16_t, u8_t);
  err_t (*tcp_output)(struct tcp_pcb *);
  void (*tcp_recv)(struct tcp_pcb *, tcp_recv_fn);
  void (*tcp_sent)(struct tcp_pcb *, tcp_sent_fn);
  void (*tcp_err)(struct tcp_pcb *, tcp_err_fn);
  void (*tcp_arg)(struct tcp_pcb *, void *);
  void (*tcp_recved)(struct tcp_pcb *, u16_t);
  err_t (*tcp_close)(struct tcp_pcb *);
  err_t (*tcp_shutdown)(struct tcp_pcb *, int, int);
  void (*tcp_abort)(struct tcp_pcb *);
  /* The list of connections in TIME-WAIT (a variable of the library, for the cycles' report). */
  struct tcp_pcb **tcp_tw_pcbs;
};

/* A queue of packets on their way into one stack. */
struct ring {
  struct pbuf **slot;
  size_t cap, head, count;
};

struct host {
  struct api api;
  struct netif netif;
  struct host *peer;
  struct ring inbox;
};

static struct host client, server;
static const ip_addr_t any = IPADDR4_INIT(0);
static u16_t mtu = 1500;
static uint64_t dropped;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(int code, const char *what) {
  fprintf(stderr, "lwip-harness: %s\n", what);
  exit(code);
}

static void *need(void *handle, const char *name) {
  void *f = dlsym(handle, name);
  if (!f) {
    fprintf(stderr, "lwip-harness: %s has no %s\n", "the library", name);
    exit(2);
  }
  return f;
}

static void load(struct api *a, const char *lib) {
  a->handle = dlmopen(LM_ID_NEWLM, lib, RTLD_NOW | RTLD_LOCAL);
  if (!a->handle) {
    fprintf(stderr, "lwip-harness: dlmopen %s: %s\n", lib, dlerror());
    exit(2);
  }
#define LOAD(name) *(void **)&a->name = need(a->handle, #name)
  LOAD(lwip_init);
  LOAD(netif_add);
  LOAD(netif_set_up);
  LOAD(netif_set_link_up);
  LOAD(netif_set_default);
  LOAD(ip4_input);
  LOAD(pbuf_alloc);
  LOAD(pbuf_free);
  LOAD(sys_check_timeouts);
  LOAD(tcp_new);
  LOAD(tcp_bind);
  LOAD(tcp_listen_with_backlog);
  LOAD(tcp_accept);
  LOAD(tcp_connect);
  LOAD(tcp_write);
  LOAD(tcp_output);
  LOAD(tcp_recv);
  LOAD(tcp_sent);
  LOAD(tcp_err);
  LOAD(tcp_arg);
  LOAD(tcp_recved);
  LOAD(tcp_close);
  LOAD(tcp_shutdown);
  LOAD(tcp_abort);
  LOAD(tcp_tw_pcbs);
#undef LOAD
}

static void ring_push(struct ring *r, struct pbuf *p) {
  if (r->count == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 1024;
    struct pbuf **slot = malloc(cap * sizeof *slot);
    if (!slot) die(4, "out of memory");
    for (size_t i = 0; i < r->count; i++) slot[i] = r->slot[(r->head + i) % r->cap];
    free(r->slot);
    r->slot = slot;
    r->cap = cap;
    r->head = 0;
  }
  r->slot[(r->head + r->count++) % r->cap] = p;
}

/* netif->output: copy the packet (a pbuf chain of the sending stack) into one pbuf of the peer. */
static err_t link_output(struct netif *netif, struct pbuf *p, const ip4_addr_t *next_hop) {
  (void)next_hop;
  struct host *from = netif->state;
  struct host *to = from->peer;
  struct pbuf *q = to->api.pbuf_alloc(PBUF_RAW, p->tot_len, PBUF_RAM);
  if (!q) {
    dropped++;
    return ERR_OK;
  }
  u8_t *dst = q->payload;
  for (struct pbuf *r = p; r; r = r->next) {
    memcpy(dst, r->payload, r->len);
    dst += r->len;
  }
  ring_push(&to->inbox, q);
  return ERR_OK;
}

#if LWIP_IPV6
static err_t link_output_ip6(struct netif *netif, struct pbuf *p, const ip6_addr_t *next_hop) {
  (void)netif, (void)p, (void)next_hop;
  return ERR_OK;
}
#endif

static err_t netif_setup(struct netif *netif) {
  netif->name[0] = 's';
  netif->name[1] = 'k';
  netif->mtu = mtu;
  netif->output = link_output;
#if LWIP_IPV6
  netif->output_ip6 = link_output_ip6;
#endif
  return ERR_OK;
}

static void host_up(struct host *h, const char *lib, u8_t last_octet) {
  load(&h->api, lib);
  h->api.lwip_init();
  ip4_addr_t ip, mask, gw;
  IP4_ADDR(&ip, 198, 18, 0, last_octet);
  IP4_ADDR(&mask, 255, 255, 255, 0);
  IP4_ADDR(&gw, 0, 0, 0, 0);
  if (!h->api.netif_add(&h->netif, &ip, &mask, &gw, h, netif_setup, h->api.ip4_input)) die(2, "netif_add failed");
  h->api.netif_set_default(&h->netif);
  h->api.netif_set_up(&h->netif);
  h->api.netif_set_link_up(&h->netif);
}

/* Deliver what is queued for `h`, at most what was queued on entry (the replies queue for the next turn). */
static int deliver(struct host *h) {
  size_t n = h->inbox.count;
  for (size_t i = 0; i < n; i++) {
    struct ring *r = &h->inbox;
    struct pbuf *p = r->slot[r->head];
    r->head = (r->head + 1) % r->cap;
    r->count--;
    if (h->netif.input(p, &h->netif) != ERR_OK) h->api.pbuf_free(p);
  }
  return n > 0;
}

static double deadline;
static unsigned long turns;

static void check_deadline(void) {
  if ((++turns & 1023) == 0 && now_s() > deadline) die(3, "the wall-clock bound passed");
}

/* ------------------------------------------------------------------------------------------------ */
/* bulk */

static u8_t *pattern;
static uint64_t bulk_bytes, bulk_sent, bulk_received, mismatches;
static struct tcp_pcb *sender;
static int receiver_up;

static void pump(void) {
  struct tcp_pcb *pcb = sender;
  while (bulk_sent < bulk_bytes) {
    uint64_t off = bulk_sent % PATTERN_LEN;
    uint64_t n = PATTERN_LEN - off;
    if (n > bulk_bytes - bulk_sent) n = bulk_bytes - bulk_sent;
    if (n > tcp_sndbuf(pcb)) n = tcp_sndbuf(pcb);
    if (n > 0xFFFF) n = 0xFFFF;
    if (n == 0) break;
    u8_t flags = bulk_sent + n < bulk_bytes ? TCP_WRITE_FLAG_MORE : 0;
    if (client.api.tcp_write(pcb, pattern + off, (u16_t)n, flags) != ERR_OK) break;
    bulk_sent += n;
  }
  client.api.tcp_output(pcb);
}

static err_t bulk_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len) {
  (void)arg, (void)pcb, (void)len;
  pump();
  return ERR_OK;
}

static err_t bulk_connected(void *arg, struct tcp_pcb *pcb, err_t err) {
  (void)arg;
  if (err != ERR_OK) die(4, "bulk: connect failed");
  client.api.tcp_sent(pcb, bulk_sent_cb);
  /* Nagle off: the last partial segment would otherwise wait for the receiver's delayed ACK (up to
   * 250 ms of wall clock here; synack's simulator waits in virtual time). */
  tcp_nagle_disable(pcb);
  pump();
  return ERR_OK;
}

static err_t bulk_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err) {
  (void)arg, (void)err;
  if (!p) return ERR_OK;
  for (struct pbuf *q = p; q; q = q->next) {
    const u8_t *d = q->payload;
    uint64_t at = bulk_received;
    size_t last = q->len - 1, mid = last / 2;
    if (q->len) {
      if (d[0] != pattern[at % PATTERN_LEN]) mismatches++;
      if (d[mid] != pattern[(at + mid) % PATTERN_LEN]) mismatches++;
      if (d[last] != pattern[(at + last) % PATTERN_LEN]) mismatches++;
    }
    bulk_received += q->len;
  }
  server.api.tcp_recved(pcb, p->tot_len);
  server.api.pbuf_free(p);
  return ERR_OK;
}

static err_t bulk_accept(void *arg, struct tcp_pcb *pcb, err_t err) {
  (void)arg;
  if (err != ERR_OK || !pcb) return ERR_VAL;
  server.api.tcp_recv(pcb, bulk_recv);
  receiver_up = 1;
  return ERR_OK;
}

static int run_bulk(uint64_t bytes) {
  pattern = malloc(PATTERN_LEN);
  if (!pattern) die(4, "out of memory");
  uint32_t x = 7;
  for (size_t i = 0; i < PATTERN_LEN; i++) {
    x = x * 1103515245u + 12345u;
    pattern[i] = (u8_t)(x >> 16);
  }
  bulk_bytes = bytes;
  struct tcp_pcb *l = server.api.tcp_new();
  if (!l || server.api.tcp_bind(l, &any, PORT) != ERR_OK) die(4, "bulk: bind failed");
  l = server.api.tcp_listen_with_backlog(l, TCP_DEFAULT_LISTEN_BACKLOG);
  server.api.tcp_accept(l, bulk_accept);

  ip_addr_t to = IPADDR4_INIT_BYTES(198, 18, 0, 2);
  double start = now_s();
  sender = client.api.tcp_new();
  if (!sender || client.api.tcp_connect(sender, &to, PORT, bulk_connected) != ERR_OK) die(4, "bulk: connect failed");
  while (bulk_received < bulk_bytes) {
    int moved = deliver(&server) | deliver(&client);
    if (sender->state == ESTABLISHED && bulk_sent < bulk_bytes) pump();
    if (!moved) {
      client.api.sys_check_timeouts();
      server.api.sys_check_timeouts();
    }
    check_deadline();
  }
  double seconds = now_s() - start;
  if (mismatches) die(4, "bulk: sampled bytes differ from what was sent");
  printf("seconds=%.6f bytes=%llu mss=%u window=%lu dropped=%llu\n", seconds, (unsigned long long)bulk_received, (unsigned)sender->mss,
         (unsigned long)TCP_WND, (unsigned long long)dropped);
  return 0;
}

/* ------------------------------------------------------------------------------------------------ */
/* cycles */

static const u8_t REQUEST = 0x51, RESPONSE = 0x52;
static unsigned long cycles_target, started, completed, bad, to_open;
static u16_t next_port = 1024;

static err_t srv_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err) {
  (void)arg, (void)err;
  if (!p) return ERR_OK;
  if (p->tot_len != 1 || ((u8_t *)p->payload)[0] != REQUEST) bad++;
  server.api.tcp_recved(pcb, p->tot_len);
  server.api.pbuf_free(p);
  server.api.tcp_write(pcb, &RESPONSE, 1, TCP_WRITE_FLAG_COPY);
  if (server.api.tcp_close(pcb) != ERR_OK) bad++;
  return ERR_OK;
}

static void srv_err(void *arg, err_t err) {
  (void)arg, (void)err;
  bad++;
}

static err_t srv_accept(void *arg, struct tcp_pcb *pcb, err_t err) {
  (void)arg;
  if (err != ERR_OK || !pcb) return ERR_VAL;
  server.api.tcp_recv(pcb, srv_recv);
  server.api.tcp_err(pcb, srv_err);
  return ERR_OK;
}

static err_t cli_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err) {
  (void)arg, (void)err;
  if (p) {
    if (p->tot_len != 1 || ((u8_t *)p->payload)[0] != RESPONSE) bad++;
    client.api.tcp_recved(pcb, p->tot_len);
    client.api.pbuf_free(p);
    return ERR_OK;
  }
  /* End of stream: send our FIN. tcp_shutdown (not tcp_close) keeps the receive side open, so lwIP
   * reports the end of LAST-ACK through the error callback (ERR_CLSD), which counts the cycle. */
  if (client.api.tcp_shutdown(pcb, 0, 1) != ERR_OK) bad++;
  return ERR_OK;
}

static void cli_err(void *arg, err_t err) {
  (void)arg;
  if (err == ERR_CLSD) {
    completed++;
    if (started + to_open < cycles_target) to_open++;
  } else {
    bad++;
  }
}

static err_t cli_connected(void *arg, struct tcp_pcb *pcb, err_t err) {
  (void)arg;
  if (err != ERR_OK) {
    bad++;
    return ERR_OK;
  }
  client.api.tcp_write(pcb, &REQUEST, 1, TCP_WRITE_FLAG_COPY);
  client.api.tcp_output(pcb);
  return ERR_OK;
}

static void open_one(void) {
  static const ip_addr_t to = IPADDR4_INIT_BYTES(198, 18, 0, 2);
  started++;
  struct tcp_pcb *pcb = client.api.tcp_new();
  if (!pcb) die(4, "cycles: tcp_new failed");
  /* Ports 1024-65535 in turn, as synack's row uses (no 4-tuple comes round while the server holds it). */
  if (client.api.tcp_bind(pcb, &any, next_port) != ERR_OK) die(4, "cycles: bind failed");
  next_port = next_port == 65535 ? 1024 : next_port + 1;
  client.api.tcp_recv(pcb, cli_recv);
  client.api.tcp_err(pcb, cli_err);
  if (client.api.tcp_connect(pcb, &to, PORT, cli_connected) != ERR_OK) die(4, "cycles: connect failed");
}

static unsigned long time_wait_count(const struct host *h) {
  unsigned long n = 0;
  for (const struct tcp_pcb *p = *h->api.tcp_tw_pcbs; p; p = p->next) n++;
  return n;
}

static int run_cycles(unsigned long n) {
  cycles_target = n;
  struct tcp_pcb *l = server.api.tcp_new();
  if (!l || server.api.tcp_bind(l, &any, PORT) != ERR_OK) die(4, "cycles: bind failed");
  l = server.api.tcp_listen_with_backlog(l, TCP_DEFAULT_LISTEN_BACKLOG);
  server.api.tcp_accept(l, srv_accept);
  double start = now_s();
  for (int k = 0; k < IN_FLIGHT && started < n; k++) open_one();
  while (completed < n) {
    int moved = deliver(&server) | deliver(&client);
    while (to_open > 0) {
      to_open--;
      open_one();
    }
    if (!moved) {
      client.api.sys_check_timeouts();
      server.api.sys_check_timeouts();
    }
    if (bad) die(4, "cycles: a request, response or close went wrong");
    check_deadline();
  }
  double seconds = now_s() - start;
  printf("seconds=%.6f cycles=%lu dropped=%llu timewaitserver=%lu timewaitclient=%lu\n", seconds, completed, (unsigned long long)dropped,
         time_wait_count(&server), time_wait_count(&client));
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 6) die(2, "usage: lwip-harness LIBRARY MTU TIMEOUT_S bulk BYTES | LIBRARY MTU TIMEOUT_S cycles N");
  const char *lib = argv[1];
  mtu = (u16_t)atoi(argv[2]);
  deadline = now_s() + atof(argv[3]);
  client.peer = &server;
  server.peer = &client;
  host_up(&client, lib, 1);
  host_up(&server, lib, 2);
  if (strcmp(argv[4], "bulk") == 0) return run_bulk(strtoull(argv[5], NULL, 10));
  if (strcmp(argv[4], "cycles") == 0) return run_cycles(strtoul(argv[5], NULL, 10));
  die(2, "the workload is bulk or cycles");
  return 2;
}
