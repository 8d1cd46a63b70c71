/* The Windows harness of the shim: run under Wine by scripts/wine-test against a private
 * PulseAudio server, which Wine's winepulse driver presents as WASAPI endpoints.
 *
 *   wine_test.exe DLL GROUP     GROUP: "capture" (Wine 8 and 10: capture endpoints,
 *                               monitors, bad input, races, the DLL) or "loopback"
 *                               (Wine >= 9.12: loopback of render endpoints)
 *
 * The wasapi cases call the backend through its table (pac_wasapi_backend and the
 * stream's ops), statically linked from the same objects as the DLL, the way the
 * generic pac_context_* / pac_stream_* functions do; the DLL itself is loaded with
 * LoadLibrary and driven through its exports. The server side (players, suspending a
 * sink, removing the fake microphone) is done by the runner on request: the harness
 * writes PAC_TEST_CONTROL\<n>-<action>.req and waits for <n>-<action>.done.
 *
 * Devices the runner sets up: sinks pac_sink (default) and pac_mic_sink, source
 * pac_mic (module-remap-source of pac_mic_sink.monitor, the default input: the fake
 * microphone, 440 Hz played into pac_mic_sink). Descriptions equal the names, except
 * pac_sink's, which the runner passes in PAC_TEST_SINK_DESC (pactl cannot rename it).
 */
#define COBJMACROS
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include "internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures, passes;
static int case_failed;
#define CHECK(cond, ...) do { if (!(cond)) { case_failed = 1; fprintf(stdout, "  FAIL %s:%d: ", __FILE__, __LINE__); \
    fprintf(stdout, __VA_ARGS__); fputc('\n', stdout); fflush(stdout); } } while (0)

static const pac_backend_ops *B = &pac_wasapi_backend;
#define OPS(s) ((const pac_stream_ops *)(const void *)(s)->ops)

static const char *sink_desc(void) {
    const char *d = getenv("PAC_TEST_SINK_DESC");
    return d != NULL && *d ? d : "pac_sink";
}

static const char *monitor_desc(void) {
    static char m[300];
    snprintf(m, sizeof m, "Monitor of %s", sink_desc());
    return m;
}

static int64_t ms_since(int64_t t0) { return (pac_now_ns() - t0) / 1000000; }

/* ---- the runner's side ----------------------------------------------------- */

static int control_seq;

/* Asks the runner to do `action` on the server; 1 when it reports success. */
static int control(const char *action) {
    const char *dir = getenv("PAC_TEST_CONTROL");
    if (dir == NULL) { fprintf(stdout, "  PAC_TEST_CONTROL not set\n"); return 0; }
    char req[MAX_PATH], done[MAX_PATH];
    int n = ++control_seq;
    snprintf(req, sizeof req, "%s\\%03d-%s.req", dir, n, action);
    snprintf(done, sizeof done, "%s\\%03d-%s.done", dir, n, action);
    FILE *f = fopen(req, "w");
    if (f == NULL) { fprintf(stdout, "  cannot write %s\n", req); return 0; }
    fclose(f);
    for (int i = 0; i < 300; i++) {
        FILE *d = fopen(done, "r");
        if (d != NULL) {
            int status = -1;
            if (fscanf(d, "%d", &status) != 1) status = -1;
            fclose(d);
            return status == 0;
        }
        Sleep(50);
    }
    fprintf(stdout, "  the runner did not do '%s' within 15 s\n", action);
    return 0;
}

/* ---- contexts and streams through the exported API (its validation included) -- */

static int32_t ctx_open(pac_context **ctx, const char *options, pac_error *e) {
    pac_context_params p = { "wine_test", options, 5000, 0 };
    return pac_context_open("wasapi", &p, ctx, e);
}

static int32_t stream_open(pac_context *ctx, const pac_stream_params *p, pac_stream **s, pac_error *e) {
    return pac_stream_open(ctx, p, s, e);
}

static int32_t sread(pac_stream *s, uint8_t *dst, int32_t timeout_ms, pac_packet_info *info, pac_error *e) {
    pac_call_begin();
    return pac_call_end(OPS(s)->read(s, dst, s->packet_bytes, timeout_ms, info), e);
}

static pac_stream_params params(int32_t target, int32_t format, int32_t rate, int32_t channels, int32_t frames) {
    pac_stream_params p;
    memset(&p, 0, sizeof p);
    p.target = target;
    p.format = format;
    p.rate = rate;
    p.channels = channels;
    p.packet_frames = frames;
    p.buffer_ms = 500;
    return p;
}

/* ---- the device list ------------------------------------------------------- */

typedef struct device { uint32_t direction, flags, format, rate, channels; char id[512], desc[512]; } device;

static uint32_t get_u32(const uint8_t **p) { uint32_t v; memcpy(&v, *p, 4); *p += 4; return v; }
static void get_str(const uint8_t **p, char *out, size_t cap) {
    uint32_t n = get_u32(p);
    size_t k = n < cap - 1 ? n : cap - 1;
    memcpy(out, *p, k);
    out[k] = 0;
    *p += n;
}

static int list_devices(pac_context *ctx, device *out, int cap) {
    static uint8_t buf[65536];
    pac_list_writer w = { buf, sizeof buf, 0, 0 };
    pac_error e;
    pac_call_begin();
    int32_t rc = pac_call_end(B->devices(ctx, &w), &e);
    if (rc != PAC_OK || w.used > w.cap) { fprintf(stdout, "  devices: %d %s\n", rc, e.detail); return -1; }
    const uint8_t *p = buf;
    int n = 0;
    for (int i = 0; i < w.count && n < cap; i++, n++) {
        out[n].direction = get_u32(&p);
        out[n].flags = get_u32(&p);
        out[n].format = get_u32(&p);
        out[n].rate = get_u32(&p);
        out[n].channels = get_u32(&p);
        get_str(&p, out[n].id, sizeof out[n].id);
        get_str(&p, out[n].desc, sizeof out[n].desc);
    }
    return n;
}

static const device *find_device(const device *d, int n, uint32_t direction, const char *desc) {
    for (int i = 0; i < n; i++) if (d[i].direction == direction && strcmp(d[i].desc, desc) == 0) return &d[i];
    return NULL;
}

/* The endpoint id of a device by its description; "" if none. */
static void device_id(uint32_t direction, const char *desc, char *out, size_t cap) {
    pac_context *ctx = NULL;
    device d[64];
    out[0] = 0;
    if (ctx_open(&ctx, NULL, NULL) != PAC_OK) return;
    int n = list_devices(ctx, d, 64);
    const device *x = find_device(d, n, direction, desc);
    if (x != NULL) snprintf(out, cap, "%s", x->id);
    B->context_close(ctx);
}

