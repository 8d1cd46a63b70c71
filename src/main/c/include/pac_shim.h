/*
 * pac_shim.h — the only public header of the Panama Audio Capture C shim.
 *
 * Java reads this file through jextract; keep it to opaque handles, fixed-width
 * integer types and plain structs of them, so the generated bindings are the same
 * on every platform. Every function returns an int32_t status (PAC_OK or a
 * negative PAC_E_* kind) unless documented otherwise; pac_strerror() describes a
 * kind. Every fallible function takes a last parameter `pac_error *err` (NULL
 * allowed): before it returns, it writes its status and, on failure, the detail
 * in words into *err. The detail travels with the call, never through state a
 * caller would read later on its thread (a Java virtual thread may resume on
 * another OS thread between two calls).
 *
 * Lifecycle of a stream (every backend follows it):
 *
 *   pac_*_open(...)            creates the stream and starts capture; on success
 *                              *out owns every C-side resource of the stream.
 *   pac_stream_read(...)       called by one thread at a time; copies exactly one
 *                              packet (packet_frames frames) from the OS buffer into
 *                              the caller's memory, once, with no staging buffer and
 *                              no allocation. Blocks up to timeout_ms; a packet is
 *                              never partially consumed, so a timeout loses nothing.
 *                              Pulse: the reading thread drives the stream's server
 *                              connection itself inside this call (no other thread).
 *   pac_stream_stats_get(...)  any thread, concurrently with a read; waits at most
 *                              for the reader's current dispatch, never its timeout.
 *   pac_stream_interrupt(...)  any thread, any time before pac_stream_close: wakes a
 *                              blocked reader at once (no lock, no wait) and makes
 *                              every later read return PAC_E_CLOSED. Idempotent.
 *   pac_stream_close(...)      frees the stream. The caller guarantees that no thread
 *                              is inside, or will enter, any other pac_stream_* call
 *                              on it (the Java owner interrupts, waits for its reader
 *                              to leave, then closes).
 *
 * System libraries (libpulse.so.0) are opened with dlopen on first use, so the shim
 * loads on any machine; a missing library yields PAC_E_BACKEND_UNAVAILABLE.
 */
#ifndef PAC_SHIM_H
#define PAC_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The shim is built with hidden visibility; only PAC_API functions are exported. */
#if defined(PAC_BUILDING_SHIM)
#define PAC_API __attribute__((visibility("default")))
#else
#define PAC_API
#endif

/* ---- status codes ------------------------------------------------------- */
#define PAC_OK                       0
#define PAC_E_BACKEND_UNAVAILABLE   -1  /* library missing or no server answers   */
#define PAC_E_DEVICE_NOT_FOUND      -2  /* no source with that name               */
#define PAC_E_FORMAT_UNSUPPORTED    -3  /* the server refused the sample spec     */
#define PAC_E_DEVICE_LOST           -4  /* the captured source went away          */
#define PAC_E_DISCONNECTED          -5  /* the connection to the server broke     */
#define PAC_E_CLOSED                -6  /* pac_stream_interrupt was called        */
#define PAC_E_TIMEOUT               -7  /* no full packet within timeout_ms       */
#define PAC_E_INVALID_ARGUMENT      -8  /* a parameter outside its documented range */
#define PAC_E_NO_MEMORY             -9
#define PAC_E_BUFFER_TOO_SMALL     -10  /* capacity below one packet / the list   */
#define PAC_E_INTERNAL             -11

/* ---- sample formats (interleaved, little endian) ------------------------ */
#define PAC_FORMAT_S16LE  1
#define PAC_FORMAT_S32LE  2
#define PAC_FORMAT_F32LE  3

/* ---- which device a pulse stream captures ------------------------------- */
#define PAC_DEVICE_DEFAULT_SOURCE        0  /* the server's default source       */
#define PAC_DEVICE_DEFAULT_SINK_MONITOR  1  /* loopback of the default sink       */
#define PAC_DEVICE_BY_NAME               2  /* the source named by device_name    */

/* ---- tone backend modes ------------------------------------------------- */
#define PAC_TONE_SINE     1  /* sine: frequency_millihz, amplitude_ppm of full scale */
#define PAC_TONE_PATTERN  2  /* byte n of the stream equals n % 251: one memcpy a packet */

