/* A device stream of the pulse backend: PAC_TARGET_DEFAULT_INPUT, _DEFAULT_OUTPUT
 * and _DEVICE, each on a server connection of its own that its reader drives inside
 * pac_stream_read (a packet costs one wake-up of the reading thread, as for parec).
 *
 * Follow or fail, never substitute. Every record stream is connected with
 * PA_STREAM_DONT_MOVE, so the server never moves it (PulseAudio moves an orphaned
 * record stream to the default source — the microphone — otherwise).
 *  - DEVICE: the device id is a sink (its monitor is recorded: the OUTPUT's
 *    loopback) or a source (an INPUT, or — leniently — a monitor by its own name).
 *    When it goes away the stream ends: reads return PAC_E_DEVICE_LOST.
 *  - DEFAULT_OUTPUT / DEFAULT_INPUT: the stream subscribes to the server's changes
 *    on its own connection and re-resolves the default (server info, then the sink's
 *    monitor or the source) whenever the server, a sink or a source changes or its
 *    record stream fails. A new default is connected beside the old one; once it
 *    runs, it takes over and its first packet carries DISCONTINUITY|ROUTE_CHANGED.
 *    No default (no sink; for inputs also a default that is a monitor): SILENT
 *    packets on the real-time clock, the first flagged DISCONTINUITY|ROUTE_CHANGED,
 *    until one appears. An output's loopback is never replaced by an input: only
 *    the default sink's monitor is ever recorded.
 *
 * Pause: pa_stream_cork (no data and no CPU on the server); while paused nothing is
 * delivered; on resume the client queue is dropped and the clock re-anchored, the
 * first packet after carries DISCONTINUITY.
 *
 * Position: a re-attached record stream counts from 0 again; the stream adds the
 * position its next packet would have had (position_base), so positions continue.
 */
#include "pulse_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pulse_stream {
    pac_stream base;
    pulse_conn conn;             /* the stream's own connection; conn.lock guards the rest */
    int interrupted;             /* sticky; atomic (pac_stream_interrupt)        */
    int32_t target;
    int32_t buffer_ms;
    char stream_name[256];
    char asked[512];             /* DEVICE: the id asked for, for messages         */
    int32_t failure;             /* sticky PAC_E_* once the stream or server failed */
    pulse_record rec[2];         /* at most two: the one delivering, one connecting */
    int cur;                     /* delivering record, -1: none                    */
    int next;                    /* connecting record, -1: none                    */
    char cur_device[256];        /* the sink (OUTPUT) or source (INPUT) cur records */
    char next_device[256];
    /* resolving the default (following streams) */
    pa_operation *resolve_op;
    int resolve_again;           /* a change arrived while resolving               */
    char resolve_device[256];    /* the default's name                             */
    char resolve_source[256];    /* the source to record: the sink's monitor, or the source */
    int resolve_found;
    int32_t attach_error;        /* the last failure to start a record stream      */
    int started;                 /* attached or silent once: later changes are route changes */
    uint32_t pending_flags;      /* for the next packet                            */
    int64_t position_base;       /* added to cur's positions                       */
    int64_t next_position;       /* the position of the next packet                */
    int silent;                  /* no device: SILENT packets on the real-time clock */
    int64_t silent_start_ns;
    int64_t silent_frames;
    int paused;
    int64_t latency_ns;          /* last latency report, for stats                 */
    int latency_known;
} pulse_stream;

static int follows(const pulse_stream *ps) { return ps->target != PAC_TARGET_DEVICE; }
static int outputs(const pulse_stream *ps) { return ps->target == PAC_TARGET_DEFAULT_OUTPUT; }

static void resolve_default(pulse_stream *ps);

/* No device to follow: silence on the clock from now on. */
static void go_silent(pulse_stream *ps) {
    ps->cur = -1; /* its record is stopped by reap() */
    if (ps->next >= 0) ps->next = -1;
    if (!ps->silent) {
        ps->silent = 1;
        ps->silent_start_ns = pac_now_ns();
        ps->silent_frames = 0;
        if (ps->started) ps->pending_flags |= PAC_FLAG_DISCONTINUITY | PAC_FLAG_ROUTE_CHANGED;
        ps->started = 1;
    }
    ps->cur_device[0] = 0;
}

