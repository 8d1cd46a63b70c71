/* Application streams of the pulse backend: PAC_TARGET_APPLICATION_PID and
 * _APPLICATION_NAME. What an application plays, and nothing else, without
 * touching it.
 *
 * Which streams. Every sink-input (playback stream) whose proplist says
 * application.process.id == pid (PID), or application.name or
 * application.process.binary == the name (NAME: any process, now and later).
 * The stream has a connection of its own, subscribed to SINK_INPUT: a new (or
 * changed) sink-input is looked up and, if it matches, monitored; a removed one
 * is dropped once what it delivered is mixed; one that moved to another sink is
 * monitored there. The application's sink-inputs are only ever read about: never
 * moved, muted, corked or changed (nor anyone else's).
 *
 * How. Per sink-input one record pa_stream (pulse_record) with
 * pa_stream_set_monitor_stream(sink-input) before pa_stream_connect_record on
 * the monitor source of the sink it plays to: the server delivers that
 * sink-input's audio alone (PulseAudio: a source-output direct on the input;
 * pipewire-pulse: a link to the stream's node). PA_STREAM_DONT_MOVE as for every
 * record stream; when the sink-input moves or ends the server kills the monitor
 * stream and the sink-input is looked up again.
 *
 * Mixing, and the one staging buffer of the shim. Each monitor stream has a
 * staging buffer of exactly one packet, allocated when its sink-input is first
 * seen (never per packet): pulse_record_read_packet copies one whole packet
 * from the server's fragment into it, and the output packet is the sum of the
 * staged packets (S16/S32 saturating, F32 a plain sum) written into the
 * caller's memory. Mixing needs the inputs side by side, hence the copy; it is
 * the only stream kind that stages (a device stream copies straight into the
 * caller's memory). The packet is emitted when every *live* monitor stream (one
 * that delivered within the last `idle_ns`, 2 packets + 100 ms) has a packet
 * staged, or when the oldest staged one has waited `mix_wait_ns` (= idle_ns: a
 * stream that stopped delivering holds the others back once, by that much,
 * then it is no longer live). The wait is that long on purpose: pipewire-pulse
 * delivers each stream in quanta (up to 2048 frames) at its own phase, and a
 * shorter wait emitted unpaired packets, so the timeline ran fast. Streams are
 * mixed packet by packet in the order they deliver; a stream that starts is
 * aligned with the others to within one packet. Streams on different sinks run
 * on unrelated clocks: the faster one's surplus waits in its server queue
 * (and, after buffer_ms of drift, is lost there and flagged DISCONTINUITY).
 *
 * The timeline. Positions are the frames delivered (always += packet_frames,
 * never a gap). While no monitor stream is live — the application is silent,
 * paused (its streams corked), has no stream, or (NAME) does not run yet —
 * packets keep coming on the real-time clock (CLOCK_MONOTONIC), all zeros,
 * flagged SILENT, each timestamped with the schedule (the end of the previous
 * packet) and delivered `idle_ns` after its last frame's time (the allowance
 * for a stream's audio to arrive, so that silence is never emitted for time
 * that audio later turns up for). A data packet is timestamped with the
 * earliest staged packet's capture time (as for device streams, from the
 * server's timing). Alignment when audio (re)appears:
 *  - whole packets of time between the schedule and the audio's first frame
 *    (more than one packet plus a quarter) are filled with SILENT packets first,
 *    so a position keeps matching its time to within a packet;
 *  - the rest (less than about a packet: the audio began inside a packet) is
 *    not padded: the audio starts at the next packet boundary, its timestamp
 *    tells its true capture time (a shift of less than a packet against the
 *    silent schedule);
 *  - audio whose first frame lies before the end of the silence already
 *    delivered (it arrived later than `idle_ns`) is not dropped: its timestamp
 *    is the schedule's (clamped, so timestamps never go back).
 * The very first packet of the stream (and the first after a resume) is not
 * filled: the timeline starts with the audio if audio comes first.
 *
 * Interrupt, stats, pause and close behave as for device streams: pause corks
 * every monitor stream (and starts new ones corked), resume drops what was
 * queued, restarts the silent schedule at the resume and flags the first packet
 * after DISCONTINUITY. Any monitor stream's DISCONTINUITY (lost audio) is the
 * packet's. A broken connection ends the stream (PAC_E_DISCONNECTED).
 *
 * Threads: as pulse_stream.c: the reader drives the stream's connection inside
 * pac_stream_read, every callback runs there (lock held); pause and stats take
 * the lock while the reader is in poll.
 */
