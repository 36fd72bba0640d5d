/*
 * synack's TUN device access: the few system calls Node has no API for. Opens /dev/net/tun as a
 * layer-3 device (IFF_TUN | IFF_NO_PI: every read or write is one bare IP packet), non-blocking, and
 * watches its descriptor with libuv's poll so reads never block the event loop. Addresses, routes and
 * link state are set from JavaScript with iproute2; this file only moves packets.
 *
 * Segmentation offload (open's `offload`): IFF_VNET_HDR puts a struct virtio_net_hdr (10 octets,
 * little-endian: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset) before every packet in
 * both directions, and TUNSETOFFLOAD with TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 tells the kernel that
 * synack takes TCP packets of up to 64 KB with a partial checksum: the kernel then hands over its
 * TSO super-packets unsegmented, and cuts the ones synack writes with gso_type set. The header is
 * parsed and built in JavaScript (src/link/tun.ts); this file only sets the device up and writes the
 * header and the packet with one writev.
 *
 * JS API (all synchronous, none blocking):
 *   open(name, multiQueue, tap, offload) -> { fd, name, vnetHdrLen }  throws an Error with .code
 *                                               (ENOENT, EPERM, EBUSY, ...); tap: IFF_TAP, Ethernet
 *                                               frames instead of IP packets; offload: IFF_VNET_HDR
 *                                               and TUNSETOFFLOAD (below), vnetHdrLen 10, else 0
 *   readBatch(fd, buf, offset, maxLen, lengths) -> n   reads up to lengths.length packets back to
 *                                               back from buf[offset], each at an 8-byte-aligned
 *                                               start, while maxLen bytes of room remain; 0 when none waits
 *   write(fd, buf, offset, length[, header]) -> n  -1 when the device would block (the packet is
 *                                               dropped); header: bytes written before the packet in
 *                                               the same write (writev), the virtio_net_hdr
 *   watch(fd, callback) -> handle              callback() whenever fd is readable
 *   unwatch(handle)
 *   close(fd)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <linux/virtio_net.h>
#include <unistd.h>
#include <uv.h>

static napi_value throw_errno(napi_env env, int err, const char *what) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value code, message, error;
  const char *name = err == ENOENT ? "ENOENT" : err == EPERM ? "EPERM" : err == EACCES ? "EACCES" : err == EBUSY ? "EBUSY"
                   : err == EINVAL ? "EINVAL" : err == EBADF ? "EBADF" : err == EIO ? "EIO" : err == ENODEV ? "ENODEV" : "EIO";
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_value errnoValue;
  napi_create_int32(env, err, &errnoValue);
  napi_set_named_property(env, error, "errno", errnoValue);
  napi_set_named_property(env, error, "code", code);
  napi_throw(env, error);
  return NULL;
}

#define CHECK(call)                                                      \
  do {                                                                   \
    if ((call) != napi_ok) {                                             \
      napi_throw_error(env, NULL, "synack tun addon: N-API call failed: " #call); \
      return NULL;                                                       \
    }                                                                    \
  } while (0)

static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char name[IFNAMSIZ] = {0};
  size_t len = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "open(name): name must be a string");
    return NULL;
  }
  bool multi = false;
  if (argc > 1) napi_get_value_bool(env, argv[1], &multi);
  bool tap = false;
  if (argc > 2) napi_get_value_bool(env, argv[2], &tap);
  bool offload = false;
  if (argc > 3) napi_get_value_bool(env, argv[3], &offload);
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, errno, "open /dev/net/tun");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  /* IFF_TAP: Ethernet frames instead of bare IP packets (the kernel is then an Ethernet neighbour). */
  ifr.ifr_flags = (tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI | (multi ? IFF_MULTI_QUEUE : 0) | (offload ? IFF_VNET_HDR : 0);
  memcpy(ifr.ifr_name, name, len < IFNAMSIZ ? len : IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "ioctl TUNSETIFF");
  }
  int hdr_len = 0;
  if (offload) {
    /* The plain header (no num_buffers field), said explicitly rather than left to the default. */
    hdr_len = (int)sizeof(struct virtio_net_hdr);
    if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) < 0) {
      int err = errno;
      close(fd);
      return throw_errno(env, err, "ioctl TUNSETVNETHDRSZ");
    }
    /* Little-endian header fields on every host (virtio 1.0's order; native on little-endian ones,
       where a kernel without cross-endian support refuses the call and needs none). */
    int le = 1;
    if (ioctl(fd, TUNSETVNETLE, &le) < 0 && (errno != EINVAL && errno != ENOTTY)) {
      int err = errno;
      close(fd);
      return throw_errno(env, err, "ioctl TUNSETVNETLE");
    }
    unsigned int features = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
    if (ioctl(fd, TUNSETOFFLOAD, features) < 0) {
      int err = errno;
      close(fd);
      return throw_errno(env, err, "ioctl TUNSETOFFLOAD");
    }
  }
  napi_value result, fdValue, nameValue, hdrValue;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_int32(env, fd, &fdValue));
  CHECK(napi_create_string_utf8(env, ifr.ifr_name, NAPI_AUTO_LENGTH, &nameValue));
  CHECK(napi_set_named_property(env, result, "fd", fdValue));
  CHECK(napi_set_named_property(env, result, "name", nameValue));
  CHECK(napi_create_int32(env, hdr_len, &hdrValue));
  CHECK(napi_set_named_property(env, result, "vnetHdrLen", hdrValue));
  return result;
}

static int get_bytes(napi_env env, napi_value v, uint8_t **data, size_t *length) {
  napi_typedarray_type type;
  size_t count, offset;
  napi_value ab;
  void *p;
  if (napi_get_typedarray_info(env, v, &type, &count, &p, &ab, &offset) != napi_ok || type != napi_uint8_array) return -1;
  *data = p;
  *length = count;
  return 0;
}

