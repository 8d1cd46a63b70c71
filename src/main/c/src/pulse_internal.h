/* The pulse backend's internals, shared by its files (one per role):
 *
 *   pulse_lib.c      libpulse.so.0 opened with dlopen, every function we call in one
 *                    table (`pa`), so the shim loads where libpulse is absent.
 *   pulse_conn.c     one server connection: a plain pa_mainloop + pa_context that
 *                    the waiting thread iterates itself (no libpulse thread).
 *   pulse_record.c   one pa_stream recording one source: copies packets out of the
 *                    server's fragments, the server's timing, exact overrun flags.
 *   pulse_context.c  the backend row: the context (devices, applications, the event
 *                    queue fed by pa_context_subscribe) and stream_open.
 *   pulse_stream.c   a device stream: targets, follow-the-default, DONT_MOVE,
 *                    pause (cork), SILENT pacing while there is no device.
 *   pulse_app.c      an application stream (monitor streams of its sink-inputs).
 *
 * Threads: none of our own, and none of libpulse's. Every connection is iterated
 * (prepare / poll / dispatch) by a thread that waits for something on it, and
 * libpulse's callbacks run on that thread, inside dispatch. A connection's `lock`
 * serializes every libpulse call on it: the iterating thread holds it all the time
 * except while blocked in poll (the poll function releases it, as
 * pa_threaded_mainloop does), so another thread may take it, call libpulse (as with
 * pa_threaded_mainloop) and pa_mainloop_wakeup() the loop. At most one thread
 * iterates at a time (`iterating`); others wait on `progress`, broadcast after
 * every dispatch (pulse_conn_wait).
 */
#ifndef PAC_PULSE_INTERNAL_H
#define PAC_PULSE_INTERNAL_H

#include "internal.h"

#include <pulse/pulseaudio.h>

/* ---- pulse_lib.c: the function table ---------------------------------------- */

#define PAC_PULSE_FUNCTIONS(X) \
    X(pa_mainloop_new) X(pa_mainloop_free) X(pa_mainloop_get_api) X(pa_mainloop_prepare) \
    X(pa_mainloop_poll) X(pa_mainloop_dispatch) X(pa_mainloop_wakeup) X(pa_mainloop_set_poll_func) \
    X(pa_context_new) X(pa_context_unref) X(pa_context_connect) X(pa_context_disconnect) \
    X(pa_context_get_state) X(pa_context_set_state_callback) X(pa_context_errno) \
    X(pa_context_get_server_info) X(pa_context_get_source_info_list) \
    X(pa_context_get_source_info_by_name) X(pa_context_get_sink_info_by_name) \
    X(pa_context_get_sink_info_list) X(pa_context_get_sink_info_by_index) \
    X(pa_context_get_source_info_by_index) X(pa_context_get_sink_input_info_list) \
    X(pa_context_get_sink_input_info) \
    X(pa_context_subscribe) X(pa_context_set_subscribe_callback) \
    X(pa_operation_unref) X(pa_operation_cancel) \
    X(pa_stream_new) X(pa_stream_unref) X(pa_stream_connect_record) X(pa_stream_disconnect) \
    X(pa_stream_get_state) X(pa_stream_set_state_callback) \
    X(pa_stream_peek) X(pa_stream_drop) X(pa_stream_readable_size) \
    X(pa_stream_get_timing_info) X(pa_stream_set_read_callback) X(pa_stream_update_timing_info) \
    X(pa_stream_set_latency_update_callback) X(pa_stream_get_buffer_attr) \
    X(pa_stream_cork) X(pa_stream_get_device_index) X(pa_stream_set_monitor_stream) \
    X(pa_proplist_gets) \
    X(pa_channel_map_init_extend) X(pa_strerror)

typedef struct pulse_functions {
#define PAC_DECLARE(name) __typeof__(name) *name;
    PAC_PULSE_FUNCTIONS(PAC_DECLARE)
#undef PAC_DECLARE
} pulse_functions;

extern pulse_functions pa;

/* Loads libpulse once per process; PAC_E_BACKEND_UNAVAILABLE (with the reason) when
 * it is missing or lacks a function. */
int32_t pulse_load(void);