#include "pulse_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct app_stream app_stream;

typedef struct app_input {       /* one monitored sink-input */
    app_stream *as;
    uint32_t index;              /* the sink-input's */
    uint32_t sink;               /* the sink its monitor stream records, PA_INVALID_INDEX: none yet */
    int ended;                   /* gone, or no longer the application's: reaped when drained */
    pa_operation *op;            /* a lookup in flight (userdata: this input)          */
    int lookup_again;            /* something changed while looking up                 */
    int found;                   /* lookup: the sink-input answered, and matches       */
    uint32_t found_sink;
    char source[256];            /* lookup: the monitor source of found_sink           */
    int source_found;
    pulse_record rec;
    int32_t attach_error;        /* the last failure to start the record stream        */
    uint8_t *staging;            /* one packet                                         */
    int staged;
    pac_packet_info info;        /* of the staged packet                               */
    int64_t staged_ns;           /* when it was staged (the reader's clock, busy_ns)    */
    int64_t last_ns;             /* when the last packet was staged                     */
    int delivered;               /* a packet was staged (since open / resume)           */
} app_input;

struct app_stream {
    pac_stream base;
    pulse_conn conn;             /* the stream's own connection; conn.lock guards the rest */
    int interrupted;             /* sticky; atomic */
    int32_t target;
    uint32_t pid;
    char name[1025];             /* NAME */
    char asked[1100];            /* for messages */
    char stream_name[256];
    int32_t buffer_ms;
    int32_t failure;             /* sticky PAC_E_* */
    app_input **inputs;
    int n_inputs, cap_inputs;
    int listed;                  /* the initial sink-input list is complete */
    int64_t packet_ns;
    int64_t idle_ns;             /* a monitor stream silent this long is not live */
    int64_t mix_wait_ns;         /* how long a staged packet waits for the other live streams (idle_ns) */
    int64_t clock_ns;            /* the time of the next packet's first frame (schedule) */
    /* The reader's clock: the time spent inside app_read, the only time the
     * connection is driven. Liveness and the mixing wait are measured on it, so a
     * reader that comes back late finds its monitor streams live and drains what
     * the server kept for them, instead of taking them for silent. */
    int64_t busy_ns;
    int fresh;                   /* nothing emitted since open / resume: the timeline starts here */
    int64_t next_position;
    uint32_t pending_flags;
    int paused;
    int64_t latency_ns;
    int latency_known;
};

/* ---- which sink-inputs ------------------------------------------------------------- */

static int matches(const app_stream *as, const pa_sink_input_info *i) {
    if (i->proplist == NULL) return 0;
    if (as->target == PAC_TARGET_APPLICATION_PID) {
        const char *s = pa.pa_proplist_gets(i->proplist, PA_PROP_APPLICATION_PROCESS_ID);
        if (s == NULL || *s == 0) return 0;
        char *end = NULL;
        unsigned long v = strtoul(s, &end, 10);
        return end != NULL && *end == 0 && v == as->pid;
    }
    const char *name = pa.pa_proplist_gets(i->proplist, PA_PROP_APPLICATION_NAME);
    const char *binary = pa.pa_proplist_gets(i->proplist, PA_PROP_APPLICATION_PROCESS_BINARY);
    return (name != NULL && strcmp(name, as->name) == 0) || (binary != NULL && strcmp(binary, as->name) == 0);
}

static app_input *find_input(app_stream *as, uint32_t index) {
    for (int k = 0; k < as->n_inputs; k++)
        if (as->inputs[k]->index == index && !as->inputs[k]->ended) return as->inputs[k];
    return NULL;
}

static int record_running(const app_input *in) {
    return in->rec.st != NULL && !in->rec.failed;
}

static void lookup(app_input *in);

static void op_done(app_input *in) {
    if (in->op != NULL) {
        pa.pa_operation_unref(in->op);
        in->op = NULL;
    }
    if (in->lookup_again && !in->ended) {
        in->lookup_again = 0;
        lookup(in);
    }
}