/* ---- packet flags ------------------------------------------------------- */
#define PAC_FLAG_DISCONTINUITY  1u  /* audio is missing right before or inside this packet */
#define PAC_FLAG_SILENT         2u  /* every sample of the packet is zero */

/* What PAC_FLAG_DISCONTINUITY detects (pulse backend).
 *
 * Audio is lost when the reader falls behind by more than what the server keeps
 * for it: its record queue (maxlength = buffer_ms) plus what the connection's
 * socket holds. It is lost in one of two places, and each is detected there:
 *
 *  - The client queue (libpulse's, also maxlength) refuses a chunk that does not
 *    fit when a backlog arrives at once. libpulse ignores the refusal; the shim
 *    sees it exactly (the queue length did not grow in the read callback) and
 *    flags the packet that holds the first byte after the queued ones. The lost
 *    amount counts in `position` and the timestamps from the server's next timing
 *    report on (requested at once), which may be a few packets after the flag.
 *  - The server's queue drops what does not fit, without a trace in its indices.
 *    The server's clock shows it: after the loss, frames are captured later than
 *    the sample count says. The shim flags the packet at the server's write index
 *    of the first timing report made while its queue was more than half full (where
 *    it began to drop), when the next report shows the clock ahead by more than
 *    max(2 packets, 20 ms); `position` and the timestamps jump by the lost time
 *    there (to within the jitter of that report, a few ms).
 *  - A hole the server marks in the stream (pa_stream_peek gives no data) is
 *    delivered as zeros and flagged.
 *
 * Not detected: a server-side loss shorter than max(2 packets, 20 ms); a stall
 * of the source that the server reports as captured audio. A source that stops
 * and resumes its clock (suspended, or a timer-driven source catching up) moves
 * the clock like a loss and is flagged like one (audio is missing there too).
 * A backlog that fills the queues without loss is never flagged. */

/* ---- device flags (pac_pulse_list_sources) ------------------------------ */
#define PAC_SOURCE_IS_MONITOR  1u
#define PAC_SOURCE_IS_DEFAULT  2u
#define PAC_SOURCE_MONITORS_DEFAULT_SINK 4u

typedef struct pac_stream pac_stream;

/* Filled by pac_stream_read for the packet it copied.
 *
 * timestamp_ns: the CLOCK_MONOTONIC instant (System.nanoTime on Linux) at which
 *   the packet's first frame was captured by the input device or, for a monitor
 *   (loopback), reached the output device — which may lie slightly in the future
 *   when the packet is delivered. Pulse: from the server's timing reports (the
 *   record queue's write index, the source's latency and, for a monitor, the
 *   sink's latency, at the instant of the report), extrapolated on the sample
 *   count between reports; before the first report (the first packet or so):
 *   the delivery time minus the client-side backlog minus one packet. Not
 *   clamped: after lost audio it jumps by the lost time. Tone, paced: the instant
 *   the real-time schedule gives the first frame (open time + position / rate);
 *   tone, unpaced: the instant the read generated it.
 * position: the stream position of the first frame, in frames since the stream
 *   started. Pulse: from libpulse's read index (the server's count of what it
 *   sent, less what the client queue still holds), plus audio the server
 *   dropped (see PAC_FLAG_DISCONTINUITY), so it runs with the source's sample
 *   clock, not with a count of packets; before the first timing report, the
 *   frames delivered so far. Tone: frames delivered so far. */
typedef struct pac_packet_info {
    int64_t  bytes;          /* bytes written to dst: always one whole packet */
    int64_t  frames;         /* frames in the packet                          */
    int64_t  timestamp_ns;   /* capture instant of the first frame (above)    */
    int64_t  position;       /* stream position of the first frame (above)    */
    uint32_t flags;          /* PAC_FLAG_* */
    uint32_t reserved;
} pac_packet_info;

/* What a stream reports to any thread, concurrently with its reader. */
typedef struct pac_stream_stats {
    int64_t latency_ns;      /* from the capture of the frame at the read position
                                (the next one a read returns) to now, on the clock
                                of timestamp_ns: a packet delivered now has
                                timestamp_ns = now - latency_ns - its duration.
                                Signed: a monitor's frames may reach the output
                                device after the reader has them. Tone: 0.       */
    int32_t latency_known;   /* 1 when latency_ns holds a report, 0 when none yet */
    int32_t reserved;
} pac_stream_stats;

