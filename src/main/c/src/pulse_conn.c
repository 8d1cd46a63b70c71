/* One connection to the server: a plain pa_mainloop + pa_context, iterated by the
 * thread that waits for something on it (see pulse_internal.h for the locking). */
#include "pulse_internal.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>

static void on_context_state(pa_context *ctx, void *userdata) {
    pulse_conn *c = userdata;
    c->state = pa.pa_context_get_state(ctx);
    if (c->on_state != NULL) c->on_state(c, c->state_userdata);
}

int pulse_conn_dead(const pulse_conn *c) {
    return c->state == PA_CONTEXT_FAILED || c->state == PA_CONTEXT_TERMINATED;
}

const char *pulse_conn_error(const pulse_conn *c) {
    return c->ctx != NULL ? pa.pa_strerror(pa.pa_context_errno(c->ctx)) : "no connection";
}

/* The loop's poll: the only place the iterating thread lets go of the lock. */
static int poll_without_lock(struct pollfd *fds, unsigned long nfds, int timeout_ms, void *userdata) {
    pulse_conn *c = userdata;
    pthread_mutex_unlock(&c->lock);
    int r = poll(fds, (nfds_t)nfds, timeout_ms);
    int saved = errno;
    pthread_mutex_lock(&c->lock);
    errno = saved;
    return r;
}

int32_t pulse_conn_iterate(pulse_conn *c, int64_t deadline_ns) {
    int64_t remaining_us = (deadline_ns - pac_now_ns()) / 1000;
    if (remaining_us < 0) remaining_us = 0;
    if (remaining_us > INT_MAX) remaining_us = INT_MAX;
    c->iterating = 1;
    int failed = pa.pa_mainloop_prepare(c->ml, (int)remaining_us) < 0 || pa.pa_mainloop_poll(c->ml) < 0 ||
                 pa.pa_mainloop_dispatch(c->ml) < 0;
    c->iterating = 0;
    pthread_cond_broadcast(&c->progress);
    if (failed) return pac_fail(PAC_E_INTERNAL, "the libpulse main loop failed");
    return PAC_OK;
}

int32_t pulse_conn_wait(pulse_conn *c, int64_t deadline_ns) {
    if (!c->iterating) return pulse_conn_iterate(c, deadline_ns);
    /* another thread is in poll: it dispatches what arrives and tells us */
    pa.pa_mainloop_wakeup(c->ml);
    struct timespec until = pac_timespec(deadline_ns);
    pthread_cond_timedwait(&c->progress, &c->lock, &until);
    return PAC_OK;
}

int32_t pulse_conn_wait_op(pulse_conn *c, pa_operation *op, const int *done, int64_t deadline_ns) {
    if (op == NULL) return pac_fail(PAC_E_DISCONNECTED, "the operation could not be started: %s", pulse_conn_error(c));
    int32_t status = PAC_OK;
    while (!*done) {
        if (pulse_conn_dead(c)) {
            status = pac_fail(PAC_E_DISCONNECTED, "the PulseAudio server closed the connection");
            break;
        }
        if (pac_now_ns() >= deadline_ns) {
            status = pac_fail(PAC_E_BACKEND_UNAVAILABLE, "the PulseAudio server did not answer in time");
            break;
        }
        status = pulse_conn_wait(c, deadline_ns);
        if (status != PAC_OK) break;
    }
    if (!*done) pa.pa_operation_cancel(op);
    pa.pa_operation_unref(op);
    return status;
}

int32_t pulse_conn_init(pulse_conn *c, const char *app_name) {
    memset(c, 0, sizeof *c);
    c->state = PA_CONTEXT_UNCONNECTED;
    pthread_mutex_init(&c->lock, NULL);
    pac_cond_init(&c->progress);
    c->initialized = 1;
    c->ml = pa.pa_mainloop_new();
    if (c->ml == NULL) return pac_fail(PAC_E_NO_MEMORY, "pa_mainloop_new failed");
    pa.pa_mainloop_set_poll_func(c->ml, poll_without_lock, c);
    c->ctx = pa.pa_context_new(pa.pa_mainloop_get_api(c->ml), app_name ? app_name : "panama-audio-capture");
    if (c->ctx == NULL) return pac_fail(PAC_E_NO_MEMORY, "pa_context_new failed");
    pa.pa_context_set_state_callback(c->ctx, on_context_state, c);
    return PAC_OK;
}

int32_t pulse_conn_connect(pulse_conn *c, const char *server, int64_t deadline_ns) {
    const char *s = (server && *server) ? server : NULL;
    if (pa.pa_context_connect(c->ctx, s, PA_CONTEXT_NOAUTOSPAWN, NULL) < 0)
        return pac_fail(PAC_E_BACKEND_UNAVAILABLE, "cannot connect to the PulseAudio server%s%s: %s",
                        s ? " " : "", s ? s : "", pulse_conn_error(c));
    while (c->state != PA_CONTEXT_READY) {
        if (pulse_conn_dead(c))
            return pac_fail(PAC_E_BACKEND_UNAVAILABLE, "cannot connect to the PulseAudio server%s%s: %s",
                            s ? " " : "", s ? s : "", pulse_conn_error(c));
        if (pac_now_ns() >= deadline_ns)
            return pac_fail(PAC_E_BACKEND_UNAVAILABLE, "the PulseAudio server%s%s did not answer in time",
                            s ? " " : "", s ? s : "");
        int32_t rc = pulse_conn_iterate(c, deadline_ns);
        if (rc != PAC_OK) return rc;
    }
    return PAC_OK;
}

void pulse_conn_release(pulse_conn *c) {
    if (c->ctx != NULL) {
        pa.pa_context_set_state_callback(c->ctx, NULL, NULL);
        pa.pa_context_set_subscribe_callback(c->ctx, NULL, NULL);
        pa.pa_context_disconnect(c->ctx);
        pa.pa_context_unref(c->ctx);
        c->ctx = NULL;
    }
    if (c->ml != NULL) {
        pa.pa_mainloop_free(c->ml);
        c->ml = NULL;
    }
    if (c->initialized) {
        pthread_cond_destroy(&c->progress);
        pthread_mutex_destroy(&c->lock);
        c->initialized = 0;
    }
}