static void on_monitor_sink(pa_context *c, const pa_sink_info *i, int eol, void *userdata) {
    PAC_UNUSED(c);
    PAC_UNUSED(eol);
    app_input *in = userdata;
    if (i != NULL) {
        if (i->monitor_source_name != NULL) {
            in->source_found = 1;
            pac_copy_str(in->source, sizeof in->source, i->monitor_source_name);
        }
        return;
    }
    if (in->source_found && !in->ended) {
        app_stream *as = in->as;
        /* not inside the record's own callback: we are in the lookup's */
        int32_t rc = pulse_record_start(&in->rec, in->source, in->index, as->buffer_ms, as->stream_name,
                                        as->paused);
        in->attach_error = rc;
        if (rc == PAC_OK) in->sink = in->found_sink;
    }
    /* else: the sink went away meanwhile; the sink-input moves or ends, and its
     * CHANGE / REMOVE looks it up again */
    op_done(in);
}

static void on_input_info(pa_context *c, const pa_sink_input_info *i, int eol, void *userdata) {
    app_input *in = userdata;
    if (i != NULL) {
        in->found = matches(in->as, i);
        in->found_sink = i->sink;
        return;
    }
    PAC_UNUSED(eol);
    if (!in->found) {
        in->ended = 1; /* gone (eol < 0: no such entity), or no longer the application's */
    } else if (!record_running(in) || in->sink != in->found_sink) {
        pa.pa_operation_unref(in->op);
        in->source_found = 0;
        in->op = pa.pa_context_get_sink_info_by_index(c, in->found_sink, on_monitor_sink, in);
        if (in->op != NULL) return;
    }
    op_done(in);
}

/* Asks the server about the sink-input again (one request chain at a time). */
static void lookup(app_input *in) {
    if (in->op != NULL) {
        in->lookup_again = 1;
        return;
    }
    in->found = 0;
    in->op = pa.pa_context_get_sink_input_info(in->as->conn.ctx, in->index, on_input_info, in);
}

/* A monitor stream ran or failed (dispatch, lock held). */
static void on_record_state(pulse_record *r, void *userdata) {
    app_input *in = userdata;
    app_stream *as = in->as;
    if (!r->failed) return;
    if (pulse_conn_dead(&as->conn)) {
        if (as->failure == PAC_OK) as->failure = PAC_E_DISCONNECTED;
        return;
    }
    /* the server killed it: the sink-input ended or moved; ask */
    if (!in->ended) lookup(in);
}

/* A sink-input of the application, seen for the first time: monitor it. In a
 * callback; the only allocation of the stream after open (one per sink-input). */
static void add_input(app_stream *as, const pa_sink_input_info *i) {
    if (find_input(as, i->index) != NULL) return;
    if (as->n_inputs == as->cap_inputs) {
        int cap = as->cap_inputs ? 2 * as->cap_inputs : 4;
        app_input **grown = realloc(as->inputs, (size_t)cap * sizeof *grown);
        if (grown == NULL) return; /* not monitored: like a stream we never heard of */
        as->inputs = grown;
        as->cap_inputs = cap;
    }
    app_input *in = calloc(1, sizeof *in);
    uint8_t *staging = malloc((size_t)as->base.packet_bytes);
    if (in == NULL || staging == NULL) {
        free(in);
        free(staging);
        return;
    }
    in->as = as;
    in->index = i->index;
    in->sink = PA_INVALID_INDEX;
    in->staging = staging;
    pulse_record_init(&in->rec, &as->conn, &as->base);
    in->rec.on_state = on_record_state;
    in->rec.userdata = in;
    as->inputs[as->n_inputs++] = in;
    in->found = 1;
    in->found_sink = i->sink;
    in->op = pa.pa_context_get_sink_info_by_index(as->conn.ctx, i->sink, on_monitor_sink, in);
}

/* A sink-input we do not monitor: is it the application's? */
static void on_candidate(pa_context *c, const pa_sink_input_info *i, int eol, void *userdata) {
    PAC_UNUSED(c);
    PAC_UNUSED(eol);
    app_stream *as = userdata;
    if (i != NULL && matches(as, i)) add_input(as, i);
}

static void on_initial_list(pa_context *c, const pa_sink_input_info *i, int eol, void *userdata) {
    app_stream *as = userdata;
    on_candidate(c, i, eol, userdata);
    if (eol != 0) as->listed = eol > 0 ? 1 : -1;
}

static void forget(pa_operation *op) {
    if (op != NULL) pa.pa_operation_unref(op);
}