static napi_value js_read_batch(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  uint32_t offset, max_len;
  uint8_t *buf;
  size_t buflen, nlen, off;
  napi_typedarray_type type;
  void *lp;
  napi_value ab;
  if (argc < 5 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || get_bytes(env, argv[1], &buf, &buflen) != 0 ||
      napi_get_value_uint32(env, argv[2], &offset) != napi_ok || napi_get_value_uint32(env, argv[3], &max_len) != napi_ok ||
      max_len == 0 || napi_get_typedarray_info(env, argv[4], &type, &nlen, &lp, &ab, &off) != napi_ok || type != napi_int32_array) {
    napi_throw_type_error(env, NULL, "readBatch(fd, Uint8Array, offset, maxLength, Int32Array)");
    return NULL;
  }
  int32_t *lengths = lp;
  size_t n = 0, at = offset;
  /* Packets back to back from offset, each given room for max_len bytes (a longer one is truncated by
     the kernel, so max_len is the device MTU); stop when the room or the lengths run out. */
  while (n < nlen && at + max_len <= buflen) {
    ssize_t r = read(fd, buf + at, max_len);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (n > 0) break; /* report the packets read; the error comes back on the next call */
      return throw_errno(env, errno, "read tun");
    }
    lengths[n++] = (int32_t)r;
    at += ((size_t)r + 7) & ~(size_t)7;
  }
  napi_value result;
  CHECK(napi_create_uint32(env, (uint32_t)n, &result));
  return result;
}

static napi_value js_write(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  uint32_t offset, length;
  uint8_t *buf, *hdr = NULL;
  size_t buflen, hdrlen = 0;
  napi_valuetype t = napi_undefined;
  if (argc > 4) napi_typeof(env, argv[4], &t);
  if (argc < 4 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || get_bytes(env, argv[1], &buf, &buflen) != 0 ||
      napi_get_value_uint32(env, argv[2], &offset) != napi_ok || napi_get_value_uint32(env, argv[3], &length) != napi_ok ||
      (size_t)offset + length > buflen || (t != napi_undefined && get_bytes(env, argv[4], &hdr, &hdrlen) != 0)) {
    napi_throw_type_error(env, NULL, "write(fd, Uint8Array, offset, length[, Uint8Array header])");
    return NULL;
  }
  /* One write(2) is one packet to the kernel: the header and the packet go together. */
  struct iovec iov[2] = {{hdr, hdrlen}, {buf + offset, length}};
  ssize_t r;
  do r = hdr ? writev(fd, iov, 2) : write(fd, buf + offset, length);
  while (r < 0 && errno == EINTR);
  if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return throw_errno(env, errno, "write tun");
  napi_value result;
  CHECK(napi_create_int32(env, r < 0 ? -1 : (int32_t)r, &result));
  return result;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "close(fd)");
    return NULL;
  }
  if (close(fd) < 0) return throw_errno(env, errno, "close tun");
  return NULL;
}

/* A readable-watch: libuv's poll on the descriptor, calling back into JS. */
typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int closing;
} watch_t;

static void on_poll_closed(uv_handle_t *h) { free(h->data); }

static void on_readable(uv_poll_t *p, int status, int events) {
  watch_t *w = p->data;
  if (w->closing) return;
  napi_env env = w->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, recv, arg, result;
  napi_get_reference_value(env, w->callback, &cb);
  napi_get_global(env, &recv); /* make_callback needs an object as receiver */
  napi_create_int32(env, status, &arg);
  /* make_callback: runs the microtasks queued by the callback, as any libuv callback into JS does. */
  if (napi_make_callback(env, w->context, recv, cb, 1, &arg, &result) == napi_pending_exception) {
    /* An exception in the callback is the process's uncaught exception, as in any other I/O callback. */
    napi_value error;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);
  }
  napi_close_handle_scope(env, scope);
}

static napi_value js_watch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_valuetype t;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, NULL, "watch(fd, callback)");
    return NULL;
  }
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  watch_t *w = calloc(1, sizeof *w);
  if (!w) return throw_errno(env, ENOMEM, "watch");
  w->env = env;
  w->poll.data = w;
  int rc = uv_poll_init(loop, &w->poll, fd);
  if (rc != 0) {
    free(w);
    napi_throw_error(env, NULL, uv_strerror(rc));
    return NULL;
  }
  napi_value resource_name;
  napi_create_string_utf8(env, "synack:tun", NAPI_AUTO_LENGTH, &resource_name);
  napi_async_init(env, NULL, resource_name, &w->context);
  napi_create_reference(env, argv[1], 1, &w->callback);
  uv_poll_start(&w->poll, UV_READABLE, on_readable);
  napi_value handle;
  CHECK(napi_create_external(env, w, NULL, NULL, &handle));
  return handle;
}

static napi_value js_unwatch(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *p;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_external(env, argv[0], &p) != napi_ok || !p) {
    napi_throw_type_error(env, NULL, "unwatch(handle)");
    return NULL;
  }
  watch_t *w = p;
  if (w->closing) return NULL;
  w->closing = 1;
  uv_poll_stop(&w->poll);
  napi_delete_reference(env, w->callback);
  napi_async_destroy(env, w->context);
  uv_close((uv_handle_t *)&w->poll, on_poll_closed);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
      {"readBatch", NULL, js_read_batch, NULL, NULL, NULL, napi_default, NULL},
      {"write", NULL, js_write, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
      {"watch", NULL, js_watch, NULL, NULL, NULL, napi_default, NULL},
      {"unwatch", NULL, js_unwatch, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