static void test_devices_list_the_servers_sinks_and_sources(void) {
    pac_context *ctx = NULL;
    pac_error e;
    int32_t rc = ctx_open(&ctx, NULL, &e);
    CHECK(rc == PAC_OK, "context_open: %d %s", rc, e.detail);
    if (rc != PAC_OK) return;
    device d[64];
    int n = list_devices(ctx, d, 64);
    CHECK(n >= 4, "devices: %d", n);
    int defaults_in = 0, defaults_out = 0;
    for (int i = 0; i < n; i++) {
        fprintf(stdout, "  %-6s %s %-22s %u/%u Hz/%u ch  %s\n", d[i].direction == PAC_DIRECTION_OUTPUT ? "output" : "input",
                d[i].flags & PAC_DEVICE_FLAG_DEFAULT ? "*" : " ", d[i].desc, d[i].format, d[i].rate, d[i].channels, d[i].id);
        if (d[i].flags & PAC_DEVICE_FLAG_DEFAULT) {
            if (d[i].direction == PAC_DIRECTION_INPUT) defaults_in++; else defaults_out++;
        }
    }
    const device *sink = find_device(d, n, PAC_DIRECTION_OUTPUT, sink_desc());
    const device *mic_sink = find_device(d, n, PAC_DIRECTION_OUTPUT, "pac_mic_sink");
    const device *mic = find_device(d, n, PAC_DIRECTION_INPUT, "pac_mic");
    CHECK(sink != NULL && mic_sink != NULL, "both sinks are outputs");
    CHECK(mic != NULL, "the fake microphone is an input");
    /* Wine's winepulse adds an endpoint per direction that plays to / records from the
       server's default, and makes it the default endpoint: "PulseAudio" (Wine 8),
       "PulseAudio Output" / "PulseAudio Input" (Wine 10) */
    const device *def_out = find_device(d, n, PAC_DIRECTION_OUTPUT, "PulseAudio");
    const device *def_in = find_device(d, n, PAC_DIRECTION_INPUT, "PulseAudio");
    if (def_out == NULL) def_out = find_device(d, n, PAC_DIRECTION_OUTPUT, "PulseAudio Output");
    if (def_in == NULL) def_in = find_device(d, n, PAC_DIRECTION_INPUT, "PulseAudio Input");
    if (def_out == NULL) def_out = sink;
    if (def_in == NULL) def_in = mic;
    CHECK(def_out != NULL && (def_out->flags & PAC_DEVICE_FLAG_DEFAULT), "the server's default sink is the default output");
    CHECK(def_in != NULL && (def_in->flags & PAC_DEVICE_FLAG_DEFAULT), "the server's default source is the default input");
    CHECK(defaults_in == 1 && defaults_out == 1, "one default per direction: %d %d", defaults_in, defaults_out);
    CHECK(sink != NULL && sink->rate == 48000 && sink->channels == 2 && sink->format == PAC_FORMAT_F32LE,
          "pac_sink's mix format is f32le 48000 Hz 2 ch: %u %u %u", sink ? sink->format : 0, sink ? sink->rate : 0,
          sink ? sink->channels : 0);
    /* too small a buffer: the writer reports the size needed */
    uint8_t small[8];
    pac_list_writer w = { small, sizeof small, 0, 0 };
    pac_call_begin();
    rc = pac_call_end(B->devices(ctx, &w), &e);
    CHECK(rc == PAC_OK && w.used > 8 && w.count == n, "needed %lld for %d records", (long long)w.used, w.count);
    B->context_close(ctx);
}

/* ---- signal analysis ---------------------------------------------------------- */

/* Frequency of channel 0 of interleaved s16 frames, by upward zero crossings. */
static double frequency_s16(const int16_t *x, int64_t frames, int channels, int rate) {
    int64_t ups = 0, first = -1, last = -1;
    int below = 0;
    for (int64_t i = 0; i < frames; i++) {
        int v = x[i * channels];
        if (v < -1000) below = 1;
        else if (v > 1000 && below) {
            below = 0;
            if (first < 0) first = i; else { ups++; last = i; }
        }
    }
    if (ups < 2) return 0;
    return (double)ups * rate / (double)(last - first);
}

static double rms_s16(const int16_t *x, int64_t n) {
    double acc = 0;
    for (int64_t i = 0; i < n; i++) acc += (double)x[i] * x[i];
    return n ? sqrt(acc / n) : 0;
}

/* Captures `seconds` of s16 stereo 48 kHz from a stream and returns the frequency
   heard after the first second (the null sink's first blocks may stall). */
static double capture_frequency(pac_stream_params p, double seconds, double *rms_out, int *silent_out) {
    pac_context *ctx = NULL;
    pac_stream *s = NULL;
    pac_error e;
    *rms_out = 0;
    *silent_out = -1;
    if (ctx_open(&ctx, NULL, &e) != PAC_OK) { CHECK(0, "context: %s", e.detail); return 0; }
    int32_t rc = stream_open(ctx, &p, &s, &e);
    CHECK(rc == PAC_OK, "stream_open: %d %s", rc, e.detail);
    if (rc != PAC_OK) { B->context_close(ctx); return 0; }
    int64_t total = (int64_t)(seconds * p.rate);
    int64_t skip = p.rate;
    int16_t *all = calloc((size_t)total * p.channels, sizeof *all);
    int64_t got = 0;
    int silent = 0;
    pac_packet_info info;
    int64_t t0 = pac_now_ns();
    while (got + p.packet_frames <= total) {
        rc = sread(s, (uint8_t *)(all + got * p.channels), 3000, &info, &e);
        if (rc != PAC_OK) { CHECK(0, "read at frame %lld: %d %s", (long long)got, rc, e.detail); break; }
        if ((info.flags & PAC_FLAG_SILENT) && got >= skip) silent++;
        CHECK(info.position == got, "position %lld, expected %lld", (long long)info.position, (long long)got);
        int64_t now = pac_now_ns();
        /* Wine stamps a packet with the time it pulled it from the server, up to one
           period after its first frame was captured: allow that (Windows is exact) */
        CHECK(info.timestamp_ns <= now + 15000000LL && now - info.timestamp_ns < 2000000000LL,
              "timestamp %lld ns before the read returned", (long long)(now - info.timestamp_ns));
        got += p.packet_frames;
    }
    fprintf(stdout, "  captured %lld frames in %lld ms\n", (long long)got, (long long)ms_since(t0));
    double f = got > skip ? frequency_s16(all + skip * p.channels, got - skip, p.channels, p.rate) : 0;
    *rms_out = got > skip ? rms_s16(all + skip * p.channels, (got - skip) * p.channels) : 0;
    *silent_out = silent;
    free(all);
    OPS(s)->close(s);
    B->context_close(ctx);
    return f;
}

static void test_default_input_yields_the_fake_microphones_440hz(void) {
    CHECK(control("play_mic_440"), "player");
    double rms;
    int silent;
    double f = capture_frequency(params(PAC_TARGET_DEFAULT_INPUT, PAC_FORMAT_S16LE, 48000, 2, 480), 3.0, &rms, &silent);
    fprintf(stdout, "  heard %.1f Hz, rms %.0f, %d silent packets\n", f, rms, silent);
    CHECK(fabs(f - 440.0) < 5.0, "frequency %.1f, expected 440", f);
    CHECK(rms > 3000, "rms %.0f (0.5 amplitude is ~11585)", rms);
    CHECK(silent == 0, "silent packets while the tone plays: %d", silent);
    control("stop_players");
}

static void test_monitor_capture_endpoint_yields_1khz(void) {
    char id[512];
    device_id(PAC_DIRECTION_INPUT, monitor_desc(), id, sizeof id);
    CHECK(id[0] != 0, "no input '%s'", monitor_desc());
    if (id[0] == 0) return;
    CHECK(control("play_sink_1000"), "player");
    pac_stream_params p = params(PAC_TARGET_DEVICE, PAC_FORMAT_S16LE, 48000, 2, 441);
    p.device_id = id;
    double rms;
    int silent;
    double f = capture_frequency(p, 3.0, &rms, &silent);
    fprintf(stdout, "  heard %.1f Hz, rms %.0f\n", f, rms);
    CHECK(fabs(f - 1000.0) < 8.0, "frequency %.1f, expected 1000", f);
    control("stop_players");
}