static void on_subscription(pa_context *c, pa_subscription_event_type_t t, uint32_t index, void *userdata) {
    app_stream *as = userdata;
    if ((t & PA_SUBSCRIPTION_EVENT_FACILITY_MASK) != PA_SUBSCRIPTION_EVENT_SINK_INPUT) return;
    unsigned type = t & PA_SUBSCRIPTION_EVENT_TYPE_MASK;
    app_input *in = find_input(as, index);
    if (type == PA_SUBSCRIPTION_EVENT_REMOVE) {
        if (in != NULL) in->ended = 1; /* reaped once what it delivered is mixed */
    } else if (in != NULL) {
        lookup(in); /* moved to another sink? no longer the application's? */
    } else {
        /* new, or changed so that it may match now (its properties) */
        forget(pa.pa_context_get_sink_input_info(c, index, on_candidate, as));
    }
}

static void on_conn_state(pulse_conn *c, void *userdata) {
    app_stream *as = userdata;
    if (pulse_conn_dead(c)) {
        for (int k = 0; k < as->n_inputs; k++) pulse_record_release_fragment(&as->inputs[k]->rec);
        if (as->failure == PAC_OK) as->failure = PAC_E_DISCONNECTED;
    }
}

/* ---- inputs: staging, reaping ---------------------------------------------------------- */

static void free_input(app_input *in) {
    if (in->op != NULL) {
        pa.pa_operation_cancel(in->op);
        pa.pa_operation_unref(in->op);
        in->op = NULL;
    }
    pulse_record_stop(&in->rec);
    free(in->staging);
    free(in);
}

/* Frees ended inputs that have nothing left to mix. Lock held, outside callbacks. */
static void reap(app_stream *as) {
    int kept = 0;
    for (int k = 0; k < as->n_inputs; k++) {
        app_input *in = as->inputs[k];
        if (in->ended && !in->staged) free_input(in);
        else as->inputs[kept++] = in;
    }
    as->n_inputs = kept;
}

/* Stages a packet of every monitor stream that has none staged and a whole one
 * readable. */
static void stage(app_stream *as, int64_t now) {
    for (int k = 0; k < as->n_inputs; k++) {
        app_input *in = as->inputs[k];
        if (in->staged || !record_running(in)) continue;
        int32_t rc = pulse_record_read_packet(&in->rec, in->staging, &in->info);
        if (rc == 1) {
            in->staged = 1;
            in->staged_ns = now;
            in->last_ns = now;
            in->delivered = 1;
        } else if (rc < 0) {
            if (pulse_conn_dead(&as->conn)) {
                if (as->failure == PAC_OK) as->failure = PAC_E_DISCONNECTED;
                return;
            }
            pulse_record_release_fragment(&in->rec);
            in->rec.failed = 1; /* its pa_stream is stopped when it is started again */
            if (!in->ended) lookup(in);
        }
    }
}

static int live(const app_stream *as, const app_input *in, int64_t now) {
    return in->delivered && now - in->last_ns < as->idle_ns && record_running(in);
}

/* ---- mixing ---------------------------------------------------------------------------- */

static void mix_add(int32_t format, uint8_t *dst, const uint8_t *src, int64_t bytes) {
    switch (format) {
    case PAC_FORMAT_S16LE:
        for (int64_t o = 0; o + 2 <= bytes; o += 2) {
            int16_t a, b;
            memcpy(&a, dst + o, 2);
            memcpy(&b, src + o, 2);
            int32_t sum = (int32_t)a + b;
            int16_t v = (int16_t)(sum > INT16_MAX ? INT16_MAX : sum < INT16_MIN ? INT16_MIN : sum);
            memcpy(dst + o, &v, 2);
        }
        break;
    case PAC_FORMAT_S32LE:
        for (int64_t o = 0; o + 4 <= bytes; o += 4) {
            int32_t a, b;
            memcpy(&a, dst + o, 4);
            memcpy(&b, src + o, 4);
            int64_t sum = (int64_t)a + b;
            int32_t v = (int32_t)(sum > INT32_MAX ? INT32_MAX : sum < INT32_MIN ? INT32_MIN : sum);
            memcpy(dst + o, &v, 4);
        }
        break;
    default:
        for (int64_t o = 0; o + 4 <= bytes; o += 4) {
            float a, b;
            memcpy(&a, dst + o, 4);
            memcpy(&b, src + o, 4);
            a += b;
            memcpy(dst + o, &a, 4);
        }
        break;
    }
}

