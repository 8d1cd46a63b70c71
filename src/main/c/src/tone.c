/* The tone backend: a synthetic source that needs nothing. Its devices are two
 * inputs: "sine" (computes each sample; the default input) and "pattern" (byte n
 * of the stream is n % 251: one memcpy a packet, the benchmark's subject). A
 * device id may carry parameters after '?', joined by '&':
 * "sine?frequency=1000&amplitude=0.25&paced=false", "pattern?paced=false".
 * Paced streams (the default) deliver packets on the CLOCK_MONOTONIC schedule of
 * their rate; pausing stops that clock. No outputs, no applications, no events. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TONE_SINE     1
#define TONE_PATTERN  2

typedef struct tone_context {
    pac_context base;
    pthread_mutex_t mu;      /* with cv: next_event's wait */
    pthread_cond_t cv;
    int interrupted;
} tone_context;

typedef struct tone_stream {
    pac_stream base;
    int32_t mode;
    int32_t paced;
    int64_t freq_millihz;
    double amplitude;
    int64_t phase_acc;       /* (frame * freq_millihz) mod (rate * 1000): exact phase */
    int64_t position;        /* frames delivered; reader-only                          */
    int64_t start_ns;        /* CLOCK_MONOTONIC time of frame 0                       */
    pthread_mutex_t mu;      /* with cv: a paced reader's wait; interrupted is atomic */
    pthread_cond_t cv;
    int interrupted;
    int paused;              /* guarded by mu */
    int64_t paused_at_ns;    /* guarded by mu: when the clock stopped */
    int resumed;             /* guarded by mu: the next packet follows a resume */
} tone_stream;

static void sine_fill(tone_stream *t, uint8_t *dst) {
    const int64_t modulus = (int64_t)t->base.rate * 1000;
    const int32_t ch = t->base.channels;
    for (int32_t f = 0; f < t->base.packet_frames; f++) {
        double v = t->amplitude * sin(2.0 * M_PI * (double)t->phase_acc / (double)modulus);
        t->phase_acc += t->freq_millihz;
        if (t->phase_acc >= modulus) t->phase_acc %= modulus;
        switch (t->base.format) {
        case PAC_FORMAT_S16LE: {
            int16_t s = (int16_t)lrint(v * 32767.0);
            for (int32_t c = 0; c < ch; c++, dst += 2) memcpy(dst, &s, 2);
            break;
        }
        case PAC_FORMAT_S32LE: {
            int32_t s = (int32_t)llrint(v * 2147483647.0);
            for (int32_t c = 0; c < ch; c++, dst += 4) memcpy(dst, &s, 4);
            break;
        }
        default: {
            float s = (float)v;
            for (int32_t c = 0; c < ch; c++, dst += 4) memcpy(dst, &s, 4);
            break;
        }
        }
    }
}

static int64_t packet_start_ns(const tone_stream *t) {
    /* ideal capture time of the packet's first frame */
    return t->start_ns + (int64_t)((__int128)t->position * 1000000000 / t->base.rate);
}

static int32_t tone_deliver(tone_stream *t, uint8_t *dst, pac_packet_info *info, int64_t ts, uint32_t flags);

/* Waits while paused (no packets then: reads time out), and for a paced stream
 * until the packet is due; lock held. Returns PAC_OK with *ts and *flags of the
 * packet, PAC_E_TIMEOUT or PAC_E_CLOSED. */
static int32_t tone_wait(tone_stream *t, int64_t deadline_ns, int32_t timeout_ms, int64_t *ts, uint32_t *flags) {
    const pac_stream *s = &t->base;
    for (;;) {
        if (t->interrupted) return pac_fail(PAC_E_CLOSED, "stream interrupted");
        int64_t now = pac_now_ns();
        int64_t until = deadline_ns;
        if (!t->paced && !t->paused) {
            *ts = now;
            break;
        }
        if (!t->paused) {
            /* the packet is complete when its last frame has been "captured" */
            int64_t due = t->start_ns +
                (int64_t)((__int128)(t->position + s->packet_frames) * 1000000000 / s->rate);
            if (now >= due) {
                *ts = packet_start_ns(t);
                break;
            }
            if (due < until) until = due;
        }
        if (now >= deadline_ns) return pac_fail(PAC_E_TIMEOUT, "no packet within %d ms", timeout_ms);
        struct timespec until_ts = pac_timespec(until);
        pthread_cond_timedwait(&t->cv, &t->mu, &until_ts);
    }
    if (t->resumed) {
        *flags |= PAC_FLAG_DISCONTINUITY | PAC_FLAG_RESUMED;
        t->resumed = 0;
    }
    return PAC_OK;
}

