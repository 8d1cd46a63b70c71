/* C-level tests of the shim, run plain and under ASan/UBSan (make SANITIZE=1 test).
 * The pulse part runs when PAC_TEST_PULSE_SERVER names a running server with a
 * source called pac_sine (scripts/pulse-server starts one). */
#include "pac_shim.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int failures;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

static void test_pattern_bytes_follow_stream_offset(void) {
    pac_stream *s = NULL;
    int32_t rc = pac_tone_open(PAC_TONE_PATTERN, PAC_FORMAT_S16LE, 48000, 2, 480, 0, 0, 0, &s);
    CHECK(rc == PAC_OK, "open pattern: %d", rc);
    uint8_t buf[1920];
    pac_packet_info info;
    int64_t offset = 0;
    for (int p = 0; p < 700; p++) {
        rc = pac_stream_read(s, buf, sizeof buf, 1000, &info);
        CHECK(rc == PAC_OK && info.bytes == 1920 && info.frames == 480, "read %d: %d", p, rc);
        CHECK(info.position == (int64_t)p * 480, "position %lld", (long long)info.position);
        for (int i = 0; i < 1920; i++, offset++)
            if (buf[i] != (uint8_t)(offset % 251)) { CHECK(0, "byte %lld", (long long)offset); p = 700; break; }
    }
    rc = pac_stream_read(s, buf, 100, 1000, &info);
    CHECK(rc == PAC_E_BUFFER_TOO_SMALL, "small capacity: %d", rc);
    pac_stream_close(s);
}

static void test_pattern_fill_handles_large_buffers(void) {
    size_t n = 200000;
    uint8_t *b = malloc(n);
    CHECK(pac_pattern_fill(b, (int64_t)n, 1000) == PAC_OK, "fill");
    for (size_t i = 0; i < n; i++)
        if (b[i] != (uint8_t)((i + 1000) % 251)) { CHECK(0, "fill byte %zu", i); break; }
    free(b);
}

static void test_invalid_arguments_are_rejected(void) {
    pac_stream *s = (pac_stream *)1;
    CHECK(pac_tone_open(9, PAC_FORMAT_S16LE, 48000, 2, 480, 0, 0, 0, &s) == PAC_E_INVALID_ARGUMENT && s == NULL, "mode");
    CHECK(pac_tone_open(PAC_TONE_SINE, 7, 48000, 2, 480, 440000, 500000, 0, &s) == PAC_E_INVALID_ARGUMENT, "format");
    CHECK(pac_tone_open(PAC_TONE_SINE, PAC_FORMAT_S16LE, 48000, 33, 480, 440000, 500000, 0, &s) == PAC_E_INVALID_ARGUMENT, "channels");
    uint8_t d[128];
    int32_t len = pac_last_error_detail(d, sizeof d);
    CHECK(len > 0 && strstr((char *)d, "channels") != NULL, "detail '%s'", d);
    CHECK(strcmp(pac_strerror(PAC_E_DEVICE_LOST), "device lost") == 0, "strerror");
}

struct interrupter { pac_stream *s; };
static void *interrupt_later(void *arg) {
    struct interrupter *it = arg;
    usleep(50000);
    pac_stream_interrupt(it->s);
    return NULL;
}

static void test_interrupt_wakes_a_blocked_paced_read(void) {
    pac_stream *s = NULL;
    /* 1 frame per second: a read would block ~1 s */
    int32_t rc = pac_tone_open(PAC_TONE_SINE, PAC_FORMAT_F32LE, 1000, 1, 1000, 100000, 500000, 1, &s);
    CHECK(rc == PAC_OK, "open paced");
    struct interrupter it = { s };
    pthread_t th;
    pthread_create(&th, NULL, interrupt_later, &it);
    uint8_t buf[4000];
    pac_packet_info info;
    int64_t t0 = pac_monotonic_ns();
    rc = pac_stream_read(s, buf, sizeof buf, 5000, &info);
    int64_t waited = pac_monotonic_ns() - t0;
    CHECK(rc == PAC_E_CLOSED, "interrupted read: %d", rc);
    CHECK(waited < 500000000, "woke after %lld ns", (long long)waited);
    pthread_join(th, NULL);
    CHECK(pac_stream_read(s, buf, sizeof buf, 5000, &info) == PAC_E_CLOSED, "read after interrupt");
    pac_stream_close(s);
}

