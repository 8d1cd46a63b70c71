/* One record stream (pa_stream) on one source, on a connection its owner iterates.
 *
 * Copy: pa_stream_peek hands out the server's fragment in place;
 * pulse_record_read_packet copies from it straight into the caller's memory (one
 * memcpy per fragment piece) and drops the fragment once consumed. A read starts
 * copying only when a whole packet is readable, so a timeout never consumes
 * anything.
 *
 * Timing and losses: see PAC_FLAG_DISCONTINUITY in pac_shim.h, on_record_read and
 * on_timing_report below.
 */
#include "pulse_internal.h"

#include <stdint.h>
#include <string.h>

int64_t pulse_bytes_ns(const pulse_record *r, int64_t bytes) {
    return (int64_t)((__int128)(bytes / r->frame_bytes) * 1000000000 / r->rate);
}

int32_t pulse_map_stream_error(int err) {
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

pa_sample_format_t pulse_format(int32_t f) {
    switch (f) {
    case PAC_FORMAT_S16LE: return PA_SAMPLE_S16LE;
    case PAC_FORMAT_S32LE: return PA_SAMPLE_S32LE;
    default:               return PA_SAMPLE_FLOAT32LE;
    }
}

uint32_t pulse_pac_format(pa_sample_format_t f) {
    switch (f) {
    case PA_SAMPLE_S16LE:     return PAC_FORMAT_S16LE;
    case PA_SAMPLE_S32LE:     return PAC_FORMAT_S32LE;
    case PA_SAMPLE_FLOAT32LE: return PAC_FORMAT_F32LE;
    default:                  return 0;
    }
}

void pulse_record_init(pulse_record *r, pulse_conn *c, const pac_stream *s) {
    memset(r, 0, sizeof *r);
    r->conn = c;
    r->state = PA_STREAM_UNCONNECTED;
    r->device_index = PA_INVALID_INDEX;
    r->format = s->format;
    r->channels = s->channels;
    r->rate = s->rate;
    r->packet_bytes = s->packet_bytes;
    r->frame_bytes = s->packet_bytes / s->packet_frames;
    r->packet_ns = (int64_t)((__int128)s->packet_frames * 1000000000 / s->rate);
    r->jump_ns = 2 * r->packet_ns > 20000000 ? 2 * r->packet_ns : 20000000;
    r->server_max_bytes = INT64_MAX / 2;
}

/* Returns a fragment the reader still holds from pa_stream_peek. A held peek
 * keeps its shared-memory block "acquired", and libpulse's teardown of a failed
 * connection (pa_memimport_free, inside dispatch on the reader's own thread)
 * waits until no block is acquired — it would wait for ever: so the fragment must
 * go before that, in the state callbacks, which libpulse calls before it unlinks
 * the connection. The reader never holds a fragment half-copied while it
 * dispatches (it copies only between iterations), so dropping it here is safe. */
void pulse_record_release_fragment(pulse_record *r) {
    if (r->frag_held && r->st != NULL) {
        pa.pa_stream_drop(r->st);
        r->frag_held = 0;
        r->frag = NULL;
    }
}

static void on_record_state(pa_stream *st, void *userdata) {
    pulse_record *r = userdata;
    pa_stream_state_t state = pa.pa_stream_get_state(st);
    r->state = state;
    if (state == PA_STREAM_FAILED || state == PA_STREAM_TERMINATED) {
        pulse_record_release_fragment(r);
        r->failed = 1;
    }
    if (state == PA_STREAM_READY) {
        r->clock_from_ns = pac_now_ns();
        r->want_timing = 1; /* the first report, at once */
        r->device_index = pa.pa_stream_get_device_index(st);
        const pa_buffer_attr *got = pa.pa_stream_get_buffer_attr(st);
        if (got != NULL) r->server_max_bytes = (int64_t)got->maxlength;
    }
    if ((state == PA_STREAM_READY || r->failed) && r->on_state != NULL) r->on_state(r, r->userdata);
}

/* Called by libpulse inside dispatch after each chunk the server sent was offered
 * to the client queue, with the queue's length now. libpulse ignores a refused
 * push (pa_memblockq_push fails when the chunk does not fit below maxlength), so
 * a length that did not grow since the last look means the chunk was dropped:
 * audio is missing right after the queued bytes. Nobody consumes during dispatch,
 * so the comparison is exact. */
static void on_record_read(pa_stream *st, size_t nbytes, void *userdata) {
    PAC_UNUSED(st);
    pulse_record *r = userdata;
    int64_t len = (int64_t)nbytes;
    if (len <= r->queue_len) {
        /* the queue holds a held fragment whole, frag_off of it already consumed */
        int64_t at = r->consumed - (int64_t)(r->frag_held ? r->frag_off : 0) + len;
        if (r->gap_count == 0 || r->gaps[r->gap_count - 1] != at) {
            if (r->gap_count == (int)(sizeof r->gaps / sizeof r->gaps[0]))
                r->gap_count--; /* merge into the newest: still flagged, at the later gap */
            r->gaps[r->gap_count++] = at;
        }
        r->want_timing = 1; /* the server's next report shows the read index past the gap */
    }
    r->queue_len = len;
}

/* Bytes readable beyond what the reader already took from a held fragment. */
static int64_t queued_bytes(pulse_record *r) {
    size_t readable = pa.pa_stream_readable_size(r->st);
    if (readable == (size_t)-1) return -1;
    return (int64_t)readable - (int64_t)(r->frag_held ? r->frag_off : 0);
}

/* The stream position (bytes) of the next byte the reader takes, from libpulse's
 * read index: the server's read index (what it sent) minus what the client queue
 * still holds at its last timing report, advanced by every pa_stream_drop since.
 * It counts audio the client queue refused, so it runs with the server's sample
 * count, not with ours. -1 while libpulse has no valid read index. */
static int64_t server_read_position(pulse_record *r) {
    /* Until the reader took audio the client queue refused, the server's count is
     * exactly what the reader consumed. Use that: libpulse's read index is the
     * server's minus the client queue's length when its report arrived, and audio
     * still in flight then (pipewire-pulse and PulseAudio pass audio through a
     * shared ring beside the socket that carries the report) made it run ahead by
     * that much, until the next report. */
    if (!r->refused) return r->consumed;
    const pa_timing_info *ti = pa.pa_stream_get_timing_info(r->st);
    if (ti == NULL || ti->read_index_corrupt || ti->read_index < 0) return -1;
    return ti->read_index + (int64_t)(r->frag_held ? r->frag_off : 0);
}

/* Copies one whole packet if one is readable.
 * Returns 1 when copied, 0 when not enough data yet, or a negative status. */
static int32_t try_copy_packet(pulse_record *r, uint8_t *dst, uint32_t *flags) {
    const int64_t need = r->packet_bytes;
    int64_t available = queued_bytes(r);
    if (available < 0) return PAC_E_DISCONNECTED;
    if (available < need) return 0;
    /* audio the client queue refused lies in this packet, or right before it; from
     * this packet on, positions count it (server_read_position) */
    while (r->gap_count > 0 && r->gaps[0] < r->consumed + need) {
        *flags |= PAC_FLAG_DISCONTINUITY;
        r->refused = 1;
        memmove(r->gaps, r->gaps + 1, (size_t)(--r->gap_count) * sizeof r->gaps[0]);
    }
    int64_t filled = 0;
    while (filled < need) {
        if (!r->frag_held) {
            const void *data = NULL;
            size_t len = 0;
            if (pa.pa_stream_peek(r->st, &data, &len) < 0) return PAC_E_DISCONNECTED;
            if (len == 0) return pac_fail(PAC_E_INTERNAL, "readable data vanished during a read");
            r->frag = data;
            r->frag_len = len;
            r->frag_off = 0;
            r->frag_held = 1;
        }
        size_t n = r->frag_len - r->frag_off;
        if ((int64_t)n > need - filled) n = (size_t)(need - filled);
        if (r->frag == NULL) {
            /* a hole in the server's stream: keep the sample clock, mark it */
            memset(dst + filled, 0, n);
            *flags |= PAC_FLAG_DISCONTINUITY;
        } else {
            memcpy(dst + filled, r->frag + r->frag_off, n);
        }
        filled += (int64_t)n;
        r->frag_off += n;
        if (r->frag_off == r->frag_len) {
            pa.pa_stream_drop(r->st);
            r->frag_held = 0;
            r->frag = NULL;
        }
    }
    r->consumed += need;
    return 1;
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
    pulse_record *r = userdata;
    const pa_timing_info *ti = pa.pa_stream_get_timing_info(st);
    if (ti == NULL || ti->write_index_corrupt) return;
    int64_t report_ns = pac_now_ns() - (int64_t)ti->transport_usec * 1000;
    int64_t anchor = report_ns - (int64_t)ti->source_usec * 1000 + (int64_t)ti->sink_usec * 1000 -
                     pulse_bytes_ns(r, ti->write_index);
    size_t queued = pa.pa_stream_readable_size(st);
    if (!ti->read_index_corrupt && queued != (size_t)-1) {
        int64_t server_queue = ti->write_index - (ti->read_index + (int64_t)queued);
        /* normally the server sends at once and its queue is near empty; more than
         * half full, the reader is far behind and the server may be dropping */
        if (2 * server_queue > r->server_max_bytes) {
            if (!r->gap_known && !r->pending) {
                r->gap_known = 1;
                r->gap_pos = ti->write_index;
            }
            r->want_timing = 1; /* a good report follows as soon as the reader drains */
            return;
        }
    }
    if (!r->anchored) {
        r->anchored = 1;
        r->anchor_ns = anchor;
        return;
    }
    int64_t base = r->pending ? r->next_anchor_ns : r->anchor_ns;
    if (anchor - base > r->jump_ns) {
        if (!r->pending) {
            r->pending = 1;
            if (!r->gap_known) {
                /* the loss happened somewhere before what the reader takes next */
                r->gap_pos = ti->read_index_corrupt ? 0 : ti->read_index;
            }
        }
        r->next_anchor_ns = anchor;
    } else if (r->pending) {
        r->next_anchor_ns = anchor; /* a later report of the same clock */
    } else {
        /* follows clock drift: a quarter of each report's deviation at a time, at most
         * 0.5 ms a report (330 ppm over the 1.5 s between automatic reports, far more
         * than a device drifts), so that one late report on a loaded machine moves the
         * packets' timestamps by no more than that */
        int64_t step = (anchor - r->anchor_ns) / 4;
        if (step > 500000) step = 500000;
        if (step < -500000) step = -500000;
        r->anchor_ns += step;
        r->gap_known = 0;
    }
}

/* The capture time of the packet at stream byte pos (server count), and its
 * DISCONTINUITY when audio lost at the server lies in it or right before it. */
static int64_t packet_capture_time(pulse_record *r, int64_t pos, int64_t queue_behind, uint32_t *flags) {
    if (!r->anchored || pos < 0) {
        int64_t behind = queue_behind < 0 ? 0 : queue_behind;
        return pac_now_ns() - pulse_bytes_ns(r, behind) - r->packet_ns;
    }
    int64_t ts = r->anchor_ns + pulse_bytes_ns(r, pos);
    if (r->pending && r->gap_pos < pos + r->packet_bytes) {
        *flags |= PAC_FLAG_DISCONTINUITY;
        int64_t lost_ns = r->next_anchor_ns - r->anchor_ns;
        r->lost_frames += (int64_t)((__int128)lost_ns * r->rate / 1000000000);
        if (r->gap_pos <= pos) ts = r->next_anchor_ns + pulse_bytes_ns(r, pos);
        r->anchor_ns = r->next_anchor_ns;
        r->pending = 0;
        r->gap_known = 0;
    }
    return ts;
}

int32_t pulse_record_read_packet(pulse_record *r, uint8_t *dst, pac_packet_info *info) {
    if (r->st == NULL || r->failed || r->state != PA_STREAM_READY) return 0;
    /* the first packet waits (a little) for the server's clock: stamped on a guess,
     * it could come out later than the next one, stamped on the clock. It waits only
     * while the client queue is less than half full: a source that starts with a
     * burst would otherwise fill it while the reader holds back, and the queue
     * would refuse audio the reader was ready to take. */
    if (!r->anchored && pac_now_ns() - r->clock_from_ns < PULSE_FIRST_REPORT_WAIT_NS) {
        int64_t queued = queued_bytes(r);
        if (queued >= 0 && 2 * queued < r->server_max_bytes) return 0;
    }
    uint32_t flags = 0;
    int32_t rc = try_copy_packet(r, dst, &flags);
    if (rc != 1) return rc;
    /* the packet's position: the server's count at its end, less the packet. A
     * packet that holds the first refused audio takes it from libpulse's read index
     * (which counts that audio), as the packets after it do, so that a loss at the
     * server right before the refusal (its gap_pos is in the server's count) is
     * flagged here too */
    int64_t end = server_read_position(r);
    int64_t pos = end < 0 ? -1 : end - r->packet_bytes;
    int64_t rest = queued_bytes(r);
    r->queue_len = rest < 0 ? 0 : rest + (int64_t)(r->frag_held ? r->frag_off : 0);
    if (pac_all_zero(dst, r->packet_bytes)) flags |= PAC_FLAG_SILENT;
    int64_t frames = r->packet_bytes / r->frame_bytes;
    info->bytes = r->packet_bytes;
    info->frames = frames;
    info->timestamp_ns = packet_capture_time(r, pos, rest, &flags);
    info->position = pos >= 0 ? pos / r->frame_bytes + r->lost_frames : r->fallback_position;
    info->flags = flags;
    info->reserved = 0;
    r->fallback_position = info->position + frames;
    return 1;
}

void pulse_record_after_iterate(pulse_record *r) {
    if (r->want_timing && r->st != NULL && !r->failed && r->state == PA_STREAM_READY) {
        r->want_timing = 0;
        pa_operation *op = pa.pa_stream_update_timing_info(r->st, NULL, NULL);
        if (op != NULL) pa.pa_operation_unref(op);
    }
}

/* The latency from the capture of the frame at the read position (the next one
 * the reader takes) to now, on the same clock as the timestamps (the server's
 * last timing report, see on_timing_report), so that a packet delivered now has
 * timestamp = now - latency - one packet. */
int pulse_record_latency(pulse_record *r, int64_t *latency_ns) {
    if (r->st == NULL || r->failed || r->state != PA_STREAM_READY || !r->anchored) return 0;
    int64_t pos = server_read_position(r);
    if (pos < 0) return 0;
    int64_t anchor = r->pending && pos >= r->gap_pos ? r->next_anchor_ns : r->anchor_ns;
    *latency_ns = pac_now_ns() - (anchor + pulse_bytes_ns(r, pos));
    return 1;
}

void pulse_record_cork(pulse_record *r, int corked) {
    if (r->st == NULL || r->failed) return;
    pa_operation *op = pa.pa_stream_cork(r->st, corked, NULL, NULL);
    if (op != NULL) pa.pa_operation_unref(op);
    pa.pa_mainloop_wakeup(r->conn->ml);
}

void pulse_record_restart_clock(pulse_record *r) {
    if (r->st != NULL && !r->failed && r->state == PA_STREAM_READY) {
        for (;;) {
            if (!r->frag_held) {
                const void *data = NULL;
                size_t len = 0;
                if (pa.pa_stream_peek(r->st, &data, &len) < 0 || len == 0) break;
                r->frag_len = len;
                r->frag_off = 0;
                r->frag_held = 1;
            }
            r->consumed += (int64_t)(r->frag_len - r->frag_off);
            pa.pa_stream_drop(r->st);
            r->frag_held = 0;
            r->frag = NULL;
        }
    }
    r->gap_count = 0;
    r->queue_len = 0;
    r->anchored = 0;
    r->pending = 0;
    r->gap_known = 0;
    r->want_timing = 1;
    r->clock_from_ns = pac_now_ns();
}

int32_t pulse_record_start(pulse_record *r, const char *source, uint32_t monitor_sink_input, int32_t buffer_ms,
                           const char *stream_name, int corked) {
    pulse_conn *c = r->conn;
    if (r->st != NULL) pulse_record_stop(r);
    /* a new pa_stream: forget everything of the previous one but the format */
    pulse_record fresh;
    pac_stream fmt = { NULL, r->format, r->rate, r->channels, (int32_t)(r->packet_bytes / r->frame_bytes),
                       r->packet_bytes };
    pulse_record_init(&fresh, c, &fmt);
    fresh.on_state = r->on_state;
    fresh.userdata = r->userdata;
    *r = fresh;

    pa_sample_spec ss = { pulse_format(r->format), (uint32_t)r->rate, (uint8_t)r->channels };
    pa_channel_map map;
    pa.pa_channel_map_init_extend(&map, (unsigned)r->channels, PA_CHANNEL_MAP_DEFAULT);
    int64_t max_bytes = (int64_t)buffer_ms * r->rate / 1000 * r->frame_bytes;
    if (max_bytes < 2 * r->packet_bytes) max_bytes = 2 * r->packet_bytes;
    if (max_bytes > UINT32_MAX / 2) max_bytes = UINT32_MAX / 2;
    pa_buffer_attr attr;
    memset(&attr, 0xff, sizeof attr);
    attr.maxlength = (uint32_t)max_bytes;
    attr.fragsize = (uint32_t)r->packet_bytes;
    /* DONT_MOVE: the server never moves the stream elsewhere (PulseAudio would move
     * an orphaned one to the default source, the microphone); its device going away
     * fails it, and the owner decides (follow the default, or DEVICE_LOST). */
    pa_stream_flags_t flags = PA_STREAM_ADJUST_LATENCY | PA_STREAM_AUTO_TIMING_UPDATE |
                              PA_STREAM_INTERPOLATE_TIMING | PA_STREAM_DONT_MOVE;
    if (corked) flags |= PA_STREAM_START_CORKED;
    r->st = pa.pa_stream_new(c->ctx, stream_name ? stream_name : "capture", &ss, &map);
    if (r->st == NULL)
        return pac_fail(PAC_E_FORMAT_UNSUPPORTED, "pa_stream_new refused the sample spec: %s", pulse_conn_error(c));
    pa.pa_stream_set_state_callback(r->st, on_record_state, r);
    pa.pa_stream_set_read_callback(r->st, on_record_read, r);
    pa.pa_stream_set_latency_update_callback(r->st, on_timing_report, r);
    if (monitor_sink_input != PA_INVALID_INDEX && pa.pa_stream_set_monitor_stream(r->st, monitor_sink_input) < 0) {
        int err = pa.pa_context_errno(c->ctx);
        pulse_record_stop(r);
        return pac_fail(pulse_map_stream_error(err), "pa_stream_set_monitor_stream(%u): %s", monitor_sink_input,
                        pa.pa_strerror(err));
    }
    if (pa.pa_stream_connect_record(r->st, source, &attr, flags) < 0) {
        int err = pa.pa_context_errno(c->ctx);
        pulse_record_stop(r);
        return pac_fail(pulse_map_stream_error(err), "pa_stream_connect_record: %s", pa.pa_strerror(err));
    }
    r->server_max_bytes = max_bytes;
    return PAC_OK;
}

int32_t pulse_record_wait_ready(pulse_record *r, int64_t deadline_ns) {
    pulse_conn *c = r->conn;
    while (r->state != PA_STREAM_READY) {
        if (r->failed || pulse_conn_dead(c)) {
            int err = pa.pa_context_errno(c->ctx);
            return pac_fail(pulse_conn_dead(c) ? PAC_E_DISCONNECTED : pulse_map_stream_error(err),
                            "the server refused the record stream: %s", pa.pa_strerror(err));
        }
        if (pac_now_ns() >= deadline_ns)
            return pac_fail(PAC_E_BACKEND_UNAVAILABLE, "the record stream did not start in time");
        int32_t rc = pulse_conn_iterate(c, deadline_ns);
        if (rc != PAC_OK) return rc;
    }
    return PAC_OK;
}

void pulse_record_stop(pulse_record *r) {
    if (r->st != NULL) {
        pa.pa_stream_set_state_callback(r->st, NULL, NULL);
        pa.pa_stream_set_read_callback(r->st, NULL, NULL);
        pa.pa_stream_set_latency_update_callback(r->st, NULL, NULL);
        if (r->frag_held) pa.pa_stream_drop(r->st);
        pa.pa_stream_disconnect(r->st);
        pa.pa_stream_unref(r->st);
        r->st = NULL;
    }
    r->frag_held = 0;
    r->frag = NULL;
}