static int32_t tone_read(pac_stream *s, uint8_t *dst, int64_t capacity, int32_t timeout_ms,
                         pac_packet_info *info) {
    PAC_UNUSED(capacity);
    tone_stream *t = (tone_stream *)s;
    int64_t ts = 0;
    uint32_t flags = 0;
    if (!t->paced && !__atomic_load_n(&t->paused, __ATOMIC_ACQUIRE) &&
        !__atomic_load_n(&t->resumed, __ATOMIC_ACQUIRE)) {
        /* unpaced, running: nothing to wait for, so no lock — just the sticky interrupt flag */
        if (__atomic_load_n(&t->interrupted, __ATOMIC_ACQUIRE))
            return pac_fail(PAC_E_CLOSED, "stream interrupted");
        return tone_deliver(t, dst, info, pac_now_ns(), 0);
    }
    pthread_mutex_lock(&t->mu);
    int32_t rc = tone_wait(t, pac_deadline_after(timeout_ms), timeout_ms, &ts, &flags);
    pthread_mutex_unlock(&t->mu);
    if (rc != PAC_OK) return rc;
    return tone_deliver(t, dst, info, ts, flags);
}

/* Fills one packet; reader-only state. */
static int32_t tone_deliver(tone_stream *t, uint8_t *dst, pac_packet_info *info, int64_t ts, uint32_t flags) {
    pac_stream *s = &t->base;
    if (t->mode == TONE_PATTERN) {
        pac_pattern_copy(dst, s->packet_bytes, t->position * (s->packet_bytes / s->packet_frames));
    } else {
        sine_fill(t, dst);
        if (t->amplitude == 0.0) flags |= PAC_FLAG_SILENT;
    }
    info->bytes = s->packet_bytes;
    info->frames = s->packet_frames;
    info->timestamp_ns = ts;
    info->position = t->position;
    info->flags = flags;
    info->reserved = 0;
    t->position += s->packet_frames;
    return PAC_OK;
}

static int32_t tone_stats(pac_stream *s, pac_stream_stats *stats) {
    PAC_UNUSED(s);
    stats->latency_ns = 0;  /* synthesized at the read position: no latency */
    stats->latency_known = 1;
    stats->reserved = 0;
    return PAC_OK;
}

static int32_t tone_interrupt(pac_stream *s) {
    tone_stream *t = (tone_stream *)s;
    pthread_mutex_lock(&t->mu);
    __atomic_store_n(&t->interrupted, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    return PAC_OK;
}

/* Paused, the real-time clock of a paced stream stops: on resume the schedule
 * moves on by the time paused, so no burst of packets follows. */
static int32_t tone_pause(pac_stream *s, int32_t paused) {
    tone_stream *t = (tone_stream *)s;
    pthread_mutex_lock(&t->mu);
    if (paused && !t->paused) {
        t->paused_at_ns = pac_now_ns();
        __atomic_store_n(&t->paused, 1, __ATOMIC_RELEASE);
    } else if (!paused && t->paused) {
        t->start_ns += pac_now_ns() - t->paused_at_ns;
        __atomic_store_n(&t->resumed, 1, __ATOMIC_RELEASE);
        __atomic_store_n(&t->paused, 0, __ATOMIC_RELEASE);
    }
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    return PAC_OK;
}

static void tone_close(pac_stream *s) {
    tone_stream *t = (tone_stream *)s;
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

static const pac_stream_ops tone_ops = { tone_read, tone_stats, tone_interrupt, tone_pause, tone_close };

/* ---- device ids ------------------------------------------------------------ */

typedef struct tone_generator {
    int32_t mode;
    double frequency;
    double amplitude;
    int paced;
} tone_generator;

#define TONE_DEVICES "its devices: 'sine', 'pattern', with ?parameters"

/* A decimal number, all of `text` (len bytes); 1 when it is one. */
static int parse_number(const char *text, size_t len, double *out) {
    char buf[64];
    if (len == 0 || len >= sizeof buf) return 0;
    memcpy(buf, text, len);
    buf[len] = 0;
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) return 0;
    }
    char *end = NULL;
    errno = 0;
    double v = strtod(buf, &end);
    if (errno != 0 || end != buf + len || v != v) return 0;
    *out = v;
    return 1;
}