/* Stops record streams that neither deliver nor connect. Lock held, outside
 * their callbacks. */
static void reap(pulse_stream *ps) {
    for (int i = 0; i < 2; i++)
        if (i != ps->cur && i != ps->next && ps->rec[i].st != NULL) pulse_record_stop(&ps->rec[i]);
}

/* Connects a record stream to `source` for the default `device`, beside the one
 * delivering (which keeps delivering until the new one runs). */
static void attach(pulse_stream *ps, const char *device, const char *source) {
    if (ps->cur >= 0 && !ps->rec[ps->cur].failed && strcmp(ps->cur_device, device) == 0) {
        ps->next = -1; /* already there */
        return;
    }
    if (ps->next >= 0 && !ps->rec[ps->next].failed && strcmp(ps->next_device, device) == 0) return;
    int n = ps->cur == 0 ? 1 : 0;
    if (ps->rec[n].st != NULL) pulse_record_stop(&ps->rec[n]); /* not inside its callback: we are in ours */
    ps->next = -1;
    int32_t rc = pulse_record_start(&ps->rec[n], source, PA_INVALID_INDEX, ps->buffer_ms, ps->stream_name,
                                    ps->paused);
    if (rc != PAC_OK) {
        ps->attach_error = rc;
        if (ps->cur < 0) go_silent(ps);
        return;
    }
    ps->next = n;
    pac_copy_str(ps->next_device, sizeof ps->next_device, device);
}

/* A record stream ran or failed (dispatch, lock held). */
static void on_record_state(pulse_record *r, void *userdata) {
    pulse_stream *ps = userdata;
    int idx = (int)(r - ps->rec);
    if (!r->failed && r->state == PA_STREAM_READY) {
        if (idx != ps->next) return;
        ps->cur = idx; /* the old one is stopped by reap() */
        ps->next = -1;
        memcpy(ps->cur_device, ps->next_device, sizeof ps->cur_device);
        if (ps->started) ps->pending_flags |= PAC_FLAG_DISCONTINUITY | PAC_FLAG_ROUTE_CHANGED;
        ps->started = 1;
        ps->silent = 0;
        ps->position_base = ps->next_position;
        ps->attach_error = PAC_OK;
        return;
    }
    if (!r->failed) return;
    if (pulse_conn_dead(&ps->conn)) {
        if (ps->failure == PAC_OK) ps->failure = PAC_E_DISCONNECTED;
        return;
    }
    if (!follows(ps)) {
        if (idx == ps->cur && ps->failure == PAC_OK) ps->failure = PAC_E_DEVICE_LOST;
        return;
    }
    if (idx == ps->next) {
        ps->next = -1;
        if (ps->attach_error == PAC_OK) ps->attach_error = pulse_map_stream_error(pa.pa_context_errno(ps->conn.ctx));
        if (ps->cur < 0) go_silent(ps);
        resolve_default(ps);
    } else if (idx == ps->cur) {
        go_silent(ps);
        resolve_default(ps);
    }
}

/* ---- resolving the default: server info, then the sink's monitor / the source ---- */

static void resolve_done(pulse_stream *ps) {
    if (ps->resolve_op != NULL) {
        pa.pa_operation_unref(ps->resolve_op);
        ps->resolve_op = NULL;
    }
    if (ps->resolve_again) {
        ps->resolve_again = 0;
        resolve_default(ps);
    }
}

static void on_resolve_sink(pa_context *c, const pa_sink_info *i, int eol, void *userdata) {
    PAC_UNUSED(c);
    pulse_stream *ps = userdata;
    if (i != NULL && i->monitor_source_name != NULL && i->name != NULL) {
        ps->resolve_found = 1;
        pac_copy_str(ps->resolve_source, sizeof ps->resolve_source, i->monitor_source_name);
        /* its own name: pipewire-pulse may call the default "@DEFAULT_SINK@" */
        pac_copy_str(ps->resolve_device, sizeof ps->resolve_device, i->name);
    }
    if (eol == 0) return;
    if (ps->resolve_found) attach(ps, ps->resolve_device, ps->resolve_source);
    else go_silent(ps); /* the default sink went away meanwhile: its removal re-resolves */
    resolve_done(ps);
}