static void emit_silent(app_stream *as, uint8_t *dst, pac_packet_info *info) {
    const pac_stream *s = &as->base;
    memset(dst, 0, (size_t)s->packet_bytes);
    info->bytes = s->packet_bytes;
    info->frames = s->packet_frames;
    info->timestamp_ns = as->clock_ns;
    info->position = as->next_position;
    info->flags = PAC_FLAG_SILENT | as->pending_flags;
    info->reserved = 0;
    as->pending_flags = 0;
    as->clock_ns += as->packet_ns;
    as->next_position += s->packet_frames;
    as->fresh = 0;
}

/* Mixes every staged packet into dst (earliest capture time first in the
 * timestamp); or, when whole packets of time lie between the schedule and that
 * audio, a SILENT packet of the gap first (the audio stays staged). */
static void emit_mix(app_stream *as, uint8_t *dst, pac_packet_info *info) {
    const pac_stream *s = &as->base;
    int64_t ts = INT64_MAX;
    for (int k = 0; k < as->n_inputs; k++)
        if (as->inputs[k]->staged && as->inputs[k]->info.timestamp_ns < ts) ts = as->inputs[k]->info.timestamp_ns;
    if (!as->fresh && ts - as->clock_ns >= as->packet_ns + as->packet_ns / 4) {
        emit_silent(as, dst, info);
        return;
    }
    if (!as->fresh && ts < as->clock_ns - as->packet_ns / 4) ts = as->clock_ns;
    uint32_t flags = as->pending_flags;
    int first = 1;
    for (int k = 0; k < as->n_inputs; k++) {
        app_input *in = as->inputs[k];
        if (!in->staged) continue;
        if (first) memcpy(dst, in->staging, (size_t)s->packet_bytes);
        else mix_add(s->format, dst, in->staging, s->packet_bytes);
        first = 0;
        flags |= in->info.flags & PAC_FLAG_DISCONTINUITY;
        in->staged = 0;
    }
    if (pac_all_zero(dst, s->packet_bytes)) flags |= PAC_FLAG_SILENT;
    info->bytes = s->packet_bytes;
    info->frames = s->packet_frames;
    info->timestamp_ns = ts;
    info->position = as->next_position;
    info->flags = flags;
    info->reserved = 0;
    as->pending_flags = 0;
    as->clock_ns = ts + as->packet_ns;
    as->next_position += s->packet_frames;
    as->fresh = 0;
}

/* ---- the stream ops ---------------------------------------------------------------------- */

static int32_t stop_status(app_stream *as) {
    if (__atomic_load_n(&as->interrupted, __ATOMIC_ACQUIRE)) return pac_fail(PAC_E_CLOSED, "stream interrupted");
    if (as->failure != PAC_OK)
        return pac_fail(as->failure, "the connection to the PulseAudio server broke (capturing %s)", as->asked);
    return PAC_OK;
}

static int32_t app_read(pac_stream *s, uint8_t *dst, int64_t capacity, int32_t timeout_ms, pac_packet_info *info) {
    PAC_UNUSED(capacity);
    app_stream *as = (app_stream *)s;
    int64_t deadline = pac_deadline_after(timeout_ms);
    int32_t rc;
    pthread_mutex_lock(&as->conn.lock);
    int64_t entered = pac_now_ns();
    for (int iterated = 0;; iterated = 1) {
        rc = stop_status(as);
        if (rc != PAC_OK) break;
        int64_t wake = deadline;
        if (!as->paused) {
            int64_t now = pac_now_ns();
            int64_t busy = as->busy_ns + (now - entered); /* the reader's clock, see busy_ns */
            stage(as, busy);
            rc = stop_status(as);
            if (rc != PAC_OK) break;
            reap(as);
            int staged = 0, waiting = 0;
            int64_t oldest = INT64_MAX, idle_at = INT64_MAX;
            for (int k = 0; k < as->n_inputs; k++) {
                app_input *in = as->inputs[k];
                if (in->staged) {
                    staged++;
                    if (in->staged_ns < oldest) oldest = in->staged_ns;
                } else if (live(as, in, busy)) {
                    waiting++;
                    if (in->last_ns + as->idle_ns < idle_at) idle_at = in->last_ns + as->idle_ns;
                }
            }
            if (staged > 0) {
                if (waiting == 0 || busy - oldest >= as->mix_wait_ns) {
                    emit_mix(as, dst, info);
                    break;
                }
                int64_t until = oldest + as->mix_wait_ns < idle_at ? oldest + as->mix_wait_ns : idle_at;
                if (now + (until - busy) < wake) wake = now + (until - busy);
            } else if (waiting == 0) {
                /* nothing plays: silence on the real-time clock */
                int64_t due = as->clock_ns + as->packet_ns + as->idle_ns;
                if (now >= due) {
                    emit_silent(as, dst, info);
                    break;
                }
                if (due < wake) wake = due;
            } else if (now + (idle_at - busy) < wake) {
                wake = now + (idle_at - busy);
            }
        }
        /* not a packet yet: let the connection make progress (at least one
         * non-blocking pass, so a zero timeout still picks up what has arrived) */
        if (iterated && pac_now_ns() >= deadline) {
            rc = pac_fail(PAC_E_TIMEOUT, "no packet within %d ms", timeout_ms);
            break;
        }
        rc = pulse_conn_iterate(&as->conn, wake);
        if (rc != PAC_OK) {
            if (as->failure == PAC_OK) as->failure = rc;
            break;
        }
        if (as->failure == PAC_OK)
            for (int k = 0; k < as->n_inputs; k++) pulse_record_after_iterate(&as->inputs[k]->rec);
    }
    as->busy_ns += pac_now_ns() - entered;
    pthread_mutex_unlock(&as->conn.lock);
    return rc;
}