/* ---- sample-exact re-chunking against the test pattern ----------------------------- */

/* the runner's pattern file: a 1 s lead-in of '@' bytes, then 2 s of s16 stereo 48 kHz
   whose byte n is n % 251 */
#define PATTERN_BYTES 384000

/* Reads packets of an odd size (441 frames against Wine's 480-frame periods), every
   other one with a 1 ms timeout, and checks that the played pattern arrives whole:
   every byte follows its predecessor, across packets and across timeouts. */
static void pattern_case(pac_stream_params p, const char *play_action) {
    pac_context *ctx = NULL;
    pac_stream *s = NULL;
    pac_error e;
    if (ctx_open(&ctx, NULL, &e) != PAC_OK) { CHECK(0, "context: %s", e.detail); return; }
    int32_t rc = stream_open(ctx, &p, &s, &e);
    CHECK(rc == PAC_OK, "stream_open: %d %s", rc, e.detail);
    if (rc != PAC_OK) { B->context_close(ctx); return; }
    CHECK(control(play_action), "pattern player");
    int64_t cap = 7LL * 48000 * 4;
    uint8_t *all = calloc((size_t)cap, 1);
    int64_t got = 0;
    int timeouts = 0;
    pac_packet_info info;
    int64_t t0 = pac_now_ns();
    for (int i = 0; got + s->packet_bytes <= cap && ms_since(t0) < 6000; i++) {
        rc = sread(s, all + got, (i & 1) ? 1 : 3000, &info, &e);
        if (rc == PAC_E_TIMEOUT) { timeouts++; continue; }
        if (rc != PAC_OK) { CHECK(0, "read: %d %s", rc, e.detail); break; }
        CHECK(info.position * 4 == got, "position %lld at byte %lld", (long long)info.position, (long long)got);
        got += s->packet_bytes;
    }
    /* the longest run where byte[i+1] == (byte[i] + 1) % 251 */
    int64_t best = 0, best_start = -1, run = 1;
    for (int64_t i = 1; i < got; i++) {
        if (all[i] == (uint8_t)((all[i - 1] + 1) % 251)) {
            run++;
            if (run > best) { best = run; best_start = i - run + 1; }
        } else {
            run = 1;
        }
    }
    int64_t first_nonzero = -1;
    for (int64_t i = 0; i < got && first_nonzero < 0; i++) if (all[i] != 0) first_nonzero = i;
    fprintf(stdout, "  first bytes %u %u %u %u, first non-zero at %lld\n", all[0], all[1], all[2], all[3],
            (long long)first_nonzero);
    fprintf(stdout, "  %lld bytes captured, %d reads timed out, pattern run %lld bytes from %lld (played %d)\n",
            (long long)got, timeouts, (long long)best, (long long)best_start, PATTERN_BYTES);
    CHECK(timeouts > 0, "no read timed out: the carry path was not exercised");
    /* '@' before it and silence (zeros) after it end the run exactly at the pattern's edges */
    CHECK(best == PATTERN_BYTES && all[best_start] == 0, "pattern run %lld from a byte %u, expected %d from 0",
          (long long)best, best_start >= 0 ? all[best_start] : 0, PATTERN_BYTES);
    free(all);
    OPS(s)->close(s);
    B->context_close(ctx);
    control("stop_players");
}

static void test_monitor_capture_is_sample_exact_against_the_pattern(void) {
    char id[512];
    device_id(PAC_DIRECTION_INPUT, monitor_desc(), id, sizeof id);
    CHECK(id[0] != 0, "no input '%s'", monitor_desc());
    if (id[0] == 0) return;
    pac_stream_params p = params(PAC_TARGET_DEVICE, PAC_FORMAT_S16LE, 48000, 2, 441);
    p.device_id = id;
    pattern_case(p, "play_sink_pattern");
}

/* ---- timing, interrupt, pause, close races ---------------------------------------- */

typedef struct later { pac_stream *s; DWORD delay_ms; } later;
static DWORD WINAPI interrupt_later(LPVOID arg) {
    later *l = arg;
    Sleep(l->delay_ms);
    OPS(l->s)->interrupt(l->s);
    return 0;
}

static int32_t open_default_input(pac_context **ctx, pac_stream **s, int32_t buffer_ms) {
    pac_error e;
    if (ctx_open(ctx, NULL, &e) != PAC_OK) { CHECK(0, "context: %s", e.detail); return -1; }
    pac_stream_params p = params(PAC_TARGET_DEFAULT_INPUT, PAC_FORMAT_S16LE, 48000, 2, 480);
    p.buffer_ms = buffer_ms;
    int32_t rc = stream_open(*ctx, &p, s, &e);
    CHECK(rc == PAC_OK, "stream_open: %d %s", rc, e.detail);
    if (rc != PAC_OK) B->context_close(*ctx);
    return rc;
}

static void test_interrupt_wakes_a_blocked_read(void) {
    pac_context *ctx;
    pac_stream *s;
    if (open_default_input(&ctx, &s, 500) != PAC_OK) return;
    uint8_t buf[1920];
    pac_packet_info info;
    pac_error e;
    OPS(s)->pause(s, 1);  /* nothing arrives while paused: the read blocks */
    int64_t t0 = pac_now_ns();
    int32_t rc = sread(s, buf, 300, &info, &e);
    CHECK(rc == PAC_E_TIMEOUT, "paused read: %d %s", rc, e.detail);
    CHECK(ms_since(t0) >= 290 && ms_since(t0) < 1000, "paused read timed out after %lld ms", (long long)ms_since(t0));
    later l = { s, 100 };
    HANDLE th = CreateThread(NULL, 0, interrupt_later, &l, 0, NULL);
    t0 = pac_now_ns();
    rc = sread(s, buf, 5000, &info, &e);
    int64_t waited = ms_since(t0);
    CHECK(rc == PAC_E_CLOSED && strstr((char *)e.detail, "interrupted") != NULL, "interrupted read: %d %s", rc, e.detail);
    CHECK(waited >= 90 && waited < 600, "woke after %lld ms", (long long)waited);
    WaitForSingleObject(th, INFINITE);
    CloseHandle(th);
    t0 = pac_now_ns();
    CHECK(sread(s, buf, 5000, &info, &e) == PAC_E_CLOSED && ms_since(t0) < 50, "read after interrupt returns at once");
    OPS(s)->close(s);
    B->context_close(ctx);
}

static void test_pause_stops_data_and_resume_flags_discontinuity(void) {
    CHECK(control("play_mic_440"), "player");
    pac_context *ctx;
    pac_stream *s;
    if (open_default_input(&ctx, &s, 500) != PAC_OK) return;
    uint8_t buf[1920];
    pac_packet_info info;
    pac_error e;
    int32_t rc = PAC_OK;
    for (int i = 0; i < 100 && rc == PAC_OK; i++) rc = sread(s, buf, 3000, &info, &e);
    CHECK(rc == PAC_OK, "reads before pause: %d %s", rc, e.detail);
    int64_t before = info.position;
    OPS(s)->pause(s, 1);
    rc = sread(s, buf, 400, &info, &e);
    CHECK(rc == PAC_E_TIMEOUT, "read while paused: %d", rc);
    OPS(s)->pause(s, 0);
    rc = sread(s, buf, 3000, &info, &e);
    CHECK(rc == PAC_OK && (info.flags & PAC_FLAG_DISCONTINUITY) && (info.flags & PAC_FLAG_RESUMED),
          "first packet after resume: %d flags %u", rc, info.flags);
    CHECK(info.position == before + 480, "positions continue: %lld after %lld", (long long)info.position, (long long)before);
    OPS(s)->close(s);
    B->context_close(ctx);
    control("stop_players");
}

