/* TEMPORARY — delete at the ABI 3 merge.
 *
 * The declarations of /work/spec/seam.md (shim ABI 3 and the internal backend table)
 * that wasapi.c and the Windows harness need, copied from the spec while the pulse/tone
 * side adds them to pac_shim.h and internal.h in another tree. Once those headers have
 * them (PAC_ABI_VERSION >= 3), this file only includes internal.h, so wasapi.c compiles
 * unchanged before and after the merge; wasapi.c and test/wine_test.c include it only
 * through __has_include, so deleting it is the whole merge step.
 *
 * The one trick: ABI 2's pac_stream_ops has no `pause`. To declare ABI 3's table
 * (read, stats, interrupt, pause, close) under its real name, the ABI 2 one is renamed
 * while internal.h is read. PAC_STREAM_OPS_ARG converts an ABI 3 table for ABI 2's
 * pac_stream_init; after the merge it is the identity (see wasapi.c). Before the merge,
 * common.c's exported pac_stream_close would call the wrong slot of a wasapi stream:
 * nothing reaches it, since ABI 2 exports no way to open one.
 */
#ifndef PAC_SEAM_V3_H
#define PAC_SEAM_V3_H

#include "pac_shim.h"

#if PAC_ABI_VERSION >= 3
#include "internal.h"
#else

#define PAC_SEAM_V3_TEMPORARY 1

#define pac_stream_ops pac_stream_ops_abi2
#include "internal.h"
#undef pac_stream_ops

#define PAC_STREAM_OPS_ARG(t) ((const pac_stream_ops_abi2 *)(const void *)(t))

typedef struct pac_stream_ops {
    int32_t (*read)(pac_stream *s, uint8_t *dst, int64_t capacity,
                    int32_t timeout_ms, pac_packet_info *info);
    int32_t (*stats)(pac_stream *s, pac_stream_stats *stats);  /* any thread */
    int32_t (*interrupt)(pac_stream *s);
    int32_t (*pause)(pac_stream *s, int32_t paused);           /* any thread */
    void    (*close)(pac_stream *s);
} pac_stream_ops;

/* ---- from the spec's pac_shim.h section ---------------------------------- */

#define PAC_FLAG_ROUTE_CHANGED  4u

#define PAC_DIRECTION_INPUT   1
#define PAC_DIRECTION_OUTPUT  2

#define PAC_DEVICE_FLAG_DEFAULT  1u

#define PAC_TARGET_DEFAULT_INPUT     1
#define PAC_TARGET_DEFAULT_OUTPUT    2
#define PAC_TARGET_DEVICE            3
#define PAC_TARGET_APPLICATION_PID   4
#define PAC_TARGET_APPLICATION_NAME  5

#define PAC_EVENT_DEVICE_ADDED           1
#define PAC_EVENT_DEVICE_REMOVED         2
#define PAC_EVENT_DEFAULT_CHANGED        3
#define PAC_EVENT_APPLICATION_STARTED    4
#define PAC_EVENT_APPLICATION_ENDED      5

typedef struct pac_context pac_context;

typedef struct pac_context_params {
    const char *app_name;
    const char *options;
    int32_t timeout_ms;
    int32_t reserved;
} pac_context_params;

#define PAC_EVENT_ID_CAPACITY 512
typedef struct pac_event {
    int32_t  type;
    int32_t  direction;
    uint32_t pid;
    uint32_t reserved;
    uint8_t  id[PAC_EVENT_ID_CAPACITY];
    uint8_t  binary[256];
} pac_event;

typedef struct pac_stream_params {
    int32_t  target;
    int32_t  format;
    int32_t  rate;
    int32_t  channels;
    int32_t  packet_frames;
    int32_t  buffer_ms;
    uint32_t pid;
    int32_t  reserved;
    const char *device_id;
    const char *application;
    const char *stream_name;
} pac_stream_params;

/* ---- from the spec's internal.h section ---------------------------------- */

struct pac_context {
    const struct pac_backend_ops *ops;
};

typedef struct pac_list_writer { uint8_t *buf; int64_t cap; int64_t used; int32_t count; } pac_list_writer;

typedef struct pac_backend_ops {
    const char *name;
    int32_t (*context_open)(const pac_context_params *params, pac_context **out);
    void    (*context_close)(pac_context *ctx);
    int32_t (*devices)(pac_context *ctx, pac_list_writer *w);
    int32_t (*applications)(pac_context *ctx, pac_list_writer *w);
    int32_t (*next_event)(pac_context *ctx, pac_event *ev, int32_t timeout_ms);
    int32_t (*context_interrupt)(pac_context *ctx);
    int32_t (*stream_open)(pac_context *ctx, const pac_stream_params *p, pac_stream **out);
} pac_backend_ops;

/* common.c will define these two; until then seam_v3.c (also temporary) does. */
void pac_list_u32(pac_list_writer *w, uint32_t v);
void pac_list_str(pac_list_writer *w, const char *s);

#ifdef _WIN32
extern const pac_backend_ops pac_wasapi_backend;
#endif

#endif /* PAC_ABI_VERSION < 3 */
#endif /* PAC_SEAM_V3_H */