static void on_resolve_source(pa_context *c, const pa_source_info *i, int eol, void *userdata) {
    PAC_UNUSED(c);
    pulse_stream *ps = userdata;
    /* a monitor is an output's loopback, never an input */
    if (i != NULL && i->monitor_of_sink == PA_INVALID_INDEX && i->name != NULL) {
        ps->resolve_found = 1;
        pac_copy_str(ps->resolve_source, sizeof ps->resolve_source, i->name);
        pac_copy_str(ps->resolve_device, sizeof ps->resolve_device, i->name);
    }
    if (eol == 0) return;
    if (ps->resolve_found) attach(ps, ps->resolve_device, ps->resolve_source);
    else go_silent(ps);
    resolve_done(ps);
}

static void on_resolve_server(pa_context *c, const pa_server_info *i, void *userdata) {
    pulse_stream *ps = userdata;
    const char *name = i == NULL ? NULL : outputs(ps) ? i->default_sink_name : i->default_source_name;
    pa.pa_operation_unref(ps->resolve_op);
    ps->resolve_op = NULL;
    if (name == NULL || name[0] == 0) {
        go_silent(ps);
        resolve_done(ps);
        return;
    }
    pac_copy_str(ps->resolve_device, sizeof ps->resolve_device, name);
    ps->resolve_found = 0;
    ps->resolve_op = outputs(ps) ? pa.pa_context_get_sink_info_by_name(c, name, on_resolve_sink, ps)
                                 : pa.pa_context_get_source_info_by_name(c, name, on_resolve_source, ps);
    if (ps->resolve_op == NULL) resolve_done(ps);
}

/* Asks the server for the default again (one request chain at a time). */
static void resolve_default(pulse_stream *ps) {
    if (ps->resolve_op != NULL) {
        ps->resolve_again = 1;
        return;
    }
    ps->resolve_op = pa.pa_context_get_server_info(ps->conn.ctx, on_resolve_server, ps);
}

static void on_subscription(pa_context *c, pa_subscription_event_type_t t, uint32_t index, void *userdata) {
    PAC_UNUSED(c);
    pulse_stream *ps = userdata;
    unsigned facility = t & PA_SUBSCRIPTION_EVENT_FACILITY_MASK;
    unsigned type = t & PA_SUBSCRIPTION_EVENT_TYPE_MASK;
    if (facility == PA_SUBSCRIPTION_EVENT_SOURCE && type == PA_SUBSCRIPTION_EVENT_REMOVE) {
        /* the recorded source went away; PulseAudio also kills the stream, but not
         * every server does */
        for (int i = 0; i < 2; i++) {
            pulse_record *r = &ps->rec[i];
            if (r->st != NULL && !r->failed && r->device_index == index && index != PA_INVALID_INDEX) {
                pulse_record_release_fragment(r);
                r->failed = 1;
                on_record_state(r, ps);
            }
        }
    }
    if (!follows(ps)) return;
    if (facility == PA_SUBSCRIPTION_EVENT_SERVER ||
        (facility == (outputs(ps) ? PA_SUBSCRIPTION_EVENT_SINK : PA_SUBSCRIPTION_EVENT_SOURCE) &&
         type != PA_SUBSCRIPTION_EVENT_CHANGE))
        resolve_default(ps);
}

static void on_conn_state(pulse_conn *c, void *userdata) {
    pulse_stream *ps = userdata;
    if (pulse_conn_dead(c)) {
        pulse_record_release_fragment(&ps->rec[0]);
        pulse_record_release_fragment(&ps->rec[1]);
        if (ps->failure == PAC_OK) ps->failure = PAC_E_DISCONNECTED;
    }
}

/* ---- the stream ops ---------------------------------------------------------- */

static int32_t stop_status(pulse_stream *ps) {
    if (__atomic_load_n(&ps->interrupted, __ATOMIC_ACQUIRE)) return pac_fail(PAC_E_CLOSED, "stream interrupted");
    if (ps->failure == PAC_E_DEVICE_LOST)
        return pac_fail(PAC_E_DEVICE_LOST, "the device '%.300s' went away", ps->asked);
    if (ps->failure != PAC_OK)
        return pac_fail(ps->failure, "the connection to the PulseAudio server broke");
    return PAC_OK;
}

