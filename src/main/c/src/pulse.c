/* The pulse backend: PulseAudio's asynchronous API (pa_mainloop + pa_stream),
 * which PipeWire's pulse server also speaks.
 *
 * libpulse.so.0 is opened with dlopen on first use and every function we call is
 * resolved into one table, so the shim loads where libpulse is absent and answers
 * PAC_E_BACKEND_UNAVAILABLE there.
 *
 * Threads: none of our own, and none of libpulse's. Every connection (a probe, a
 * source listing, a record stream) is a plain pa_mainloop + pa_context that the
 * calling thread iterates itself (prepare / poll / dispatch) until what it waits
 * for has happened or its deadline has passed; libpulse's callbacks run on that
 * thread, inside dispatch. A record stream's connection is driven by its reader
 * inside pac_stream_read, so a packet costs one wake-up of the reading thread
 * (the server's message arriving on the socket), as it does for parec.
 *
 * A stream's `lock` serializes every libpulse call on its connection. The thread
 * iterating the loop (the opener, then the reader) holds it all the time except
 * while blocked in poll (pa_mainloop_set_poll_func releases it around poll, as
 * pa_threaded_mainloop does), so pac_stream_stats_get from another thread waits
 * at most for one dispatch, never for the reader's timeout. pac_stream_interrupt
 * takes no lock: it sets a sticky flag and pa_mainloop_wakeup()s the loop (a
 * write to the loop's wake-up pipe, which libpulse provides for other threads),
 * so a reader blocked in poll returns at once.
 *
 * Copy: pa_stream_peek hands out the server's fragment in place; pac_stream_read
 * copies from it straight into the caller's segment (one memcpy per fragment
 * piece) and drops the fragment once consumed. A read starts copying only when a
 * whole packet is readable, so a timeout never consumes anything. Whole packets
 * already readable are returned without polling again.
 */
#include "internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pulse/pulseaudio.h>

/* ---- the function table --------------------------------------------------- */

#define PAC_PULSE_FUNCTIONS(X) \
    X(pa_mainloop_new) X(pa_mainloop_free) X(pa_mainloop_get_api) X(pa_mainloop_prepare) \
    X(pa_mainloop_poll) X(pa_mainloop_dispatch) X(pa_mainloop_wakeup) X(pa_mainloop_set_poll_func) \
    X(pa_context_new) X(pa_context_unref) X(pa_context_connect) X(pa_context_disconnect) \
    X(pa_context_get_state) X(pa_context_set_state_callback) X(pa_context_errno) \
    X(pa_context_get_server_info) X(pa_context_get_source_info_list) \
    X(pa_context_get_source_info_by_name) X(pa_context_get_sink_info_by_name) \
    X(pa_operation_unref) X(pa_operation_cancel) \
    X(pa_stream_new) X(pa_stream_unref) X(pa_stream_connect_record) X(pa_stream_disconnect) \
    X(pa_stream_get_state) X(pa_stream_set_state_callback) \
    X(pa_stream_peek) X(pa_stream_drop) X(pa_stream_readable_size) \
    X(pa_stream_get_timing_info) X(pa_stream_set_read_callback) X(pa_stream_update_timing_info) \
    X(pa_stream_set_latency_update_callback) X(pa_stream_get_buffer_attr) \
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

/* ---- one connection, iterated by the thread that waits on it -------------- */

typedef struct pconn {
    pa_mainloop *ml;
    pa_context *ctx;
    /* written by callbacks, which run inside conn_iterate on the iterating thread */
    pa_context_state_t ctx_state;
    int op_done;
    int op_failed;
    char default_sink[256];
    char default_source[256];
    char monitor_name[256];
    /* source listing target */
    uint8_t *list_buf;
    int64_t list_cap;
    int64_t list_used;
    int32_t list_count;
} pconn;

static void on_context_state(pa_context *ctx, void *userdata) {
    pconn *c = userdata;
    c->ctx_state = pa.pa_context_get_state(ctx);
}

static int ctx_dead(const pconn *c) {
    return c->ctx_state == PA_CONTEXT_FAILED || c->ctx_state == PA_CONTEXT_TERMINATED;
}

/* One prepare / poll / dispatch: blocks until something happens on the
 * connection, a libpulse timer is due, the loop is woken up, or deadline_ns
 * (CLOCK_MONOTONIC) passes; dispatches whatever happened. */
