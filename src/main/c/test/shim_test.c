/* C-level tests of the shim, run plain and under ASan/UBSan (make SANITIZE=1 test).
 * The pulse part runs when PAC_TEST_PULSE_SERVER names a running server with a
 * source called pac_sine (scripts/pulse-server starts one). */
#include "pac_shim.h"
#include "internal.h" /* pac_now_ns */

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

static pac_context *tone_ctx;

static pac_stream_params stream_params(int32_t target, const char *device, int32_t format, int32_t rate,
                                       int32_t channels, int32_t packet_frames) {
    pac_stream_params p;
    memset(&p, 0, sizeof p);
    p.target = target;
    p.device_id = device;
    p.format = format;
    p.rate = rate;
    p.channels = channels;
    p.packet_frames = packet_frames;
    p.buffer_ms = 2000;
    p.stream_name = "shim_test";
    return p;
}

/* A tone stream of device `device` ("sine?...", "pattern?..."). */
static int32_t tone_open(const char *device, int32_t format, int32_t rate, int32_t channels, int32_t packet_frames,
                         pac_stream **s, pac_error *e) {
    pac_stream_params p = stream_params(PAC_TARGET_DEVICE, device, format, rate, channels, packet_frames);
    return pac_stream_open(tone_ctx, &p, s, e);
}

static void test_pattern_bytes_follow_stream_offset(void) {
    pac_stream *s = NULL;
    int32_t rc = tone_open("pattern?paced=false", PAC_FORMAT_S16LE, 48000, 2, 480, &s, NULL);
    CHECK(rc == PAC_OK, "open pattern: %d", rc);
    uint8_t buf[1920];
    pac_packet_info info;
    int64_t offset = 0;
    for (int p = 0; p < 700; p++) {
        rc = pac_stream_read(s, buf, sizeof buf, 1000, &info, NULL);
        CHECK(rc == PAC_OK && info.bytes == 1920 && info.frames == 480, "read %d: %d", p, rc);
        CHECK(info.position == (int64_t)p * 480, "position %lld", (long long)info.position);
        for (int i = 0; i < 1920; i++, offset++)
            if (buf[i] != (uint8_t)(offset % 251)) { CHECK(0, "byte %lld", (long long)offset); p = 700; break; }
    }
    rc = pac_stream_read(s, buf, 100, 1000, &info, NULL);
    CHECK(rc == PAC_E_BUFFER_TOO_SMALL, "small capacity: %d", rc);
    pac_stream_close(s);
}

static void test_pattern_fill_handles_large_buffers(void) {
    size_t n = 200000;
    uint8_t *b = malloc(n);
    CHECK(pac_pattern_fill(b, (int64_t)n, 1000, NULL) == PAC_OK, "fill");
    for (size_t i = 0; i < n; i++)
        if (b[i] != (uint8_t)((i + 1000) % 251)) { CHECK(0, "fill byte %zu", i); break; }
    free(b);
}

static void test_invalid_arguments_are_rejected(void) {
    pac_stream *s = (pac_stream *)1;
    pac_stream_params p = stream_params(9, NULL, PAC_FORMAT_S16LE, 48000, 2, 480);
    CHECK(pac_stream_open(tone_ctx, &p, &s, NULL) == PAC_E_INVALID_ARGUMENT && s == NULL, "target");
    CHECK(tone_open("sine", 7, 48000, 2, 480, &s, NULL) == PAC_E_INVALID_ARGUMENT, "format");
    CHECK(tone_open("sine", PAC_FORMAT_S16LE, 48000, 33, 480, &s, NULL) == PAC_E_INVALID_ARGUMENT, "channels");
    p = stream_params(PAC_TARGET_DEVICE, "", PAC_FORMAT_S16LE, 48000, 2, 480);
    CHECK(pac_stream_open(tone_ctx, &p, &s, NULL) == PAC_E_INVALID_ARGUMENT, "empty device id");
    p.buffer_ms = 0;
    p.device_id = "sine";
    CHECK(pac_stream_open(tone_ctx, &p, &s, NULL) == PAC_E_INVALID_ARGUMENT, "buffer_ms");
    pac_error e;
    memset(&e, 0x55, sizeof e);
    int32_t rc = tone_open("sine", PAC_FORMAT_S16LE, 48000, 0, 480, &s, &e);
    CHECK(rc == PAC_E_INVALID_ARGUMENT && e.status == rc, "status in err: %d %d", rc, e.status);
    CHECK(e.detail_len > 0 && e.detail_len == (int32_t)strlen((char *)e.detail) &&
          strstr((char *)e.detail, "channels 0") != NULL, "detail '%s'", e.detail);
    rc = tone_open("sine?frequency=440&amplitude=0.5&paced=false", PAC_FORMAT_S16LE, 48000, 2, 480, &s, &e);
    CHECK(rc == PAC_OK && e.status == PAC_OK && e.detail_len == 0 && e.detail[0] == 0, "success clears err");
    /* a failure without a pac_fail detail of its own never reports an earlier call's */
    uint8_t small[8];
    pac_packet_info info;
    rc = pac_stream_read(s, small, sizeof small, 0, &info, &e);
    CHECK(rc == PAC_E_BUFFER_TOO_SMALL && strstr((char *)e.detail, "below one packet") != NULL, "'%s'", e.detail);
    CHECK(pac_stream_interrupt(s, &e) == PAC_OK && e.status == PAC_OK && e.detail_len == 0, "interrupt ok");
    uint8_t packet[1920];
    rc = pac_stream_read(s, packet, sizeof packet, 0, &info, &e);
    CHECK(rc == PAC_E_CLOSED && e.status == PAC_E_CLOSED && strstr((char *)e.detail, "interrupted"),
          "read after interrupt: %d '%s'", rc, e.detail);
    pac_stream_close(s);
    CHECK(pac_pattern_fill(NULL, 1, 0, &e) == PAC_E_INVALID_ARGUMENT && strstr((char *)e.detail, "pac_pattern_fill"),
          "pattern detail '%s'", e.detail);
    CHECK(pac_stream_stats_get(NULL, NULL, &e) == PAC_E_INVALID_ARGUMENT && e.detail_len > 0, "stats NULL");
    CHECK(strcmp(pac_strerror(PAC_E_DEVICE_LOST), "device lost") == 0, "strerror");
    CHECK(strcmp(pac_strerror(PAC_E_DISCONNECTED), "backend disconnected") == 0, "strerror -5");
}