/* Parses "sine?frequency=..&amplitude=..&paced=..", "pattern?paced=..". */
static int32_t parse_device(const char *id, int32_t rate, tone_generator *g) {
    const char *q = strchr(id, '?');
    size_t base_len = q ? (size_t)(q - id) : strlen(id);
    g->frequency = 440;
    g->amplitude = 0.5;
    g->paced = 1;
    if (base_len == 4 && memcmp(id, "sine", 4) == 0) g->mode = TONE_SINE;
    else if (base_len == 7 && memcmp(id, "pattern", 7) == 0) g->mode = TONE_PATTERN;
    else return pac_fail(PAC_E_DEVICE_NOT_FOUND, "the tone backend has no device '%.300s' (" TONE_DEVICES ")", id);
    if (q == NULL) return PAC_OK;
    const char *base = g->mode == TONE_SINE ? "sine" : "pattern";
    const char *p = q + 1;
    for (;;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t key_len = eq ? (size_t)(eq - p) : len;
        const char *value = eq ? eq + 1 : p + len;
        size_t value_len = eq ? len - key_len - 1 : 0;
        int known = 1, ok = 1;
        double v = 0;
        if (key_len == 5 && memcmp(p, "paced", 5) == 0) {
            if (value_len == 4 && memcmp(value, "true", 4) == 0) g->paced = 1;
            else if (value_len == 5 && memcmp(value, "false", 5) == 0) g->paced = 0;
            else ok = 0;
        } else if (g->mode == TONE_SINE && key_len == 9 && memcmp(p, "frequency", 9) == 0) {
            ok = parse_number(value, value_len, &v) && v >= 0 && v <= rate / 2.0;
            if (ok) g->frequency = v;
        } else if (g->mode == TONE_SINE && key_len == 9 && memcmp(p, "amplitude", 9) == 0) {
            ok = parse_number(value, value_len, &v) && v >= 0 && v <= 1;
            if (ok) g->amplitude = v;
        } else {
            known = 0;
        }
        if (!known)
            return pac_fail(PAC_E_DEVICE_NOT_FOUND, "tone device '%.300s': no parameter '%.*s' (%s takes %s)", id,
                            (int)(key_len > 64 ? 64 : key_len), p, base,
                            g->mode == TONE_SINE ? "frequency, amplitude, paced" : "paced");
        if (!ok && g->mode == TONE_SINE)
            return pac_fail(PAC_E_DEVICE_NOT_FOUND,
                            "tone device '%.300s': %.*s = '%.*s' is not allowed (paced: true|false, frequency: "
                            "0..%g Hz, amplitude: 0..1)", id, (int)(key_len > 64 ? 64 : key_len), p,
                            (int)(value_len > 64 ? 64 : value_len), value, rate / 2.0);
        if (!ok)
            return pac_fail(PAC_E_DEVICE_NOT_FOUND, "tone device '%.300s': %.*s = '%.*s' is not allowed (paced: "
                            "true|false)", id, (int)(key_len > 64 ? 64 : key_len), p,
                            (int)(value_len > 64 ? 64 : value_len), value);
        if (!amp) break;
        p = amp + 1;
    }
    return PAC_OK;
}

/* ---- the context ------------------------------------------------------------ */

static int32_t tone_context_open(const pac_context_params *params, pac_context **out) {
    static const char *const known[] = { NULL };
    int32_t rc = pac_options_check(params->options, "tone", known);
    if (rc != PAC_OK) return rc;
    tone_context *c = calloc(1, sizeof *c);
    if (c == NULL) return pac_fail(PAC_E_NO_MEMORY, "calloc of the tone context failed");
    pthread_mutex_init(&c->mu, NULL);
    pac_cond_init(&c->cv);
    *out = &c->base;
    return PAC_OK;
}