typedef struct reader_arg { pac_stream *s; volatile LONG reads; int32_t last; } reader_arg;
static DWORD WINAPI reader_loop(LPVOID arg) {
    reader_arg *r = arg;
    uint8_t buf[1920];
    pac_packet_info info;
    for (;;) {
        pac_call_begin();
        int32_t rc = OPS(r->s)->read(r->s, buf, sizeof buf, 2000, &info);
        r->last = rc;
        if (rc == PAC_E_CLOSED || (rc != PAC_OK && rc != PAC_E_TIMEOUT)) return 0;
        InterlockedIncrement(&r->reads);
    }
}

static void test_interrupt_and_close_race_a_reading_thread(void) {
    CHECK(control("play_mic_440"), "player");
    int closed = 0;
    int64_t t0 = pac_now_ns();
    for (int i = 0; i < 12; i++) {
        pac_context *ctx;
        pac_stream *s;
        if (open_default_input(&ctx, &s, 200) != PAC_OK) return;
        reader_arg r = { s, 0, 0 };
        HANDLE th = CreateThread(NULL, 0, reader_loop, &r, 0, NULL);
        Sleep((DWORD)(i * 7 % 40));
        OPS(s)->interrupt(s);
        DWORD w = WaitForSingleObject(th, 3000);
        CHECK(w == WAIT_OBJECT_0, "reader %d did not leave within 3 s of the interrupt", i);
        CHECK(r.last == PAC_E_CLOSED, "reader %d ended with %d", i, r.last);
        if (w == WAIT_OBJECT_0) { OPS(s)->close(s); closed++; }
        CloseHandle(th);
        B->context_close(ctx);
    }
    fprintf(stdout, "  %d streams opened, read, interrupted and closed in %lld ms\n", closed, (long long)ms_since(t0));
    control("stop_players");
}

static void test_overrun_flags_discontinuity(void) {
    CHECK(control("play_mic_440"), "player");
    pac_context *ctx;
    pac_stream *s;
    if (open_default_input(&ctx, &s, 40) != PAC_OK) return;
    uint8_t buf[1920];
    pac_packet_info info;
    pac_error e;
    int32_t rc = PAC_OK;
    for (int i = 0; i < 50 && rc == PAC_OK; i++) rc = sread(s, buf, 3000, &info, &e);
    int64_t t_before = info.timestamp_ns;
    int64_t pos_before = info.position;
    Sleep(600); /* a 40 ms buffer overflows many times over */
    int flagged = -1;
    for (int i = 0; i < 40 && rc == PAC_OK; i++) {
        rc = sread(s, buf, 3000, &info, &e);
        if (rc == PAC_OK && (info.flags & PAC_FLAG_DISCONTINUITY) && flagged < 0) flagged = i;
    }
    int64_t gap_ms = (info.timestamp_ns - t_before) / 1000000;
    int64_t frames_ms = (info.position - pos_before) * 1000 / 48000;
    fprintf(stdout, "  discontinuity at packet %d after the stall; %lld ms of clock for %lld ms of frames\n", flagged,
            (long long)gap_ms, (long long)frames_ms);
    CHECK(rc == PAC_OK, "reads: %d %s", rc, e.detail);
    CHECK(flagged >= 0, "no packet flagged DISCONTINUITY after a 600 ms stall on a 40 ms buffer");
    CHECK(gap_ms > frames_ms + 300, "the timestamps show the lost time: %lld ms clock vs %lld ms frames",
          (long long)gap_ms, (long long)frames_ms);
    OPS(s)->close(s);
    B->context_close(ctx);
    control("stop_players");
}

static void test_timestamps_follow_the_qpc_clock(void) {
    CHECK(control("play_mic_440"), "player");
    pac_context *ctx;
    pac_stream *s;
    if (open_default_input(&ctx, &s, 500) != PAC_OK) return;
    uint8_t buf[1920];
    pac_packet_info info;
    pac_error e;
    int32_t rc = PAC_OK;
    int64_t first_ts = 0, first_pos = 0, first_wall = 0;
    for (int i = 0; i < 350 && rc == PAC_OK; i++) {  /* 3.5 s */
        rc = sread(s, buf, 3000, &info, &e);
        if (i == 100) { first_ts = info.timestamp_ns; first_pos = info.position; first_wall = pac_now_ns(); }
    }
    CHECK(rc == PAC_OK, "reads: %d %s", rc, e.detail);
    double clock_s = (info.timestamp_ns - first_ts) / 1e9;
    double frames_s = (info.position - first_pos) / 48000.0;
    double wall_s = (pac_now_ns() - first_wall) / 1e9;
    fprintf(stdout, "  over %.3f s of frames: timestamps advanced %.3f s, the wall clock %.3f s\n", frames_s, clock_s,
            wall_s);
    CHECK(fabs(clock_s - frames_s) < 0.06, "timestamps %.3f s vs frames %.3f s", clock_s, frames_s);
    CHECK(fabs(wall_s - frames_s) < 0.15, "wall clock %.3f s vs frames %.3f s", wall_s, frames_s);
    OPS(s)->close(s);
    B->context_close(ctx);
    control("stop_players");
}

/* ---- bad input --------------------------------------------------------------------- */

static void test_bad_input_is_refused_with_details(void) {
    pac_context *ctx = NULL;
    pac_stream *s = (pac_stream *)1;
    pac_error e;
    int32_t rc = ctx_open(&ctx, "server=unix:/x", &e);
    CHECK(rc == PAC_E_INVALID_ARGUMENT && strstr((char *)e.detail, "server"), "option: %d %s", rc, e.detail);
    rc = ctx_open(&ctx, NULL, &e);
    CHECK(rc == PAC_OK, "context: %d %s", rc, e.detail);
    if (rc != PAC_OK) return;

    pac_stream_params p = params(PAC_TARGET_DEVICE, PAC_FORMAT_S16LE, 48000, 2, 480);
    p.device_id = "{0.0.1.00000000}.{0badc0de-0000-4000-8000-000000000000}";
    rc = stream_open(ctx, &p, &s, &e);
    CHECK(rc == PAC_E_DEVICE_NOT_FOUND && s == NULL && strstr((char *)e.detail, "0badc0de") &&
          strstr((char *)e.detail, "HRESULT 0x"), "unknown endpoint: %d %s", rc, e.detail);
    fprintf(stdout, "  unknown endpoint: %s\n", e.detail);

    p = params(9, PAC_FORMAT_S16LE, 48000, 2, 480);
    rc = stream_open(ctx, &p, &s, &e);
    CHECK(rc == PAC_E_INVALID_ARGUMENT && strstr((char *)e.detail, "target 9"), "target: %d %s", rc, e.detail);
    p = params(PAC_TARGET_DEFAULT_INPUT, PAC_FORMAT_S16LE, 48000, 0, 480);
    rc = stream_open(ctx, &p, &s, &e);
    CHECK(rc == PAC_E_INVALID_ARGUMENT && strstr((char *)e.detail, "channels 0"), "channels: %d %s", rc, e.detail);
    p = params(PAC_TARGET_DEFAULT_INPUT, PAC_FORMAT_S16LE, 48000, 2, 480);
    p.buffer_ms = 0;
    rc = stream_open(ctx, &p, &s, &e);
    CHECK(rc == PAC_E_INVALID_ARGUMENT && strstr((char *)e.detail, "buffer_ms 0"), "buffer_ms: %d %s", rc, e.detail);
    p = params(PAC_TARGET_DEVICE, PAC_FORMAT_S16LE, 48000, 2, 480);
    rc = stream_open(ctx, &p, &s, &e);
    CHECK(rc == PAC_E_INVALID_ARGUMENT && strstr((char *)e.detail, "device_id"), "no device id: %d %s", rc, e.detail);

    /* the most the shim accepts: 32 channels at 384 kHz, which no endpoint here mixes */
    p = params(PAC_TARGET_DEFAULT_INPUT, PAC_FORMAT_F32LE, 384000, 32, 480);
    s = NULL;
    rc = stream_open(ctx, &p, &s, &e);
    fprintf(stdout, "  32 ch at 384 kHz: %d %s\n", rc, rc == PAC_OK ? "(accepted: Windows or Wine converts)" : (char *)e.detail);
    CHECK(rc == PAC_OK || (rc == PAC_E_FORMAT_UNSUPPORTED && strstr((char *)e.detail, "Hz")),
          "an impossible format fails as FORMAT_UNSUPPORTED naming what the endpoint does: %d %s", rc, e.detail);
    if (rc == PAC_OK) OPS(s)->close(s);
    B->context_close(ctx);
}

