/* The generic exported API: status descriptions, failure details, argument
 * validation, and the context and stream functions, each of which validates and
 * then calls through the backend's row (internal.h) or the stream's vtable. Also
 * the helpers every backend shares: the list writer, options, clocks, the test
 * pattern. */
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
    case PAC_E_DISCONNECTED:        return "backend disconnected";
    case PAC_E_CLOSED:              return "closed";
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

int64_t pac_deadline_after(int32_t timeout_ms) {
    return pac_now_ns() + (int64_t)(timeout_ms < 0 ? 0 : timeout_ms) * 1000000;
}

struct timespec pac_timespec(int64_t ns) {
    struct timespec ts = { (time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL) };
    return ts;
}

void pac_cond_init(pthread_cond_t *cv) {
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &ca);
    pthread_condattr_destroy(&ca);
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

int32_t pac_stream_init(pac_stream *s, const pac_stream_ops *ops, int32_t format, int32_t rate, int32_t channels,
                        int32_t packet_frames) {
    int32_t bps = pac_bytes_per_sample(format);
    if (bps == 0) return pac_fail(PAC_E_INVALID_ARGUMENT, "format %d is not a PAC_FORMAT_* (1..3)", format);
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

/* ---- the list writer, strings ------------------------------------------- */

void pac_list_u32(pac_list_writer *w, uint32_t v) {
    if (w->used + 4 <= w->cap) memcpy(w->buf + w->used, &v, 4);
    w->used += 4;
}

void pac_list_bytes(pac_list_writer *w, const char *s, size_t n) {
    if (n > UINT32_MAX) n = UINT32_MAX;
    pac_list_u32(w, (uint32_t)n);
    if (n > 0 && w->used + (int64_t)n <= w->cap) memcpy(w->buf + w->used, s, n);
    w->used += (int64_t)n;
}

void pac_list_str(pac_list_writer *w, const char *s) {
    pac_list_bytes(w, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

void pac_copy_str(char *dst, size_t cap, const char *src) {
    if (cap == 0) return;
    if (src == NULL) { dst[0] = 0; return; }
    size_t n = strlen(src);
    if (n >= cap) {
        n = cap - 1;
        /* never cut a UTF-8 sequence: back off over continuation bytes */
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80) n--;
    }
    memcpy(dst, src, n);
    dst[n] = 0;
}

/* ---- backend options ------------------------------------------------------ */

#define PAC_OPTIONS_MAX 4096

/* Calls f for each "key=value" line; stops at the first non-zero result. */
static int options_each(const char *options, int (*f)(const char *key, size_t key_len, const char *value,
                                                       size_t value_len, void *arg), void *arg) {
    if (options == NULL) return 0;
    const char *p = options;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 0) {
            const char *eq = memchr(p, '=', len);
            size_t key_len = eq ? (size_t)(eq - p) : len;
            int r = f(p, key_len, eq ? eq + 1 : p + len, eq ? len - key_len - 1 : 0, arg);
            if (r != 0) return r;
        }
        if (!end) break;
        p = end + 1;
    }
    return 0;
}

static int option_syntax(const char *key, size_t key_len, const char *value, size_t value_len, void *arg) {
    PAC_UNUSED(value);
    PAC_UNUSED(value_len);
    PAC_UNUSED(arg);
    if (key_len == 0 || key[key_len] != '=')
        return pac_fail(PAC_E_INVALID_ARGUMENT, "option line '%.*s' is not key=value", (int)(key_len > 100 ? 100 : key_len),
                        key);
    return 0;
}

struct option_known { const char *backend; const char *const *known; };

static int option_is_known(const char *key, size_t key_len, const char *value, size_t value_len, void *arg) {
    PAC_UNUSED(value);
    PAC_UNUSED(value_len);
    const struct option_known *k = arg;
    for (const char *const *n = k->known; *n; n++)
        if (strlen(*n) == key_len && memcmp(*n, key, key_len) == 0) return 0;
    char list[256] = "";
    for (const char *const *n = k->known; *n; n++) {
        if (list[0]) strncat(list, ", ", sizeof list - strlen(list) - 1);
        strncat(list, *n, sizeof list - strlen(list) - 1);
    }
    return pac_fail(PAC_E_INVALID_ARGUMENT, "option '%.*s' is not one the %s backend takes; it takes %s",
                    (int)(key_len > 100 ? 100 : key_len), key, k->backend, list[0] ? list : "none");
}

int32_t pac_options_check(const char *options, const char *backend, const char *const known[]) {
    struct option_known k = { backend, known };
    return options_each(options, option_is_known, &k);
}

struct option_get { const char *key; char *out; size_t cap; int found; };