/* Tone device ids carry their parameters; anything else is DEVICE_NOT_FOUND naming it. */
static void test_tone_device_ids_are_parsed_in_the_shim(void) {
    static const struct { const char *id; int32_t rc; const char *detail; } cases[] = {
        { "sine", PAC_OK, NULL },
        { "pattern?paced=false", PAC_OK, NULL },
        { "sine?frequency=1000&amplitude=0.25&paced=false", PAC_OK, NULL },
        { "mic", PAC_E_DEVICE_NOT_FOUND, "no device 'mic'" },
        { "sine?frequency=30000", PAC_E_DEVICE_NOT_FOUND, "frequency = '30000' is not allowed" },
        { "sine?amplitude=2", PAC_E_DEVICE_NOT_FOUND, "amplitude: 0..1" },
        { "sine?paced=yes", PAC_E_DEVICE_NOT_FOUND, "paced = 'yes'" },
        { "sine?frequency=abc", PAC_E_DEVICE_NOT_FOUND, "frequency = 'abc'" },
        { "pattern?frequency=5", PAC_E_DEVICE_NOT_FOUND, "no parameter 'frequency' (pattern takes paced)" },
        { "sine?volume=1", PAC_E_DEVICE_NOT_FOUND, "no parameter 'volume'" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pac_stream *s = NULL;
        pac_error e;
        int32_t rc = tone_open(cases[i].id, PAC_FORMAT_F32LE, 48000, 2, 480, &s, &e);
        CHECK(rc == cases[i].rc, "%s: %d '%s'", cases[i].id, rc, e.detail);
        if (cases[i].detail != NULL) CHECK(strstr((char *)e.detail, cases[i].detail) != NULL, "%s: '%s'", cases[i].id, e.detail);
        if (rc == PAC_OK) pac_stream_close(s);
    }
    pac_stream_params p = stream_params(PAC_TARGET_DEFAULT_OUTPUT, NULL, PAC_FORMAT_F32LE, 48000, 2, 480);
    pac_stream *s = NULL;
    pac_error e;
    CHECK(pac_stream_open(tone_ctx, &p, &s, &e) == PAC_E_DEVICE_NOT_FOUND && strstr((char *)e.detail, "no outputs"),
          "default output: '%s'", e.detail);
    p.target = PAC_TARGET_APPLICATION_NAME;
    p.application = "firefox";
    CHECK(pac_stream_open(tone_ctx, &p, &s, &e) == PAC_E_DEVICE_NOT_FOUND && strstr((char *)e.detail, "no applications"),
          "application: '%s'", e.detail);
    p = stream_params(PAC_TARGET_DEFAULT_INPUT, NULL, PAC_FORMAT_F32LE, 48000, 2, 480);
    CHECK(pac_stream_open(tone_ctx, &p, &s, &e) == PAC_OK, "default input: '%s'", e.detail);
    pac_stream_close(s);
}

struct context_interrupter { pac_context *c; };
static void *interrupt_context_later(void *arg) {
    struct context_interrupter *it = arg;
    usleep(50000);
    pac_context_interrupt(it->c, NULL);
    return NULL;
}

/* A blocked next_event is woken by an interrupt from another thread at once. */
static void test_next_event_interrupt_wakes_a_waiter(pac_context *c, const char *what) {
    struct context_interrupter it = { c };
    pthread_t th;
    pthread_create(&th, NULL, interrupt_context_later, &it);
    pac_event ev;
    int64_t t0 = pac_now_ns();
    int32_t rc = pac_context_next_event(c, &ev, 5000, NULL);
    int64_t waited = pac_now_ns() - t0;
    pthread_join(th, NULL);
    CHECK(rc == PAC_E_CLOSED && waited < 500000000, "%s: next_event %d after %lld ms", what, rc,
          (long long)(waited / 1000000));
}

/* Contexts: unknown backend / option, the device list and its buffer, no events. */
static void test_contexts(void) {
    pac_context *c = (pac_context *)1;
    pac_error e;
    CHECK(pac_context_open("nope", NULL, &c, &e) == PAC_E_INVALID_ARGUMENT && c == NULL &&
          strstr((char *)e.detail, "no backend named 'nope'") && strstr((char *)e.detail, "pulse, tone"),
          "unknown backend: '%s'", e.detail);
    pac_context_params cp = { "shim_test", "server=x", 1000, 0 };
    CHECK(pac_context_open("tone", &cp, &c, &e) == PAC_E_INVALID_ARGUMENT &&
          strstr((char *)e.detail, "option 'server' is not one the tone backend takes; it takes none"),
          "tone option: '%s'", e.detail);
    cp.options = "colour=red";
    CHECK(pac_context_open("pulse", &cp, &c, &e) == PAC_E_INVALID_ARGUMENT &&
          strstr((char *)e.detail, "option 'colour' is not one the pulse backend takes; it takes server"),
          "pulse option: '%s'", e.detail);
    cp.options = "justtext";
    CHECK(pac_context_open("tone", &cp, &c, &e) == PAC_E_INVALID_ARGUMENT && strstr((char *)e.detail, "key=value"),
          "option syntax: '%s'", e.detail);
    cp.options = NULL;
    cp.timeout_ms = -1;
    CHECK(pac_context_open("tone", &cp, &c, &e) == PAC_E_INVALID_ARGUMENT, "timeout");

    CHECK(pac_context_open("tone", NULL, &c, &e) == PAC_OK, "open tone: '%s'", e.detail);
    uint8_t buf[1024];
    int64_t used = 0;
    int32_t count = 0;
    CHECK(pac_context_devices(c, buf, sizeof buf, &used, &count, &e) == PAC_OK && count == 2, "tone devices %d", count);
    uint32_t direction, flags, id_len;
    memcpy(&direction, buf, 4);
    memcpy(&flags, buf + 4, 4);
    memcpy(&id_len, buf + 20, 4);
    CHECK(direction == PAC_DIRECTION_INPUT && flags == PAC_DEVICE_FLAG_DEFAULT && id_len == 4 &&
          memcmp(buf + 24, "sine", 4) == 0, "first tone device");
    int64_t needed = used;
    CHECK(pac_context_devices(c, buf, 10, &used, &count, &e) == PAC_E_BUFFER_TOO_SMALL && used == needed,
          "too small: used %lld, needed %lld", (long long)used, (long long)needed);
    CHECK(pac_context_devices(c, NULL, 0, &used, &count, &e) == PAC_E_BUFFER_TOO_SMALL && used == needed, "size query");
    CHECK(pac_context_applications(c, buf, sizeof buf, &used, &count, &e) == PAC_OK && count == 0 && used == 0, "apps");
    pac_event ev;
    int64_t t0 = pac_now_ns();
    CHECK(pac_context_next_event(c, &ev, 50, &e) == PAC_E_TIMEOUT, "tone event timeout");
    CHECK(pac_now_ns() - t0 >= 45000000, "waited the timeout");
    CHECK(pac_context_interrupt(c, &e) == PAC_OK && pac_context_interrupt(c, &e) == PAC_OK, "interrupt twice");
    CHECK(pac_context_next_event(c, &ev, 5000, &e) == PAC_E_CLOSED, "closed after interrupt");
    pac_context_close(c);
    pac_context_close(NULL);
    CHECK(pac_context_open("tone", NULL, &c, &e) == PAC_OK, "open tone again");
    test_next_event_interrupt_wakes_a_waiter(c, "tone");
    pac_context_close(c);
}

/* Pause: no packets while paused (reads time out), DISCONTINUITY on the first after. */
static void test_tone_pause_resume(void) {
    pac_stream *s = NULL;
    CHECK(tone_open("sine", PAC_FORMAT_S16LE, 48000, 1, 480, &s, NULL) == PAC_OK, "open paced sine");
    uint8_t buf[960];
    pac_packet_info info;
    CHECK(pac_stream_read(s, buf, sizeof buf, 1000, &info, NULL) == PAC_OK && info.flags == 0, "first");
    CHECK(pac_stream_pause(s, 1, NULL) == PAC_OK && pac_stream_pause(s, 1, NULL) == PAC_OK, "pause twice");
    CHECK(pac_stream_read(s, buf, sizeof buf, 100, &info, NULL) == PAC_E_TIMEOUT, "nothing while paused");
    int64_t before = info.position;
    CHECK(pac_stream_pause(s, 0, NULL) == PAC_OK, "resume");
    CHECK(pac_stream_read(s, buf, sizeof buf, 1000, &info, NULL) == PAC_OK &&
          info.flags == (PAC_FLAG_DISCONTINUITY | PAC_FLAG_RESUMED) && info.position == before + 480,
          "after resume: flags %u",
          info.flags);
    CHECK(pac_stream_read(s, buf, sizeof buf, 1000, &info, NULL) == PAC_OK && info.flags == 0, "then plain");
    pac_stream_close(s);
    /* unpaced too */
    CHECK(tone_open("pattern?paced=false", PAC_FORMAT_S16LE, 48000, 1, 480, &s, NULL) == PAC_OK, "open unpaced");
    pac_stream_pause(s, 1, NULL);
    CHECK(pac_stream_read(s, buf, sizeof buf, 20, &info, NULL) == PAC_E_TIMEOUT, "unpaced paused");
    pac_stream_pause(s, 0, NULL);
    CHECK(pac_stream_read(s, buf, sizeof buf, 20, &info, NULL) == PAC_OK && (info.flags & PAC_FLAG_DISCONTINUITY),
          "unpaced resumed");
    pac_stream_close(s);
}

struct interrupter { pac_stream *s; };
static void *interrupt_later(void *arg) {
    struct interrupter *it = arg;
    usleep(50000);
    pac_stream_interrupt(it->s, NULL);
    return NULL;
}

static void test_interrupt_wakes_a_blocked_paced_read(void) {
    pac_stream *s = NULL;
    /* 1 frame per second: a read would block ~1 s */
    int32_t rc = tone_open("sine?frequency=100", PAC_FORMAT_F32LE, 1000, 1, 1000, &s, NULL);
    CHECK(rc == PAC_OK, "open paced");
    struct interrupter it = { s };
    pthread_t th;
    pthread_create(&th, NULL, interrupt_later, &it);
    uint8_t buf[4000];
    pac_packet_info info;
    int64_t t0 = pac_now_ns();
    rc = pac_stream_read(s, buf, sizeof buf, 5000, &info, NULL);
    int64_t waited = pac_now_ns() - t0;
    CHECK(rc == PAC_E_CLOSED, "interrupted read: %d", rc);
    CHECK(waited < 500000000, "woke after %lld ns", (long long)waited);
    pthread_join(th, NULL);
    CHECK(pac_stream_read(s, buf, sizeof buf, 5000, &info, NULL) == PAC_E_CLOSED, "read after interrupt");
    pac_stream_close(s);
}

static void test_paced_read_times_out_without_consuming(void) {
    pac_stream *s = NULL;
    tone_open("pattern", PAC_FORMAT_S16LE, 1000, 1, 500, &s, NULL); /* 0.5 s packets */
    uint8_t buf[1000];
    pac_packet_info info;
    CHECK(pac_stream_read(s, buf, sizeof buf, 10, &info, NULL) == PAC_E_TIMEOUT, "timeout");
    CHECK(pac_stream_read(s, buf, sizeof buf, 2000, &info, NULL) == PAC_OK && info.position == 0, "then first packet");
    pac_stream_close(s);
}

static pac_context *pulse_ctx;

/* Opens the pulse context on `server` (a fresh one: callers close it). */
static int32_t pulse_context(const char *server, pac_context **c, pac_error *e) {
    char options[600];
    snprintf(options, sizeof options, "server=%s", server);
    pac_context_params cp = { "shim_test", options, 5000, 0 };
    return pac_context_open("pulse", &cp, c, e);
}

static int32_t pulse_open(int32_t target, const char *device, int32_t format, int32_t rate, int32_t channels,
                          int32_t packet_frames, pac_stream **s, pac_error *e) {
    pac_stream_params p = stream_params(target, device, format, rate, channels, packet_frames);
    return pac_stream_open(pulse_ctx, &p, s, e);
}

static void test_pulse_capture(const char *server) {
    PAC_UNUSED(server);
    uint8_t list[16384];
    int64_t used = 0;
    int32_t count = 0;
    int32_t rc = pac_context_devices(pulse_ctx, list, sizeof list, &used, &count, NULL);
    CHECK(rc == PAC_OK && count >= 2, "list: %d count %d", rc, count);
    rc = pac_context_devices(pulse_ctx, list, 8, &used, &count, NULL);
    CHECK(rc == PAC_E_BUFFER_TOO_SMALL && used > 8, "list small: %d", rc);

    pac_stream *s = NULL;
    rc = pulse_open(PAC_TARGET_DEVICE, "pac_sine", PAC_FORMAT_S16LE, 48000, 2, 480, &s, NULL);
    CHECK(rc == PAC_OK, "open pac_sine: %d", rc);
    if (rc == PAC_OK) {
        uint8_t buf[1920];
        pac_packet_info info;
        int nonsilent = 0;
        for (int i = 0; i < 300; i++) {
            rc = pac_stream_read(s, buf, sizeof buf, 5000, &info, NULL);
            CHECK(rc == PAC_OK, "pulse read %d: %d", i, rc);
            if (rc != PAC_OK) break;
            if (!(info.flags & PAC_FLAG_SILENT)) nonsilent++;
        }
        CHECK(nonsilent > 250, "non-silent packets %d", nonsilent);
        pac_stream_stats st;
        CHECK(pac_stream_stats_get(s, &st, NULL) == PAC_OK && st.latency_known == 1 &&
              st.latency_ns > 0 && st.latency_ns < 3000000000LL, "latency of a source (its blocks: up to 2 s): %d %lld",
              st.latency_known, (long long)st.latency_ns);
        pac_stream_interrupt(s, NULL);
        CHECK(pac_stream_read(s, buf, sizeof buf, 5000, &info, NULL) == PAC_E_CLOSED, "closed");
        pac_stream_close(s);
    }
    pac_error e;
    rc = pulse_open(PAC_TARGET_DEVICE, "no_such_source", PAC_FORMAT_S16LE, 48000, 2, 480, &s, &e);
    CHECK(rc == PAC_E_DEVICE_NOT_FOUND && e.status == rc && strstr((char *)e.detail, "'no_such_source'"),
          "missing source: %d '%s'", rc, e.detail);
    rc = pulse_open(PAC_TARGET_DEFAULT_OUTPUT, NULL, PAC_FORMAT_F32LE, 44100, 1, 441, &s, NULL);
    CHECK(rc == PAC_OK, "default monitor: %d", rc);
    if (rc == PAC_OK) pac_stream_close(s);
    rc = pulse_open(PAC_TARGET_DEFAULT_INPUT, NULL, PAC_FORMAT_F32LE, 44100, 1, 441, &s, NULL);
    CHECK(rc == PAC_OK, "default input: %d", rc);
    if (rc == PAC_OK) pac_stream_close(s);
    pac_context *none = (pac_context *)1;
    rc = pulse_context("unix:/nonexistent/pulse/native", &none, &e);
    CHECK(rc == PAC_E_BACKEND_UNAVAILABLE && none == NULL && strstr((char *)e.detail, "/nonexistent/"),
          "context of no server: %d '%s'", rc, e.detail);
}

/* ---- pulse: races, loops, device loss ------------------------------------ */

static int count_dir_entries(const char *path) {
    DIR *d = opendir(path);
    if (d == NULL) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static int32_t open_sine(const char *server, int32_t packet_frames, pac_stream **s) {
    PAC_UNUSED(server);
    return pulse_open(PAC_TARGET_DEVICE, "pac_sine", PAC_FORMAT_S16LE, 48000, 2, packet_frames, s, NULL);
}

struct blocked_reader {
    pac_stream *s;
    int32_t last_rc;
    int packets;
};

static void *read_until_closed(void *arg) {
    struct blocked_reader *r = arg;
    uint8_t buf[48000 * 4];
    pac_packet_info info;
    for (;;) {
        r->last_rc = pac_stream_read(r->s, buf, sizeof buf, 10000, &info, NULL);
        if (r->last_rc != PAC_OK) return NULL;
        r->packets++;
    }
}

/* A reader blocked in (or entering, or copying inside) pac_stream_read is woken by
 * pac_stream_interrupt from another thread at random moments, over and over: the
 * read returns PAC_E_CLOSED promptly, and close afterwards frees everything (ASan,
 * valgrind). Long packets (0.5 s) make the reader block in the wait most of the
 * time; the random delay sometimes lands in the copy or before the first wait. */
static void test_pulse_interrupt_races_a_blocked_read(const char *server) {
    unsigned seed = 12345;
    for (int round = 0; round < 25; round++) {
        pac_stream *s = NULL;
        int32_t rc = open_sine(server, round % 2 ? 24000 : 480, &s);
        CHECK(rc == PAC_OK, "race open %d: %d", round, rc);
        if (rc != PAC_OK) return;
        struct blocked_reader r = { s, 0, 0 };
        pthread_t th;
        pthread_create(&th, NULL, read_until_closed, &r);
        usleep((useconds_t)(rand_r(&seed) % 30000));
        int64_t t0 = pac_now_ns();
        pac_stream_interrupt(s, NULL);
        pac_stream_interrupt(s, NULL); /* idempotent */
        pthread_join(th, NULL);
        int64_t woke_ms = (pac_now_ns() - t0) / 1000000;
        CHECK(r.last_rc == PAC_E_CLOSED, "round %d: reader ended with %d after %d packets", round, r.last_rc,
              r.packets);
        CHECK(woke_ms < 1000, "round %d: reader woke %lld ms after the interrupt", round, (long long)woke_ms);
        pac_stream_close(s);
    }
}

/* While the reader blocks inside pac_stream_read (driving the connection, waiting
 * in poll for 0.5 s packets), stats from another thread do not wait for it: the
 * reader lets go of the connection's lock around poll. And an interrupt wakes the
 * reader at once. */
static void test_pulse_stats_and_interrupt_do_not_wait_for_a_blocked_reader(const char *server) {
    pac_stream *s = NULL;
    int32_t rc = open_sine(server, 24000, &s);
    CHECK(rc == PAC_OK, "open: %d", rc);
    if (rc != PAC_OK) return;
    struct blocked_reader r = { s, 0, 0 };
    pthread_t th;
    pthread_create(&th, NULL, read_until_closed, &r);
    int64_t worst_stats = 0;
    for (int i = 0; i < 200; i++) {
        usleep(5000);
        pac_stream_stats st;
        int64_t t0 = pac_now_ns();
        CHECK(pac_stream_stats_get(s, &st, NULL) == PAC_OK, "stats %d", i);
        int64_t took = pac_now_ns() - t0;
        if (took > worst_stats) worst_stats = took;
    }
    CHECK(worst_stats < 50000000, "stats waited %lld us for the reader", (long long)(worst_stats / 1000));
    int64_t t0 = pac_now_ns();
    pac_stream_interrupt(s, NULL);
    pthread_join(th, NULL);
    int64_t woke = pac_now_ns() - t0;
    CHECK(r.last_rc == PAC_E_CLOSED, "reader ended with %d", r.last_rc);
    CHECK(woke < 100000000, "the reader woke %lld us after the interrupt", (long long)(woke / 1000));
    fprintf(stderr, "stats: worst %lld us while the reader blocked; interrupt: reader back after %lld us\n",
            (long long)(worst_stats / 1000), (long long)(woke / 1000));
    pac_stream_close(s);
}

/* Opening and closing streams (and failing to open them) leaks no memory (ASan,
 * valgrind), no file descriptors and no threads. */
static void test_pulse_open_close_loop_leaks_nothing(const char *server) {
    pac_stream *s = NULL;
    /* warm-up: libpulse keeps some process-wide state after its first connection */
    if (open_sine(server, 480, &s) == PAC_OK) pac_stream_close(s);
    int fds = count_dir_entries("/proc/self/fd");
    int threads = count_dir_entries("/proc/self/task");
    uint8_t buf[1920];
    pac_packet_info info;
    for (int i = 0; i < 40; i++) {
        s = NULL;
        int32_t rc = open_sine(server, 480, &s);
        CHECK(rc == PAC_OK, "loop open %d: %d", i, rc);
        if (rc != PAC_OK) break;
        if (i % 4 == 0) {
            rc = pac_stream_read(s, buf, sizeof buf, 5000, &info, NULL);
            CHECK(rc == PAC_OK, "loop read %d: %d", i, rc);
        }
        if (i % 3 == 0) pac_stream_interrupt(s, NULL);
        pac_stream_close(s);
        rc = pulse_open(PAC_TARGET_DEVICE, "missing_sink.monitor", PAC_FORMAT_S16LE, 48000, 2, 480, &s, NULL);
        CHECK(rc == PAC_E_DEVICE_NOT_FOUND && s == NULL, "loop missing device %d: %d", i, rc);
        if (i % 8 == 0) {
            uint8_t list[16384];
            int64_t used = 0;
            int32_t count = 0;
            rc = pac_context_devices(pulse_ctx, list, sizeof list, &used, &count, NULL);
            CHECK(rc == PAC_OK, "loop list %d: %d", i, rc);
            pac_context *c = NULL;
            CHECK(pulse_context(server, &c, NULL) == PAC_OK, "loop context %d", i);
            pac_context_close(c);
        }
    }
    CHECK(count_dir_entries("/proc/self/fd") == fds, "file descriptors: %d before, %d after", fds,
          count_dir_entries("/proc/self/fd"));
    CHECK(count_dir_entries("/proc/self/task") == threads, "threads: %d before, %d after", threads,
          count_dir_entries("/proc/self/task"));
}

/* Reads with timeouts of 0..2 ms, mostly timing out once the reader has caught up
 * with real time, never lose or repeat audio: positions of the packets that do
 * arrive follow each other without a gap, from 0. A read that timed out and
 * consumed audio would leave an unflagged gap.
 *
 * Under a sanitizer the reader can be slow enough for the client queue to refuse
 * audio (seen under valgrind and ASan): that packet is flagged DISCONTINUITY, and
 * the refused amount counts in the position from the server's next timing report
 * on (pac_shim.h), which comes within a few packets. So for 1 s after a flagged
 * packet the positions are not compared (then they are again, from where they
 * are); at least 150 packets must have been compared. */
static void test_pulse_timeouts_consume_nothing(const char *server) {
    pac_stream *s = NULL;
    int32_t rc = open_sine(server, 480, &s);
    CHECK(rc == PAC_OK, "open: %d", rc);
    if (rc != PAC_OK) return;
    uint8_t buf[1920];
    pac_packet_info info;
    int64_t expected = 0;
    int timeouts = 0, compared = 0, discontinuities = 0, packets = 0;
    int settle = 0; /* packets left without comparison after a flagged one */
    int64_t deadline = pac_now_ns() + 12000000000LL;
    while ((compared < 150 || timeouts < 20) && pac_now_ns() < deadline) {
        rc = pac_stream_read(s, buf, sizeof buf, packets % 3, &info, NULL);
        if (rc == PAC_E_TIMEOUT) { timeouts++; continue; }
        CHECK(rc == PAC_OK, "read: %d", rc);
        if (rc != PAC_OK) break;
        packets++;
        if (info.flags & PAC_FLAG_DISCONTINUITY) {
            CHECK(info.position >= expected, "position %lld, expected at least %lld (packet %d, flags %u)",
                  (long long)info.position, (long long)expected, packets, info.flags);
            discontinuities++;
            settle = 100;
        } else if (settle > 0) {
            settle--;
        } else {
            CHECK(info.position == expected, "position %lld, expected %lld (packet %d, flags %u)",
                  (long long)info.position, (long long)expected, packets, info.flags);
            compared++;
        }
        expected = info.position + info.frames;
    }
    CHECK(compared >= 150 && timeouts >= 20, "packets compared %d (of %d), timeouts %d in 12 s", compared, packets,
          timeouts);
    if (discontinuities > 0)
        fprintf(stderr, "timeouts: %d packets flagged DISCONTINUITY, %d of %d compared\n", discontinuities, compared,
                packets);
    pac_stream_close(s);
}

/* Runs `pactl -s server args...`; copies its standard output into out. Returns its
 * exit status (-1 if it could not run). */
static int run_pactl(const char *server, const char *const *args, char *out, size_t cap) {
    int fd[2];
    if (pipe(fd) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) { close(fd[0]); close(fd[1]); return -1; }
    if (pid == 0) {
        const char *argv[16] = { "pactl", "-s", server };
        int n = 3;
        for (int i = 0; args[i] != NULL && n < 15; i++) argv[n++] = args[i];
        argv[n] = NULL;
        dup2(fd[1], STDOUT_FILENO);
        close(fd[0]);
        close(fd[1]);
        execvp("pactl", (char *const *)argv);
        _exit(127);
    }
    close(fd[1]);
    size_t used = 0;
    ssize_t got;
    while ((got = read(fd[0], out + used, cap - 1 - used)) > 0) used += (size_t)got;
    out[used] = 0;
    close(fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The captured device goes away (its module is unloaded): a blocked or later read
 * returns PAC_E_DEVICE_LOST within a second or two, every later read does too, and
 * close frees the stream cleanly. */
static void test_pulse_device_loss_is_reported(const char *server) {
    char sink[64], monitor[80], out[256];
    snprintf(sink, sizeof sink, "pac_loss_%d", (int)getpid());
    snprintf(monitor, sizeof monitor, "%s.monitor", sink);
    char sink_arg[96];
    snprintf(sink_arg, sizeof sink_arg, "sink_name=%s", sink);
    const char *load[] = { "load-module", "module-null-sink", sink_arg, "rate=48000", "channels=2", NULL };
    int rc_pactl = run_pactl(server, load, out, sizeof out);
    CHECK(rc_pactl == 0, "pactl load-module: status %d", rc_pactl);
    if (rc_pactl != 0) return;
    char module[32];
    snprintf(module, sizeof module, "%d", atoi(out));

    pac_stream *s = NULL;
    int32_t rc = pulse_open(PAC_TARGET_DEVICE, monitor, PAC_FORMAT_F32LE, 48000, 2, 480, &s, NULL);
    CHECK(rc == PAC_OK, "open %s: %d", monitor, rc);
    uint8_t buf[480 * 8];
    pac_packet_info info;
    if (rc == PAC_OK) {
        rc = pac_stream_read(s, buf, sizeof buf, 5000, &info, NULL);
        CHECK(rc == PAC_OK, "read before the loss: %d", rc);
    }
    const char *unload[] = { "unload-module", module, NULL };
    rc_pactl = run_pactl(server, unload, out, sizeof out);
    CHECK(rc_pactl == 0, "pactl unload-module %s: status %d", module, rc_pactl);
    if (s == NULL) return;
    int64_t t0 = pac_now_ns();
    do {
        rc = pac_stream_read(s, buf, sizeof buf, 1000, &info, NULL);
    } while ((rc == PAC_OK || rc == PAC_E_TIMEOUT) && pac_now_ns() - t0 < 5000000000LL);
    CHECK(rc == PAC_E_DEVICE_LOST, "read after the loss: %d (%s)", rc, pac_strerror(rc));
    CHECK(pac_stream_read(s, buf, sizeof buf, 1000, &info, NULL) == PAC_E_DEVICE_LOST, "loss is sticky");
    pac_stream_stats st;
    CHECK(pac_stream_stats_get(s, &st, NULL) == PAC_OK, "stats after the loss");
    pac_stream_interrupt(s, NULL);
    pac_stream_close(s);
    rc = pulse_open(PAC_TARGET_DEVICE, monitor, PAC_FORMAT_F32LE, 48000, 2, 480, &s, NULL);
    CHECK(rc == PAC_E_DEVICE_NOT_FOUND, "reopen of the lost device: %d", rc);
}

/* Loads a null sink named `name`; returns its module index, or -1. */
static int load_null_sink(const char *server, const char *name) {
    char arg[128], out[256];
    snprintf(arg, sizeof arg, "sink_name=%s", name);
    const char *load[] = { "load-module", "module-null-sink", arg, "rate=48000", "channels=2", NULL };
    return run_pactl(server, load, out, sizeof out) == 0 ? atoi(out) : -1;
}

static int pactl2(const char *server, const char *a, const char *b) {
    char out[256];
    const char *args[] = { a, b, NULL };
    return run_pactl(server, args, out, sizeof out);
}

/* Waits for the next event of `type` (others are skipped); its latency in ms, or -1. */
static int64_t await_event(pac_context *c, int32_t type, int32_t direction, const char *id, int64_t since_ns) {
    pac_event ev;
    int64_t deadline = pac_now_ns() + 3000000000LL;
    while (pac_now_ns() < deadline) {
        int32_t rc = pac_context_next_event(c, &ev, 200, NULL);
        if (rc == PAC_E_TIMEOUT) continue;
        if (rc != PAC_OK) return -1;
        if (ev.type == type && ev.direction == direction && strcmp((char *)ev.id, id) == 0)
            return (pac_now_ns() - since_ns) / 1000000;
    }
    return -1;
}

/* Device added, default changed, removed: each arrives within 500 ms of pactl's return. */
static void test_pulse_events(const char *server) {
    pac_context *c = NULL;
    CHECK(pulse_context(server, &c, NULL) == PAC_OK, "events context");
    if (c == NULL) return;
    char sink[64];
    snprintf(sink, sizeof sink, "pac_evt_%d", (int)getpid());
    int module = load_null_sink(server, sink);
    int64_t t0 = pac_now_ns();
    CHECK(module >= 0, "load %s", sink);
    int64_t added = await_event(c, PAC_EVENT_DEVICE_ADDED, PAC_DIRECTION_OUTPUT, sink, t0);
    CHECK(added >= 0 && added < 500, "DEVICE_ADDED after %lld ms", (long long)added);
    CHECK(pactl2(server, "set-default-sink", sink) == 0, "set-default-sink");
    t0 = pac_now_ns();
    int64_t changed = await_event(c, PAC_EVENT_DEFAULT_CHANGED, PAC_DIRECTION_OUTPUT, sink, t0);
    CHECK(changed >= 0 && changed < 500, "DEFAULT_CHANGED after %lld ms", (long long)changed);
    char mod[32];
    snprintf(mod, sizeof mod, "%d", module);
    CHECK(pactl2(server, "unload-module", mod) == 0, "unload");
    t0 = pac_now_ns();
    int64_t removed = await_event(c, PAC_EVENT_DEVICE_REMOVED, PAC_DIRECTION_OUTPUT, sink, t0);
    CHECK(removed >= 0 && removed < 500, "DEVICE_REMOVED after %lld ms", (long long)removed);
    CHECK(pactl2(server, "set-default-sink", "pac_sink") == 0, "restore default sink");
    fprintf(stderr, "events: added %lld ms, default changed %lld ms, removed %lld ms\n", (long long)added,
            (long long)changed, (long long)removed);
    pac_event ev;
    while (pac_context_next_event(c, &ev, 300, NULL) == PAC_OK) { } /* the rest of what the server said */
    test_next_event_interrupt_wakes_a_waiter(c, "pulse");
    pac_context_close(c);
}

/* DEFAULT_OUTPUT follows the default sink: a new default gives a ROUTE_CHANGED
 * packet; unloading it goes back (never to the sine source); pause gives nothing. */
static void test_pulse_follow_default_and_pause(const char *server) {
    pac_stream *s = NULL;
    int32_t rc = pulse_open(PAC_TARGET_DEFAULT_OUTPUT, NULL, PAC_FORMAT_S16LE, 48000, 2, 480, &s, NULL);
    CHECK(rc == PAC_OK, "open default output: %d", rc);
    if (rc != PAC_OK) return;
    uint8_t buf[1920];
    pac_packet_info info;
    CHECK(pac_stream_read(s, buf, sizeof buf, 5000, &info, NULL) == PAC_OK, "first packet");
    char sink[64];
    snprintf(sink, sizeof sink, "pac_follow_%d", (int)getpid());
    int module = load_null_sink(server, sink);
    CHECK(module >= 0 && pactl2(server, "set-default-sink", sink) == 0, "new default sink");
    int64_t t0 = pac_now_ns();
    int routed = 0;
    while (!routed && pac_now_ns() - t0 < 3000000000LL) {
        rc = pac_stream_read(s, buf, sizeof buf, 1000, &info, NULL);
        if (rc == PAC_OK && (info.flags & PAC_FLAG_ROUTE_CHANGED)) routed = 1;
        else if (rc != PAC_OK && rc != PAC_E_TIMEOUT) break;
    }
    int64_t route_ms = (pac_now_ns() - t0) / 1000000;
    /* re-attached at once; the first packet of an idle null sink's monitor may take
     * one of its blocks (up to 2 s): the Java tests, with a player, check 500 ms */
    CHECK(routed && (info.flags & PAC_FLAG_DISCONTINUITY), "ROUTE_CHANGED after %lld ms (rc %d)", (long long)route_ms, rc);
    char mod[32];
    snprintf(mod, sizeof mod, "%d", module);
    CHECK(pactl2(server, "unload-module", mod) == 0, "unload the new default");
    t0 = pac_now_ns();
    routed = 0;
    while (!routed && pac_now_ns() - t0 < 3000000000LL) {
        rc = pac_stream_read(s, buf, sizeof buf, 1000, &info, NULL);
        if (rc == PAC_OK && (info.flags & PAC_FLAG_ROUTE_CHANGED)) routed = 1;
        else if (rc != PAC_OK && rc != PAC_E_TIMEOUT) break;
    }
    CHECK(routed, "back to the remaining sink: rc %d", rc);
    pactl2(server, "set-default-sink", "pac_sink");
    /* pause: nothing; resume: a discontinuity */
    CHECK(pac_stream_pause(s, 1, NULL) == PAC_OK, "pause");
    int64_t p0 = pac_now_ns();
    int during = 0;
    while (pac_now_ns() - p0 < 600000000LL)
        if (pac_stream_read(s, buf, sizeof buf, 100, &info, NULL) == PAC_OK) during++;
    CHECK(during == 0, "%d packets while paused", during);
    CHECK(pac_stream_pause(s, 0, NULL) == PAC_OK, "resume");
    rc = pac_stream_read(s, buf, sizeof buf, 5000, &info, NULL);
    CHECK(rc == PAC_OK && (info.flags & PAC_FLAG_DISCONTINUITY) && (info.flags & PAC_FLAG_RESUMED),
          "after resume: %d flags %u", rc, info.flags);
    fprintf(stderr, "follow: ROUTE_CHANGED %lld ms after set-default-sink\n", (long long)route_ms);
    pac_stream_close(s);
}

/* ---- pulse: application capture --------------------------------------------- */

/* A mono s16le 48 kHz sine file of `seconds` at half of full scale. */
static int write_tone_file(const char *path, double hz, int seconds) {
    FILE *f = fopen(path, "wb");
    if (f == NULL) return -1;
    int16_t block[4800];
    long n = 0;
    for (int b = 0; b < seconds * 10; b++) {
        for (int i = 0; i < 4800; i++, n++) block[i] = (int16_t)(16384.0 * sin(2 * M_PI * hz * (double)n / 48000.0));
        if (fwrite(block, sizeof block, 1, f) != 1) { fclose(f); return -1; }
    }
    return fclose(f);
}

/* pacat playing `file` into pac_sink as application `name`; its pid (the pacat
 * process: the one the server knows), or -1. */
static pid_t start_player(const char *server, const char *name, const char *file) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    char srv[600], client[300], prop[300];
    snprintf(srv, sizeof srv, "--server=%s", server);
    snprintf(client, sizeof client, "--client-name=%s", name);
    snprintf(prop, sizeof prop, "--property=application.name=%s", name);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) { dup2(devnull, STDOUT_FILENO); dup2(devnull, STDERR_FILENO); }
    execlp("pacat", "pacat", srv, client, prop, "--raw", "--format=s16le", "--rate=48000", "--channels=1",
           "--latency-msec=20", "--device=pac_sink", "--playback", file, (char *)NULL);
    _exit(127);
}

static void stop_player(pid_t pid) {
    if (pid <= 0) return;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* Goertzel power of `hz` in channel 0 of `frames` interleaved stereo s16 frames. */
static double tone_power(const int16_t *samples, long frames, double hz) {
    double w = 2 * M_PI * hz / 48000.0, c = 2 * cos(w), s1 = 0, s2 = 0;
    for (long i = 0; i < frames; i++) {
        double hann = 0.5 - 0.5 * cos(2 * M_PI * (double)i / (double)(frames - 1));
        double s0 = hann * samples[2 * i] / 32768.0 + c * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    return s1 * s1 + s2 * s2 - c * s1 * s2;
}

/* Reads packets until one is not SILENT (at most `ms`); checks that positions
 * follow each other. Returns that packet's index, or -1. */
static int read_until_sound(pac_stream *s, uint8_t *buf, int64_t cap, int64_t *expected, int ms, int *silent) {
    pac_packet_info info;
    int64_t t0 = pac_now_ns();
    for (int n = 0; pac_now_ns() - t0 < (int64_t)ms * 1000000; n++) {
        int32_t rc = pac_stream_read(s, buf, cap, 1000, &info, NULL);
        if (rc == PAC_E_TIMEOUT) continue;
        CHECK(rc == PAC_OK, "app read: %d", rc);
        if (rc != PAC_OK) return -1;
        CHECK(info.position == *expected, "app position %lld, expected %lld", (long long)info.position,
              (long long)*expected);
        *expected = info.position + info.frames;
        if (!(info.flags & PAC_FLAG_SILENT)) return n;
        (*silent)++;
    }
    return -1;
}

/* Separation (dB) of `hz` over `other_hz` in a second of capture after `s` plays. */
static double capture_separation(pac_stream *s, int64_t *expected, double hz, double other_hz, double *level_db) {
    enum { FRAMES = 480, PACKETS = 100 };
    static int16_t capture[FRAMES * PACKETS * 2];
    pac_packet_info info;
    for (int p = 0; p < PACKETS; p++) {
        int32_t rc = pac_stream_read(s, (uint8_t *)(capture + p * FRAMES * 2), FRAMES * 4, 2000, &info, NULL);
        CHECK(rc == PAC_OK && info.position == *expected, "app capture read %d: %d", p, rc);
        if (rc != PAC_OK) return 0;
        *expected = info.position + info.frames;
    }
    double a = tone_power(capture, FRAMES * PACKETS, hz), b = tone_power(capture, FRAMES * PACKETS, other_hz);
    /* a full-scale sine of N samples with a Hann window: (N/4)^2 */
    double full = (FRAMES * PACKETS / 4.0) * (FRAMES * PACKETS / 4.0);
    *level_db = 10 * log10(a / full + 1e-30);
    return 10 * log10((a + 1e-30) / (b + 1e-30));
}

/* Applications: a pid that does not exist is DEVICE_NOT_FOUND naming it; an
 * application by name that does not play yet gives SILENT packets on the clock,
 * then its tone alone (1 kHz, the other player's 3 kHz far below), by name and by
 * pid; when it stops, SILENT packets again; positions never jump; pause gives
 * nothing and a DISCONTINUITY after. */
static void test_pulse_application_capture(const char *server) {
    pac_stream *s = NULL;
    pac_error e;
    pac_stream_params p = stream_params(PAC_TARGET_APPLICATION_PID, NULL, PAC_FORMAT_S16LE, 48000, 2, 480);
    p.pid = 0x7ffffff0u;
    int32_t rc = pac_stream_open(pulse_ctx, &p, &s, &e);
    CHECK(rc == PAC_E_DEVICE_NOT_FOUND && s == NULL && strstr((char *)e.detail, "2147483632"),
          "missing pid: %d '%s'", rc, e.detail);

    char name_a[64], name_b[64], file_a[128], file_b[128];
    snprintf(name_a, sizeof name_a, "pac_app_a_%d", (int)getpid());
    snprintf(name_b, sizeof name_b, "pac_app_b_%d", (int)getpid());
    snprintf(file_a, sizeof file_a, "/tmp/pac_app_a_%d.raw", (int)getpid());
    snprintf(file_b, sizeof file_b, "/tmp/pac_app_b_%d.raw", (int)getpid());
    CHECK(write_tone_file(file_a, 1000, 20) == 0 && write_tone_file(file_b, 3000, 20) == 0, "tone files");

    p = stream_params(PAC_TARGET_APPLICATION_NAME, NULL, PAC_FORMAT_S16LE, 48000, 2, 480);
    p.application = name_a;
    rc = pac_stream_open(pulse_ctx, &p, &s, &e);
    CHECK(rc == PAC_OK, "open by name: %d '%s'", rc, e.detail);
    if (rc != PAC_OK) return;
    uint8_t buf[1920];
    pac_packet_info info;
    int64_t expected = 0, t0 = pac_now_ns();
    int silent = 0;
    for (int n = 0; n < 40; n++) {
        rc = pac_stream_read(s, buf, sizeof buf, 2000, &info, NULL);
        CHECK(rc == PAC_OK && (info.flags & PAC_FLAG_SILENT) && info.position == expected,
              "waiting for %s: packet %d rc %d flags %u", name_a, n, rc, info.flags);
        expected = info.position + info.frames;
    }
    int64_t waited_ms = (pac_now_ns() - t0) / 1000000;
    CHECK(waited_ms >= 300 && waited_ms < 1500, "40 silent packets of 10 ms in %lld ms", (long long)waited_ms);

    pid_t a = start_player(server, name_a, file_a), b = start_player(server, name_b, file_b);
    int first = read_until_sound(s, buf, sizeof buf, &expected, 5000, &silent);
    CHECK(first >= 0, "%s's tone did not arrive", name_a);
    double level = 0, sep = capture_separation(s, &expected, 1000, 3000, &level);
    CHECK(sep > 50 && level > -9 && level < -3, "by name: 1 kHz %.1f dB over 3 kHz, level %.1f dB", sep, level);
    fprintf(stderr, "application by name: 1 kHz at %.1f dBFS, %.1f dB above the other application's 3 kHz\n",
            level, sep);

    /* the same by pid, beside the stream by name */
    pac_stream *by_pid = NULL;
    p = stream_params(PAC_TARGET_APPLICATION_PID, NULL, PAC_FORMAT_S16LE, 48000, 2, 480);
    p.pid = (uint32_t)a;
    rc = pac_stream_open(pulse_ctx, &p, &by_pid, &e);
    CHECK(rc == PAC_OK, "open by pid %d: %d '%s'", (int)a, rc, e.detail);
    if (rc == PAC_OK) {
        int64_t pid_expected = 0;
        int pid_silent = 0;
        CHECK(read_until_sound(by_pid, buf, sizeof buf, &pid_expected, 3000, &pid_silent) >= 0, "by pid: no tone");
        double pid_level = 0, pid_sep = capture_separation(by_pid, &pid_expected, 1000, 3000, &pid_level);
        CHECK(pid_sep > 50, "by pid: 1 kHz %.1f dB over 3 kHz", pid_sep);
        /* pause: nothing; resume: DISCONTINUITY, positions go on */
        CHECK(pac_stream_pause(by_pid, 1, NULL) == PAC_OK, "pause");
        int during = 0;
        int64_t p0 = pac_now_ns();
        while (pac_now_ns() - p0 < 300000000LL)
            if (pac_stream_read(by_pid, buf, sizeof buf, 50, &info, NULL) == PAC_OK) during++;
        CHECK(during == 0, "%d packets while paused", during);
        CHECK(pac_stream_pause(by_pid, 0, NULL) == PAC_OK, "resume");
        rc = pac_stream_read(by_pid, buf, sizeof buf, 3000, &info, NULL);
        CHECK(rc == PAC_OK && (info.flags & PAC_FLAG_DISCONTINUITY) && (info.flags & PAC_FLAG_RESUMED) &&
              info.position == pid_expected,
              "after resume: %d flags %u position %lld", rc, info.flags, (long long)info.position);
        pac_stream_stats st;
        CHECK(pac_stream_stats_get(by_pid, &st, NULL) == PAC_OK, "stats");
        pac_stream_close(by_pid);
    }

    /* A stops: silence on the clock again, no gap in positions (first catch up
     * with what queued while the pid stream was tested) */
    int64_t c0 = pac_now_ns();
    do {
        rc = pac_stream_read(s, buf, sizeof buf, 1000, &info, NULL);
        CHECK(rc == PAC_OK && info.position == expected, "catching up: rc %d position %lld/%lld", rc,
              (long long)info.position, (long long)expected);
        expected = info.position + info.frames;
    } while (rc == PAC_OK && info.timestamp_ns < pac_now_ns() - 50000000 && pac_now_ns() - c0 < 5000000000LL);
    stop_player(a);
    int64_t s0 = pac_now_ns();
    int64_t silent_from = -1, packets = 0;
    while (pac_now_ns() - s0 < 1500000000LL) {
        rc = pac_stream_read(s, buf, sizeof buf, 2000, &info, NULL);
        CHECK(rc == PAC_OK && info.position == expected, "after stop: rc %d position %lld/%lld", rc,
              (long long)info.position, (long long)expected);
        if (rc != PAC_OK) break;
        expected = info.position + info.frames;
        packets++;
        if ((info.flags & PAC_FLAG_SILENT) && silent_from < 0) silent_from = pac_now_ns();
        if (!(info.flags & PAC_FLAG_SILENT)) silent_from = -1;
    }
    CHECK(silent_from >= 0 && silent_from - s0 < 800000000LL, "silent %lld ms after the player stopped",
          (long long)(silent_from - s0) / 1000000);
    CHECK(packets >= 120 && packets <= 170, "%lld packets of 10 ms in 1.5 s", (long long)packets);
    pac_stream_interrupt(s, NULL);
    CHECK(pac_stream_read(s, buf, sizeof buf, 1000, &info, NULL) == PAC_E_CLOSED, "closed");
    pac_stream_close(s);
    stop_player(b);
    unlink(file_a);
    unlink(file_b);
}

int main(void) {
    CHECK(pac_abi_version() == PAC_ABI_VERSION, "abi");
    CHECK(pac_context_open("tone", NULL, &tone_ctx, NULL) == PAC_OK, "tone context");
    test_contexts();
    test_tone_device_ids_are_parsed_in_the_shim();
    test_tone_pause_resume();
    test_pattern_bytes_follow_stream_offset();
    test_pattern_fill_handles_large_buffers();
    test_invalid_arguments_are_rejected();
    test_interrupt_wakes_a_blocked_paced_read();
    test_paced_read_times_out_without_consuming();
    pac_context_close(tone_ctx);
    const char *server = getenv("PAC_TEST_PULSE_SERVER");
    int tests = 9;
    if (server != NULL && *server) {
        CHECK(pulse_context(server, &pulse_ctx, NULL) == PAC_OK, "pulse context");
        test_pulse_capture(server);
        test_pulse_interrupt_races_a_blocked_read(server);
        test_pulse_open_close_loop_leaks_nothing(server);
        test_pulse_timeouts_consume_nothing(server);
        test_pulse_device_loss_is_reported(server);
        test_pulse_stats_and_interrupt_do_not_wait_for_a_blocked_reader(server);
        test_pulse_events(server);
        test_pulse_follow_default_and_pause(server);
        test_pulse_application_capture(server);
        pac_context_close(pulse_ctx);
        tests += 9;
    }
    else fprintf(stderr, "shim_test: PAC_TEST_PULSE_SERVER unset, pulse part not run\n");
    printf("%d passed, %d failed\n", failures == 0 ? tests : 0, failures);
    return failures == 0 ? 0 : 1;
}