static void test_process_loopback_fails_cleanly_where_unavailable(void) {
    pac_context *ctx = NULL;
    pac_stream *s = NULL;
    pac_error e;
    if (ctx_open(&ctx, NULL, &e) != PAC_OK) { CHECK(0, "context: %s", e.detail); return; }
    pac_stream_params p = params(PAC_TARGET_APPLICATION_PID, PAC_FORMAT_S16LE, 48000, 2, 480);
    p.pid = GetCurrentProcessId();
    int64_t t0 = pac_now_ns();
    int32_t rc = stream_open(ctx, &p, &s, &e);
    fprintf(stdout, "  process loopback of pid %u: %d %s (%lld ms)\n", (unsigned)p.pid, rc, e.detail,
            (long long)ms_since(t0));
    if (rc == PAC_OK) {
        /* a Windows with process loopback: then it must deliver packets */
        uint8_t buf[1920];
        pac_packet_info info;
        CHECK(sread(s, buf, 2000, &info, &e) == PAC_OK, "process loopback read: %s", e.detail);
        OPS(s)->close(s);
    } else {
        CHECK(rc == PAC_E_BACKEND_UNAVAILABLE && strstr((char *)e.detail, "20348") &&
              strstr((char *)e.detail, "HRESULT 0x"), "unavailable, naming the build and the HRESULT: %d %s", rc, e.detail);
    }
    p.pid = 0x7ffffff0u;
    rc = stream_open(ctx, &p, &s, &e);
    CHECK(rc == PAC_E_DEVICE_NOT_FOUND && strstr((char *)e.detail, "pid"), "no such pid: %d %s", rc, e.detail);
    p = params(PAC_TARGET_APPLICATION_NAME, PAC_FORMAT_S16LE, 48000, 2, 480);
    p.application = "no-such-player.exe";
    rc = stream_open(ctx, &p, &s, &e);
    CHECK(rc == PAC_E_DEVICE_NOT_FOUND && strstr((char *)e.detail, "no-such-player"), "no such name: %d %s", rc, e.detail);
    B->context_close(ctx);
}

static void test_context_events_time_out_and_interrupt(void) {
    pac_context *ctx = NULL;
    pac_error e;
    if (ctx_open(&ctx, NULL, &e) != PAC_OK) { CHECK(0, "context: %s", e.detail); return; }
    pac_event ev;
    int64_t t0 = pac_now_ns();
    pac_call_begin();
    int32_t rc = pac_call_end(B->next_event(ctx, &ev, 200), &e);
    CHECK(rc == PAC_E_TIMEOUT && ms_since(t0) >= 190 && ms_since(t0) < 800, "no event: %d after %lld ms", rc,
          (long long)ms_since(t0));
    B->context_interrupt(ctx);
    t0 = pac_now_ns();
    pac_call_begin();
    rc = pac_call_end(B->next_event(ctx, &ev, 5000), &e);
    CHECK(rc == PAC_E_CLOSED && ms_since(t0) < 100, "after interrupt: %d", rc);
    B->context_close(ctx);
}

static void test_explicit_device_gone_is_device_lost(void) {
    char id[512];
    device_id(PAC_DIRECTION_INPUT, "pac_mic", id, sizeof id);
    CHECK(id[0] != 0, "no input pac_mic");
    if (id[0] == 0) return;
    CHECK(control("play_mic_440"), "player");
    pac_context *ctx = NULL;
    pac_stream *s = NULL;
    pac_error e;
    if (ctx_open(&ctx, NULL, &e) != PAC_OK) { CHECK(0, "context: %s", e.detail); return; }
    pac_stream_params p = params(PAC_TARGET_DEVICE, PAC_FORMAT_S16LE, 48000, 2, 480);
    p.device_id = id;
    int32_t rc = stream_open(ctx, &p, &s, &e);
    CHECK(rc == PAC_OK, "open pac_mic: %d %s", rc, e.detail);
    if (rc != PAC_OK) { B->context_close(ctx); return; }
    uint8_t buf[1920];
    pac_packet_info info;
    for (int i = 0; i < 50 && rc == PAC_OK; i++) rc = sread(s, buf, 3000, &info, &e);
    CHECK(rc == PAC_OK, "reads: %d %s", rc, e.detail);
    CHECK(control("unload_mic"), "unload the fake microphone");
    int64_t t0 = pac_now_ns();
    while (rc == PAC_OK || rc == PAC_E_TIMEOUT) {
        if (ms_since(t0) > 5000) break;
        rc = sread(s, buf, 500, &info, &e);
    }
    fprintf(stdout, "  after the source went away: %d %s (%lld ms)\n", rc, e.detail, (long long)ms_since(t0));
    CHECK(rc == PAC_E_DEVICE_LOST, "explicit device gone: %d %s", rc, e.detail);
    CHECK(ms_since(t0) < 2000, "DEVICE_LOST after %lld ms", (long long)ms_since(t0));
    OPS(s)->close(s);
    B->context_close(ctx);
    CHECK(control("load_mic"), "restore the fake microphone");
    control("stop_players");
}

/* ---- Wine's own default setting: the only default change Wine notifies ------------- */

/* Sets (id != NULL) or removes Wine's default endpoint of a direction: the value
   DefaultOutput/DefaultInput under HKCU\Software\Wine\Drivers\winepulse.drv, which
   Wine's mmdevapi watches and reports through IMMNotificationClient. */
