/* The pulse backend: PulseAudio's asynchronous API (pa_threaded_mainloop +
 * pa_stream), which PipeWire's pulse server also speaks.
 *
 * libpulse.so.0 is opened with dlopen on first use and every function we call is
 * resolved into one table, so the shim loads where libpulse is absent and answers
 * PAC_E_BACKEND_UNAVAILABLE there.
 *
 * Threads: each stream owns one connection (mainloop thread + context + stream).
 * libpulse callbacks run on the mainloop thread with the mainloop lock held; they
 * only record state under `mu` and signal `cv`. The reader never waits on the
 * mainloop lock for data: it waits on `cv` with a CLOCK_MONOTONIC deadline, so a
 * read has a timeout and pac_stream_interrupt can wake it.
 *
 * Copy: pa_stream_peek hands out the server's fragment in place; pac_stream_read
 * copies from it straight into the caller's segment (one memcpy per fragment
 * piece) and drops the fragment once consumed. A read starts copying only when a
 * whole packet is readable, so a timeout never consumes anything.
 */
#include "internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pulse/pulseaudio.h>

/* ---- the function table --------------------------------------------------- */

#define PAC_PULSE_FUNCTIONS(X) \
    X(pa_threaded_mainloop_new) X(pa_threaded_mainloop_free) X(pa_threaded_mainloop_start) \
    X(pa_threaded_mainloop_stop) X(pa_threaded_mainloop_lock) X(pa_threaded_mainloop_unlock) \
    X(pa_threaded_mainloop_get_api) \
    X(pa_context_new) X(pa_context_unref) X(pa_context_connect) X(pa_context_disconnect) \
    X(pa_context_get_state) X(pa_context_set_state_callback) X(pa_context_errno) \
    X(pa_context_get_server_info) X(pa_context_get_source_info_list) \
    X(pa_context_get_source_info_by_name) X(pa_context_get_sink_info_by_name) \
    X(pa_operation_unref) X(pa_operation_cancel) \
    X(pa_stream_new) X(pa_stream_unref) X(pa_stream_connect_record) X(pa_stream_disconnect) \
    X(pa_stream_get_state) X(pa_stream_set_state_callback) X(pa_stream_set_read_callback) \
    X(pa_stream_peek) X(pa_stream_drop) X(pa_stream_readable_size) X(pa_stream_get_latency) \
    X(pa_channel_map_init_extend) X(pa_strerror)

static struct {
#define PAC_DECLARE(name) __typeof__(name) *name;
    PAC_PULSE_FUNCTIONS(PAC_DECLARE)
#undef PAC_DECLARE
} pa;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_status = PAC_E_BACKEND_UNAVAILABLE;
static char load_detail[256];

