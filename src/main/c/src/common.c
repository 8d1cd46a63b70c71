/* Status descriptions, failure details, validation, the test pattern and the
 * exported stream functions. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The detail of the current call's failure; see pac_call_begin in internal.h. */
static _Thread_local char call_detail[PAC_ERROR_DETAIL_CAPACITY];

int32_t pac_abi_version(void) { return PAC_ABI_VERSION; }

const char *pac_strerror(int32_t status) {
    switch (status) {
    case PAC_OK:                    return "ok";
    case PAC_E_BACKEND_UNAVAILABLE: return "backend unavailable";
    case PAC_E_DEVICE_NOT_FOUND:    return "device not found";
    case PAC_E_FORMAT_UNSUPPORTED:  return "format unsupported";
    case PAC_E_DEVICE_LOST:         return "device lost";
    case PAC_E_DISCONNECTED:        return "server disconnected";
    case PAC_E_CLOSED:              return "stream closed";
    case PAC_E_TIMEOUT:             return "timed out";
    case PAC_E_INVALID_ARGUMENT:    return "invalid argument";
    case PAC_E_NO_MEMORY:           return "out of memory";
    case PAC_E_BUFFER_TOO_SMALL:    return "buffer too small";
    case PAC_E_INTERNAL:            return "internal error";
    default:                        return "unknown status";
    }
}

int32_t pac_fail(int32_t status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(call_detail, sizeof call_detail, fmt, ap);
    va_end(ap);
    return status;
}

void pac_call_begin(void) { call_detail[0] = 0; }

int32_t pac_call_end(int32_t status, pac_error *err) {
    if (err == NULL) return status;
    err->status = status;
    if (status >= 0) {
        err->detail_len = 0;
        err->detail[0] = 0;
        return status;
    }
    const char *text = call_detail[0] != 0 ? call_detail : pac_strerror(status);
    size_t n = strnlen(text, sizeof err->detail - 1);
    memcpy(err->detail, text, n);
    err->detail[n] = 0;
    err->detail_len = (int32_t)n;
    return status;
}

int64_t pac_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void pac_deadline(struct timespec *ts, int32_t timeout_ms) {
    clock_gettime(CLOCK_MONOTONIC, ts);
    if (timeout_ms < 0) timeout_ms = 0;
    ts->tv_sec += timeout_ms / 1000;
    ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) { ts->tv_sec++; ts->tv_nsec -= 1000000000L; }
}

int32_t pac_bytes_per_sample(int32_t format) {
    switch (format) {
    case PAC_FORMAT_S16LE: return 2;
    case PAC_FORMAT_S32LE: return 4;
    case PAC_FORMAT_F32LE: return 4;
    default:               return 0;
    }
}

int32_t pac_stream_init(pac_stream *s, const pac_stream_ops *ops, int32_t format,
                        int32_t rate, int32_t channels, int32_t packet_frames) {
    int32_t bps = pac_bytes_per_sample(format);
    if (bps == 0) return pac_fail(PAC_E_INVALID_ARGUMENT, "format %d is not a PAC_FORMAT_*", format);
    if (rate < 1000 || rate > 384000)
        return pac_fail(PAC_E_INVALID_ARGUMENT, "rate %d outside 1000..384000", rate);
    if (channels < 1 || channels > 32)
        return pac_fail(PAC_E_INVALID_ARGUMENT, "channels %d outside 1..32", channels);
    if (packet_frames < 1 || packet_frames > 384000)
        return pac_fail(PAC_E_INVALID_ARGUMENT, "packet_frames %d outside 1..384000", packet_frames);
    s->ops = ops;
    s->format = format;
    s->rate = rate;
    s->channels = channels;
    s->packet_frames = packet_frames;
    s->packet_bytes = (int64_t)packet_frames * channels * bps;
    return PAC_OK;
}

int pac_all_zero(const uint8_t *p, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w != 0) return 0;
    }
    for (; i < n; i++) if (p[i] != 0) return 0;
    return 1;
}

/* A table long enough that any window of PATTERN_CHUNK bytes starting at offset
 * 0..250 is one contiguous memcpy. */
#define PATTERN_CHUNK (64 * 1024)
static uint8_t pattern_table[PATTERN_CHUNK + PAC_PATTERN_PERIOD];
static pthread_once_t pattern_once = PTHREAD_ONCE_INIT;

static void pattern_init(void) {
    for (size_t i = 0; i < sizeof pattern_table; i++) pattern_table[i] = (uint8_t)(i % PAC_PATTERN_PERIOD);
}

void pac_pattern_copy(uint8_t *dst, int64_t n, int64_t offset) {
    pthread_once(&pattern_once, pattern_init);
    int64_t start = offset % PAC_PATTERN_PERIOD;
    while (n > 0) {
        int64_t chunk = n < PATTERN_CHUNK ? n : PATTERN_CHUNK;
        memcpy(dst, pattern_table + start, (size_t)chunk);
        dst += chunk;
        n -= chunk;
        start = (start + chunk) % PAC_PATTERN_PERIOD;
    }
}

int32_t pac_pattern_fill(uint8_t *dst, int64_t n, int64_t offset, pac_error *err) {
    pac_call_begin();
    if (dst == NULL || n < 0 || offset < 0)
        return pac_call_end(pac_fail(PAC_E_INVALID_ARGUMENT, "pac_pattern_fill: dst NULL or n/offset negative"), err);
    pac_pattern_copy(dst, n, offset);
    return pac_call_end(PAC_OK, err);
}

/* ---- dispatch ----------------------------------------------------------- */

int32_t pac_stream_read(pac_stream *s, uint8_t *dst, int64_t capacity,
                        int32_t timeout_ms, pac_packet_info *info, pac_error *err) {
    pac_call_begin();
    int32_t rc;
    if (s == NULL || dst == NULL || info == NULL)
        rc = pac_fail(PAC_E_INVALID_ARGUMENT, "pac_stream_read: NULL stream, dst or info");
    else if (capacity < s->packet_bytes)
        rc = pac_fail(PAC_E_BUFFER_TOO_SMALL, "capacity %lld below one packet (%lld bytes)",
                      (long long)capacity, (long long)s->packet_bytes);
    else
        rc = s->ops->read(s, dst, capacity, timeout_ms, info);
    return pac_call_end(rc, err);
}

int32_t pac_stream_stats_get(pac_stream *s, pac_stream_stats *stats, pac_error *err) {
    pac_call_begin();
    if (s == NULL || stats == NULL)
        return pac_call_end(pac_fail(PAC_E_INVALID_ARGUMENT, "pac_stream_stats_get: NULL argument"), err);
    return pac_call_end(s->ops->stats(s, stats), err);
}

int32_t pac_stream_interrupt(pac_stream *s, pac_error *err) {
    pac_call_begin();
    if (s == NULL) return pac_call_end(pac_fail(PAC_E_INVALID_ARGUMENT, "pac_stream_interrupt: NULL stream"), err);
    return pac_call_end(s->ops->interrupt(s), err);
}

void pac_stream_close(pac_stream *s) {
    if (s != NULL) s->ops->close(s);
}