static int set_wine_default(uint32_t direction, const char *id) {
    HKEY key;
    if (RegCreateKeyExA(HKEY_CURRENT_USER, "Software\\Wine\\Drivers\\winepulse.drv", 0, NULL, 0, KEY_ALL_ACCESS,
                        NULL, &key, NULL) != ERROR_SUCCESS)
        return 0;
    const char *name = direction == PAC_DIRECTION_OUTPUT ? "DefaultOutput" : "DefaultInput";
    LONG r;
    if (id != NULL) {
        WCHAR wid[512];
        MultiByteToWideChar(CP_UTF8, 0, id, -1, wid, 512);
        WCHAR wname[32];
        MultiByteToWideChar(CP_UTF8, 0, name, -1, wname, 32);
        r = RegSetValueExW(key, wname, 0, REG_SZ, (const BYTE *)wid, (DWORD)((wcslen(wid) + 1) * sizeof(WCHAR)));
    } else {
        r = RegDeleteValueA(key, name);
        if (r == ERROR_FILE_NOT_FOUND) r = ERROR_SUCCESS;
    }
    RegCloseKey(key);
    return r == ERROR_SUCCESS;
}

/* Waits for a DEFAULT_CHANGED event of a direction; 1 when it names `id`. */
static int wait_default_event(pac_context *ctx, uint32_t direction, const char *id, int32_t within_ms) {
    int64_t t0 = pac_now_ns();
    pac_event ev;
    while (ms_since(t0) < within_ms) {
        pac_call_begin();
        int32_t rc = B->next_event(ctx, &ev, 200);
        if (rc == PAC_E_TIMEOUT) continue;
        if (rc != PAC_OK) return 0;
        fprintf(stdout, "  event %d direction %d id %s (%lld ms)\n", ev.type, ev.direction, (char *)ev.id,
                (long long)ms_since(t0));
        if (ev.type == PAC_EVENT_DEFAULT_CHANGED && (uint32_t)ev.direction == direction &&
            strcmp((char *)ev.id, id) == 0)
            return 1;
    }
    return 0;
}

static void test_wines_default_setting_arrives_as_default_changed(void) {
    char id[512];
    device_id(PAC_DIRECTION_OUTPUT, "pac_mic_sink", id, sizeof id);
    CHECK(id[0] != 0, "no output pac_mic_sink");
    if (id[0] == 0) return;
    pac_context *ctx = NULL;
    pac_error e;
    if (ctx_open(&ctx, NULL, &e) != PAC_OK) { CHECK(0, "context: %s", e.detail); return; }
    CHECK(set_wine_default(PAC_DIRECTION_OUTPUT, id), "registry");
    CHECK(wait_default_event(ctx, PAC_DIRECTION_OUTPUT, id, 3000), "DEFAULT_CHANGED(output, %s) within 3 s", id);
    device d[64];
    int n = list_devices(ctx, d, 64);
    const device *x = find_device(d, n, PAC_DIRECTION_OUTPUT, "pac_mic_sink");
    CHECK(x != NULL && (x->flags & PAC_DEVICE_FLAG_DEFAULT), "the device list agrees: pac_mic_sink is the default");
    CHECK(set_wine_default(PAC_DIRECTION_OUTPUT, NULL), "registry restore");
    B->context_close(ctx);
    Sleep(300);
}

/* ---- the DLL, through its exports ------------------------------------------------ */

static const char *dll_path;

static void test_dll_loads_and_serves_its_exports(void) {
    HMODULE h = LoadLibraryA(dll_path);
    CHECK(h != NULL, "LoadLibrary(%s): error %lu", dll_path, (unsigned long)GetLastError());
    if (h == NULL) return;
    typedef int32_t (*abi_fn)(void);
    typedef const char *(*strerror_fn)(int32_t);
    abi_fn abi = (abi_fn)(void (*)(void))GetProcAddress(h, "pac_abi_version");
    strerror_fn serr = (strerror_fn)(void (*)(void))GetProcAddress(h, "pac_strerror");
    CHECK(abi != NULL && abi() == PAC_ABI_VERSION, "pac_abi_version");
    CHECK(serr != NULL && strcmp(serr(PAC_E_TIMEOUT), "timed out") == 0, "pac_strerror");
    CHECK(GetProcAddress(h, "pac_stream_read") && GetProcAddress(h, "pac_stream_close") &&
          GetProcAddress(h, "pac_stream_interrupt") && GetProcAddress(h, "pac_stream_stats_get") &&
          GetProcAddress(h, "pac_pattern_fill"), "the stream exports");
    CHECK(GetProcAddress(h, "pac_wasapi_backend") == NULL && GetProcAddress(h, "pac_fail") == NULL,
          "internal symbols are not exported");
    typedef int32_t (*read_fn)(pac_stream *, uint8_t *, int64_t, int32_t, pac_packet_info *, pac_error *);
    typedef void (*close_fn)(pac_stream *);
    read_fn rd = (read_fn)(void (*)(void))GetProcAddress(h, "pac_stream_read");
    close_fn cl = (close_fn)(void (*)(void))GetProcAddress(h, "pac_stream_close");
    pac_stream *s = NULL;
    pac_error e;
    int32_t rc = -100;
    void (*ctx_open_fn)(void) = (void (*)(void))GetProcAddress(h, "pac_context_open");
    if (ctx_open_fn != NULL) {
        /* ABI 3: a tone stream through the generic functions */
        typedef int32_t (*copen_fn)(const char *, const pac_context_params *, pac_context **, pac_error *);
        typedef int32_t (*sopen_fn)(pac_context *, const pac_stream_params *, pac_stream **, pac_error *);
        typedef void (*cclose_fn)(pac_context *);
        copen_fn copen = (copen_fn)ctx_open_fn;
        sopen_fn sopen = (sopen_fn)(void (*)(void))GetProcAddress(h, "pac_stream_open");
        cclose_fn cclose = (cclose_fn)(void (*)(void))GetProcAddress(h, "pac_context_close");
        pac_context_params cp = { "wine_test", NULL, 5000, 0 };
        pac_context *wctx = NULL;
        rc = copen("wasapi", &cp, &wctx, &e);
        CHECK(rc == PAC_OK, "pac_context_open(wasapi) through the DLL: %d %s", rc, e.detail);
        if (rc == PAC_OK) cclose(wctx);
        pac_context *tctx = NULL;
        rc = copen("tone", &cp, &tctx, &e);
        CHECK(rc == PAC_OK, "pac_context_open(tone): %d %s", rc, e.detail);
        if (rc == PAC_OK) {
            pac_stream_params p = params(PAC_TARGET_DEVICE, PAC_FORMAT_S16LE, 48000, 2, 480);
            p.device_id = "pattern?paced=false";
            rc = sopen(tctx, &p, &s, &e);
            CHECK(rc == PAC_OK, "tone pattern stream: %d %s", rc, e.detail);
            cclose(tctx);
        }
    } else {
        /* ABI 2: pac_tone_open */
        typedef int32_t (*tone_fn)(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t,
                                   pac_stream **, pac_error *);
        tone_fn tone = (tone_fn)(void (*)(void))GetProcAddress(h, "pac_tone_open");
        CHECK(tone != NULL, "pac_tone_open");
        if (tone != NULL) rc = tone(2 /* pattern */, PAC_FORMAT_S16LE, 48000, 2, 480, 0, 0, 0, &s, &e);
        CHECK(rc == PAC_OK, "tone pattern stream: %d %s", rc, e.detail);
    }
    if (rc == PAC_OK && s != NULL) {
        uint8_t buf[1920];
        pac_packet_info info;
        int64_t offset = 0;
        for (int p = 0; p < 50; p++) {
            rc = rd(s, buf, sizeof buf, 1000, &info, &e);
            CHECK(rc == PAC_OK && info.bytes == 1920, "read %d: %d %s", p, rc, e.detail);
            for (int i = 0; i < 1920; i++, offset++)
                if (buf[i] != (uint8_t)(offset % 251)) { CHECK(0, "pattern byte %lld", (long long)offset); p = 50; break; }
        }
        rc = rd(s, buf, 16, 1000, &info, &e);
        CHECK(rc == PAC_E_BUFFER_TOO_SMALL && strstr((char *)e.detail, "below one packet"), "small: %d %s", rc, e.detail);
        cl(s);
    }
    /* FreeLibrary is never called by the Java side either */
}