static int option_value(const char *key, size_t key_len, const char *value, size_t value_len, void *arg) {
    struct option_get *g = arg;
    if (strlen(g->key) != key_len || memcmp(g->key, key, key_len) != 0) return 0;
    size_t n = value_len < g->cap - 1 ? value_len : g->cap - 1;
    memcpy(g->out, value, n);
    g->out[n] = 0;
    g->found = 1;
    return 0; /* the last one wins */
}

int pac_options_get(const char *options, const char *key, char *out, size_t cap) {
    struct option_get g = { key, out, cap, 0 };
    if (cap > 0) out[0] = 0;
    if (cap > 0) options_each(options, option_value, &g);
    return g.found;
}

/* ---- contexts --------------------------------------------------------------- */

static const pac_backend_ops *backend_named(const char *name) {
    for (const pac_backend_ops *const *b = pac_backends; *b; b++)
        if (strcmp((*b)->name, name) == 0) return *b;
    return NULL;
}

static int32_t context_open(const char *backend, const pac_context_params *params, pac_context **out) {
    if (out == NULL) return pac_fail(PAC_E_INVALID_ARGUMENT, "pac_context_open: out is NULL");
    *out = NULL;
    if (backend == NULL) return pac_fail(PAC_E_INVALID_ARGUMENT, "pac_context_open: backend is NULL");
    pac_context_params p = { NULL, NULL, 5000, 0 };
    if (params != NULL) p = *params;
    if (p.timeout_ms == 0) p.timeout_ms = 5000;
    if (p.timeout_ms < 1 || p.timeout_ms > 300000)
        return pac_fail(PAC_E_INVALID_ARGUMENT, "timeout_ms %d outside 1..300000", p.timeout_ms);
    if (p.app_name != NULL && strlen(p.app_name) > 1024)
        return pac_fail(PAC_E_INVALID_ARGUMENT, "app_name longer than 1024 bytes");
    if (p.options != NULL) {
        if (strlen(p.options) > PAC_OPTIONS_MAX)
            return pac_fail(PAC_E_INVALID_ARGUMENT, "options longer than %d bytes", PAC_OPTIONS_MAX);
        int32_t rc = options_each(p.options, option_syntax, NULL);
        if (rc != 0) return rc;
    }
    const pac_backend_ops *ops = backend_named(backend);
    if (ops == NULL) {
        char list[256] = "";
        for (const pac_backend_ops *const *b = pac_backends; *b; b++) {
            if (list[0]) strncat(list, ", ", sizeof list - strlen(list) - 1);
            strncat(list, (*b)->name, sizeof list - strlen(list) - 1);
        }
        return pac_fail(PAC_E_INVALID_ARGUMENT, "no backend named '%.100s' (there are: %s)", backend, list);
    }
    pac_context *ctx = NULL;
    int32_t rc = ops->context_open(&p, &ctx);
    if (rc != PAC_OK) return rc;
    ctx->ops = ops;
    *out = ctx;
    return PAC_OK;
}

int32_t pac_context_open(const char *backend, const pac_context_params *params, pac_context **out,
                         pac_error *err) {
    pac_call_begin();
    return pac_call_end(context_open(backend, params, out), err);
}

static int32_t context_list(pac_context *ctx, const char *what, int which, uint8_t *buf, int64_t capacity,
                            int64_t *used, int32_t *count) {
    if (ctx == NULL || used == NULL || count == NULL || capacity < 0 || (buf == NULL && capacity > 0))
        return pac_fail(PAC_E_INVALID_ARGUMENT, "pac_context_%s: NULL context, used or count, or bad buffer", what);
    *used = 0;
    *count = 0;
    pac_list_writer w = { buf, capacity, 0, 0 };
    int32_t rc = which == 0 ? ctx->ops->devices(ctx, &w) : ctx->ops->applications(ctx, &w);
    if (rc != PAC_OK) return rc;
    *used = w.used;
    *count = w.count;
    if (w.used > capacity)
        return pac_fail(PAC_E_BUFFER_TOO_SMALL, "the %s list needs %lld bytes, capacity is %lld", what,
                        (long long)w.used, (long long)capacity);
    return PAC_OK;
}

int32_t pac_context_devices(pac_context *ctx, uint8_t *buf, int64_t capacity, int64_t *used, int32_t *count,
                            pac_error *err) {
    pac_call_begin();
    return pac_call_end(context_list(ctx, "device", 0, buf, capacity, used, count), err);
}

int32_t pac_context_applications(pac_context *ctx, uint8_t *buf, int64_t capacity, int64_t *used,
                                 int32_t *count, pac_error *err) {
    pac_call_begin();
    return pac_call_end(context_list(ctx, "application", 1, buf, capacity, used, count), err);
}