static void test_paced_read_times_out_without_consuming(void) {
    pac_stream *s = NULL;
    pac_tone_open(PAC_TONE_PATTERN, PAC_FORMAT_S16LE, 1000, 1, 500, 0, 0, 1, &s); /* 0.5 s packets */
    uint8_t buf[1000];
    pac_packet_info info;
    CHECK(pac_stream_read(s, buf, sizeof buf, 10, &info) == PAC_E_TIMEOUT, "timeout");
    CHECK(pac_stream_read(s, buf, sizeof buf, 2000, &info) == PAC_OK && info.position == 0, "then first packet");
    pac_stream_close(s);
}

static void test_pulse_capture(const char *server) {
    uint8_t list[16384];
    int64_t used = 0;
    int32_t count = 0;
    int32_t rc = pac_pulse_list_sources(server, list, sizeof list, &used, &count, 5000);
    CHECK(rc == PAC_OK && count >= 2, "list: %d count %d", rc, count);
    rc = pac_pulse_list_sources(server, list, 8, &used, &count, 5000);
    CHECK(rc == PAC_E_BUFFER_TOO_SMALL && used > 8, "list small: %d", rc);

    pac_stream *s = NULL;
    rc = pac_pulse_open(server, PAC_DEVICE_BY_NAME, "pac_sine", PAC_FORMAT_S16LE, 48000, 2, 480, 2000,
                        "shim_test", "capture", 5000, &s);
    CHECK(rc == PAC_OK, "open pac_sine: %d", rc);
    if (rc == PAC_OK) {
        uint8_t buf[1920];
        pac_packet_info info;
        int nonsilent = 0;
        for (int i = 0; i < 300; i++) {
            rc = pac_stream_read(s, buf, sizeof buf, 5000, &info);
            CHECK(rc == PAC_OK, "pulse read %d: %d", i, rc);
            if (rc != PAC_OK) break;
            if (!(info.flags & PAC_FLAG_SILENT)) nonsilent++;
        }
        CHECK(nonsilent > 250, "non-silent packets %d", nonsilent);
        pac_stream_stats st;
        pac_stream_stats_get(s, &st);
        CHECK(st.frames == 300 * 480, "frames %lld", (long long)st.frames);
        pac_stream_interrupt(s);
        CHECK(pac_stream_read(s, buf, sizeof buf, 5000, &info) == PAC_E_CLOSED, "closed");
        pac_stream_close(s);
    }
    rc = pac_pulse_open(server, PAC_DEVICE_BY_NAME, "no_such_source", PAC_FORMAT_S16LE, 48000, 2, 480, 2000,
                        "shim_test", "capture", 5000, &s);
    CHECK(rc == PAC_E_DEVICE_NOT_FOUND, "missing source: %d", rc);
    rc = pac_pulse_open(server, PAC_DEVICE_DEFAULT_SINK_MONITOR, NULL, PAC_FORMAT_F32LE, 44100, 1, 441, 500,
                        "shim_test", "monitor", 5000, &s);
    CHECK(rc == PAC_OK, "default monitor: %d", rc);
    if (rc == PAC_OK) pac_stream_close(s);
    rc = pac_pulse_probe("unix:/nonexistent/pulse/native", 2000);
    CHECK(rc == PAC_E_BACKEND_UNAVAILABLE, "probe of no server: %d", rc);
}

int main(void) {
    CHECK(pac_abi_version() == PAC_ABI_VERSION, "abi");
    test_pattern_bytes_follow_stream_offset();
    test_pattern_fill_handles_large_buffers();
    test_invalid_arguments_are_rejected();
    test_interrupt_wakes_a_blocked_paced_read();
    test_paced_read_times_out_without_consuming();
    const char *server = getenv("PAC_TEST_PULSE_SERVER");
    int tests = 6;
    if (server != NULL && *server) { test_pulse_capture(server); tests++; }
    else fprintf(stderr, "shim_test: PAC_TEST_PULSE_SERVER unset, pulse part not run\n");
    printf("%d passed, %d failed\n", failures == 0 ? tests : 0, failures);
    return failures == 0 ? 0 : 1;
}