/* The tone backend's paced streams wait on a pthread condition variable with a
   CLOCK_MONOTONIC deadline: winpthreads must honour that clock. */
static void test_paced_tone_keeps_real_time_under_windows(void) {
    HMODULE h = LoadLibraryA(dll_path);
    if (h == NULL) { CHECK(0, "LoadLibrary"); return; }
    if (GetProcAddress(h, "pac_context_open") != NULL) {
        fprintf(stdout, "  (ABI 3: covered by the merged tone backend's own tests; paced sine below)\n");
    }
    typedef int32_t (*tone_fn)(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t,
                               pac_stream **, pac_error *);
    tone_fn tone = (tone_fn)(void (*)(void))GetProcAddress(h, "pac_tone_open");
    if (tone == NULL) return;
    typedef int32_t (*read_fn)(pac_stream *, uint8_t *, int64_t, int32_t, pac_packet_info *, pac_error *);
    typedef void (*close_fn)(pac_stream *);
    read_fn rd = (read_fn)(void (*)(void))GetProcAddress(h, "pac_stream_read");
    close_fn cl = (close_fn)(void (*)(void))GetProcAddress(h, "pac_stream_close");
    pac_stream *s = NULL;
    pac_error e;
    int32_t rc = tone(1 /* sine */, PAC_FORMAT_S16LE, 48000, 2, 480, 440000, 500000, 1, &s, &e);
    CHECK(rc == PAC_OK, "paced tone: %d %s", rc, e.detail);
    if (rc != PAC_OK) return;
    uint8_t buf[1920];
    pac_packet_info info;
    int64_t t0 = pac_now_ns();
    int timeouts = 0;
    for (int i = 0; i < 30; i++) {
        rc = rd(s, buf, sizeof buf, 1000, &info, &e);
        if (rc == PAC_E_TIMEOUT) timeouts++;
        else CHECK(rc == PAC_OK, "paced read %d: %d %s", i, rc, e.detail);
    }
    int64_t took = ms_since(t0);
    fprintf(stdout, "  30 paced reads (10 ms packets) took %lld ms, %d timed out\n", (long long)took, timeouts);
    CHECK(timeouts == 0 && took >= 250 && took < 600, "paced tone under winpthreads: %lld ms, %d timeouts",
          (long long)took, timeouts);
    cl(s);
}

/* ---- loopback (Wine >= 9.12) -------------------------------------------------------- */

static void test_loopback_of_the_default_output_yields_1khz(void) {
    CHECK(control("play_sink_1000"), "player");
    double rms;
    int silent;
    double f = capture_frequency(params(PAC_TARGET_DEFAULT_OUTPUT, PAC_FORMAT_S16LE, 48000, 2, 480), 3.0, &rms, &silent);
    fprintf(stdout, "  heard %.1f Hz, rms %.0f, %d silent packets\n", f, rms, silent);
    CHECK(fabs(f - 1000.0) < 8.0, "frequency %.1f, expected 1000", f);
    CHECK(rms > 3000, "rms %.0f", rms);
    control("stop_players");
}

static void test_loopback_is_sample_exact_against_the_pattern(void) {
    pattern_case(params(PAC_TARGET_DEFAULT_OUTPUT, PAC_FORMAT_S16LE, 48000, 2, 441), "play_sink_pattern");
}

static void test_explicit_loopback_of_a_render_endpoint(void) {
    char id[512];
    device_id(PAC_DIRECTION_OUTPUT, "pac_mic_sink", id, sizeof id);
    CHECK(id[0] != 0, "no output pac_mic_sink");
    if (id[0] == 0) return;
    CHECK(control("play_mic_440"), "player");
    pac_stream_params p = params(PAC_TARGET_DEVICE, PAC_FORMAT_F32LE, 48000, 2, 480);
    p.device_id = id;
    pac_context *ctx = NULL;
    pac_stream *s = NULL;
    pac_error e;
    if (ctx_open(&ctx, NULL, &e) != PAC_OK) { CHECK(0, "context"); return; }
    int32_t rc = stream_open(ctx, &p, &s, &e);
    CHECK(rc == PAC_OK, "loopback of pac_mic_sink as f32le: %d %s", rc, e.detail);
    if (rc == PAC_OK) {
        static float buf[480 * 2 * 300];
        pac_packet_info info;
        for (int i = 0; i < 300 && rc == PAC_OK; i++) rc = sread(s, (uint8_t *)(buf + i * 960), 3000, &info, &e);
        CHECK(rc == PAC_OK, "reads: %d %s", rc, e.detail);
        static int16_t s16[480 * 2 * 200];
        for (int i = 0; i < 480 * 2 * 200; i++) s16[i] = (int16_t)lrintf(buf[100 * 960 + i] * 32767.0f);
        double f = frequency_s16(s16, 480 * 200, 2, 48000);
        fprintf(stdout, "  heard %.1f Hz in f32le\n", f);
        CHECK(fabs(f - 440.0) < 5.0, "frequency %.1f", f);
        OPS(s)->close(s);
    }
    B->context_close(ctx);
    control("stop_players");
}

static void test_default_following_loopback_reattaches_to_the_new_default(void) {
    char id[512];
    device_id(PAC_DIRECTION_OUTPUT, "pac_mic_sink", id, sizeof id);
    CHECK(id[0] != 0, "no output pac_mic_sink");
    if (id[0] == 0) return;
    CHECK(control("play_sink_1000") && control("play_mic_440"), "players");
    pac_context *ctx = NULL;
    pac_stream *s = NULL;
    pac_error e;
    if (ctx_open(&ctx, NULL, &e) != PAC_OK) { CHECK(0, "context"); return; }
    pac_stream_params p = params(PAC_TARGET_DEFAULT_OUTPUT, PAC_FORMAT_S16LE, 48000, 2, 480);
    int32_t rc = stream_open(ctx, &p, &s, &e);
    CHECK(rc == PAC_OK, "open: %d %s", rc, e.detail);
    if (rc != PAC_OK) { B->context_close(ctx); return; }
    static int16_t buf[480 * 2 * 400];
    pac_packet_info info;
    for (int i = 0; i < 200 && rc == PAC_OK; i++) rc = sread(s, (uint8_t *)(buf + i * 960), 3000, &info, &e);
    double before = frequency_s16(buf + 100 * 960, 480 * 100, 2, 48000);
    CHECK(set_wine_default(PAC_DIRECTION_OUTPUT, id), "registry");
    int routed_at = -1, n = 0;
    int64_t t0 = pac_now_ns();
    int64_t routed_ms = -1;
    while (rc == PAC_OK && n < 400 && ms_since(t0) < 6000) {
        rc = sread(s, (uint8_t *)(buf + n * 960), 3000, &info, &e);
        if (rc != PAC_OK) break;
        if ((info.flags & PAC_FLAG_ROUTE_CHANGED) && routed_at < 0) {
            routed_at = n;
            routed_ms = ms_since(t0);
            CHECK(info.flags & PAC_FLAG_DISCONTINUITY, "ROUTE_CHANGED comes with DISCONTINUITY");
            n = 0; /* keep what follows */
            continue;
        }
        if (routed_at >= 0) n++;
        if (routed_at >= 0 && n >= 250) break;
    }
    double after = n > 150 ? frequency_s16(buf + 50 * 960, 480 * (n - 50), 2, 48000) : 0;
    fprintf(stdout, "  before %.1f Hz; ROUTE_CHANGED after %lld ms; then %.1f Hz\n", before, (long long)routed_ms, after);
    CHECK(rc == PAC_OK, "reads: %d %s", rc, e.detail);
    CHECK(fabs(before - 1000.0) < 8.0, "before: %.1f Hz", before);
    CHECK(routed_at >= 0 && routed_ms < 2000, "ROUTE_CHANGED within 2 s: %lld ms", (long long)routed_ms);
    CHECK(fabs(after - 440.0) < 5.0, "after: %.1f Hz (the new default's loopback)", after);
    set_wine_default(PAC_DIRECTION_OUTPUT, NULL);
    OPS(s)->close(s);
    B->context_close(ctx);
    control("stop_players");
}