static int32_t conn_iterate(pconn *c, int64_t deadline_ns) {
    int64_t remaining_us = (deadline_ns - pac_now_ns()) / 1000;
    if (remaining_us < 0) remaining_us = 0;
    if (remaining_us > INT_MAX) remaining_us = INT_MAX;
    if (pa.pa_mainloop_prepare(c->ml, (int)remaining_us) < 0 || pa.pa_mainloop_poll(c->ml) < 0 ||
        pa.pa_mainloop_dispatch(c->ml) < 0)
        return pac_fail(PAC_E_INTERNAL, "the libpulse main loop failed");
    return PAC_OK;
}

/* Frees the context and the loop; any stream must already be released. */
static void conn_release(pconn *c) {
    if (c->ctx != NULL) {
        pa.pa_context_set_state_callback(c->ctx, NULL, NULL);
        pa.pa_context_disconnect(c->ctx);
        pa.pa_context_unref(c->ctx);
        c->ctx = NULL;
    }
    if (c->ml != NULL) {
        pa.pa_mainloop_free(c->ml);
        c->ml = NULL;
    }
}

/* Creates the loop and the context; the caller may install a poll function
 * before conn_connect. */
static int32_t conn_new(pconn *c, const char *app_name) {
    c->ctx_state = PA_CONTEXT_UNCONNECTED;
    c->ml = pa.pa_mainloop_new();
    if (c->ml == NULL) return pac_fail(PAC_E_NO_MEMORY, "pa_mainloop_new failed");
    c->ctx = pa.pa_context_new(pa.pa_mainloop_get_api(c->ml), app_name ? app_name : "panama-audio-capture");
    if (c->ctx == NULL) { conn_release(c); return pac_fail(PAC_E_NO_MEMORY, "pa_context_new failed"); }
    pa.pa_context_set_state_callback(c->ctx, on_context_state, c);
    return PAC_OK;
}

/* Connects, iterating until the context is ready; on failure everything is
 * released again. */
static int32_t conn_connect(pconn *c, const char *server, int64_t deadline_ns) {
    if (pa.pa_context_connect(c->ctx, (server && *server) ? server : NULL, PA_CONTEXT_NOAUTOSPAWN, NULL) < 0) {
        int err = pa.pa_context_errno(c->ctx);
        conn_release(c);
        return pac_fail(PAC_E_BACKEND_UNAVAILABLE, "cannot connect to the PulseAudio server%s%s: %s",
                        server ? " " : "", server ? server : "", pa.pa_strerror(err));
    }
    int32_t rc = PAC_OK;
    while (c->ctx_state != PA_CONTEXT_READY) {
        if (ctx_dead(c)) {
            int err = pa.pa_context_errno(c->ctx);
            rc = pac_fail(PAC_E_BACKEND_UNAVAILABLE, "cannot connect to the PulseAudio server%s%s: %s",
                          server ? " " : "", server ? server : "", pa.pa_strerror(err));
            break;
        }
        if (pac_now_ns() >= deadline_ns) {
            rc = pac_fail(PAC_E_BACKEND_UNAVAILABLE, "the PulseAudio server did not answer in time");
            break;
        }
        rc = conn_iterate(c, deadline_ns);
        if (rc != PAC_OK) break;
    }
    if (rc != PAC_OK) conn_release(c);
    return rc;
}

/* Iterates until an operation completes. Cancels it on timeout or connection
 * loss, so no callback runs later. */
static int32_t conn_wait_op(pconn *c, pa_operation *op, int64_t deadline_ns) {
    if (op == NULL) return pac_fail(PAC_E_DISCONNECTED, "operation could not be started");
    int32_t status = PAC_OK;
    while (!c->op_done) {
        if (ctx_dead(c)) {
            status = pac_fail(PAC_E_DISCONNECTED, "the PulseAudio server closed the connection");
            break;
        }
        if (pac_now_ns() >= deadline_ns) {
            status = pac_fail(PAC_E_BACKEND_UNAVAILABLE, "the PulseAudio server did not answer in time");
            break;
        }
        status = conn_iterate(c, deadline_ns);
        if (status != PAC_OK) break;
    }
    if (status != PAC_OK) pa.pa_operation_cancel(op);
    pa.pa_operation_unref(op);
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
    c->op_done = 0;
    c->op_failed = 0;
    c->monitor_name[0] = 0;
}