static void load_libpulse(void) {
    void *h = dlopen("libpulse.so.0", RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        const char *e = dlerror();
        snprintf(load_detail, sizeof load_detail, "libpulse.so.0 not loadable: %s", e ? e : "?");
        return;
    }
#define PAC_RESOLVE(name) \
    pa.name = (__typeof__(name) *)dlsym(h, #name); \
    if (pa.name == NULL) { \
        snprintf(load_detail, sizeof load_detail, "libpulse.so.0 lacks %s", #name); \
        return; \
    }
    PAC_PULSE_FUNCTIONS(PAC_RESOLVE)
#undef PAC_RESOLVE
    load_status = PAC_OK; /* the handle stays open for the life of the process */
}

static int32_t ensure_loaded(void) {
    pthread_once(&load_once, load_libpulse);
    if (load_status != PAC_OK) return pac_fail(load_status, "%s", load_detail);
    return PAC_OK;
}

/* ---- one connection ------------------------------------------------------ */

typedef struct pconn {
    pa_threaded_mainloop *ml;
    pa_context *ctx;
    int stopped;                  /* the mainloop thread has been stopped       */
    pthread_mutex_t mu;           /* guards everything below; callbacks take it */
    pthread_cond_t cv;
    pa_context_state_t ctx_state;
    int op_done;                  /* set by operation callbacks                 */
    int op_failed;
    /* results of the server-info / sink-info operations */
    char default_sink[256];
    char default_source[256];
    char monitor_name[256];
    /* source listing target */
    uint8_t *list_buf;
    int64_t list_cap;
    int64_t list_used;
    int32_t list_count;
} pconn;

static void conn_signal(pconn *c) { pthread_cond_broadcast(&c->cv); }

static void on_context_state(pa_context *ctx, void *userdata) {
    pconn *c = userdata;
    pthread_mutex_lock(&c->mu);
    c->ctx_state = pa.pa_context_get_state(ctx);
    conn_signal(c);
    pthread_mutex_unlock(&c->mu);
}

static void conn_init_sync(pconn *c) {
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&c->mu, NULL);
    c->ctx_state = PA_CONTEXT_UNCONNECTED;
}

/* Stops the mainloop thread and frees the context and the loop. The stream, if
 * any, must already be released. */
static void conn_release(pconn *c) {
    if (c->ml != NULL && !c->stopped) pa.pa_threaded_mainloop_stop(c->ml);
    c->stopped = 1;
    if (c->ctx != NULL) {
        pa.pa_context_set_state_callback(c->ctx, NULL, NULL);
        pa.pa_context_disconnect(c->ctx);
        pa.pa_context_unref(c->ctx);
        c->ctx = NULL;
    }
    if (c->ml != NULL) {
        pa.pa_threaded_mainloop_free(c->ml);
        c->ml = NULL;
    }
}

static void conn_destroy_sync(pconn *c) {
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
}

/* Connects; on failure everything is released again. */
static int32_t conn_open(pconn *c, const char *server, const char *app_name,
                         const struct timespec *deadline) {
    c->ml = pa.pa_threaded_mainloop_new();
    if (c->ml == NULL) return pac_fail(PAC_E_NO_MEMORY, "pa_threaded_mainloop_new failed");
    c->ctx = pa.pa_context_new(pa.pa_threaded_mainloop_get_api(c->ml),
                               app_name ? app_name : "panama-audio-capture");
    if (c->ctx == NULL) { conn_release(c); return pac_fail(PAC_E_NO_MEMORY, "pa_context_new failed"); }
    pa.pa_context_set_state_callback(c->ctx, on_context_state, c);
    if (pa.pa_threaded_mainloop_start(c->ml) < 0) {
        conn_release(c);
        return pac_fail(PAC_E_INTERNAL, "pa_threaded_mainloop_start failed");
    }
    pa.pa_threaded_mainloop_lock(c->ml);
    int rc = pa.pa_context_connect(c->ctx, (server && *server) ? server : NULL,
                                   PA_CONTEXT_NOAUTOSPAWN, NULL);
    int err = rc < 0 ? pa.pa_context_errno(c->ctx) : 0;
    pa.pa_threaded_mainloop_unlock(c->ml);
    if (rc < 0) {
        conn_release(c);
        return pac_fail(PAC_E_BACKEND_UNAVAILABLE, "cannot connect to the PulseAudio server%s%s: %s",
                        server ? " " : "", server ? server : "", pa.pa_strerror(err));
    }
    int32_t status = PAC_OK;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        if (c->ctx_state == PA_CONTEXT_READY) break;
        if (c->ctx_state == PA_CONTEXT_FAILED || c->ctx_state == PA_CONTEXT_TERMINATED) {
            status = PAC_E_BACKEND_UNAVAILABLE;
            break;
        }
        if (pthread_cond_timedwait(&c->cv, &c->mu, deadline) == ETIMEDOUT) {
            status = PAC_E_TIMEOUT;
            break;
        }
    }
    pthread_mutex_unlock(&c->mu);
    if (status != PAC_OK) {
        int e = 0;
        pa.pa_threaded_mainloop_lock(c->ml);
        e = pa.pa_context_errno(c->ctx);
        pa.pa_threaded_mainloop_unlock(c->ml);
        conn_release(c);
        if (status == PAC_E_TIMEOUT)
            return pac_fail(PAC_E_BACKEND_UNAVAILABLE, "the PulseAudio server did not answer in time");
        return pac_fail(PAC_E_BACKEND_UNAVAILABLE, "cannot connect to the PulseAudio server%s%s: %s",
                        server ? " " : "", server ? server : "", pa.pa_strerror(e));
    }
    return PAC_OK;
}

/* Waits for an operation started under the mainloop lock (which the caller has
 * released). Cancels it on timeout or connection loss, so no callback runs later. */
static int32_t conn_wait_op(pconn *c, pa_operation *op, const struct timespec *deadline) {
    if (op == NULL) return pac_fail(PAC_E_DISCONNECTED, "operation could not be started");
    int32_t status = PAC_OK;
    pthread_mutex_lock(&c->mu);
    while (!c->op_done) {
        if (c->ctx_state == PA_CONTEXT_FAILED || c->ctx_state == PA_CONTEXT_TERMINATED) {
            status = pac_fail(PAC_E_DISCONNECTED, "the PulseAudio server closed the connection");
            break;
        }
        if (pthread_cond_timedwait(&c->cv, &c->mu, deadline) == ETIMEDOUT) {
            status = pac_fail(PAC_E_BACKEND_UNAVAILABLE, "the PulseAudio server did not answer in time");
            break;
        }
    }
    pthread_mutex_unlock(&c->mu);
    pa.pa_threaded_mainloop_lock(c->ml);
    if (status != PAC_OK) pa.pa_operation_cancel(op);
    pa.pa_operation_unref(op);
    pa.pa_threaded_mainloop_unlock(c->ml);
    return status;
}