static void test_loopback_keeps_silent_packets_on_the_clock_when_nothing_arrives(void) {
    pac_context *ctx = NULL;
    pac_stream *s = NULL;
    pac_error e;
    if (ctx_open(&ctx, NULL, &e) != PAC_OK) { CHECK(0, "context"); return; }
    pac_stream_params p = params(PAC_TARGET_DEFAULT_OUTPUT, PAC_FORMAT_S16LE, 48000, 2, 480);
    int32_t rc = stream_open(ctx, &p, &s, &e);
    CHECK(rc == PAC_OK, "open: %d %s", rc, e.detail);
    if (rc != PAC_OK) { B->context_close(ctx); return; }
    uint8_t buf[1920];
    pac_packet_info info;
    for (int i = 0; i < 50 && rc == PAC_OK; i++) rc = sread(s, buf, 3000, &info, &e);
    /* a suspended null sink renders nothing, so its loopback delivers nothing, as
       Windows' loopback does while nothing plays */
    CHECK(control("suspend_sink"), "suspend pac_sink");
    for (int i = 0; i < 30 && rc == PAC_OK; i++) rc = sread(s, buf, 3000, &info, &e); /* drain */
    int64_t t0 = pac_now_ns(), pos0 = info.position;
    int silent = 0, packets = 0;
    while (ms_since(t0) < 1500 && rc == PAC_OK) {
        rc = sread(s, buf, 3000, &info, &e);
        if (rc == PAC_OK) { packets++; if (info.flags & PAC_FLAG_SILENT) silent++; }
    }
    double wall = (pac_now_ns() - t0) / 1e9;
    double frames = (info.position - pos0) / 48000.0;
    fprintf(stdout, "  suspended: %d packets (%d silent) for %.3f s of frames in %.3f s\n", packets, silent, frames, wall);
    CHECK(rc == PAC_OK, "reads: %d %s", rc, e.detail);
    CHECK(packets > 0 && silent == packets, "all silent: %d of %d", silent, packets);
    CHECK(fabs(frames - wall) < 0.12, "paced in real time: %.3f s of frames in %.3f s", frames, wall);
    CHECK(control("resume_sink"), "resume pac_sink");
    OPS(s)->close(s);
    B->context_close(ctx);
}

/* ---- main ---------------------------------------------------------------------------- */

typedef struct test_case { const char *name; void (*fn)(void); } test_case;

static const test_case capture_cases[] = {
    { "devices_list_the_servers_sinks_and_sources", test_devices_list_the_servers_sinks_and_sources },
    { "default_input_yields_the_fake_microphones_440hz", test_default_input_yields_the_fake_microphones_440hz },
    { "monitor_capture_endpoint_yields_1khz", test_monitor_capture_endpoint_yields_1khz },
    { "monitor_capture_is_sample_exact_against_the_pattern", test_monitor_capture_is_sample_exact_against_the_pattern },
    { "timestamps_follow_the_qpc_clock", test_timestamps_follow_the_qpc_clock },
    { "interrupt_wakes_a_blocked_read", test_interrupt_wakes_a_blocked_read },
    { "pause_stops_data_and_resume_flags_discontinuity", test_pause_stops_data_and_resume_flags_discontinuity },
    { "interrupt_and_close_race_a_reading_thread", test_interrupt_and_close_race_a_reading_thread },
    { "overrun_flags_discontinuity", test_overrun_flags_discontinuity },
    { "bad_input_is_refused_with_details", test_bad_input_is_refused_with_details },
    { "process_loopback_fails_cleanly_where_unavailable", test_process_loopback_fails_cleanly_where_unavailable },
    { "context_events_time_out_and_interrupt", test_context_events_time_out_and_interrupt },
    { "wines_default_setting_arrives_as_default_changed", test_wines_default_setting_arrives_as_default_changed },
    { "dll_loads_and_serves_its_exports", test_dll_loads_and_serves_its_exports },
    { "paced_tone_keeps_real_time_under_windows", test_paced_tone_keeps_real_time_under_windows },
    { "explicit_device_gone_is_device_lost", test_explicit_device_gone_is_device_lost },
};

static const test_case loopback_cases[] = {
    { "loopback_of_the_default_output_yields_1khz", test_loopback_of_the_default_output_yields_1khz },
    { "loopback_is_sample_exact_against_the_pattern", test_loopback_is_sample_exact_against_the_pattern },
    { "explicit_loopback_of_a_render_endpoint", test_explicit_loopback_of_a_render_endpoint },
    { "default_following_loopback_reattaches_to_the_new_default",
      test_default_following_loopback_reattaches_to_the_new_default },
    { "loopback_keeps_silent_packets_on_the_clock_when_nothing_arrives",
      test_loopback_keeps_silent_packets_on_the_clock_when_nothing_arrives },
};

static void run(const test_case *cases, size_t n, const char *only) {
    for (size_t i = 0; i < n; i++) {
        if (only != NULL && strstr(cases[i].name, only) == NULL) continue;
        case_failed = 0;
        int64_t t0 = pac_now_ns();
        fprintf(stdout, "RUN  %s\n", cases[i].name);
        fflush(stdout);
        cases[i].fn();
        fprintf(stdout, "%s %s (%lld ms)\n", case_failed ? "FAIL" : "OK  ", cases[i].name, (long long)ms_since(t0));
        fflush(stdout);
        if (case_failed) failures++; else passes++;
    }
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 3) { fprintf(stderr, "usage: wine_test.exe DLL capture|loopback|all [name-filter]\n"); return 2; }
    dll_path = argv[1];
    const char *group = argv[2];
    const char *only = argc > 3 ? argv[3] : NULL;
    if (strcmp(group, "capture") == 0 || strcmp(group, "all") == 0)
        run(capture_cases, sizeof capture_cases / sizeof capture_cases[0], only);
    if (strcmp(group, "loopback") == 0 || strcmp(group, "all") == 0)
        run(loopback_cases, sizeof loopback_cases / sizeof loopback_cases[0], only);
    fprintf(stdout, "%s: %d passed, %d failed\n", group, passes, failures);
    return failures == 0 && passes > 0 ? 0 : 1;
}
