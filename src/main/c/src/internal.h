/* Internal to the shim: the backend table every backend fills (one row each, in
 * backends.c), the stream vtable every stream fills, and the helpers they share.
 *
 * The generic exported functions (common.c) validate every argument the header
 * documents before they call a backend, so a backend sees only valid input:
 * non-NULL handles and out-pointers, options whose syntax is checked, stream
 * params with a known target, a valid format/rate/channels/packet_frames/buffer_ms
 * and, for PAC_TARGET_DEVICE / _APPLICATION_NAME, a non-empty string. Each backend
 * function returns PAC_OK or a PAC_E_* it produced with pac_fail (the detail in
 * words: what was asked, what is allowed). */
#ifndef PAC_INTERNAL_H
#define PAC_INTERNAL_H

#include "pac_shim.h"

#include <pthread.h>
#include <stddef.h>
#include <time.h>

#define PAC_UNUSED(x) ((void)(x))

/* ---- streams -------------------------------------------------------------- */

typedef struct pac_stream_ops {
    /* One thread at a time; exactly one packet into dst (capacity >= packet_bytes,
       checked by the caller) or PAC_E_TIMEOUT having consumed nothing. */
    int32_t (*read)(pac_stream *s, uint8_t *dst, int64_t capacity,
                    int32_t timeout_ms, pac_packet_info *info);
    int32_t (*stats)(pac_stream *s, pac_stream_stats *stats);  /* any thread */
    int32_t (*interrupt)(pac_stream *s);                       /* any thread, no wait */
    int32_t (*pause)(pac_stream *s, int32_t paused);           /* any thread, idempotent */
    void    (*close)(pac_stream *s);                           /* nobody inside */
} pac_stream_ops;

/* Every backend's stream struct starts with this header. */
struct pac_stream {
    const pac_stream_ops *ops;
    int32_t format;
    int32_t rate;
    int32_t channels;
    int32_t packet_frames;
    int64_t packet_bytes;
};

/* ---- the backend table ---------------------------------------------------- */

/* Every backend's context struct starts with this header. */
struct pac_context {
    const struct pac_backend_ops *ops;
};

/* A bounded record writer shared by every backend (common.c): pac_list_u32 and
 * pac_list_str count what does not fit, so `used` reports the size needed. */
typedef struct pac_list_writer {
    uint8_t *buf;
    int64_t cap;
    int64_t used;
    int32_t count;    /* records; the backend increments it per record */
} pac_list_writer;
void pac_list_u32(pac_list_writer *w, uint32_t v);
void pac_list_str(pac_list_writer *w, const char *s);                  /* u32 length + bytes; NULL = "" */
void pac_list_bytes(pac_list_writer *w, const char *s, size_t n);       /* u32 n + n bytes */

/* Copies a NUL-terminated string into dst (cap bytes), truncated on a UTF-8
 * character boundary; NULL gives "". */
void pac_copy_str(char *dst, size_t cap, const char *src);

/* The rows. The lifecycle of each function is the header's; here what a backend
 * must do in each (see pac_shim.h for the caller's view):
 *
 *   context_open       allocate the backend's context (first member: struct
 *                      pac_context, ops set by the caller afterwards), connect,
 *                      reject option keys it does not know (pac_options_check);
 *                      PAC_E_BACKEND_UNAVAILABLE when its library or server is
 *                      missing. Starts queueing events at once.
 *   context_close      free everything; nobody is inside another call.
 *   devices            one record per device (layout in the header); any thread.
 *   applications       one record per application; any thread.
 *   next_event         one thread; block up to timeout_ms; PAC_E_CLOSED once
 *                      interrupted, PAC_E_TIMEOUT, PAC_E_DISCONNECTED.
 *   context_interrupt  any thread, no wait: wake next_event for good.
 *   stream_open        the stream (its own connection if the backend has them),
 *                      running on return; follow-or-fail as the header says.
 */
typedef struct pac_backend_ops {
    const char *name;                                   /* "pulse", "tone", "wasapi" */
    int32_t (*context_open)(const pac_context_params *params, pac_context **out);
    void    (*context_close)(pac_context *ctx);
    int32_t (*devices)(pac_context *ctx, pac_list_writer *w);
    int32_t (*applications)(pac_context *ctx, pac_list_writer *w);
    int32_t (*next_event)(pac_context *ctx, pac_event *ev, int32_t timeout_ms);
    int32_t (*context_interrupt)(pac_context *ctx);
    int32_t (*stream_open)(pac_context *ctx, const pac_stream_params *p, pac_stream **out);
} pac_backend_ops;

/* backends.c: the one table, in priority order; NULL-terminated. */
extern const pac_backend_ops pac_pulse_backend, pac_tone_backend;
#ifdef _WIN32
extern const pac_backend_ops pac_wasapi_backend;
#endif
extern const pac_backend_ops *const pac_backends[];

/* ---- backend options ("key=value" lines; syntax checked by pac_context_open) */

/* PAC_OK when every key of `options` (may be NULL) is in `known` (NULL-terminated),
 * else PAC_E_INVALID_ARGUMENT naming the key, the backend and the known keys. */
int32_t pac_options_check(const char *options, const char *backend, const char *const known[]);
/* Copies the value of `key` into out (cap bytes, truncated); 1 if present, else 0. */
int pac_options_get(const char *options, const char *key, char *out, size_t cap);

/* ---- failure details -------------------------------------------------------- */

/* Inside the shim, code that fails calls pac_fail, which records the detail in a
 * buffer of the calling OS thread. Every exported function is a wrapper that
 * clears that buffer on entry (pac_call_begin) and copies it into the caller's
 * pac_error before it returns (pac_call_end): the buffer is only ever read within
 * the call that wrote it, on the thread that wrote it, so a caller that moves
 * between OS threads between calls (a Java virtual thread) always gets its own
 * call's detail. Never read it anywhere else. */
int32_t pac_fail(int32_t status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void    pac_call_begin(void);
int32_t pac_call_end(int32_t status, pac_error *err);

/* ---- clocks, formats -------------------------------------------------------- */

/* CLOCK_MONOTONIC now, in nanoseconds (the clock of System.nanoTime on Linux). */
int64_t pac_now_ns(void);
/* now + timeout_ms (negative counts as 0), in CLOCK_MONOTONIC nanoseconds. */
int64_t pac_deadline_after(int32_t timeout_ms);
/* Absolute CLOCK_MONOTONIC deadline for a timeout in ms (negative: none). */
void pac_deadline(struct timespec *ts, int32_t timeout_ms);
/* A CLOCK_MONOTONIC instant in ns as a timespec (for pthread_cond_timedwait on a
 * condition variable created with pac_cond_init). */
struct timespec pac_timespec(int64_t ns);
/* A condition variable on CLOCK_MONOTONIC. */
void pac_cond_init(pthread_cond_t *cv);

int32_t pac_bytes_per_sample(int32_t format);

/* Validates format/rate/channels/packet_frames (pac_stream_open did already; a
 * backend may call it with values of its own) and fills the common header. */
int32_t pac_stream_init(pac_stream *s, const pac_stream_ops *ops, int32_t format, int32_t rate, int32_t channels,
                        int32_t packet_frames);

/* 1 when every byte of the packet is zero (every sample is zero: for the float
 * format -0.0 counts as non-zero, which is fine for a "silent" hint). */
int pac_all_zero(const uint8_t *p, int64_t n);

/* The repeating byte pattern of the tone backend's "pattern": byte n is n % 251. */
#define PAC_PATTERN_PERIOD 251
void pac_pattern_copy(uint8_t *dst, int64_t n, int64_t offset);

#endif