static void silent_packet(pulse_stream *ps, uint8_t *dst, pac_packet_info *info) {
    const pac_stream *s = &ps->base;
    memset(dst, 0, (size_t)s->packet_bytes);
    info->bytes = s->packet_bytes;
    info->frames = s->packet_frames;
    info->timestamp_ns = ps->silent_start_ns + (int64_t)((__int128)ps->silent_frames * 1000000000 / s->rate);
    info->position = ps->next_position;
    info->flags = PAC_FLAG_SILENT | ps->pending_flags;
    info->reserved = 0;
    ps->pending_flags = 0;
    ps->silent_frames += s->packet_frames;
    ps->next_position += s->packet_frames;
}

static int32_t pulse_read(pac_stream *s, uint8_t *dst, int64_t capacity, int32_t timeout_ms,
                          pac_packet_info *info) {
    PAC_UNUSED(capacity);
    pulse_stream *ps = (pulse_stream *)s;
    int64_t deadline = pac_deadline_after(timeout_ms);
    int32_t rc;
    pthread_mutex_lock(&ps->conn.lock);
    for (int iterated = 0;; iterated = 1) {
        rc = stop_status(ps);
        if (rc != PAC_OK) break;
        reap(ps);
        int64_t wake = deadline;
        if (!ps->paused && ps->cur >= 0) {
            rc = pulse_record_read_packet(&ps->rec[ps->cur], dst, info);
            if (rc < 0) {
                if (ps->failure == PAC_OK) ps->failure = rc;
                rc = stop_status(ps);
                break;
            }
            if (rc == 1) {
                info->position += ps->position_base;
                info->flags |= ps->pending_flags;
                ps->pending_flags = 0;
                ps->next_position = info->position + info->frames;
                rc = PAC_OK;
                break;
            }
        } else if (!ps->paused && ps->silent) {
            int64_t due = ps->silent_start_ns +
                (int64_t)((__int128)(ps->silent_frames + s->packet_frames) * 1000000000 / s->rate);
            if (pac_now_ns() >= due) {
                silent_packet(ps, dst, info);
                rc = PAC_OK;
                break;
            }
            if (due < wake) wake = due;
        }
        /* not a whole packet yet: let the connection make progress (at least one
         * non-blocking pass, so a zero timeout still picks up what has arrived) */
        if (iterated && pac_now_ns() >= deadline) {
            rc = pac_fail(PAC_E_TIMEOUT, "no packet within %d ms", timeout_ms);
            break;
        }
        rc = pulse_conn_iterate(&ps->conn, wake);
        if (rc != PAC_OK) {
            if (ps->failure == PAC_OK) ps->failure = rc;
            break;
        }
        if (ps->failure == PAC_OK) {
            pulse_record_after_iterate(&ps->rec[0]);
            pulse_record_after_iterate(&ps->rec[1]);
        }
    }
    pthread_mutex_unlock(&ps->conn.lock);
    return rc;
}

/* The latency of the record delivering now; the last good answer stays while the
 * server cannot tell (no report yet, re-attaching, silent, connection gone). Lock
 * held here, so the reader is in poll or outside pac_stream_read. */
static int32_t pulse_stats(pac_stream *s, pac_stream_stats *stats) {
    pulse_stream *ps = (pulse_stream *)s;
    pthread_mutex_lock(&ps->conn.lock);
    int64_t latency;
    if (ps->failure == PAC_OK && ps->cur >= 0 && pulse_record_latency(&ps->rec[ps->cur], &latency)) {
        ps->latency_ns = latency;
        ps->latency_known = 1;
    }
    stats->latency_ns = ps->latency_ns;
    stats->latency_known = ps->latency_known;
    stats->reserved = 0;
    pthread_mutex_unlock(&ps->conn.lock);
    return PAC_OK;
}

static int32_t pulse_interrupt(pac_stream *s) {
    pulse_stream *ps = (pulse_stream *)s;
    __atomic_store_n(&ps->interrupted, 1, __ATOMIC_RELEASE);
    pa.pa_mainloop_wakeup(ps->conn.ml); /* thread-safe: a byte into the loop's wake-up pipe */
    return PAC_OK;
}