static void on_server_info(pa_context *ctx, const pa_server_info *i, void *userdata) {
    PAC_UNUSED(ctx);
    pconn *c = userdata;
    if (i != NULL) {
        copy_name(c->default_sink, sizeof c->default_sink, i->default_sink_name);
        copy_name(c->default_source, sizeof c->default_source, i->default_source_name);
    } else {
        c->op_failed = 1;
    }
    c->op_done = 1;
}

static int32_t conn_server_info(pconn *c, int64_t deadline_ns) {
    conn_begin_op(c);
    int32_t rc = conn_wait_op(c, pa.pa_context_get_server_info(c->ctx, on_server_info, c), deadline_ns);
    if (rc == PAC_OK && c->op_failed) rc = pac_fail(PAC_E_INTERNAL, "server info unavailable");
    return rc;
}

/* Records the name an info operation looked up (NULL: none in this call) and
 * completes the operation at the end of the list. */
static void op_name_result(pconn *c, int eol, const char *name) {
    if (eol < 0) c->op_failed = 1;
    if (name != NULL) copy_name(c->monitor_name, sizeof c->monitor_name, name);
    if (eol != 0) c->op_done = 1;
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
    if (eol != 0) c->op_done = 1;
}

static int64_t deadline_after(int32_t timeout_ms) {
    return pac_now_ns() + (int64_t)(timeout_ms < 0 ? 0 : timeout_ms) * 1000000;
}

static int32_t pulse_probe(const char *server, int32_t timeout_ms) {
    int32_t rc = ensure_loaded();
    if (rc != PAC_OK) return rc;
    pconn c;
    memset(&c, 0, sizeof c);
    rc = conn_new(&c, "panama-audio-capture probe");
    if (rc == PAC_OK) rc = conn_connect(&c, server, deadline_after(timeout_ms));
    conn_release(&c);
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
    int64_t deadline = deadline_after(timeout_ms);
    pconn c;
    memset(&c, 0, sizeof c);
    rc = conn_new(&c, "panama-audio-capture list");
    if (rc == PAC_OK) rc = conn_connect(&c, server, deadline);
    if (rc == PAC_OK) rc = conn_server_info(&c, deadline);
    if (rc == PAC_OK) {
        conn_begin_op(&c);
        c.list_buf = buf;
        c.list_cap = capacity;
        rc = conn_wait_op(&c, pa.pa_context_get_source_info_list(c.ctx, on_source_list, &c), deadline);
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
    return rc;
}

/* ---- the record stream -------------------------------------------------- */

typedef struct pulse_stream {
    pac_stream base;
    pconn conn;                  /* connection state: guarded by lock            */
    pthread_mutex_t lock;        /* held around every libpulse call on conn      */
    pa_stream *st;
    int interrupted;             /* sticky; atomic (pac_stream_interrupt)        */
    /* guarded by lock (callbacks run inside dispatch, lock held) */
    pa_stream_state_t st_state;
    int32_t failure;             /* sticky PAC_E_* once the stream or server failed */
    int64_t latency_ns;          /* last latency report, for stats               */
    int latency_known;
    /* reader-only (and the opener before) */
    const uint8_t *frag;         /* peeked fragment (NULL data = hole)            */
    size_t frag_len;
    size_t frag_off;
    int frag_held;
    int64_t frame_bytes;
    int64_t packet_ns;
    int64_t consumed;            /* bytes taken out of the client queue (peek+drop) */
    int64_t fallback_position;   /* frames delivered, used until libpulse has a read index */
    /* Audio the client queue refused (see on_stream_read): the client-queue byte
     * offsets (in `consumed` terms) where data is missing, oldest first. */
    int64_t gaps[8];
    int gap_count;
    int64_t queue_len;           /* client queue length (pa_stream_readable_size, a
                                    held fragment counted whole) at our last look */
    /* The server's clock (see on_timing_report): a frame at stream byte X was
     * captured at anchor_ns + ns(X). Written in callbacks, read by the reader. */
    int anchored;
    int64_t anchor_ns;
    int64_t server_max_bytes;    /* the server queue's maxlength                  */
    int64_t jump_ns;             /* anchor moves beyond this are lost audio       */
    int pending;                 /* lost audio: from byte gap_pos on, next_anchor */
    int gap_known;               /* gap_pos is where the server started dropping  */
    int64_t gap_pos;
    int64_t next_anchor_ns;
    int64_t lost_frames;         /* audio lost at the server so far (frames)      */
    int want_timing;             /* ask the server for a timing report now        */
} pulse_stream;

/* The loop's poll: the only place the iterating thread lets go of the lock. */
static int poll_without_lock(struct pollfd *fds, unsigned long nfds, int timeout_ms, void *userdata) {
    pulse_stream *ps = userdata;
    pthread_mutex_unlock(&ps->lock);
    int r = poll(fds, (nfds_t)nfds, timeout_ms);
    int saved = errno;
    pthread_mutex_lock(&ps->lock);
    errno = saved;
    return r;
}

/* Returns a fragment the reader still holds from pa_stream_peek. A held peek
 * keeps its shared-memory block "acquired", and libpulse's teardown of a failed
 * connection (pa_memimport_free, inside dispatch on the reader's own thread)
 * waits until no block is acquired — it would wait for ever: so the fragment must
 * go before that, in the state callbacks, which libpulse calls before it unlinks
 * the connection. The reader never holds a fragment half-copied while it
 * dispatches (it copies only between iterations), so dropping it here is safe. */
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
    ps->st_state = state;
    if ((state == PA_STREAM_FAILED || state == PA_STREAM_TERMINATED) && ps->failure == PAC_OK) {
        ps->failure = (cstate == PA_CONTEXT_FAILED || cstate == PA_CONTEXT_TERMINATED)
                          ? PAC_E_DISCONNECTED : PAC_E_DEVICE_LOST;
    }
}

