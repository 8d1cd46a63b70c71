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
 * another OS thread between two calls). No function ever calls back into the
 * caller (no upcalls): events are pulled with pac_context_next_event.
 *
 * Lifecycle (every backend follows it):
 *
 *   pac_context_open("pulse"|"tone"|..., params)
 *                              one context per AudioCapture: the backend's connection
 *                              for enumeration and events, held until
 *                              pac_context_close. PAC_E_BACKEND_UNAVAILABLE when the
 *                              system library is missing or no server answers (a
 *                              normal outcome: the caller tries the next backend).
 *   pac_context_devices(...)   any thread: the inputs and outputs now.
 *   pac_context_applications   any thread: the applications playing now.
 *   pac_context_next_event     one thread (the caller's event thread): blocks for the
 *                              next device/application event; pac_context_interrupt
 *                              from any thread wakes it for good.
 *   pac_stream_open(ctx, ...)  creates a stream and starts capture; on success *out
 *                              owns every C-side resource of the stream (a pulse
 *                              stream has its own server connection, so it outlives
 *                              neither nor depends on the context's).
 *   pac_stream_read(...)       called by one thread at a time; copies exactly one
 *                              packet (packet_frames frames) from the OS buffer into
 *                              the caller's memory, once, with no staging buffer and
 *                              no allocation (one exception: an application stream
 *                              mixes its monitor streams from one preallocated packet
 *                              each). Blocks up to timeout_ms; a packet is
 *                              never partially consumed, so a timeout loses nothing.
 *                              Pulse: the reading thread drives the stream's server
 *                              connection itself inside this call (no other thread).
 *   pac_stream_pause(...)      any thread: cork / uncork on the server.
 *   pac_stream_stats_get(...)  any thread, concurrently with a read; waits at most
 *                              for the reader's current dispatch, never its timeout.
 *   pac_stream_interrupt(...)  any thread, any time before pac_stream_close: wakes a
 *                              blocked reader at once (no lock, no wait) and makes
 *                              every later read return PAC_E_CLOSED. Idempotent.
 *   pac_stream_close(...)      frees the stream. The caller guarantees that no thread
 *                              is inside, or will enter, any other pac_stream_* call
 *                              on it (the Java owner interrupts, waits for its reader
 *                              to leave, then closes).
 *   pac_context_close(ctx)     frees the context (streams stay valid).
 *
 * Where a backend goes (src/main/c/src/): every exported function above is
 * generic (common.c): it validates its arguments, then calls through the
 * backend's row of `pac_backend_ops` (internal.h), and every stream through its
 * `pac_stream_ops`. A new backend is
 *   1. one source file (or a few, by role, like pulse_*.c) that defines
 *        const pac_backend_ops pac_<name>_backend = { "<name>", context_open,
 *            context_close, devices, applications, next_event, context_interrupt,
 *            stream_open };
 *      and a pac_stream_ops { read, stats, interrupt, pause, close } for its
 *      streams — internal.h documents each function's contract;
 *   2. one row in the table in backends.c (priority order), and the file in the
 *      Makefile's SRCS;
 *   3. on the Java side, one package internal/backend/<name>/ (its name and the
 *      options it takes) and its name in internal/Backends.java.
 * Nothing in this header changes for a new backend.
 *
 * System libraries (libpulse.so.0; on Windows the system's COM DLLs) are opened at
 * run time (dlopen), so the shim loads on any machine; a missing library yields
 * PAC_E_BACKEND_UNAVAILABLE.
 */
#ifndef PAC_SHIM_H
#define PAC_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The shim is built with hidden visibility; only PAC_API functions are exported. */
#if defined(PAC_BUILDING_SHIM) && defined(_WIN32)
#define PAC_API __declspec(dllexport)
#elif defined(PAC_BUILDING_SHIM)
#define PAC_API __attribute__((visibility("default")))
#else
#define PAC_API
#endif

/* ---- status codes ------------------------------------------------------- */
#define PAC_OK                       0
#define PAC_E_BACKEND_UNAVAILABLE   -1  /* library missing or no server answers   */
#define PAC_E_DEVICE_NOT_FOUND      -2  /* no device / process with that id       */
#define PAC_E_FORMAT_UNSUPPORTED    -3  /* the backend refused the sample spec or target */
#define PAC_E_DEVICE_LOST           -4  /* the captured (explicit) device went away */
#define PAC_E_DISCONNECTED          -5  /* backend disconnected: the connection to the server broke */
#define PAC_E_CLOSED                -6  /* interrupted (pac_stream_interrupt, pac_context_interrupt) */
#define PAC_E_TIMEOUT               -7  /* nothing within timeout_ms              */
#define PAC_E_INVALID_ARGUMENT      -8  /* a parameter outside its documented range */
#define PAC_E_NO_MEMORY             -9
#define PAC_E_BUFFER_TOO_SMALL     -10  /* capacity below one packet / the list   */
#define PAC_E_INTERNAL             -11

/* ---- sample formats (interleaved, little endian) ------------------------ */
#define PAC_FORMAT_S16LE  1
#define PAC_FORMAT_S32LE  2
#define PAC_FORMAT_F32LE  3

/* ---- packet flags ------------------------------------------------------- */
#define PAC_FLAG_DISCONTINUITY  1u  /* audio is missing right before or inside this packet */
#define PAC_FLAG_SILENT         2u  /* every sample of the packet is zero */
#define PAC_FLAG_ROUTE_CHANGED  4u  /* first packet after a default-following stream
                                       re-attached (to another device, or to none: then
                                       SILENT packets follow); always together with
                                       PAC_FLAG_DISCONTINUITY */
#define PAC_FLAG_RESUMED        8u  /* first packet after a resume (pac_stream_pause):
                                       what the source produced while paused is not
                                       delivered; always together with
                                       PAC_FLAG_DISCONTINUITY, never lost audio */

/* What PAC_FLAG_DISCONTINUITY detects (pulse backend).
 *
 * Audio is lost when the reader falls behind by more than what the server keeps
 * for it: its record queue (maxlength = buffer_ms) plus what the connection's
 * socket holds. It is lost in one of two places, and each is detected there:
 *
 *  - The client queue (libpulse's, also maxlength) refuses a chunk that does not
 *    fit when a backlog arrives at once. libpulse ignores the refusal; the shim
 *    sees it exactly (the queue length did not grow in the read callback) and
 *    flags the packet that holds the first byte after the queued ones. From that
 *    packet on, `position` and the timestamps follow libpulse's read index (the
 *    flagged packet takes its value at the packet's end): the lost amount counts
 *    from the server's next timing report on (requested at once), which may be a
 *    few packets after the flag; until that report they may run ahead by the
 *    audio that was in flight at the previous one.
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
 * Also flagged, and never counted as lost by the server's clock: the first packet
 * after a resume (pac_stream_pause), with PAC_FLAG_RESUMED, and the first packet
 * after a re-attach, with PAC_FLAG_ROUTE_CHANGED. A reader tells lost audio from
 * these by DISCONTINUITY without either of them.
 *
 * Not detected: a server-side loss shorter than max(2 packets, 20 ms); a stall
 * of the source that the server reports as captured audio. A source that stops
 * and resumes its clock (suspended, or a timer-driven source catching up) moves
 * the clock like a loss and is flagged like one (audio is missing there too).
 * A backlog that fills the queues without loss is never flagged. */

/* ---- devices, targets, events ------------------------------------------- */

/* directions */
#define PAC_DIRECTION_INPUT   1
#define PAC_DIRECTION_OUTPUT  2

/* device record flags */
#define PAC_DEVICE_FLAG_DEFAULT  1u   /* the default device of its direction */

/* what a stream captures */
#define PAC_TARGET_DEFAULT_INPUT     1  /* follows the default input (never an output's loopback) */
#define PAC_TARGET_DEFAULT_OUTPUT    2  /* loopback of the default output; follows it        */
#define PAC_TARGET_DEVICE            3  /* device_id (an INPUT, or an OUTPUT = its loopback); never moves */
#define PAC_TARGET_APPLICATION_PID   4  /* every playback stream of process `pid` (and later ones) */
#define PAC_TARGET_APPLICATION_NAME  5  /* every playback stream whose application name or binary
                                           equals `application` (any process, now and later)    */

/* events */
#define PAC_EVENT_DEVICE_ADDED           1
#define PAC_EVENT_DEVICE_REMOVED         2
#define PAC_EVENT_DEFAULT_CHANGED        3  /* direction says which; id = the new default (empty: none) */
#define PAC_EVENT_APPLICATION_STARTED    4  /* an application's first playback stream appeared */
#define PAC_EVENT_APPLICATION_ENDED      5  /* its last playback stream went away */

typedef struct pac_context pac_context;
typedef struct pac_stream pac_stream;

typedef struct pac_context_params {
    const char *app_name;     /* the client name the server shows; NULL: "panama-audio-capture" */
    const char *options;      /* backend options, "key=value" lines separated by '\n', NULL: none.
                                 pulse: server=<address>. tone: none. Unknown key ->
                                 PAC_E_INVALID_ARGUMENT naming it and the known keys. */
    int32_t timeout_ms;       /* connect / each server round trip, 1..300000; 0: 5000 */
    int32_t reserved;
} pac_context_params;

/* One event. Strings UTF-8, NUL-terminated, truncated to fit (ids longer than
   PAC_EVENT_ID_CAPACITY-1 bytes never occur with pulse: its names are <= 255). */
#define PAC_EVENT_ID_CAPACITY 512
typedef struct pac_event {
    int32_t  type;            /* PAC_EVENT_* */
    int32_t  direction;       /* device events: PAC_DIRECTION_*; else 0 */
    uint32_t pid;             /* application events: the process id, 0 if unknown */
    uint32_t reserved;
    uint8_t  id[PAC_EVENT_ID_CAPACITY];   /* device id, or application name */
    uint8_t  binary[256];                 /* application events: the binary name */
} pac_event;

typedef struct pac_stream_params {
    int32_t  target;          /* PAC_TARGET_* */
    int32_t  format;          /* PAC_FORMAT_* */
    int32_t  rate;            /* 1000..384000 */
    int32_t  channels;        /* 1..32 */
    int32_t  packet_frames;   /* 1..384000 */
    int32_t  buffer_ms;       /* 1..60000 */
    uint32_t pid;             /* PAC_TARGET_APPLICATION_PID */
    int32_t  reserved;
    const char *device_id;    /* PAC_TARGET_DEVICE */
    const char *application;  /* PAC_TARGET_APPLICATION_NAME */
    const char *stream_name;  /* the stream's label on the server; NULL: "capture" */
} pac_stream_params;

/* Filled by pac_stream_read for the packet it copied.
 *
 * timestamp_ns: the CLOCK_MONOTONIC instant (System.nanoTime on Linux) at which
 *   the packet's first frame was captured by the input device or, for a loopback,
 *   reached the output device — which may lie slightly in the future when the
 *   packet is delivered. Pulse: from the server's timing reports (the record
 *   queue's write index, the source's latency and, for a loopback, the sink's
 *   latency, at the instant of the report), extrapolated on the sample count
 *   between reports. The first packet of a (re-)attached or resumed stream waits
 *   up to 200 ms for the server's first report, while the client queue is less
 *   than half full; only without one is it stamped
 *   with the delivery time minus the client-side backlog minus one packet. A
 *   drift correction moves the clock by 0.5 ms a report at most. Not clamped: after lost audio it jumps by the lost time. SILENT
 *   packets of a default-following stream without a device: the real-time
 *   schedule since the device went. Tone, paced: the instant the real-time
 *   schedule gives the first frame (open time + position / rate, less the time
 *   paused); tone, unpaced: the instant the read generated it.
 * position: the stream position of the first frame, in frames since the stream
 *   started. Pulse: the frames the server sent — what the reader took, and from
 *   the packet that holds audio the client queue refused on, libpulse's read
 *   index (the server's count less what the client queue holds at its reports) —
 *   plus audio the server dropped (see PAC_FLAG_DISCONTINUITY), so it runs with
 *   the source's sample clock, not with a count of packets. A re-attach continues
 *   from the position the next packet would have had. Tone: frames delivered so
 *   far. */
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
                                Signed: a loopback's frames may reach the output
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
#define PAC_ABI_VERSION 3
PAC_API int32_t pac_abi_version(void);

/* A static, never-freed description of a status code. */
PAC_API const char *pac_strerror(int32_t status);

/* ---- contexts ----------------------------------------------------------- */

/* Opens a context of the backend named `backend` ("pulse", "tone", later "wasapi"):
   one connection for enumeration and events, held until pac_context_close. A backend
   whose system library is missing or whose server does not answer ->
   PAC_E_BACKEND_UNAVAILABLE (a normal outcome). Unknown name -> PAC_E_INVALID_ARGUMENT
   naming the backends there are. params NULL: all defaults. */
PAC_API int32_t pac_context_open(const char *backend, const pac_context_params *params,
                                 pac_context **out, pac_error *err);

/* Device list, records in buf (host byte order, no padding, strings not NUL-terminated):
     uint32 direction, uint32 flags (PAC_DEVICE_FLAG_*), uint32 format (PAC_FORMAT_* or 0 if
     none of ours), uint32 rate, uint32 channels,
     uint32 id_len, id bytes, uint32 desc_len, description bytes
   *used: bytes written, or needed with PAC_E_BUFFER_TOO_SMALL; *count: records.
   Any thread, serialized by the context. For pulse: sinks are OUTPUT (id = sink name),
   sources that are not monitors are INPUT (id = source name); monitor sources are not
   listed (an OUTPUT's loopback is captured by its OUTPUT id; a monitor source's own
   name is still accepted by PAC_TARGET_DEVICE). Tone: INPUT "sine" (default) and
   INPUT "pattern". */
PAC_API int32_t pac_context_devices(pac_context *ctx, uint8_t *buf, int64_t capacity,
                                    int64_t *used, int32_t *count, pac_error *err);

/* Applications playing now, records:
     uint32 pid (0 unknown), uint32 stream_count,
     uint32 name_len, name, uint32 binary_len, binary,
     then stream_count times: uint32 stream_index (the server's), uint32 title_len, title,
                              uint32 device_len, device id of the OUTPUT it plays to
   One record per application (grouped by pid, or by name when pid unknown). Any
   thread, serialized by the context. Tone: none. */
PAC_API int32_t pac_context_applications(pac_context *ctx, uint8_t *buf, int64_t capacity,
                                         int64_t *used, int32_t *count, pac_error *err);

/* Blocks up to timeout_ms (0: just look) for the next event, queued in the context
   since it opened, in order. At most 4096 wait: beyond that the oldest are dropped
   (the caller lists devices and applications again if it must be sure; the next
   event returned is an ordinary one). No upcalls.
   PAC_E_TIMEOUT: none in time. PAC_E_CLOSED: pac_context_interrupt was called.
   PAC_E_DISCONNECTED: the context's connection broke (after the events queued before).
   One thread at a time. Pulse: within 500 ms of the server's change, as long as a
   thread waits here (the waiting thread drives the connection). Tone: never an event. */
PAC_API int32_t pac_context_next_event(pac_context *ctx, pac_event *event, int32_t timeout_ms,
                                       pac_error *err);
/* Any thread: wakes next_event, later calls return PAC_E_CLOSED at once. Idempotent. */
PAC_API int32_t pac_context_interrupt(pac_context *ctx, pac_error *err);
/* Frees the context. No thread may be inside another pac_context_* call on it. Streams
   opened on it stay valid and are closed separately (they keep their own connections). */
PAC_API void    pac_context_close(pac_context *ctx);

/* ---- streams ------------------------------------------------------------ */

/* Opens a stream on the context's backend. Validation before anything touches the
   server: unknown target, bad format/rate/channels/packet_frames/buffer_ms ->
   PAC_E_INVALID_ARGUMENT naming the field and the range. A device id that does not
   exist, a pid with no such process -> PAC_E_DEVICE_NOT_FOUND naming what was asked.
   An application by NAME that is not playing yet is waited for (SILENT packets).
   Any thread.

   Follow or fail, never substitute (pulse):
   - PAC_TARGET_DEFAULT_OUTPUT records the default output's loopback and re-attaches
     to the new default output within 500 ms when the default changes or the device
     goes away (the first packet after: DISCONTINUITY|ROUTE_CHANGED). With no output
     at all it delivers SILENT packets on the real-time clock until one appears. It is
     never moved to an input.
   - PAC_TARGET_DEFAULT_INPUT: the same with the default input; a default that is an
     output's loopback (PulseAudio picks one when no input is left) counts as none.
   - PAC_TARGET_DEVICE never moves: its device going away ends it, reads return
     PAC_E_DEVICE_LOST within 1 s.
   Tone: DEFAULT_INPUT is "sine"; a device id may carry parameters after '?':
   "sine?frequency=1000&amplitude=0.25&paced=false", "pattern?paced=false"; an
   unknown device, parameter or value -> PAC_E_DEVICE_NOT_FOUND naming it and what is
   allowed; outputs and applications -> PAC_E_DEVICE_NOT_FOUND (it has none). */
PAC_API int32_t pac_stream_open(pac_context *ctx, const pac_stream_params *params,
                                pac_stream **out, pac_error *err);

/* Pauses (paused != 0: server-side cork, no data and no CPU while paused; reads block
   and time out) or resumes; the first packet after a resume carries
   PAC_FLAG_DISCONTINUITY. Idempotent. Any thread, concurrently with the reader. */
PAC_API int32_t pac_stream_pause(pac_stream *stream, int32_t paused, pac_error *err);

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
