/* The tone backend: a synthetic source that needs nothing. Sine mode computes
 * each sample; pattern mode is one memcpy a packet (the benchmark's subject).
 * Paced streams deliver packets on the CLOCK_MONOTONIC schedule of their rate. */
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static int32_t tone_deliver(tone_stream *t, uint8_t *dst, pac_packet_info *info, int64_t ts);

static int32_t tone_read(pac_stream *s, uint8_t *dst, int64_t capacity, int32_t timeout_ms,
                         pac_packet_info *info) {
    PAC_UNUSED(capacity);
    tone_stream *t = (tone_stream *)s;
    int64_t ts;
    if (!t->paced) {
        /* unpaced: nothing to wait for, so no lock — just the sticky interrupt flag */
        if (__atomic_load_n(&t->interrupted, __ATOMIC_ACQUIRE))
            return pac_fail(PAC_E_CLOSED, "stream interrupted");
        return tone_deliver(t, dst, info, pac_now_ns());
    }
    pthread_mutex_lock(&t->mu);
    {
        /* the packet is complete when its last frame has been "captured" */
        int64_t due = t->start_ns +
            (int64_t)((__int128)(t->position + s->packet_frames) * 1000000000 / s->rate);
        struct timespec deadline;
        pac_deadline(&deadline, timeout_ms);
        int64_t deadline_ns = (int64_t)deadline.tv_sec * 1000000000LL + deadline.tv_nsec;
        int64_t until = due < deadline_ns ? due : deadline_ns;
        struct timespec until_ts = { (time_t)(until / 1000000000LL), (long)(until % 1000000000LL) };
        while (!t->interrupted && pac_now_ns() < until) {
            int rc = pthread_cond_timedwait(&t->cv, &t->mu, &until_ts);
            if (rc == ETIMEDOUT) break;
        }
        if (!t->interrupted && pac_now_ns() < due) {
            pthread_mutex_unlock(&t->mu);
            return pac_fail(PAC_E_TIMEOUT, "no packet within %d ms", timeout_ms);
        }
        ts = packet_start_ns(t);
    }
    int interrupted = t->interrupted;
    pthread_mutex_unlock(&t->mu);
    if (interrupted) return pac_fail(PAC_E_CLOSED, "stream interrupted");
    return tone_deliver(t, dst, info, ts);
}

/* Fills one packet; reader-only state. */
static int32_t tone_deliver(tone_stream *t, uint8_t *dst, pac_packet_info *info, int64_t ts) {
    pac_stream *s = &t->base;

    uint32_t flags = 0;
    if (t->mode == PAC_TONE_PATTERN) {
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

static void tone_close(pac_stream *s) {
    tone_stream *t = (tone_stream *)s;
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

static const pac_stream_ops tone_ops = { tone_read, tone_stats, tone_interrupt, tone_close };

static int32_t tone_open(int32_t mode, int32_t format, int32_t rate, int32_t channels,
                         int32_t packet_frames, int32_t frequency_millihz,
                         int32_t amplitude_ppm, int32_t paced, pac_stream **out) {
    if (out == NULL) return pac_fail(PAC_E_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if (mode != PAC_TONE_SINE && mode != PAC_TONE_PATTERN)
        return pac_fail(PAC_E_INVALID_ARGUMENT, "mode %d is not a PAC_TONE_*", mode);
    if (mode == PAC_TONE_SINE) {
        if (frequency_millihz < 0 || (int64_t)frequency_millihz * 2 > (int64_t)rate * 1000)
            return pac_fail(PAC_E_INVALID_ARGUMENT,
                            "frequency_millihz %d outside 0..%lld (half the rate)",
                            frequency_millihz, (long long)rate * 500);
        if (amplitude_ppm < 0 || amplitude_ppm > 1000000)
            return pac_fail(PAC_E_INVALID_ARGUMENT, "amplitude_ppm %d outside 0..1000000", amplitude_ppm);
    }
    tone_stream *t = calloc(1, sizeof *t);
    if (t == NULL) return pac_fail(PAC_E_NO_MEMORY, "calloc of the tone stream failed");
    int32_t rc = pac_stream_init(&t->base, &tone_ops, format, rate, channels, packet_frames);
    if (rc != PAC_OK) { free(t); return rc; }
    t->mode = mode;
    t->paced = paced != 0;
    t->freq_millihz = frequency_millihz;
    t->amplitude = amplitude_ppm / 1e6;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&t->mu, NULL);
    t->start_ns = pac_now_ns();
    *out = &t->base;
    return PAC_OK;
}

int32_t pac_tone_open(int32_t mode, int32_t format, int32_t rate, int32_t channels,
                      int32_t packet_frames, int32_t frequency_millihz,
                      int32_t amplitude_ppm, int32_t paced, pac_stream **out, pac_error *err) {
    pac_call_begin();
    return pac_call_end(tone_open(mode, format, rate, channels, packet_frames, frequency_millihz,
                                  amplitude_ppm, paced, out), err);
}