static void on_stream_context_state(pa_context *ctx, void *userdata) {
    pulse_stream *ps = userdata;
    pa_context_state_t state = pa.pa_context_get_state(ctx);
    if (state == PA_CONTEXT_FAILED || state == PA_CONTEXT_TERMINATED) release_fragment(ps);
    ps->conn.ctx_state = state;
    if ((state == PA_CONTEXT_FAILED || state == PA_CONTEXT_TERMINATED) && ps->failure == PAC_OK)
        ps->failure = PAC_E_DISCONNECTED;
}

static const char *failure_text(int32_t failure) {
    return failure == PAC_E_DEVICE_LOST ? "the captured source went away"
                                        : "the connection to the PulseAudio server broke";
}

/* Called by libpulse inside dispatch after each chunk the server sent was offered
 * to the client queue, with the queue's length now. libpulse ignores a refused
 * push (pa_memblockq_push fails when the chunk does not fit below maxlength), so
 * a length that did not grow since the last look means the chunk was dropped:
 * audio is missing right after the queued bytes. Nobody consumes during dispatch,
 * so the comparison is exact. */
static void on_stream_read(pa_stream *st, size_t nbytes, void *userdata) {
    PAC_UNUSED(st);
    pulse_stream *ps = userdata;
    int64_t len = (int64_t)nbytes;
    if (len <= ps->queue_len) {
        /* the queue holds a held fragment whole, frag_off of it already consumed */
        int64_t at = ps->consumed - (int64_t)(ps->frag_held ? ps->frag_off : 0) + len;
        if (ps->gap_count == 0 || ps->gaps[ps->gap_count - 1] != at) {
            if (ps->gap_count == (int)(sizeof ps->gaps / sizeof ps->gaps[0]))
                ps->gap_count--; /* merge into the newest: still flagged, at the later gap */
            ps->gaps[ps->gap_count++] = at;
        }
        ps->want_timing = 1; /* the server's next report shows the read index past the gap */
    }
    ps->queue_len = len;
}

/* Bytes readable beyond what the reader already took from a held fragment. */
static int64_t queued_bytes(pulse_stream *ps) {
    size_t readable = pa.pa_stream_readable_size(ps->st);
    if (readable == (size_t)-1) return -1;
    return (int64_t)readable - (int64_t)(ps->frag_held ? ps->frag_off : 0);
}