int32_t pac_context_next_event(pac_context *ctx, pac_event *event, int32_t timeout_ms, pac_error *err) {
    pac_call_begin();
    if (ctx == NULL || event == NULL)
        return pac_call_end(pac_fail(PAC_E_INVALID_ARGUMENT, "pac_context_next_event: NULL context or event"), err);
    if (timeout_ms < 0)
        return pac_call_end(pac_fail(PAC_E_INVALID_ARGUMENT, "timeout_ms %d is negative", timeout_ms), err);
    memset(event, 0, sizeof *event);
    return pac_call_end(ctx->ops->next_event(ctx, event, timeout_ms), err);
}

int32_t pac_context_interrupt(pac_context *ctx, pac_error *err) {
    pac_call_begin();
    if (ctx == NULL) return pac_call_end(pac_fail(PAC_E_INVALID_ARGUMENT, "pac_context_interrupt: NULL context"), err);
    return pac_call_end(ctx->ops->context_interrupt(ctx), err);
}

void pac_context_close(pac_context *ctx) {
    if (ctx != NULL) ctx->ops->context_close(ctx);
}

/* ---- streams ---------------------------------------------------------------- */

#define PAC_ID_MAX 4096

static int32_t check_text(const char *what, const char *s) {
    if (s == NULL || s[0] == 0) return pac_fail(PAC_E_INVALID_ARGUMENT, "%s is empty", what);
    if (strlen(s) > PAC_ID_MAX) return pac_fail(PAC_E_INVALID_ARGUMENT, "%s longer than %d bytes", what, PAC_ID_MAX);
    return PAC_OK;
}

static int32_t stream_open(pac_context *ctx, const pac_stream_params *p, pac_stream **out) {
    if (out == NULL) return pac_fail(PAC_E_INVALID_ARGUMENT, "pac_stream_open: out is NULL");
    *out = NULL;
    if (ctx == NULL || p == NULL) return pac_fail(PAC_E_INVALID_ARGUMENT, "pac_stream_open: NULL context or params");
    if (p->target < PAC_TARGET_DEFAULT_INPUT || p->target > PAC_TARGET_APPLICATION_NAME)
        return pac_fail(PAC_E_INVALID_ARGUMENT, "target %d is not a PAC_TARGET_* (1..5)", p->target);
    if (pac_bytes_per_sample(p->format) == 0)
        return pac_fail(PAC_E_INVALID_ARGUMENT, "format %d is not a PAC_FORMAT_* (1..3)", p->format);
    if (p->rate < 1000 || p->rate > 384000)
        return pac_fail(PAC_E_INVALID_ARGUMENT, "rate %d outside 1000..384000", p->rate);
    if (p->channels < 1 || p->channels > 32)
        return pac_fail(PAC_E_INVALID_ARGUMENT, "channels %d outside 1..32", p->channels);
    if (p->packet_frames < 1 || p->packet_frames > 384000)
        return pac_fail(PAC_E_INVALID_ARGUMENT, "packet_frames %d outside 1..384000", p->packet_frames);
    if (p->buffer_ms < 1 || p->buffer_ms > 60000)
        return pac_fail(PAC_E_INVALID_ARGUMENT, "buffer_ms %d outside 1..60000", p->buffer_ms);
    int32_t rc = PAC_OK;
    if (p->target == PAC_TARGET_DEVICE) rc = check_text("device_id", p->device_id);
    if (p->target == PAC_TARGET_APPLICATION_NAME) rc = check_text("application", p->application);
    if (p->target == PAC_TARGET_APPLICATION_PID && p->pid == 0)
        rc = pac_fail(PAC_E_INVALID_ARGUMENT, "pid 0 outside 1..4294967295");
    if (rc == PAC_OK && p->stream_name != NULL && strlen(p->stream_name) > 1024)
        rc = pac_fail(PAC_E_INVALID_ARGUMENT, "stream_name longer than 1024 bytes");
    if (rc != PAC_OK) return rc;
    return ctx->ops->stream_open(ctx, p, out);
}

int32_t pac_stream_open(pac_context *ctx, const pac_stream_params *params, pac_stream **out, pac_error *err) {
    pac_call_begin();
    return pac_call_end(stream_open(ctx, params, out), err);
}

int32_t pac_stream_pause(pac_stream *s, int32_t paused, pac_error *err) {
    pac_call_begin();
    if (s == NULL) return pac_call_end(pac_fail(PAC_E_INVALID_ARGUMENT, "pac_stream_pause: NULL stream"), err);
    return pac_call_end(s->ops->pause(s, paused != 0), err);
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