/* The outcome of one fallible call, filled before the call returns. */
#define PAC_ERROR_DETAIL_CAPACITY 504
typedef struct pac_error {
    int32_t status;          /* the call's return value                          */
    int32_t detail_len;      /* bytes of detail, without the NUL; 0 on success   */
    uint8_t detail[PAC_ERROR_DETAIL_CAPACITY]; /* UTF-8, NUL-terminated, truncated */
} pac_error;

/* ---- common ------------------------------------------------------------- */

/* ABI version of this header; Java refuses a shim whose version differs. */
#define PAC_ABI_VERSION 2
PAC_API int32_t pac_abi_version(void);

/* A static, never-freed description of a status code. */
PAC_API const char *pac_strerror(int32_t status);

/* ---- pulse backend (PulseAudio, or PipeWire's pulse server) ------------- */

/* server: a PulseAudio server address ("unix:/run/.../native"), or NULL for
 * libpulse's own choice (PULSE_SERVER, then the user's runtime directory). */

/* PAC_OK when libpulse could be opened and a server answers within timeout_ms. */
PAC_API int32_t pac_pulse_probe(const char *server, int32_t timeout_ms, pac_error *err);

/* Lists the capture sources into buf as records, each:
 *   uint32 flags (PAC_SOURCE_*), uint32 rate, uint32 channels,
 *   uint32 name_len, name bytes, uint32 desc_len, description bytes
 * (host byte order, no padding, strings not NUL-terminated).
 * *used receives the bytes written, or the bytes needed with
 * PAC_E_BUFFER_TOO_SMALL; *count the number of records. */
PAC_API int32_t pac_pulse_list_sources(const char *server, uint8_t *buf, int64_t capacity, int64_t *used,
                                int32_t *count, int32_t timeout_ms, pac_error *err);

/* Opens a record stream. device_kind is a PAC_DEVICE_*; device_name (UTF-8,
 * NUL-terminated) is read only with PAC_DEVICE_BY_NAME. buffer_ms bounds what the
 * server keeps for a slow reader (beyond it data is dropped and the next packet
 * carries PAC_FLAG_DISCONTINUITY). app_name and stream_name label the client. */
PAC_API int32_t pac_pulse_open(const char *server, int32_t device_kind, const char *device_name,
                       int32_t format, int32_t rate, int32_t channels,
                       int32_t packet_frames, int32_t buffer_ms,
                       const char *app_name, const char *stream_name,
                       int32_t timeout_ms, pac_stream **out, pac_error *err);

/* ---- tone backend (synthetic, needs nothing) ---------------------------- */

/* mode is a PAC_TONE_*; paced != 0 delivers packets in real time, 0 as fast as
 * the reader asks. frequency_millihz and amplitude_ppm apply to PAC_TONE_SINE. */
PAC_API int32_t pac_tone_open(int32_t mode, int32_t format, int32_t rate, int32_t channels,
                      int32_t packet_frames, int32_t frequency_millihz,
                      int32_t amplitude_ppm, int32_t paced, pac_stream **out, pac_error *err);

/* ---- any stream --------------------------------------------------------- */

PAC_API int32_t pac_stream_read(pac_stream *stream, uint8_t *dst, int64_t capacity,
                        int32_t timeout_ms, pac_packet_info *info, pac_error *err);
PAC_API int32_t pac_stream_stats_get(pac_stream *stream, pac_stream_stats *stats, pac_error *err);
PAC_API int32_t pac_stream_interrupt(pac_stream *stream, pac_error *err);
PAC_API void    pac_stream_close(pac_stream *stream);

/* The benchmark floor: one memcpy of n bytes of the tone pattern (stream offset
 * `offset`) into dst, nothing else. Returns PAC_OK. */
PAC_API int32_t pac_pattern_fill(uint8_t *dst, int64_t n, int64_t offset, pac_error *err);

#ifdef __cplusplus
}
#endif

#endif /* PAC_SHIM_H */