/* Any thread: the reader is in poll (lock released) or outside a read. */
static int32_t pulse_pause(pac_stream *s, int32_t paused) {
    pulse_stream *ps = (pulse_stream *)s;
    pthread_mutex_lock(&ps->conn.lock);
    int32_t rc = PAC_OK;
    if (ps->failure != PAC_OK) {
        rc = stop_status(ps);
    } else if (paused != ps->paused) {
        ps->paused = paused;
        for (int i = 0; i < 2; i++)
            if (ps->rec[i].st != NULL) pulse_record_cork(&ps->rec[i], paused);
        if (!paused) {
            /* what was queued before the pause is not delivered after it */
            if (ps->cur >= 0) pulse_record_restart_clock(&ps->rec[ps->cur]);
            ps->pending_flags |= PAC_FLAG_DISCONTINUITY | PAC_FLAG_RESUMED;
            ps->silent_start_ns = pac_now_ns();
            ps->silent_frames = 0;
        }
        pa.pa_mainloop_wakeup(ps->conn.ml);
    }
    pthread_mutex_unlock(&ps->conn.lock);
    return rc;
}

/* No thread is inside any call on the stream (the caller's contract). */
static void pulse_release(pulse_stream *ps) {
    if (ps->conn.initialized) {
        if (ps->resolve_op != NULL) {
            pa.pa_operation_cancel(ps->resolve_op);
            pa.pa_operation_unref(ps->resolve_op);
            ps->resolve_op = NULL;
        }
        pulse_record_stop(&ps->rec[0]);
        pulse_record_stop(&ps->rec[1]);
    }
    pulse_conn_release(&ps->conn);
    free(ps);
}

static void pulse_close(pac_stream *s) { pulse_release((pulse_stream *)s); }

static const pac_stream_ops pulse_stream_ops = { pulse_read, pulse_stats, pulse_interrupt, pulse_pause, pulse_close };

/* ---- opening ------------------------------------------------------------------- */

struct lookup {
    int done;
    int found;
    int is_monitor;
    char source[256];
};

static void on_sink_lookup(pa_context *c, const pa_sink_info *i, int eol, void *userdata) {
    PAC_UNUSED(c);
    struct lookup *l = userdata;
    if (i != NULL && i->monitor_source_name != NULL) {
        l->found = 1;
        pac_copy_str(l->source, sizeof l->source, i->monitor_source_name);
    }
    if (eol != 0) l->done = 1;
}

static void on_source_lookup(pa_context *c, const pa_source_info *i, int eol, void *userdata) {
    PAC_UNUSED(c);
    struct lookup *l = userdata;
    if (i != NULL && i->name != NULL) {
        l->found = 1;
        l->is_monitor = i->monitor_of_sink != PA_INVALID_INDEX;
        pac_copy_str(l->source, sizeof l->source, i->name);
    }
    if (eol != 0) l->done = 1;
}

/* DEVICE: an OUTPUT id (a sink: its monitor) or a source's name. Lock held. */
static int32_t open_device(pulse_stream *ps, const char *id, int64_t deadline) {
    pulse_conn *c = &ps->conn;
    struct lookup l = { 0, 0, 0, "" };
    int32_t rc = pulse_conn_wait_op(c, pa.pa_context_get_sink_info_by_name(c->ctx, id, on_sink_lookup, &l),
                                    &l.done, deadline);
    if (rc == PAC_OK && !l.found) {
        memset(&l, 0, sizeof l);
        rc = pulse_conn_wait_op(c, pa.pa_context_get_source_info_by_name(c->ctx, id, on_source_lookup, &l),
                                &l.done, deadline);
    }
    if (rc != PAC_OK) return rc;
    if (!l.found)
        return pac_fail(PAC_E_DEVICE_NOT_FOUND, "no device named '%.300s' (neither an output nor an input)", id);
    rc = pulse_record_start(&ps->rec[0], l.source, PA_INVALID_INDEX, ps->buffer_ms, ps->stream_name, 0);
    if (rc != PAC_OK) return rc;
    rc = pulse_record_wait_ready(&ps->rec[0], deadline);
    if (rc == PAC_E_DEVICE_NOT_FOUND) /* gone between the lookup and the connect */
        return pac_fail(PAC_E_DEVICE_NOT_FOUND, "no device named '%.300s' (it went away)", id);
    if (rc != PAC_OK) return rc;
    ps->cur = 0;
    ps->started = 1;
    return PAC_OK;
}