/* The latency of the first monitor stream that knows it; the last good answer
 * stays while none does (silent, no stream yet). */
static int32_t app_stats(pac_stream *s, pac_stream_stats *stats) {
    app_stream *as = (app_stream *)s;
    pthread_mutex_lock(&as->conn.lock);
    for (int k = 0; as->failure == PAC_OK && k < as->n_inputs; k++) {
        int64_t latency;
        if (record_running(as->inputs[k]) && pulse_record_latency(&as->inputs[k]->rec, &latency)) {
            as->latency_ns = latency;
            as->latency_known = 1;
            break;
        }
    }
    stats->latency_ns = as->latency_ns;
    stats->latency_known = as->latency_known;
    stats->reserved = 0;
    pthread_mutex_unlock(&as->conn.lock);
    return PAC_OK;
}

static int32_t app_interrupt(pac_stream *s) {
    app_stream *as = (app_stream *)s;
    __atomic_store_n(&as->interrupted, 1, __ATOMIC_RELEASE);
    pa.pa_mainloop_wakeup(as->conn.ml);
    return PAC_OK;
}

static int32_t app_pause(pac_stream *s, int32_t paused) {
    app_stream *as = (app_stream *)s;
    pthread_mutex_lock(&as->conn.lock);
    int32_t rc = PAC_OK;
    if (as->failure != PAC_OK) {
        rc = stop_status(as);
    } else if ((paused != 0) != as->paused) {
        as->paused = paused != 0;
        for (int k = 0; k < as->n_inputs; k++) {
            app_input *in = as->inputs[k];
            if (in->rec.st != NULL) pulse_record_cork(&in->rec, as->paused);
            if (!as->paused) {
                /* what was queued or staged before the pause is not delivered after it */
                pulse_record_restart_clock(&in->rec);
                in->staged = 0;
                in->delivered = 0;
            }
        }
        if (!as->paused) {
            as->pending_flags |= PAC_FLAG_DISCONTINUITY | PAC_FLAG_RESUMED;
            as->clock_ns = pac_now_ns();
            as->fresh = 1;
        }
        pa.pa_mainloop_wakeup(as->conn.ml);
    }
    pthread_mutex_unlock(&as->conn.lock);
    return rc;
}

static void app_release(app_stream *as) {
    for (int k = 0; k < as->n_inputs; k++) free_input(as->inputs[k]); /* none unless connected */
    free(as->inputs);
    pulse_conn_release(&as->conn); /* cancels the candidate lookups: no callback after this */
    free(as);
}

static void app_close(pac_stream *s) { app_release((app_stream *)s); }

static const pac_stream_ops app_stream_ops = { app_read, app_stats, app_interrupt, app_pause, app_close };

/* ---- opening ------------------------------------------------------------------------------- */

static int settled(const app_stream *as) {
    if (as->listed == 0) return 0;
    for (int k = 0; k < as->n_inputs; k++) {
        const app_input *in = as->inputs[k];
        if (in->ended) continue;
        if (in->op != NULL) return 0;
        if (in->rec.st != NULL && !in->rec.failed && in->rec.state != PA_STREAM_READY) return 0;
    }
    return 1;
}