/* ---- pulse_conn.c: one connection ------------------------------------------- */

typedef struct pulse_conn pulse_conn;
struct pulse_conn {
    pa_mainloop *ml;
    pa_context *ctx;
    pthread_mutex_t lock;        /* held around every libpulse call on this connection */
    pthread_cond_t progress;     /* broadcast after every dispatch (CLOCK_MONOTONIC)   */
    int iterating;               /* a thread is inside pulse_conn_iterate; lock held   */
    pa_context_state_t state;    /* written in dispatch                                */
    /* called in dispatch (lock held) after the context's state changed; may be NULL */
    void (*on_state)(pulse_conn *c, void *userdata);
    void *state_userdata;
    int initialized;             /* lock and progress exist                          */
};

/* Creates the loop, the lock and the context (not connected). */
int32_t pulse_conn_init(pulse_conn *c, const char *app_name);
/* Connects (lock held), iterating until the context is ready or deadline_ns. */
int32_t pulse_conn_connect(pulse_conn *c, const char *server, int64_t deadline_ns);
/* One prepare / poll / dispatch (lock held; released during poll): blocks until
 * something happens on the connection, a libpulse timer is due, the loop is woken
 * up (pa_mainloop_wakeup), or deadline_ns (CLOCK_MONOTONIC) passes. */
int32_t pulse_conn_iterate(pulse_conn *c, int64_t deadline_ns);
/* Lock held: iterates once if no other thread does, else waits (at most until
 * deadline_ns) for that thread's next dispatch. For connections several threads
 * wait on (the context's). */
int32_t pulse_conn_wait(pulse_conn *c, int64_t deadline_ns);
/* Lock held: waits (pulse_conn_wait) until *done, the connection dies or
 * deadline_ns; cancels the operation unless it completed (so no callback runs
 * later: userdata may live on the caller's stack) and unrefs it. */
int32_t pulse_conn_wait_op(pulse_conn *c, pa_operation *op, const int *done, int64_t deadline_ns);
/* 1 when the context failed or terminated. */
int pulse_conn_dead(const pulse_conn *c);
/* Disconnects and frees the context and the loop, and destroys the lock; any
 * stream must already be released. Safe on a zeroed or half-initialised conn. */
void pulse_conn_release(pulse_conn *c);

/* The failure of a dead connection's last call, in words (for pac_fail). */
const char *pulse_conn_error(const pulse_conn *c);

/* ---- pulse_record.c: one record stream on one source ------------------------- */

typedef struct pulse_record pulse_record;
struct pulse_record {
    pulse_conn *conn;
    pa_stream *st;               /* NULL: not started or stopped                      */
    pa_stream_state_t state;
    int failed;                  /* the stream failed or was terminated by the server */
    uint32_t device_index;       /* the source's index once READY                      */
    /* called in dispatch (lock held) when the stream became READY or failed; may be NULL */
    void (*on_state)(pulse_record *r, void *userdata);
    void *userdata;
    /* format (copied from the pac_stream) */
    int32_t format;
    int32_t channels;
    int32_t rate;
    int64_t frame_bytes;
    int64_t packet_bytes;
    int64_t packet_ns;
    int64_t jump_ns;             /* anchor moves beyond this are lost audio       */
    /* reader-only (lock held) */
    const uint8_t *frag;         /* peeked fragment (NULL data = hole)            */
    size_t frag_len;
    size_t frag_off;
    int frag_held;
    int64_t consumed;            /* bytes taken out of the client queue (peek+drop) */
    int64_t fallback_position;   /* frames delivered, used until libpulse has a read index */
    /* Audio the client queue refused (see on_record_read): the client-queue byte
     * offsets (in `consumed` terms) where data is missing, oldest first. */
    int64_t gaps[8];
    int gap_count;
    int refused;                 /* the reader got a packet with refused audio in it */
    int64_t queue_len;           /* client queue length at our last look           */
    /* The server's clock (see on_timing_report): a frame at stream byte X was
     * captured at anchor_ns + ns(X). */
    int anchored;
    int64_t anchor_ns;
    int64_t server_max_bytes;    /* the server queue's maxlength                  */
    int pending;                 /* lost audio: from byte gap_pos on, next_anchor */
    int gap_known;               /* gap_pos is where the server started dropping  */
    int64_t gap_pos;
    int64_t next_anchor_ns;
    int64_t lost_frames;         /* audio lost at the server so far (frames)      */
    int want_timing;             /* ask the server for a timing report now        */
    int64_t clock_from_ns;       /* READY (or the last restart_clock): the first packet
                                    waits up to PULSE_FIRST_REPORT_WAIT_NS for a report */
};