static void copy_name(char *dst, size_t cap, const char *src) {
    if (src == NULL) { dst[0] = 0; return; }
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

/* Clears the results of the previous operation before a new one starts. */
static void conn_begin_op(pconn *c) {
    pthread_mutex_lock(&c->mu);
    c->op_done = 0;
    c->op_failed = 0;
    c->monitor_name[0] = 0;
    pthread_mutex_unlock(&c->mu);
}

static void on_server_info(pa_context *ctx, const pa_server_info *i, void *userdata) {
    PAC_UNUSED(ctx);
    pconn *c = userdata;
    pthread_mutex_lock(&c->mu);
    if (i != NULL) {
        copy_name(c->default_sink, sizeof c->default_sink, i->default_sink_name);
        copy_name(c->default_source, sizeof c->default_source, i->default_source_name);
    } else {
        c->op_failed = 1;
    }
    c->op_done = 1;
    conn_signal(c);
    pthread_mutex_unlock(&c->mu);
}

static int32_t conn_server_info(pconn *c, const struct timespec *deadline) {
    conn_begin_op(c);
    pa.pa_threaded_mainloop_lock(c->ml);
    pa_operation *op = pa.pa_context_get_server_info(c->ctx, on_server_info, c);
    pa.pa_threaded_mainloop_unlock(c->ml);
    int32_t rc = conn_wait_op(c, op, deadline);
    if (rc == PAC_OK && c->op_failed) rc = pac_fail(PAC_E_INTERNAL, "server info unavailable");
    return rc;
}

/* Records the name an info operation looked up (NULL: none in this call) and
 * completes the operation at the end of the list. */
static void op_name_result(pconn *c, int eol, const char *name) {
    pthread_mutex_lock(&c->mu);
    if (eol < 0) c->op_failed = 1;
    if (name != NULL) copy_name(c->monitor_name, sizeof c->monitor_name, name);
    if (eol != 0) { c->op_done = 1; conn_signal(c); }
    pthread_mutex_unlock(&c->mu);
}

static void on_sink_info(pa_context *ctx, const pa_sink_info *i, int eol, void *userdata) {
    PAC_UNUSED(ctx);
    op_name_result(userdata, eol, i != NULL ? i->monitor_source_name : NULL);
}

static void on_source_exists(pa_context *ctx, const pa_source_info *i, int eol, void *userdata) {
    PAC_UNUSED(ctx);
    op_name_result(userdata, eol, i != NULL ? i->name : NULL);
}

static void put_u32(pconn *c, uint32_t v) {
    if (c->list_used + 4 <= c->list_cap) memcpy(c->list_buf + c->list_used, &v, 4);
    c->list_used += 4;
}

static void put_str(pconn *c, const char *s) {
    uint32_t n = s ? (uint32_t)strlen(s) : 0;
    put_u32(c, n);
    if (c->list_used + n <= c->list_cap && n > 0) memcpy(c->list_buf + c->list_used, s, n);
    c->list_used += n;
}

static void on_source_list(pa_context *ctx, const pa_source_info *i, int eol, void *userdata) {
    PAC_UNUSED(ctx);
    pconn *c = userdata;
    pthread_mutex_lock(&c->mu);
    if (eol < 0) c->op_failed = 1;
    if (i != NULL) {
        uint32_t flags = 0;
        if (i->monitor_of_sink != PA_INVALID_INDEX) flags |= PAC_SOURCE_IS_MONITOR;
        if (i->name && strcmp(i->name, c->default_source) == 0) flags |= PAC_SOURCE_IS_DEFAULT;
        if (i->monitor_of_sink_name && c->default_sink[0] &&
            strcmp(i->monitor_of_sink_name, c->default_sink) == 0)
            flags |= PAC_SOURCE_MONITORS_DEFAULT_SINK;
        put_u32(c, flags);
        put_u32(c, i->sample_spec.rate);
        put_u32(c, i->sample_spec.channels);
        put_str(c, i->name);
        put_str(c, i->description);
        c->list_count++;
    }
    if (eol != 0) { c->op_done = 1; conn_signal(c); }
    pthread_mutex_unlock(&c->mu);
}

static int32_t pulse_probe(const char *server, int32_t timeout_ms) {
    int32_t rc = ensure_loaded();
    if (rc != PAC_OK) return rc;
    struct timespec deadline;
    pac_deadline(&deadline, timeout_ms);
    pconn c;
    memset(&c, 0, sizeof c);
    conn_init_sync(&c);
    rc = conn_open(&c, server, "panama-audio-capture probe", &deadline);
    if (rc == PAC_OK) conn_release(&c);
    conn_destroy_sync(&c);
    return rc;
}

static int32_t pulse_list_sources(const char *server, uint8_t *buf, int64_t capacity, int64_t *used,
                                  int32_t *count, int32_t timeout_ms) {
    if (used == NULL || count == NULL || capacity < 0 || (buf == NULL && capacity > 0))
        return pac_fail(PAC_E_INVALID_ARGUMENT, "pac_pulse_list_sources: bad buffer arguments");
    *used = 0;
    *count = 0;
    int32_t rc = ensure_loaded();
    if (rc != PAC_OK) return rc;
    struct timespec deadline;
    pac_deadline(&deadline, timeout_ms);
    pconn c;
    memset(&c, 0, sizeof c);
    conn_init_sync(&c);
    rc = conn_open(&c, server, "panama-audio-capture list", &deadline);
    if (rc != PAC_OK) { conn_destroy_sync(&c); return rc; }
    rc = conn_server_info(&c, &deadline);
    if (rc == PAC_OK) {
        conn_begin_op(&c);
        pthread_mutex_lock(&c.mu);
        c.list_buf = buf;
        c.list_cap = capacity;
        pthread_mutex_unlock(&c.mu);
        pa.pa_threaded_mainloop_lock(c.ml);
        pa_operation *op = pa.pa_context_get_source_info_list(c.ctx, on_source_list, &c);
        pa.pa_threaded_mainloop_unlock(c.ml);
        rc = conn_wait_op(&c, op, &deadline);
        if (rc == PAC_OK && c.op_failed) rc = pac_fail(PAC_E_INTERNAL, "source list unavailable");
        if (rc == PAC_OK) {
            *used = c.list_used;
            *count = c.list_count;
            if (c.list_used > capacity)
                rc = pac_fail(PAC_E_BUFFER_TOO_SMALL, "the source list needs %lld bytes",
                              (long long)c.list_used);
        }
    }
    conn_release(&c);
    conn_destroy_sync(&c);
    return rc;
}

/* ---- the record stream -------------------------------------------------- */

typedef struct pulse_stream {
    pac_stream base;
    pconn conn;
    pa_stream *st;
    /* guarded by conn.mu */
    pa_stream_state_t st_state;
    int data_ready;
    int interrupted;
    int32_t failure;             /* sticky PAC_E_* once the stream or server failed */
    /* reader-only */
    const uint8_t *frag;         /* peeked fragment (NULL data = hole)            */
    size_t frag_len;
    size_t frag_off;
    int frag_held;
    int64_t position;            /* frames delivered                               */
    int64_t last_ts;
    int anchored;
    int64_t anchor_ts;           /* timestamp of frame anchor_pos                  */
    int64_t anchor_pos;
    int64_t packet_ns;
    int64_t gap_threshold_ns;
    int64_t max_bytes;           /* the queue's maxlength                          */
    int64_t full_margin;         /* room below which the queue counts as full      */
    int64_t gap_at;              /* stream byte where dropped audio was, -1 none   */
    /* for stats: guarded by the mainloop lock */
    int64_t latency_ns;
    int latency_known;
} pulse_stream;

/* Returns a fragment the reader still holds from pa_stream_peek. Called with the
 * mainloop lock held (the reader touches frag_* only under that lock too). A held
 * peek keeps its shared-memory block "acquired", and libpulse's teardown of a
 * failed connection (pa_memimport_free, on the mainloop thread, lock held) waits
 * until no block is acquired: so the fragment must go before that, in the state
 * callbacks, which libpulse calls before it unlinks the connection. */
static void release_fragment(pulse_stream *ps) {
    if (ps->frag_held && ps->st != NULL) {
        pa.pa_stream_drop(ps->st);
        ps->frag_held = 0;
        ps->frag = NULL;
    }
}

static void on_stream_state(pa_stream *st, void *userdata) {
    pulse_stream *ps = userdata;
    pa_stream_state_t state = pa.pa_stream_get_state(st);
    pa_context_state_t cstate = pa.pa_context_get_state(ps->conn.ctx);
    if (state == PA_STREAM_FAILED || state == PA_STREAM_TERMINATED) release_fragment(ps);
    pthread_mutex_lock(&ps->conn.mu);
    ps->st_state = state;
    if ((state == PA_STREAM_FAILED || state == PA_STREAM_TERMINATED) && ps->failure == PAC_OK) {
        ps->failure = (cstate == PA_CONTEXT_FAILED || cstate == PA_CONTEXT_TERMINATED)
                          ? PAC_E_DISCONNECTED : PAC_E_DEVICE_LOST;
    }
    conn_signal(&ps->conn);
    pthread_mutex_unlock(&ps->conn.mu);
}

static void on_stream_context_state(pa_context *ctx, void *userdata) {
    pulse_stream *ps = userdata;
    pa_context_state_t state = pa.pa_context_get_state(ctx);
    if (state == PA_CONTEXT_FAILED || state == PA_CONTEXT_TERMINATED) release_fragment(ps);
    pthread_mutex_lock(&ps->conn.mu);
    ps->conn.ctx_state = state;
    if ((state == PA_CONTEXT_FAILED || state == PA_CONTEXT_TERMINATED) && ps->failure == PAC_OK)
        ps->failure = PAC_E_DISCONNECTED;
    conn_signal(&ps->conn);
    pthread_mutex_unlock(&ps->conn.mu);
}

static void on_stream_read(pa_stream *st, size_t nbytes, void *userdata) {
    PAC_UNUSED(nbytes);
    pulse_stream *ps = userdata;
    /* Wake the reader only for a whole packet: fragments smaller than a packet
     * would otherwise wake it to find too little and sleep again. The mainloop
     * lock is held here, as in the reader's copy, so frag_* are stable. */
    size_t readable = pa.pa_stream_readable_size(st);
    if (readable != (size_t)-1 &&
        (int64_t)readable - (int64_t)(ps->frag_held ? ps->frag_off : 0) < ps->base.packet_bytes)
        return;
    pthread_mutex_lock(&ps->conn.mu);
    ps->data_ready = 1;
    conn_signal(&ps->conn);
    pthread_mutex_unlock(&ps->conn.mu);
}

static const char *failure_text(int32_t failure) {
    return failure == PAC_E_DEVICE_LOST ? "the captured source went away"
                                        : "the connection to the PulseAudio server broke";
}

/* Copies one whole packet if one is readable. Called with the mainloop lock held.
 * Returns 1 when copied, 0 when not enough data yet, or a negative status. */
static int32_t try_copy_packet(pulse_stream *ps, uint8_t *dst, uint32_t *flags, int64_t *latency_ns) {
    const int64_t need = ps->base.packet_bytes;
    size_t readable = pa.pa_stream_readable_size(ps->st);
    if (readable == (size_t)-1) return PAC_E_DISCONNECTED;
    int64_t available = (int64_t)readable - (int64_t)(ps->frag_held ? ps->frag_off : 0);
    if (available < need) return 0;
    /* A queue (nearly) at maxlength cannot take what the server sends next: audio
     * after the queued bytes is being dropped. The packet that holds the first
     * byte after them is the first after the gap. */
    int64_t consumed = ps->position * (need / ps->base.packet_frames);
    if (available + ps->full_margin >= ps->max_bytes && ps->gap_at < consumed)
        ps->gap_at = consumed + available;
    if (ps->gap_at >= consumed && ps->gap_at < consumed + need && ps->position > 0) {
        *flags |= PAC_FLAG_DISCONTINUITY;
        ps->gap_at = -1;
    }

    int64_t filled = 0;
    while (filled < need) {
        if (!ps->frag_held) {
            const void *data = NULL;
            size_t len = 0;
            if (pa.pa_stream_peek(ps->st, &data, &len) < 0) return PAC_E_DISCONNECTED;
            if (len == 0) return pac_fail(PAC_E_INTERNAL, "readable data vanished during a read");
            ps->frag = data;
            ps->frag_len = len;
            ps->frag_off = 0;
            ps->frag_held = 1;
        }
        size_t n = ps->frag_len - ps->frag_off;
        if ((int64_t)n > need - filled) n = (size_t)(need - filled);
        if (ps->frag == NULL) {
            /* a hole in the server's stream: keep the sample clock, mark it */
            memset(dst + filled, 0, n);
            *flags |= PAC_FLAG_DISCONTINUITY;
        } else {
            memcpy(dst + filled, ps->frag + ps->frag_off, n);
        }
        filled += (int64_t)n;
        ps->frag_off += n;
        if (ps->frag_off == ps->frag_len) {
            pa.pa_stream_drop(ps->st);
            ps->frag_held = 0;
            ps->frag = NULL;
        }
    }
    /* What is still queued behind this packet tells when its first frame arrived:
     * backlog + one packet ago. (The server's latency report also counts data it
     * dropped for a slow reader; pulse_stats asks for it when someone wants it.) */
    size_t rest = pa.pa_stream_readable_size(ps->st);
    int64_t frame_bytes = ps->base.packet_bytes / ps->base.packet_frames;
    int64_t rest_bytes = rest == (size_t)-1 ? 0 : (int64_t)rest - (int64_t)(ps->frag_held ? ps->frag_off : 0);
    if (rest_bytes < 0) rest_bytes = 0;
    *latency_ns = (int64_t)((__int128)(rest_bytes / frame_bytes) * 1000000000 / ps->base.rate);
    return 1;
}

/* The capture time of the packet's first frame. Arrival times jitter (the null
 * sink and many devices deliver in blocks), so timestamps follow the sample clock
 * from an anchor — consecutive packets are exactly one packet duration apart —
 * and the anchor drifts slowly toward the measured time; a jump beyond the gap
 * threshold (dropped audio, a stalled source) moves the anchor at once.
 * Timestamps never go backwards. */
static int64_t timestamp(pulse_stream *ps, int64_t latency_ns) {
    int64_t now = pac_now_ns();
    int64_t measured = latency_ns >= 0 ? now - latency_ns - ps->packet_ns : now - ps->packet_ns;
    int64_t ts;
    if (!ps->anchored) {
        ps->anchored = 1;
        ps->anchor_ts = measured;
        ps->anchor_pos = ps->position;
        ts = measured;
    } else {
        int64_t predicted = ps->anchor_ts +
            (int64_t)((__int128)(ps->position - ps->anchor_pos) * 1000000000 / ps->base.rate);
        int64_t delta = measured - predicted;
        if (delta > ps->gap_threshold_ns || delta < -ps->gap_threshold_ns) {
            ps->anchor_ts = measured;
            ps->anchor_pos = ps->position;
            ts = measured;
        } else {
            ps->anchor_ts += delta / 64; /* follow slow drift, ignore jitter */
            ts = predicted + delta / 64;
        }
    }
    if (ps->last_ts != 0 && ts <= ps->last_ts) ts = ps->last_ts + 1;
    ps->last_ts = ts;
    return ts;
}

static int32_t pulse_read(pac_stream *s, uint8_t *dst, int64_t capacity, int32_t timeout_ms,
                          pac_packet_info *info) {
    PAC_UNUSED(capacity);
    pulse_stream *ps = (pulse_stream *)s;
    pconn *c = &ps->conn;
    struct timespec deadline;
    pac_deadline(&deadline, timeout_ms);
    for (;;) {
        pthread_mutex_lock(&c->mu);
        int interrupted = ps->interrupted;
        int32_t failure = ps->failure;
        ps->data_ready = 0;
        pthread_mutex_unlock(&c->mu);
        if (interrupted) return pac_fail(PAC_E_CLOSED, "stream interrupted");
        if (failure != PAC_OK) return pac_fail(failure, "%s", failure_text(failure));

        uint32_t flags = 0;
        int64_t latency_ns = -1;
        pa.pa_threaded_mainloop_lock(c->ml);
        int32_t got = try_copy_packet(ps, dst, &flags, &latency_ns);
        pa.pa_threaded_mainloop_unlock(c->ml);
        if (got < 0) {
            pthread_mutex_lock(&c->mu);
            if (ps->failure == PAC_OK) ps->failure = got;
            failure = ps->failure;
            pthread_mutex_unlock(&c->mu);
            return pac_fail(failure, "%s", failure_text(failure));
        }
        if (got == 1) {
            int64_t ts = timestamp(ps, latency_ns);
            if (pac_all_zero(dst, s->packet_bytes)) flags |= PAC_FLAG_SILENT;
            info->bytes = s->packet_bytes;
            info->frames = s->packet_frames;
            info->timestamp_ns = ts;
            info->position = ps->position;
            info->flags = flags;
            info->reserved = 0;
            ps->position += s->packet_frames;
            return PAC_OK;
        }
        /* not a whole packet yet: wait for the read callback, a failure, an
         * interrupt or the deadline */
        pthread_mutex_lock(&c->mu);
        int timed_out = 0;
        while (!ps->data_ready && !ps->interrupted && ps->failure == PAC_OK) {
            if (pthread_cond_timedwait(&c->cv, &c->mu, &deadline) == ETIMEDOUT) {
                timed_out = 1;
                break;
            }
        }
        pthread_mutex_unlock(&c->mu);
        if (timed_out) return pac_fail(PAC_E_TIMEOUT, "no packet within %d ms", timeout_ms);
    }
}

static int32_t pulse_stats(pac_stream *s, pac_stream_stats *stats) {
    pulse_stream *ps = (pulse_stream *)s;
    /* the latency is only asked for here, off the packet path; the last good answer
     * stays when the server cannot tell (no timing info yet, connection gone) */
    pa_usec_t usec = 0;
    int negative = 0;
    pa.pa_threaded_mainloop_lock(ps->conn.ml);
    if (pa.pa_stream_get_latency(ps->st, &usec, &negative) == 0) {
        ps->latency_ns = (negative ? -1 : 1) * (int64_t)usec * 1000;
        ps->latency_known = 1;
    }
    stats->latency_ns = ps->latency_ns;
    stats->latency_known = ps->latency_known;
    stats->reserved = 0;
    pa.pa_threaded_mainloop_unlock(ps->conn.ml);
    return PAC_OK;
}

static int32_t pulse_interrupt(pac_stream *s) {
    pulse_stream *ps = (pulse_stream *)s;
    pthread_mutex_lock(&ps->conn.mu);
    ps->interrupted = 1;
    conn_signal(&ps->conn);
    pthread_mutex_unlock(&ps->conn.mu);
    return PAC_OK;
}

static void pulse_release(pulse_stream *ps) {
    pconn *c = &ps->conn;
    if (c->ml != NULL && !c->stopped) pa.pa_threaded_mainloop_stop(c->ml); /* no callback runs after this */
    c->stopped = 1;
    if (ps->st != NULL) {
        pa.pa_stream_set_state_callback(ps->st, NULL, NULL);
        pa.pa_stream_set_read_callback(ps->st, NULL, NULL);
        if (ps->frag_held) pa.pa_stream_drop(ps->st);
        pa.pa_stream_disconnect(ps->st);
        pa.pa_stream_unref(ps->st);
        ps->st = NULL;
    }
    conn_release(c);
    conn_destroy_sync(c);
    free(ps);
}

static void pulse_close(pac_stream *s) { pulse_release((pulse_stream *)s); }

static const pac_stream_ops pulse_ops = { pulse_read, pulse_stats, pulse_interrupt, pulse_close };

static int32_t map_stream_error(int err) {
    switch (err) {
    case PA_ERR_NOENTITY:     return PAC_E_DEVICE_NOT_FOUND;
    case PA_ERR_NOTSUPPORTED:
    case PA_ERR_INVALID:      return PAC_E_FORMAT_UNSUPPORTED;
    case PA_ERR_CONNECTIONTERMINATED:
    case PA_ERR_CONNECTIONREFUSED: return PAC_E_DISCONNECTED;
    case PA_ERR_KILLED:       return PAC_E_DEVICE_LOST;
    default:                  return PAC_E_INTERNAL;
    }
}

static pa_sample_format_t to_pa_format(int32_t f) {
    switch (f) {
    case PAC_FORMAT_S16LE: return PA_SAMPLE_S16LE;
    case PAC_FORMAT_S32LE: return PA_SAMPLE_S32LE;
    default:               return PA_SAMPLE_FLOAT32LE;
    }
}

static int32_t pulse_open(const char *server, int32_t device_kind, const char *device_name,
                          int32_t format, int32_t rate, int32_t channels,
                          int32_t packet_frames, int32_t buffer_ms,
                          const char *app_name, const char *stream_name,
                          int32_t timeout_ms, pac_stream **out) {
    if (out == NULL) return pac_fail(PAC_E_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if (device_kind < PAC_DEVICE_DEFAULT_SOURCE || device_kind > PAC_DEVICE_BY_NAME)
        return pac_fail(PAC_E_INVALID_ARGUMENT, "device_kind %d is not a PAC_DEVICE_*", device_kind);
    if (device_kind == PAC_DEVICE_BY_NAME && (device_name == NULL || device_name[0] == 0))
        return pac_fail(PAC_E_INVALID_ARGUMENT, "device_name is empty");
    if (buffer_ms < 1 || buffer_ms > 60000)
        return pac_fail(PAC_E_INVALID_ARGUMENT, "buffer_ms %d outside 1..60000", buffer_ms);
    int32_t rc = ensure_loaded();
    if (rc != PAC_OK) return rc;

    pulse_stream *ps = calloc(1, sizeof *ps);
    if (ps == NULL) return pac_fail(PAC_E_NO_MEMORY, "calloc of the pulse stream failed");
    rc = pac_stream_init(&ps->base, &pulse_ops, format, rate, channels, packet_frames);
    if (rc != PAC_OK) { free(ps); return rc; }
    ps->packet_ns = (int64_t)((__int128)packet_frames * 1000000000 / rate);
    ps->gap_threshold_ns = ps->packet_ns * 4 > 250000000 ? ps->packet_ns * 4 : 250000000;
    ps->st_state = PA_STREAM_UNCONNECTED;
    pconn *c = &ps->conn;
    conn_init_sync(c);

    struct timespec deadline;
    pac_deadline(&deadline, timeout_ms);
    rc = conn_open(c, server, app_name, &deadline);
    if (rc != PAC_OK) { conn_destroy_sync(c); free(ps); return rc; }

    /* resolve the device */
    const char *device = NULL;
    if (device_kind == PAC_DEVICE_DEFAULT_SINK_MONITOR) {
        rc = conn_server_info(c, &deadline);
        if (rc == PAC_OK && c->default_sink[0] == 0)
            rc = pac_fail(PAC_E_DEVICE_NOT_FOUND, "the server has no default sink to monitor");
        if (rc == PAC_OK) {
            conn_begin_op(c);
            pa.pa_threaded_mainloop_lock(c->ml);
            pa_operation *op = pa.pa_context_get_sink_info_by_name(c->ctx, c->default_sink, on_sink_info, c);
            pa.pa_threaded_mainloop_unlock(c->ml);
            rc = conn_wait_op(c, op, &deadline);
            if (rc == PAC_OK && c->monitor_name[0] == 0)
                rc = pac_fail(PAC_E_DEVICE_NOT_FOUND, "the default sink %s has no monitor source",
                              c->default_sink);
        }
        device = c->monitor_name;
    } else if (device_kind == PAC_DEVICE_BY_NAME) {
        conn_begin_op(c);
        pa.pa_threaded_mainloop_lock(c->ml);
        pa_operation *op = pa.pa_context_get_source_info_by_name(c->ctx, device_name, on_source_exists, c);
        pa.pa_threaded_mainloop_unlock(c->ml);
        rc = conn_wait_op(c, op, &deadline);
        if (rc == PAC_OK && c->monitor_name[0] == 0)
            rc = pac_fail(PAC_E_DEVICE_NOT_FOUND, "no capture source named '%.200s'", device_name);
        device = device_name;
    }
    if (rc != PAC_OK) { pulse_release(ps); return rc; }

    pa_sample_spec ss = { to_pa_format(format), (uint32_t)rate, (uint8_t)channels };
    pa_channel_map map;
    pa.pa_channel_map_init_extend(&map, (unsigned)channels, PA_CHANNEL_MAP_DEFAULT);
    int64_t frame_bytes = ps->base.packet_bytes / packet_frames;
    int64_t max_bytes = (int64_t)buffer_ms * rate / 1000 * frame_bytes;
    if (max_bytes < 2 * ps->base.packet_bytes) max_bytes = 2 * ps->base.packet_bytes;
    if (max_bytes > UINT32_MAX / 2) max_bytes = UINT32_MAX / 2;
    pa_buffer_attr attr;
    memset(&attr, 0xff, sizeof attr);
    attr.maxlength = (uint32_t)max_bytes;
    ps->max_bytes = max_bytes;
    ps->full_margin = 2 * ps->base.packet_bytes > max_bytes / 16 ? 2 * ps->base.packet_bytes : max_bytes / 16;
    ps->gap_at = -1;
    attr.fragsize = (uint32_t)ps->base.packet_bytes;
    pa_stream_flags_t flags = PA_STREAM_ADJUST_LATENCY | PA_STREAM_AUTO_TIMING_UPDATE |
                              PA_STREAM_INTERPOLATE_TIMING;
    if (device_kind == PAC_DEVICE_BY_NAME) flags |= PA_STREAM_DONT_MOVE; /* lost, not rerouted */

    pa.pa_threaded_mainloop_lock(c->ml);
    /* from here callbacks see the stream: switch the context callback over */
    pa.pa_context_set_state_callback(c->ctx, on_stream_context_state, ps);
    ps->st = pa.pa_stream_new(c->ctx, stream_name ? stream_name : "capture", &ss, &map);
    int err = 0;
    int connect_rc = -1;
    if (ps->st != NULL) {
        pa.pa_stream_set_state_callback(ps->st, on_stream_state, ps);
        pa.pa_stream_set_read_callback(ps->st, on_stream_read, ps);
        connect_rc = pa.pa_stream_connect_record(ps->st, device, &attr, flags);
    }
    if (connect_rc < 0) err = pa.pa_context_errno(c->ctx);
    pa.pa_threaded_mainloop_unlock(c->ml);
    if (ps->st == NULL) {
        pulse_release(ps);
        return pac_fail(PAC_E_FORMAT_UNSUPPORTED, "pa_stream_new refused the sample spec: %s",
                        pa.pa_strerror(err));
    }
    if (connect_rc < 0) {
        pulse_release(ps);
        return pac_fail(map_stream_error(err), "pa_stream_connect_record: %s", pa.pa_strerror(err));
    }
    rc = PAC_OK;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        if (ps->st_state == PA_STREAM_READY) break;
        if (ps->st_state == PA_STREAM_FAILED || ps->st_state == PA_STREAM_TERMINATED ||
            ps->failure != PAC_OK) { rc = PAC_E_INTERNAL; break; }
        if (pthread_cond_timedwait(&c->cv, &c->mu, &deadline) == ETIMEDOUT) { rc = PAC_E_TIMEOUT; break; }
    }
    pthread_mutex_unlock(&c->mu);
    if (rc != PAC_OK) {
        pa.pa_threaded_mainloop_lock(c->ml);
        err = pa.pa_context_errno(c->ctx);
        pa.pa_threaded_mainloop_unlock(c->ml);
        pulse_release(ps);
        if (rc == PAC_E_TIMEOUT)
            return pac_fail(PAC_E_BACKEND_UNAVAILABLE, "the record stream did not start in time");
        return pac_fail(map_stream_error(err), "the server refused the record stream: %s",
                        pa.pa_strerror(err));
    }
    *out = &ps->base;
    return PAC_OK;
}

/* ---- exported: each copies its call's failure detail into *err ----------- */

int32_t pac_pulse_probe(const char *server, int32_t timeout_ms, pac_error *err) {
    pac_call_begin();
    return pac_call_end(pulse_probe(server, timeout_ms), err);
}

int32_t pac_pulse_list_sources(const char *server, uint8_t *buf, int64_t capacity, int64_t *used,
                               int32_t *count, int32_t timeout_ms, pac_error *err) {
    pac_call_begin();
    return pac_call_end(pulse_list_sources(server, buf, capacity, used, count, timeout_ms), err);
}

int32_t pac_pulse_open(const char *server, int32_t device_kind, const char *device_name,
                       int32_t format, int32_t rate, int32_t channels,
                       int32_t packet_frames, int32_t buffer_ms,
                       const char *app_name, const char *stream_name,
                       int32_t timeout_ms, pac_stream **out, pac_error *err) {
    pac_call_begin();
    return pac_call_end(pulse_open(server, device_kind, device_name, format, rate, channels, packet_frames,
                                   buffer_ms, app_name, stream_name, timeout_ms, out), err);
}