/* The stream position (bytes) of the next byte the reader takes, from libpulse's
 * read index: the server's read index (what it sent) minus what the client queue
 * still holds at its last timing report, advanced by every pa_stream_drop since.
 * It counts audio the client queue refused, so it runs with the server's sample
 * count, not with ours. -1 while libpulse has no valid read index. */
static int64_t server_read_position(pulse_stream *ps) {
    const pa_timing_info *ti = pa.pa_stream_get_timing_info(ps->st);
    if (ti == NULL || ti->read_index_corrupt || ti->read_index < 0) return -1;
    return ti->read_index + (int64_t)(ps->frag_held ? ps->frag_off : 0);
}

/* Copies one whole packet if one is readable. Lock held.
 * Returns 1 when copied, 0 when not enough data yet, or a negative status. */
static int32_t try_copy_packet(pulse_stream *ps, uint8_t *dst, uint32_t *flags) {
    const int64_t need = ps->base.packet_bytes;
    int64_t available = queued_bytes(ps);
    if (available < 0) return PAC_E_DISCONNECTED;
    if (available < need) return 0;
    /* audio the client queue refused lies in this packet, or right before it */
    while (ps->gap_count > 0 && ps->gaps[0] < ps->consumed + need) {
        *flags |= PAC_FLAG_DISCONTINUITY;
        memmove(ps->gaps, ps->gaps + 1, (size_t)(--ps->gap_count) * sizeof ps->gaps[0]);
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
    ps->consumed += need;
    return 1;
}

static int64_t bytes_ns(const pulse_stream *ps, int64_t bytes) {
    return (int64_t)((__int128)(bytes / ps->frame_bytes) * 1000000000 / ps->base.rate);
}

/* A timing report from the server (AUTO_TIMING_UPDATE asks for one every 1.5 s at
 * the most; we ask for more when audio may have been lost). It tells, for the
 * instant it was made (our clock now minus its transport time): the server
 * queue's write index W, and source_usec, the audio captured but not yet in the
 * queue (the device's buffer), and for a monitor sink_usec, the time rendered
 * audio takes from the monitor to the output device. So the frame at stream byte
 * W was captured source_usec before the report — for a monitor, it reaches the
 * output device sink_usec - source_usec after it — and every frame X at
 * anchor = report - source + sink - ns(W), plus ns(X). This is libpulse's own
 * stream clock (calc_time in stream.c) without its smoother, which glides over a
 * jump instead of showing it.
 *
 * Lost audio: the server's queue (maxlength = buffer_ms) drops what does not fit
 * without a trace in its indices, so after a loss the frames that follow are
 * captured later than the old anchor says: the anchor jumps by the lost time. A
 * report made while the server queue is more than half full is not used for the
 * anchor (the newest frame in the queue may be old then: the server may be
 * dropping); the first such report's W is where the server began to drop, so the
 * next good report's jump applies from there. */
static void on_timing_report(pa_stream *st, void *userdata) {
    pulse_stream *ps = userdata;
    const pa_timing_info *ti = pa.pa_stream_get_timing_info(st);
    if (ti == NULL || ti->write_index_corrupt) return;
    int64_t report_ns = pac_now_ns() - (int64_t)ti->transport_usec * 1000;
    int64_t anchor = report_ns - (int64_t)ti->source_usec * 1000 + (int64_t)ti->sink_usec * 1000 -
                     bytes_ns(ps, ti->write_index);
    size_t queued = pa.pa_stream_readable_size(st);
    if (!ti->read_index_corrupt && queued != (size_t)-1) {
        int64_t server_queue = ti->write_index - (ti->read_index + (int64_t)queued);
        /* normally the server sends at once and its queue is near empty; more than
         * half full, the reader is far behind and the server may be dropping */
        if (2 * server_queue > ps->server_max_bytes) {
            if (!ps->gap_known && !ps->pending) {
                ps->gap_known = 1;
                ps->gap_pos = ti->write_index;
            }
            ps->want_timing = 1; /* a good report follows as soon as the reader drains */
            return;
        }
    }
    if (!ps->anchored) {
        ps->anchored = 1;
        ps->anchor_ns = anchor;
        return;
    }
    int64_t base = ps->pending ? ps->next_anchor_ns : ps->anchor_ns;
    if (anchor - base > ps->jump_ns) {
        if (!ps->pending) {
            ps->pending = 1;
            if (!ps->gap_known) {
                /* the loss happened somewhere before what the reader takes next */
                ps->gap_pos = ti->read_index_corrupt ? 0 : ti->read_index;
            }
        }
        ps->next_anchor_ns = anchor;
    } else if (ps->pending) {
        ps->next_anchor_ns = anchor; /* a later report of the same clock */
    } else {
        /* follows clock drift; a quarter of each report's jitter at a time */
        ps->anchor_ns += (anchor - ps->anchor_ns) / 4;
        ps->gap_known = 0;
    }
}

/* The capture time of the packet at stream byte pos (server count), and its
 * DISCONTINUITY when audio lost at the server lies in it or right before it. */
static int64_t packet_capture_time(pulse_stream *ps, int64_t pos, int64_t queue_behind, uint32_t *flags) {
    if (!ps->anchored || pos < 0) {
        int64_t behind = queue_behind < 0 ? 0 : queue_behind;
        return pac_now_ns() - bytes_ns(ps, behind) - ps->packet_ns;
    }
    int64_t ts = ps->anchor_ns + bytes_ns(ps, pos);
    if (ps->pending && ps->gap_pos < pos + ps->base.packet_bytes) {
        *flags |= PAC_FLAG_DISCONTINUITY;
        int64_t lost_ns = ps->next_anchor_ns - ps->anchor_ns;
        ps->lost_frames += (int64_t)((__int128)lost_ns * ps->base.rate / 1000000000);
        if (ps->gap_pos <= pos) ts = ps->next_anchor_ns + bytes_ns(ps, pos);
        ps->anchor_ns = ps->next_anchor_ns;
        ps->pending = 0;
        ps->gap_known = 0;
    }
    return ts;
}

/* The sticky failure, or PAC_E_CLOSED once interrupted, or PAC_OK. Lock held. */
static int32_t stream_stop_status(pulse_stream *ps) {
    if (__atomic_load_n(&ps->interrupted, __ATOMIC_ACQUIRE)) return pac_fail(PAC_E_CLOSED, "stream interrupted");
    if (ps->failure != PAC_OK) return pac_fail(ps->failure, "%s", failure_text(ps->failure));
    return PAC_OK;
}

static int32_t pulse_read(pac_stream *s, uint8_t *dst, int64_t capacity, int32_t timeout_ms,
                          pac_packet_info *info) {
    PAC_UNUSED(capacity);
    pulse_stream *ps = (pulse_stream *)s;
    int64_t deadline = deadline_after(timeout_ms);
    int32_t rc;
    pthread_mutex_lock(&ps->lock);
    for (int iterated = 0;; iterated = 1) {
        rc = stream_stop_status(ps);
        if (rc != PAC_OK) break;
        uint32_t flags = 0;
        int64_t pos = server_read_position(ps);
        rc = try_copy_packet(ps, dst, &flags);
        if (rc < 0) {
            if (ps->failure == PAC_OK) ps->failure = rc;
            rc = pac_fail(ps->failure, "%s", failure_text(ps->failure));
            break;
        }
        if (rc == 1) {
            int64_t rest = queued_bytes(ps);
            ps->queue_len = rest < 0 ? 0 : rest + (int64_t)(ps->frag_held ? ps->frag_off : 0);
            if (pac_all_zero(dst, s->packet_bytes)) flags |= PAC_FLAG_SILENT;
            info->bytes = s->packet_bytes;
            info->frames = s->packet_frames;
            info->timestamp_ns = packet_capture_time(ps, pos, rest, &flags);
            info->position = pos >= 0 ? pos / ps->frame_bytes + ps->lost_frames : ps->fallback_position;
            info->flags = flags;
            info->reserved = 0;
            ps->fallback_position = info->position + s->packet_frames;
            rc = PAC_OK;
            break;
        }
        /* not a whole packet yet: let the connection make progress (at least one
         * non-blocking pass, so a zero timeout still picks up what has arrived) */
        if (iterated && pac_now_ns() >= deadline) {
            rc = pac_fail(PAC_E_TIMEOUT, "no packet within %d ms", timeout_ms);
            break;
        }
        rc = conn_iterate(&ps->conn, deadline);
        if (rc != PAC_OK) {
            if (ps->failure == PAC_OK) ps->failure = rc;
            break;
        }
        if (ps->want_timing && ps->failure == PAC_OK) {
            ps->want_timing = 0;
            pa_operation *op = pa.pa_stream_update_timing_info(ps->st, NULL, NULL);
            if (op != NULL) pa.pa_operation_unref(op);
        }
    }
    pthread_mutex_unlock(&ps->lock);
    return rc;
}

/* The latency from the capture of the frame at the read position (the next one
 * the reader takes) to now, on the same clock as the timestamps (the server's
 * last timing report, see on_timing_report), so that a packet delivered now has
 * timestamp = now - latency - one packet. The last good answer stays when the
 * server cannot tell (no report yet, connection gone). Lock held by the caller's
 * thread here, so the reader is in poll or outside pac_stream_read. */
static int32_t pulse_stats(pac_stream *s, pac_stream_stats *stats) {
    pulse_stream *ps = (pulse_stream *)s;
    pthread_mutex_lock(&ps->lock);
    int64_t pos = ps->failure == PAC_OK && ps->st != NULL ? server_read_position(ps) : -1;
    if (pos >= 0 && ps->anchored) {
        int64_t anchor = ps->pending && pos >= ps->gap_pos ? ps->next_anchor_ns : ps->anchor_ns;
        ps->latency_ns = pac_now_ns() - (anchor + bytes_ns(ps, pos));
        ps->latency_known = 1;
    }
    stats->latency_ns = ps->latency_ns;
    stats->latency_known = ps->latency_known;
    stats->reserved = 0;
    pthread_mutex_unlock(&ps->lock);
    return PAC_OK;
}

static int32_t pulse_interrupt(pac_stream *s) {
    pulse_stream *ps = (pulse_stream *)s;
    __atomic_store_n(&ps->interrupted, 1, __ATOMIC_RELEASE);
    pa.pa_mainloop_wakeup(ps->conn.ml); /* thread-safe: a byte into the loop's wake-up pipe */
    return PAC_OK;
}

/* No thread is inside any call on the stream (the caller's contract). */
static void pulse_release(pulse_stream *ps) {
    if (ps->st != NULL) {
        pa.pa_stream_set_state_callback(ps->st, NULL, NULL);
        pa.pa_stream_set_read_callback(ps->st, NULL, NULL);
        pa.pa_stream_set_latency_update_callback(ps->st, NULL, NULL);
        if (ps->frag_held) pa.pa_stream_drop(ps->st);
        pa.pa_stream_disconnect(ps->st);
        pa.pa_stream_unref(ps->st);
        ps->st = NULL;
    }
    conn_release(&ps->conn);
    pthread_mutex_destroy(&ps->lock);
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

/* Resolves the device, connects the record stream and iterates until it runs.
 * The opening thread holds ps->lock. */
static int32_t pulse_start(pulse_stream *ps, int32_t device_kind, const char *device_name,
                           int32_t buffer_ms, const char *stream_name, int64_t deadline) {
    pconn *c = &ps->conn;
    int32_t rc = PAC_OK;
    const char *device = NULL;
    if (device_kind == PAC_DEVICE_DEFAULT_SINK_MONITOR) {
        rc = conn_server_info(c, deadline);
        if (rc == PAC_OK && c->default_sink[0] == 0)
            rc = pac_fail(PAC_E_DEVICE_NOT_FOUND, "the server has no default sink to monitor");
        if (rc == PAC_OK) {
            conn_begin_op(c);
            rc = conn_wait_op(c, pa.pa_context_get_sink_info_by_name(c->ctx, c->default_sink, on_sink_info, c),
                              deadline);
            if (rc == PAC_OK && c->monitor_name[0] == 0)
                rc = pac_fail(PAC_E_DEVICE_NOT_FOUND, "the default sink %s has no monitor source",
                              c->default_sink);
        }
        device = c->monitor_name;
    } else if (device_kind == PAC_DEVICE_BY_NAME) {
        conn_begin_op(c);
        rc = conn_wait_op(c, pa.pa_context_get_source_info_by_name(c->ctx, device_name, on_source_exists, c),
                          deadline);
        if (rc == PAC_OK && c->monitor_name[0] == 0)
            rc = pac_fail(PAC_E_DEVICE_NOT_FOUND, "no capture source named '%.200s'", device_name);
        device = device_name;
    }
    if (rc != PAC_OK) return rc;

    const pac_stream *b = &ps->base;
    pa_sample_spec ss = { to_pa_format(b->format), (uint32_t)b->rate, (uint8_t)b->channels };
    pa_channel_map map;
    pa.pa_channel_map_init_extend(&map, (unsigned)b->channels, PA_CHANNEL_MAP_DEFAULT);
    int64_t frame_bytes = ps->frame_bytes;
    int64_t max_bytes = (int64_t)buffer_ms * b->rate / 1000 * frame_bytes;
    if (max_bytes < 2 * b->packet_bytes) max_bytes = 2 * b->packet_bytes;
    if (max_bytes > UINT32_MAX / 2) max_bytes = UINT32_MAX / 2;
    pa_buffer_attr attr;
    memset(&attr, 0xff, sizeof attr);
    attr.maxlength = (uint32_t)max_bytes;
    attr.fragsize = (uint32_t)b->packet_bytes;
    pa_stream_flags_t flags = PA_STREAM_ADJUST_LATENCY | PA_STREAM_AUTO_TIMING_UPDATE |
                              PA_STREAM_INTERPOLATE_TIMING;
    if (device_kind == PAC_DEVICE_BY_NAME) flags |= PA_STREAM_DONT_MOVE; /* lost, not rerouted */

    /* from here callbacks see the stream: switch the context callback over */
    pa.pa_context_set_state_callback(c->ctx, on_stream_context_state, ps);
    ps->st = pa.pa_stream_new(c->ctx, stream_name ? stream_name : "capture", &ss, &map);
    if (ps->st == NULL)
        return pac_fail(PAC_E_FORMAT_UNSUPPORTED, "pa_stream_new refused the sample spec: %s",
                        pa.pa_strerror(pa.pa_context_errno(c->ctx)));
    pa.pa_stream_set_state_callback(ps->st, on_stream_state, ps);
    pa.pa_stream_set_read_callback(ps->st, on_stream_read, ps);
    pa.pa_stream_set_latency_update_callback(ps->st, on_timing_report, ps);
    if (pa.pa_stream_connect_record(ps->st, device, &attr, flags) < 0) {
        int err = pa.pa_context_errno(c->ctx);
        return pac_fail(map_stream_error(err), "pa_stream_connect_record: %s", pa.pa_strerror(err));
    }
    while (ps->st_state != PA_STREAM_READY) {
        if (ps->st_state == PA_STREAM_FAILED || ps->st_state == PA_STREAM_TERMINATED || ps->failure != PAC_OK) {
            int err = pa.pa_context_errno(c->ctx);
            return pac_fail(map_stream_error(err), "the server refused the record stream: %s", pa.pa_strerror(err));
        }
        if (pac_now_ns() >= deadline)
            return pac_fail(PAC_E_BACKEND_UNAVAILABLE, "the record stream did not start in time");
        rc = conn_iterate(c, deadline);
        if (rc != PAC_OK) return rc;
    }
    const pa_buffer_attr *got = pa.pa_stream_get_buffer_attr(ps->st);
    ps->server_max_bytes = got != NULL ? (int64_t)got->maxlength : max_bytes;
    return PAC_OK;
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
    ps->frame_bytes = ps->base.packet_bytes / packet_frames;
    ps->server_max_bytes = INT64_MAX / 2;
    ps->jump_ns = 2 * ps->packet_ns > 20000000 ? 2 * ps->packet_ns : 20000000;
    ps->st_state = PA_STREAM_UNCONNECTED;
    pthread_mutex_init(&ps->lock, NULL);
    int64_t deadline = deadline_after(timeout_ms);

    rc = conn_new(&ps->conn, app_name);
    if (rc != PAC_OK) { pthread_mutex_destroy(&ps->lock); free(ps); return rc; }
    pa.pa_mainloop_set_poll_func(ps->conn.ml, poll_without_lock, ps);
    pthread_mutex_lock(&ps->lock);
    rc = conn_connect(&ps->conn, server, deadline);
    if (rc == PAC_OK) rc = pulse_start(ps, device_kind, device_name, buffer_ms, stream_name, deadline);
    pthread_mutex_unlock(&ps->lock);
    if (rc != PAC_OK) { pulse_release(ps); return rc; }
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