static void tone_context_close(pac_context *ctx) {
    tone_context *c = (tone_context *)ctx;
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static void put_device(pac_list_writer *w, const char *id, const char *desc, uint32_t flags) {
    pac_list_u32(w, PAC_DIRECTION_INPUT);
    pac_list_u32(w, flags);
    pac_list_u32(w, 0);       /* any format: none of its own */
    pac_list_u32(w, 48000);
    pac_list_u32(w, 2);
    pac_list_str(w, id);
    pac_list_str(w, desc);
    w->count++;
}

static int32_t tone_devices(pac_context *ctx, pac_list_writer *w) {
    PAC_UNUSED(ctx);
    put_device(w, "sine", "Synthetic sine (?frequency=Hz&amplitude=0..1&paced=true|false)", PAC_DEVICE_FLAG_DEFAULT);
    put_device(w, "pattern", "Synthetic test pattern, byte n = n mod 251 (?paced=true|false)", 0);
    return PAC_OK;
}

static int32_t tone_applications(pac_context *ctx, pac_list_writer *w) {
    PAC_UNUSED(ctx);
    PAC_UNUSED(w);
    return PAC_OK;
}

/* No events ever: waits for the timeout or an interrupt. */
static int32_t tone_next_event(pac_context *ctx, pac_event *ev, int32_t timeout_ms) {
    PAC_UNUSED(ev);
    tone_context *c = (tone_context *)ctx;
    int64_t deadline = pac_deadline_after(timeout_ms);
    struct timespec until = pac_timespec(deadline);
    pthread_mutex_lock(&c->mu);
    while (!c->interrupted && pac_now_ns() < deadline) pthread_cond_timedwait(&c->cv, &c->mu, &until);
    int interrupted = c->interrupted;
    pthread_mutex_unlock(&c->mu);
    if (interrupted) return pac_fail(PAC_E_CLOSED, "the context was interrupted");
    return pac_fail(PAC_E_TIMEOUT, "no event within %d ms (the tone backend has none)", timeout_ms);
}

static int32_t tone_context_interrupt(pac_context *ctx) {
    tone_context *c = (tone_context *)ctx;
    pthread_mutex_lock(&c->mu);
    c->interrupted = 1;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return PAC_OK;
}

static int32_t tone_stream_open(pac_context *ctx, const pac_stream_params *p, pac_stream **out) {
    PAC_UNUSED(ctx);
    tone_generator g;
    int32_t rc;
    switch (p->target) {
    case PAC_TARGET_DEFAULT_INPUT: rc = parse_device("sine", p->rate, &g); break;
    case PAC_TARGET_DEVICE:        rc = parse_device(p->device_id, p->rate, &g); break;
    case PAC_TARGET_DEFAULT_OUTPUT:
        return pac_fail(PAC_E_DEVICE_NOT_FOUND, "the tone backend has no outputs: no default output's loopback "
                                                "to capture (" TONE_DEVICES ")");
    default:
        return pac_fail(PAC_E_DEVICE_NOT_FOUND, "the tone backend has no outputs and no applications: no "
                                                "application to capture (" TONE_DEVICES ")");
    }
    if (rc != PAC_OK) return rc;
    tone_stream *t = calloc(1, sizeof *t);
    if (t == NULL) return pac_fail(PAC_E_NO_MEMORY, "calloc of the tone stream failed");
    pac_stream_init(&t->base, &tone_ops, p);
    t->mode = g.mode;
    t->paced = g.paced;
    /* exact phase steps in millihertz */
    t->freq_millihz = (int64_t)llround(g.frequency * 1000);
    t->amplitude = g.amplitude;
    pac_cond_init(&t->cv);
    pthread_mutex_init(&t->mu, NULL);
    t->start_ns = pac_now_ns();
    *out = &t->base;
    return PAC_OK;
}

const pac_backend_ops pac_tone_backend = {
    "tone",
    tone_context_open,
    tone_context_close,
    tone_devices,
    tone_applications,
    tone_next_event,
    tone_context_interrupt,
    tone_stream_open,
};