/* How long the first packet of a record stream waits for the server's first timing
 * report, so that even it is stamped on the server's clock. */
#define PULSE_FIRST_REPORT_WAIT_NS 200000000LL

/* Prepares r for the format of s (nothing on the server yet). */
void pulse_record_init(pulse_record *r, pulse_conn *c, const pac_stream *s);
/* Lock held. Creates the pa_stream and connects it to `source` (NULL: the server's
 * default source — never used by the shim: it would substitute), with
 * PA_STREAM_DONT_MOVE always (the server never moves it: its device going away
 * fails it), buffer_ms bounding the server queue; monitor_sink_input
 * (PA_INVALID_INDEX: none) set with pa_stream_set_monitor_stream first; corked
 * when `corked`. Asynchronous: READY or failed arrives through on_state. */
int32_t pulse_record_start(pulse_record *r, const char *source, uint32_t monitor_sink_input, int32_t buffer_ms,
                           const char *stream_name, int corked);
/* Lock held: iterates until r is READY, fails (its error) or deadline_ns. */
int32_t pulse_record_wait_ready(pulse_record *r, int64_t deadline_ns);
/* Lock held: copies one whole packet into dst if one is readable. 1 when copied,
 * with info filled (position relative to this record's start; flags SILENT and
 * DISCONTINUITY as detected), 0 when not enough data yet, or a negative status. */
int32_t pulse_record_read_packet(pulse_record *r, uint8_t *dst, pac_packet_info *info);
/* Lock held, after each iteration: asks for a timing report when one is wanted. */
void pulse_record_after_iterate(pulse_record *r);
/* Lock held: the latency now (see pac_stream_stats); 0 when unknown. */
int pulse_record_latency(pulse_record *r, int64_t *latency_ns);
/* Lock held: corks / uncorks on the server (no completion wait). */
void pulse_record_cork(pulse_record *r, int corked);
/* Lock held: drops what the client queue holds now and forgets the clock (after a
 * resume: the next packet is audio captured after it, newly anchored). */
void pulse_record_restart_clock(pulse_record *r);
/* Lock held: returns a held fragment (call before the connection dies: see
 * pulse_record.c). */
void pulse_record_release_fragment(pulse_record *r);
/* Lock held: disconnects and frees the pa_stream; r can be started again. */
void pulse_record_stop(pulse_record *r);

/* pa error -> PAC_E_* for a stream that the server refused. */
int32_t pulse_map_stream_error(int err);
pa_sample_format_t pulse_format(int32_t pac_format);
/* PAC_FORMAT_* of a pa format, 0 if none of ours. */
uint32_t pulse_pac_format(pa_sample_format_t f);
/* Nanoseconds of `bytes` at the record's format. */
int64_t pulse_bytes_ns(const pulse_record *r, int64_t bytes);

/* ---- pulse_context.c: the context --------------------------------------------- */

typedef struct pulse_context {
    pac_context base;
    pulse_conn conn;
    char server[512];            /* "" = libpulse's default                        */
    char app_name[256];
    int32_t timeout_ms;
    /* the rest is private to pulse_context.c */
    struct pulse_context_state *state;
} pulse_context;

/* ---- pulse_stream.c / pulse_app.c: the stream kinds ---------------------------- */

/* DEFAULT_INPUT, DEFAULT_OUTPUT, DEVICE: a stream with its own connection. */
int32_t pulse_device_stream_open(pulse_context *ctx, const pac_stream_params *p, pac_stream **out);
/* APPLICATION_PID, APPLICATION_NAME. */
int32_t pulse_app_stream_open(pulse_context *ctx, const pac_stream_params *p, pac_stream **out);

#endif