/* DEFAULT_*: resolve, then wait until a record stream runs or there is none to run.
 * Lock held. */
static int32_t open_default(pulse_stream *ps, int64_t deadline) {
    resolve_default(ps);
    if (ps->resolve_op == NULL)
        return pac_fail(PAC_E_DISCONNECTED, "server info could not be asked: %s", pulse_conn_error(&ps->conn));
    for (;;) {
        if (ps->failure != PAC_OK) return stop_status(ps);
        if (ps->cur >= 0) return PAC_OK;
        if (ps->resolve_op == NULL && ps->next < 0 && ps->silent) {
            /* no device now: silent until one appears — unless the server refused
             * our format for the device it has */
            if (ps->attach_error == PAC_E_FORMAT_UNSUPPORTED)
                return pac_fail(PAC_E_FORMAT_UNSUPPORTED, "the server refused the sample spec for the default %s",
                                outputs(ps) ? "output" : "input");
            return PAC_OK;
        }
        if (pac_now_ns() >= deadline)
            return pac_fail(PAC_E_BACKEND_UNAVAILABLE, "the record stream did not start in time");
        int32_t rc = pulse_conn_iterate(&ps->conn, deadline);
        if (rc != PAC_OK) return rc;
    }
}

int32_t pulse_device_stream_open(pulse_context *ctx, const pac_stream_params *p, pac_stream **out) {
    pulse_stream *ps = calloc(1, sizeof *ps);
    if (ps == NULL) return pac_fail(PAC_E_NO_MEMORY, "calloc of the pulse stream failed");
    pac_stream_init(&ps->base, &pulse_stream_ops, p);
    ps->target = p->target;
    ps->buffer_ms = p->buffer_ms;
    ps->cur = -1;
    ps->next = -1;
    pac_copy_str(ps->stream_name, sizeof ps->stream_name, p->stream_name ? p->stream_name : "capture");
    pac_copy_str(ps->asked, sizeof ps->asked, p->target == PAC_TARGET_DEVICE ? p->device_id
                                              : p->target == PAC_TARGET_DEFAULT_OUTPUT ? "the default output"
                                                                                       : "the default input");
    int64_t deadline = pac_deadline_after(ctx->timeout_ms);
    int32_t rc = pulse_conn_init(&ps->conn, ctx->app_name);
    if (rc != PAC_OK) { pulse_release(ps); return rc; }
    ps->conn.on_state = on_conn_state;
    ps->conn.state_userdata = ps;
    for (int i = 0; i < 2; i++) {
        pulse_record_init(&ps->rec[i], &ps->conn, &ps->base);
        ps->rec[i].on_state = on_record_state;
        ps->rec[i].userdata = ps;
    }
    pthread_mutex_lock(&ps->conn.lock);
    rc = pulse_conn_connect(&ps->conn, ctx->server, deadline);
    if (rc == PAC_OK) {
        pa_subscription_mask_t mask = PA_SUBSCRIPTION_MASK_SOURCE;
        if (follows(ps)) mask |= PA_SUBSCRIPTION_MASK_SERVER;
        if (outputs(ps)) mask |= PA_SUBSCRIPTION_MASK_SINK;
        pa.pa_context_set_subscribe_callback(ps->conn.ctx, on_subscription, ps);
        pa_operation *op = pa.pa_context_subscribe(ps->conn.ctx, mask, NULL, NULL);
        if (op != NULL) pa.pa_operation_unref(op);
        rc = p->target == PAC_TARGET_DEVICE ? open_device(ps, p->device_id, deadline) : open_default(ps, deadline);
    }
    if (rc == PAC_OK) reap(ps);
    pthread_mutex_unlock(&ps->conn.lock);
    if (rc != PAC_OK) { pulse_release(ps); return rc; }
    *out = &ps->base;
    return PAC_OK;
}
