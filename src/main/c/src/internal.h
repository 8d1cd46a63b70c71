/* Internal to the shim: the stream vtable every backend fills, and helpers. */
#ifndef PAC_INTERNAL_H
#define PAC_INTERNAL_H

#include "pac_shim.h"

#include <pthread.h>
#include <stddef.h>

#define PAC_UNUSED(x) ((void)(x))

typedef struct pac_stream_ops {
    int32_t (*read)(pac_stream *s, uint8_t *dst, int64_t capacity,
                    int32_t timeout_ms, pac_packet_info *info);
    int32_t (*stats)(pac_stream *s, pac_stream_stats *stats);  /* any thread */
    int32_t (*interrupt)(pac_stream *s);
    void    (*close)(pac_stream *s);
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

/* Failure details. Inside the shim, code that fails calls pac_fail, which records
 * the detail in a buffer of the calling OS thread. Every exported function is a
 * wrapper that clears that buffer on entry (pac_call_begin) and copies it into
 * the caller's pac_error before it returns (pac_call_end): the buffer is only
 * ever read within the call that wrote it, on the thread that wrote it, so a
 * caller that moves between OS threads between calls (a Java virtual thread)
 * always gets its own call's detail. Never read it anywhere else. */
int32_t pac_fail(int32_t status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void    pac_call_begin(void);
int32_t pac_call_end(int32_t status, pac_error *err);

/* CLOCK_MONOTONIC now, in nanoseconds (the clock of System.nanoTime on Linux). */
int64_t pac_now_ns(void);

int32_t pac_bytes_per_sample(int32_t format);

/* Validates format/rate/channels/packet_frames; fills the common header. */
int32_t pac_stream_init(pac_stream *s, const pac_stream_ops *ops, int32_t format,
                        int32_t rate, int32_t channels, int32_t packet_frames);

/* 1 when every byte of the packet is zero (every sample is zero: for the float
 * format -0.0 counts as non-zero, which is fine for a "silent" hint). */
int pac_all_zero(const uint8_t *p, int64_t n);

/* Absolute CLOCK_MONOTONIC deadline for a timeout in ms (negative: none). */
void pac_deadline(struct timespec *ts, int32_t timeout_ms);

/* The repeating byte pattern of PAC_TONE_PATTERN: byte n is n % 251. */
#define PAC_PATTERN_PERIOD 251
void pac_pattern_copy(uint8_t *dst, int64_t n, int64_t offset);

#endif
