/* Application streams of the pulse backend: PAC_TARGET_APPLICATION_PID and
 * _APPLICATION_NAME.
 *
 * To be built on pulse_internal.h: one pulse_record per sink-input of the
 * application (pulse_record_start with monitor_sink_input = its index, on the
 * monitor of the sink it plays to), on a connection of the stream's own
 * (pulse_conn) subscribed to SINK_INPUT events (new ones get a record, ended ones
 * go), mixed into the packet; SILENT packets on the real-time clock while none
 * plays. Until then: refused. */
#include "pulse_internal.h"

int32_t pulse_app_stream_open(pulse_context *ctx, const pac_stream_params *p, pac_stream **out) {
    PAC_UNUSED(ctx);
    PAC_UNUSED(out);
    if (p->target == PAC_TARGET_APPLICATION_PID)
        return pac_fail(PAC_E_FORMAT_UNSUPPORTED, "application capture: not yet (process %u)", p->pid);
    return pac_fail(PAC_E_FORMAT_UNSUPPORTED, "application capture: not yet ('%.300s')", p->application);
}