int32_t pulse_app_stream_open(pulse_context *ctx, const pac_stream_params *p, pac_stream **out) {
    if (p->target == PAC_TARGET_APPLICATION_PID) {
        /* the server's clients are processes of this machine: one that does not
         * exist now is not going to play */
        char proc[32];
        snprintf(proc, sizeof proc, "/proc/%u", p->pid);
        if (access(proc, F_OK) != 0) return pac_fail(PAC_E_DEVICE_NOT_FOUND, "no process with id %u", p->pid);
    }
    app_stream *as = calloc(1, sizeof *as);
    if (as == NULL) return pac_fail(PAC_E_NO_MEMORY, "calloc of the application stream failed");
    pac_stream_init(&as->base, &app_stream_ops, p);
    as->target = p->target;
    as->pid = p->pid;
    if (p->target == PAC_TARGET_APPLICATION_NAME) {
        pac_copy_str(as->name, sizeof as->name, p->application);
        snprintf(as->asked, sizeof as->asked, "application '%s'", as->name);
    } else {
        snprintf(as->asked, sizeof as->asked, "application process %u", p->pid);
    }
    pac_copy_str(as->stream_name, sizeof as->stream_name, p->stream_name ? p->stream_name : "capture");
    as->buffer_ms = p->buffer_ms;
    as->packet_ns = (int64_t)((__int128)p->packet_frames * 1000000000 / p->rate);
    as->idle_ns = 2 * as->packet_ns + 100000000;
    as->mix_wait_ns = as->idle_ns;
    as->fresh = 1;
    int64_t deadline = pac_deadline_after(ctx->timeout_ms);
    int32_t rc = pulse_conn_init(&as->conn, ctx->app_name);
    if (rc != PAC_OK) { app_release(as); return rc; }
    as->conn.on_state = on_conn_state;
    as->conn.state_userdata = as;
    pthread_mutex_lock(&as->conn.lock);
    rc = pulse_conn_connect(&as->conn, ctx->server, deadline);
    if (rc == PAC_OK) {
        /* subscribe first, then list: a sink-input that appears in between is in
         * one or the other (or both: add_input ignores one it has) */
        pa.pa_context_set_subscribe_callback(as->conn.ctx, on_subscription, as);
        forget(pa.pa_context_subscribe(as->conn.ctx, PA_SUBSCRIPTION_MASK_SINK_INPUT, NULL, NULL));
        pa_operation *op = pa.pa_context_get_sink_input_info_list(as->conn.ctx, on_initial_list, as);
        if (op == NULL) rc = pac_fail(PAC_E_DISCONNECTED, "the playback streams could not be listed: %s",
                                      pulse_conn_error(&as->conn));
        forget(op);
    }
    /* wait until what plays now is monitored (its monitor streams run) */
    while (rc == PAC_OK && !settled(as)) {
        if (as->failure != PAC_OK) { rc = stop_status(as); break; }
        if (pac_now_ns() >= deadline) {
            rc = pac_fail(PAC_E_BACKEND_UNAVAILABLE, "the monitor streams of %s did not start in time", as->asked);
            break;
        }
        rc = pulse_conn_iterate(&as->conn, deadline);
    }
    if (rc == PAC_OK && as->listed < 0)
        rc = pac_fail(PAC_E_INTERNAL, "the server could not list its playback streams");
    for (int k = 0; rc == PAC_OK && k < as->n_inputs; k++) {
        app_input *in = as->inputs[k];
        if (!in->ended && (in->attach_error == PAC_E_FORMAT_UNSUPPORTED ||
                           (in->rec.failed && pulse_map_stream_error(pa.pa_context_errno(as->conn.ctx)) ==
                                              PAC_E_FORMAT_UNSUPPORTED)))
            rc = pac_fail(PAC_E_FORMAT_UNSUPPORTED, "the server refused the sample spec for the monitor stream of "
                          "sink-input %u of %s", in->index, as->asked);
    }
    if (rc == PAC_OK) {
        reap(as);
        as->clock_ns = pac_now_ns();
    }
    pthread_mutex_unlock(&as->conn.lock);
    if (rc != PAC_OK) { app_release(as); return rc; }
    *out = &as->base;
    return PAC_OK;
}
