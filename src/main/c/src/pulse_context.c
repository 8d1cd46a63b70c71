/* The pulse backend's row in the backend table: PulseAudio's asynchronous API,
 * which PipeWire's pulse server also speaks.
 *
 * The context is one connection (pulse_conn), held while the AudioCapture is open.
 * It subscribes to SINK | SOURCE | SINK_INPUT | SERVER at once and keeps what it
 * needs to turn the server's index-only notifications into events: the sinks, the
 * sources (monitors flagged: they are no devices of ours) and the sink-inputs
 * (playback streams: pid, application name, binary) by index, and the defaults.
 * A notification of something new asks the server for its info; the event is
 * queued when the answer arrives (answers come in request order, so a device's
 * DEVICE_ADDED precedes the DEFAULT_CHANGED that names it). SERVER|CHANGE asks the
 * server info again and queues DEFAULT_CHANGED per direction whose default
 * changed. An input default that is a monitor (PulseAudio picks one when no input
 * is left) is reported as none.
 *
 * Who drives the connection: whoever waits on it. The thread in
 * pac_context_next_event iterates it while it waits (so events are dispatched as
 * they arrive, well within 500 ms); a thread listing devices issues its requests
 * and either iterates itself or, when the event thread is already in poll, waits
 * for that thread's dispatch (pulse_conn_wait). No context-private thread: no
 * upcalls and no thread the caller did not give us. Without a waiting thread the
 * server's notifications stay in the socket until the next call (or the queue
 * bound) — nothing is lost there, they are only dispatched later.
 */
#include "pulse_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define EVENT_QUEUE_MAX 4096

typedef struct dev_entry {
    uint32_t index;
    int monitor;
    char name[256];
} dev_entry;

typedef struct input_entry {    /* a sink-input: one playback stream */
    uint32_t index;
    uint32_t pid;
    char name[256];
    char binary[256];
} input_entry;

typedef struct table {
    void *items;
    int count;
    int cap;
    size_t size;
} table;

struct pulse_context_state {
    int interrupted;             /* atomic */
    table sinks, sources, inputs;
    char default_sink[256];
    char default_input[256];     /* the default source if it is an input, else "" */
    int seeding;                 /* learning what exists at open: no events for it */
    pac_event *queue;            /* ring */
    int q_head, q_len, q_cap;
    long dropped;                /* events dropped at the bound, for the detail */
};

/* ---- small tables ------------------------------------------------------------- */

static void *table_at(table *t, int i) { return (char *)t->items + (size_t)i * t->size; }

static void *table_find(table *t, uint32_t index) {
    for (int i = 0; i < t->count; i++) {
        uint32_t *e = table_at(t, i);
        if (*e == index) return e;
    }
    return NULL;
}

static void *table_add(table *t) {
    if (t->count == t->cap) {
        int cap = t->cap ? 2 * t->cap : 16;
        void *items = realloc(t->items, (size_t)cap * t->size);
        if (items == NULL) return NULL;
        t->items = items;
        t->cap = cap;
    }
    void *e = table_at(t, t->count++);
    memset(e, 0, t->size);
    return e;
}

static void table_remove(table *t, void *e) {
    int i = (int)(((char *)e - (char *)t->items) / (ptrdiff_t)t->size);
    memmove(e, table_at(t, i + 1), (size_t)(t->count - i - 1) * t->size);
    t->count--;
}

static void table_free(table *t) {
    free(t->items);
    t->items = NULL;
    t->count = t->cap = 0;
}

/* ---- the event queue ------------------------------------------------------------ */

static pac_event *queue_push(struct pulse_context_state *st, int32_t type, int32_t direction) {
    if (st->q_len == st->q_cap && st->q_cap < EVENT_QUEUE_MAX) {
        int cap = st->q_cap ? 2 * st->q_cap : 16;
        pac_event *q = malloc((size_t)cap * sizeof *q);
        if (q != NULL) {
            for (int i = 0; i < st->q_len; i++) q[i] = st->queue[(st->q_head + i) % st->q_cap];
            free(st->queue);
            st->queue = q;
            st->q_cap = cap;
            st->q_head = 0;
        }
    }
    if (st->q_cap == 0) return NULL;
    if (st->q_len == st->q_cap) { /* at the bound: the oldest goes */
        st->q_head = (st->q_head + 1) % st->q_cap;
        st->q_len--;
        st->dropped++;
    }
    pac_event *e = &st->queue[(st->q_head + st->q_len++) % st->q_cap];
    memset(e, 0, sizeof *e);
    e->type = type;
    e->direction = direction;
    return e;
}

static void push_device(struct pulse_context_state *st, int32_t type, int32_t direction, const char *id) {
    pac_event *e = queue_push(st, type, direction);
    if (e != NULL) pac_copy_str((char *)e->id, sizeof e->id, id);
}

static void push_app(struct pulse_context_state *st, int32_t type, const input_entry *in) {
    pac_event *e = queue_push(st, type, 0);
    if (e == NULL) return;
    e->pid = in->pid;
    pac_copy_str((char *)e->id, sizeof e->id, in->name);
    pac_copy_str((char *)e->binary, sizeof e->binary, in->binary);
}

/* ---- sink-input properties --------------------------------------------------------- */

static uint32_t prop_pid(const pa_proplist *p) {
    const char *s = p ? pa.pa_proplist_gets(p, PA_PROP_APPLICATION_PROCESS_ID) : NULL;
    if (s == NULL || *s == 0) return 0;
    char *end = NULL;
    unsigned long v = strtoul(s, &end, 10);
    return (end != NULL && *end == 0 && v <= UINT32_MAX) ? (uint32_t)v : 0;
}

static const char *prop(const pa_proplist *p, const char *key) {
    const char *s = p ? pa.pa_proplist_gets(p, key) : NULL;
    return s != NULL ? s : "";
}

/* The application of a sink-input: its name, else its binary, else the stream's. */
static void input_identity(const pa_sink_input_info *i, input_entry *e) {
    e->index = i->index;
    e->pid = prop_pid(i->proplist);
    const char *name = prop(i->proplist, PA_PROP_APPLICATION_NAME);
    const char *binary = prop(i->proplist, PA_PROP_APPLICATION_PROCESS_BINARY);
    pac_copy_str(e->name, sizeof e->name, *name ? name : *binary ? binary : (i->name ? i->name : ""));
    pac_copy_str(e->binary, sizeof e->binary, binary);
}

/* Same application: the same pid, or without one the same name. */
static int same_app(const input_entry *a, const input_entry *b) {
    if (a->pid != 0 || b->pid != 0) return a->pid == b->pid;
    return strcmp(a->name, b->name) == 0;
}

static int app_streams(table *inputs, const input_entry *key) {
    int n = 0;
    for (int i = 0; i < inputs->count; i++)
        if (same_app(table_at(inputs, i), key)) n++;
    return n;
}

/* ---- the context's callbacks (dispatch, lock held) ------------------------------------ */

static void add_sink(struct pulse_context_state *st, const pa_sink_info *i, int announce) {
    if (i == NULL || i->name == NULL || table_find(&st->sinks, i->index) != NULL) return;
    dev_entry *e = table_add(&st->sinks);
    if (e == NULL) return;
    e->index = i->index;
    pac_copy_str(e->name, sizeof e->name, i->name);
    if (announce) push_device(st, PAC_EVENT_DEVICE_ADDED, PAC_DIRECTION_OUTPUT, e->name);
}

static void add_source(struct pulse_context_state *st, const pa_source_info *i, int announce) {
    if (i == NULL || i->name == NULL || table_find(&st->sources, i->index) != NULL) return;
    dev_entry *e = table_add(&st->sources);
    if (e == NULL) return;
    e->index = i->index;
    e->monitor = i->monitor_of_sink != PA_INVALID_INDEX;
    pac_copy_str(e->name, sizeof e->name, i->name);
    if (announce && !e->monitor) push_device(st, PAC_EVENT_DEVICE_ADDED, PAC_DIRECTION_INPUT, e->name);
}

static void add_input(struct pulse_context_state *st, const pa_sink_input_info *i, int announce) {
    if (i == NULL || table_find(&st->inputs, i->index) != NULL) return;
    input_entry id;
    input_identity(i, &id);
    int first = app_streams(&st->inputs, &id) == 0;
    input_entry *e = table_add(&st->inputs);
    if (e == NULL) return;
    *e = id;
    if (announce && first) push_app(st, PAC_EVENT_APPLICATION_STARTED, e);
}

/* The default input as we report it: the default source unless it is a monitor. */
static void input_default(struct pulse_context_state *st, const char *source, char *out, size_t cap) {
    for (int i = 0; source != NULL && i < st->sources.count; i++) {
        dev_entry *e = table_at(&st->sources, i);
        if (strcmp(e->name, source) == 0) {
            pac_copy_str(out, cap, e->monitor ? "" : source);
            return;
        }
    }
    pac_copy_str(out, cap, source);
}

static void apply_default(struct pulse_context_state *st, int32_t direction, const char *name) {
    char *now = direction == PAC_DIRECTION_OUTPUT ? st->default_sink : st->default_input;
    if (strcmp(name, now) == 0) return;
    pac_copy_str(now, sizeof st->default_sink, name);
    if (!st->seeding) push_device(st, PAC_EVENT_DEFAULT_CHANGED, direction, now);
}

/* pipewire-pulse names the default "@DEFAULT_SINK@" / "@DEFAULT_SOURCE@" when none
 * was chosen (its dummy sink plays then): ask what that is. Real names never
 * start with '@'. */
static int special_name(const char *name) { return name != NULL && name[0] == '@'; }

static void on_default_sink_lookup(pa_context *c, const pa_sink_info *i, int eol, void *userdata) {
    PAC_UNUSED(c);
    struct pulse_context_state *st = ((pulse_context *)userdata)->state;
    if (i != NULL) apply_default(st, PAC_DIRECTION_OUTPUT, i->name ? i->name : "");
    else if (eol < 0) apply_default(st, PAC_DIRECTION_OUTPUT, "");
}

static void on_default_source_lookup(pa_context *c, const pa_source_info *i, int eol, void *userdata) {
    PAC_UNUSED(c);
    struct pulse_context_state *st = ((pulse_context *)userdata)->state;
    if (i != NULL)
        apply_default(st, PAC_DIRECTION_INPUT, i->monitor_of_sink != PA_INVALID_INDEX || !i->name ? "" : i->name);
    else if (eol < 0)
        apply_default(st, PAC_DIRECTION_INPUT, "");
}

static void forget(pa_operation *op) {
    if (op != NULL) pa.pa_operation_unref(op);
}

static void update_defaults(pulse_context *pc, pa_context *c, const pa_server_info *i) {
    struct pulse_context_state *st = pc->state;
    if (i == NULL) return;
    if (special_name(i->default_sink_name))
        forget(pa.pa_context_get_sink_info_by_name(c, i->default_sink_name, on_default_sink_lookup, pc));
    else
        apply_default(st, PAC_DIRECTION_OUTPUT, i->default_sink_name ? i->default_sink_name : "");
    if (special_name(i->default_source_name)) {
        forget(pa.pa_context_get_source_info_by_name(c, i->default_source_name, on_default_source_lookup, pc));
    } else {
        char input[256];
        input_default(st, i->default_source_name, input, sizeof input);
        apply_default(st, PAC_DIRECTION_INPUT, input);
    }
}

static void on_new_sink(pa_context *c, const pa_sink_info *i, int eol, void *userdata) {
    PAC_UNUSED(c);
    PAC_UNUSED(eol);
    add_sink(((pulse_context *)userdata)->state, i, 1);
}

static void on_new_source(pa_context *c, const pa_source_info *i, int eol, void *userdata) {
    PAC_UNUSED(c);
    PAC_UNUSED(eol);
    add_source(((pulse_context *)userdata)->state, i, 1);
}

static void on_new_input(pa_context *c, const pa_sink_input_info *i, int eol, void *userdata) {
    PAC_UNUSED(c);
    PAC_UNUSED(eol);
    add_input(((pulse_context *)userdata)->state, i, 1);
}

static void on_server_change(pa_context *c, const pa_server_info *i, void *userdata) {
    update_defaults(userdata, c, i);
}

static void on_subscription(pa_context *c, pa_subscription_event_type_t t, uint32_t index, void *userdata) {
    pulse_context *pc = userdata;
    struct pulse_context_state *st = pc->state;
    unsigned facility = t & PA_SUBSCRIPTION_EVENT_FACILITY_MASK;
    unsigned type = t & PA_SUBSCRIPTION_EVENT_TYPE_MASK;
    switch (facility) {
    case PA_SUBSCRIPTION_EVENT_SINK:
        if (type == PA_SUBSCRIPTION_EVENT_NEW) {
            forget(pa.pa_context_get_sink_info_by_index(c, index, on_new_sink, pc));
        } else if (type == PA_SUBSCRIPTION_EVENT_REMOVE) {
            dev_entry *e = table_find(&st->sinks, index);
            if (e != NULL) {
                push_device(st, PAC_EVENT_DEVICE_REMOVED, PAC_DIRECTION_OUTPUT, e->name);
                table_remove(&st->sinks, e);
            }
        }
        break;
    case PA_SUBSCRIPTION_EVENT_SOURCE:
        if (type == PA_SUBSCRIPTION_EVENT_NEW) {
            forget(pa.pa_context_get_source_info_by_index(c, index, on_new_source, pc));
        } else if (type == PA_SUBSCRIPTION_EVENT_REMOVE) {
            dev_entry *e = table_find(&st->sources, index);
            if (e != NULL) {
                if (!e->monitor) push_device(st, PAC_EVENT_DEVICE_REMOVED, PAC_DIRECTION_INPUT, e->name);
                table_remove(&st->sources, e);
            }
        }
        break;
    case PA_SUBSCRIPTION_EVENT_SINK_INPUT:
        if (type == PA_SUBSCRIPTION_EVENT_NEW) {
            forget(pa.pa_context_get_sink_input_info(c, index, on_new_input, pc));
        } else if (type == PA_SUBSCRIPTION_EVENT_REMOVE) {
            input_entry *e = table_find(&st->inputs, index);
            if (e != NULL) {
                input_entry gone = *e;
                table_remove(&st->inputs, e);
                if (app_streams(&st->inputs, &gone) == 0) push_app(st, PAC_EVENT_APPLICATION_ENDED, &gone);
            }
        }
        break;
    case PA_SUBSCRIPTION_EVENT_SERVER:
        forget(pa.pa_context_get_server_info(c, on_server_change, pc));
        break;
    default:
        break;
    }
}

/* ---- context open / close ---------------------------------------------------------------- */

struct seed {
    pulse_context *pc;
    int done;
    int ok;
};

static void on_seed_ok(pa_context *c, int success, void *userdata) {
    PAC_UNUSED(c);
    struct seed *s = userdata;
    s->ok = success;
    s->done = 1;
}

static void on_seed_server(pa_context *c, const pa_server_info *i, void *userdata) {
    struct seed *s = userdata;
    update_defaults(s->pc, c, i);
    s->ok = i != NULL;
    s->done = 1;
}

static void on_seed_sink(pa_context *c, const pa_sink_info *i, int eol, void *userdata) {
    PAC_UNUSED(c);
    struct seed *s = userdata;
    add_sink(s->pc->state, i, 0);
    if (eol != 0) { s->ok = eol > 0; s->done = 1; }
}

static void on_seed_source(pa_context *c, const pa_source_info *i, int eol, void *userdata) {
    PAC_UNUSED(c);
    struct seed *s = userdata;
    add_source(s->pc->state, i, 0);
    if (eol != 0) { s->ok = eol > 0; s->done = 1; }
}

static void on_seed_input(pa_context *c, const pa_sink_input_info *i, int eol, void *userdata) {
    PAC_UNUSED(c);
    struct seed *s = userdata;
    add_input(s->pc->state, i, 0);
    if (eol != 0) { s->ok = eol > 0; s->done = 1; }
}

static void on_seed_sync(pa_context *c, const pa_server_info *i, void *userdata) {
    PAC_UNUSED(c);
    PAC_UNUSED(i);
    struct seed *s = userdata;
    s->ok = 1;
    s->done = 1;
}

/* Subscribes, then learns what exists now (no events for it). Lock held. */
static int32_t seed(pulse_context *pc, int64_t deadline) {
    pulse_conn *c = &pc->conn;
    pa.pa_context_set_subscribe_callback(c->ctx, on_subscription, pc);
    struct seed s = { pc, 0, 0 };
    int32_t rc = pulse_conn_wait_op(c, pa.pa_context_subscribe(c->ctx, PA_SUBSCRIPTION_MASK_SINK |
                                    PA_SUBSCRIPTION_MASK_SOURCE | PA_SUBSCRIPTION_MASK_SINK_INPUT |
                                    PA_SUBSCRIPTION_MASK_SERVER, on_seed_ok, &s), &s.done, deadline);
    if (rc == PAC_OK && !s.ok) rc = pac_fail(PAC_E_INTERNAL, "the server refused the subscription");
    /* sources before the server info: the input default needs to know monitors */
    s = (struct seed){ pc, 0, 0 };
    if (rc == PAC_OK)
        rc = pulse_conn_wait_op(c, pa.pa_context_get_sink_info_list(c->ctx, on_seed_sink, &s), &s.done, deadline);
    s = (struct seed){ pc, 0, 0 };
    if (rc == PAC_OK)
        rc = pulse_conn_wait_op(c, pa.pa_context_get_source_info_list(c->ctx, on_seed_source, &s), &s.done,
                                deadline);
    s = (struct seed){ pc, 0, 0 };
    if (rc == PAC_OK)
        rc = pulse_conn_wait_op(c, pa.pa_context_get_sink_input_info_list(c->ctx, on_seed_input, &s), &s.done,
                                deadline);
    pc->state->seeding = 1; /* what exists now is no event */
    s = (struct seed){ pc, 0, 0 };
    if (rc == PAC_OK)
        rc = pulse_conn_wait_op(c, pa.pa_context_get_server_info(c->ctx, on_seed_server, &s), &s.done, deadline);
    /* answers come in order: once this one is here, the lookups of special default
     * names that on_seed_server asked for are done too */
    s = (struct seed){ pc, 0, 0 };
    if (rc == PAC_OK)
        rc = pulse_conn_wait_op(c, pa.pa_context_get_server_info(c->ctx, on_seed_sync, &s), &s.done, deadline);
    pc->state->seeding = 0;
    return rc;
}

static void pulse_context_close(pac_context *ctx) {
    pulse_context *pc = (pulse_context *)ctx;
    pulse_conn_release(&pc->conn); /* cancels pending operations: no callback after this */
    if (pc->state != NULL) {
        table_free(&pc->state->sinks);
        table_free(&pc->state->sources);
        table_free(&pc->state->inputs);
        free(pc->state->queue);
        free(pc->state);
    }
    free(pc);
}

static int32_t pulse_context_open(const pac_context_params *params, pac_context **out) {
    static const char *const known[] = { "server", NULL };
    int32_t rc = pac_options_check(params->options, "pulse", known);
    if (rc != PAC_OK) return rc;
    rc = pulse_load();
    if (rc != PAC_OK) return rc;
    pulse_context *pc = calloc(1, sizeof *pc);
    if (pc == NULL) return pac_fail(PAC_E_NO_MEMORY, "calloc of the pulse context failed");
    pc->state = calloc(1, sizeof *pc->state);
    if (pc->state == NULL) { free(pc); return pac_fail(PAC_E_NO_MEMORY, "calloc of the pulse context failed"); }
    pc->state->sinks.size = sizeof(dev_entry);
    pc->state->sources.size = sizeof(dev_entry);
    pc->state->inputs.size = sizeof(input_entry);
    pac_options_get(params->options, "server", pc->server, sizeof pc->server);
    pac_copy_str(pc->app_name, sizeof pc->app_name, params->app_name ? params->app_name : "panama-audio-capture");
    pc->timeout_ms = params->timeout_ms;
    int64_t deadline = pac_deadline_after(pc->timeout_ms);
    rc = pulse_conn_init(&pc->conn, pc->app_name);
    if (rc == PAC_OK) {
        pthread_mutex_lock(&pc->conn.lock);
        rc = pulse_conn_connect(&pc->conn, pc->server, deadline);
        if (rc == PAC_OK) rc = seed(pc, deadline);
        pthread_mutex_unlock(&pc->conn.lock);
    }
    if (rc != PAC_OK) {
        pulse_context_close(&pc->base);
        return rc;
    }
    *out = &pc->base;
    return PAC_OK;
}

/* ---- listing -------------------------------------------------------------------------------- */

struct listing {
    int done;
    int failed;
    pac_list_writer *w;
    char default_sink[256];
    char default_source[256];
    /* applications: the sinks' names by index */
    table sinks;
};

static void on_list_server(pa_context *c, const pa_server_info *i, void *userdata) {
    PAC_UNUSED(c);
    struct listing *l = userdata;
    if (i != NULL) {
        pac_copy_str(l->default_sink, sizeof l->default_sink, i->default_sink_name);
        pac_copy_str(l->default_source, sizeof l->default_source, i->default_source_name);
    } else {
        l->failed = 1;
    }
    l->done = 1;
}

struct name_lookup {
    int done;
    char name[256];
};

static void on_sink_name(pa_context *c, const pa_sink_info *i, int eol, void *userdata) {
    PAC_UNUSED(c);
    struct name_lookup *n = userdata;
    if (i != NULL) pac_copy_str(n->name, sizeof n->name, i->name);
    if (eol != 0) n->done = 1;
}

static void on_source_name(pa_context *c, const pa_source_info *i, int eol, void *userdata) {
    PAC_UNUSED(c);
    struct name_lookup *n = userdata;
    if (i != NULL) pac_copy_str(n->name, sizeof n->name, i->name);
    if (eol != 0) n->done = 1;
}

static void put_device(pac_list_writer *w, uint32_t direction, int is_default, const pa_sample_spec *ss,
                       const char *name, const char *description) {
    pac_list_u32(w, direction);
    pac_list_u32(w, is_default ? PAC_DEVICE_FLAG_DEFAULT : 0);
    pac_list_u32(w, pulse_pac_format(ss->format));
    pac_list_u32(w, ss->rate);
    pac_list_u32(w, ss->channels);
    pac_list_str(w, name);
    pac_list_str(w, description);
    w->count++;
}

static void on_list_sink(pa_context *c, const pa_sink_info *i, int eol, void *userdata) {
    PAC_UNUSED(c);
    struct listing *l = userdata;
    if (i != NULL && i->name != NULL)
        put_device(l->w, PAC_DIRECTION_OUTPUT, strcmp(i->name, l->default_sink) == 0, &i->sample_spec, i->name,
                   i->description);
    if (eol < 0) l->failed = 1;
    if (eol != 0) l->done = 1;
}

static void on_list_source(pa_context *c, const pa_source_info *i, int eol, void *userdata) {
    PAC_UNUSED(c);
    struct listing *l = userdata;
    /* monitors are the OUTPUTs' loopbacks, listed as those OUTPUTs */
    if (i != NULL && i->name != NULL && i->monitor_of_sink == PA_INVALID_INDEX)
        put_device(l->w, PAC_DIRECTION_INPUT, strcmp(i->name, l->default_source) == 0, &i->sample_spec, i->name,
                   i->description);
    if (eol < 0) l->failed = 1;
    if (eol != 0) l->done = 1;
}

static int32_t pulse_devices(pac_context *ctx, pac_list_writer *w) {
    pulse_context *pc = (pulse_context *)ctx;
    pulse_conn *c = &pc->conn;
    int64_t deadline = pac_deadline_after(pc->timeout_ms);
    struct listing l;
    memset(&l, 0, sizeof l);
    l.w = w;
    pthread_mutex_lock(&c->lock);
    int32_t rc = pulse_conn_wait_op(c, pa.pa_context_get_server_info(c->ctx, on_list_server, &l), &l.done, deadline);
    if (rc == PAC_OK && special_name(l.default_sink)) {
        struct name_lookup n = { 0, "" };
        rc = pulse_conn_wait_op(c, pa.pa_context_get_sink_info_by_name(c->ctx, l.default_sink, on_sink_name, &n),
                                &n.done, deadline);
        memcpy(l.default_sink, n.name, sizeof l.default_sink);
    }
    if (rc == PAC_OK && special_name(l.default_source)) {
        struct name_lookup n = { 0, "" };
        rc = pulse_conn_wait_op(c, pa.pa_context_get_source_info_by_name(c->ctx, l.default_source, on_source_name,
                                &n), &n.done, deadline);
        memcpy(l.default_source, n.name, sizeof l.default_source);
    }
    if (rc == PAC_OK) {
        l.done = 0;
        rc = pulse_conn_wait_op(c, pa.pa_context_get_sink_info_list(c->ctx, on_list_sink, &l), &l.done, deadline);
    }
    if (rc == PAC_OK) {
        l.done = 0;
        rc = pulse_conn_wait_op(c, pa.pa_context_get_source_info_list(c->ctx, on_list_source, &l), &l.done,
                                deadline);
    }
    pthread_mutex_unlock(&c->lock);
    if (rc == PAC_OK && l.failed) rc = pac_fail(PAC_E_INTERNAL, "the server could not list its devices");
    return rc;
}

typedef struct stream_entry {
    uint32_t index;
    uint32_t pid;
    uint32_t sink;
    int written;
    char name[256];
    char binary[256];
    char title[256];
} stream_entry;

struct app_listing {
    int done;
    int failed;
    table sinks;     /* dev_entry */
    table streams;   /* stream_entry */
};

static void on_app_sink(pa_context *c, const pa_sink_info *i, int eol, void *userdata) {
    PAC_UNUSED(c);
    struct app_listing *l = userdata;
    if (i != NULL && i->name != NULL) {
        dev_entry *e = table_add(&l->sinks);
        if (e == NULL) l->failed = 1;
        else { e->index = i->index; pac_copy_str(e->name, sizeof e->name, i->name); }
    }
    if (eol < 0) l->failed = 1;
    if (eol != 0) l->done = 1;
}

static void on_app_input(pa_context *c, const pa_sink_input_info *i, int eol, void *userdata) {
    PAC_UNUSED(c);
    struct app_listing *l = userdata;
    if (i != NULL) {
        stream_entry *e = table_add(&l->streams);
        if (e == NULL) {
            l->failed = 1;
        } else {
            input_entry id;
            input_identity(i, &id);
            e->index = i->index;
            e->pid = id.pid;
            e->sink = i->sink;
            memcpy(e->name, id.name, sizeof e->name);
            memcpy(e->binary, id.binary, sizeof e->binary);
            const char *title = prop(i->proplist, PA_PROP_MEDIA_NAME);
            pac_copy_str(e->title, sizeof e->title, *title ? title : (i->name ? i->name : ""));
        }
    }
    if (eol < 0) l->failed = 1;
    if (eol != 0) l->done = 1;
}

static int same_stream_app(const stream_entry *a, const stream_entry *b) {
    if (a->pid != 0 || b->pid != 0) return a->pid == b->pid;
    return strcmp(a->name, b->name) == 0;
}

static int32_t pulse_applications(pac_context *ctx, pac_list_writer *w) {
    pulse_context *pc = (pulse_context *)ctx;
    pulse_conn *c = &pc->conn;
    int64_t deadline = pac_deadline_after(pc->timeout_ms);
    struct app_listing l;
    memset(&l, 0, sizeof l);
    l.sinks.size = sizeof(dev_entry);
    l.streams.size = sizeof(stream_entry);
    pthread_mutex_lock(&c->lock);
    int32_t rc = pulse_conn_wait_op(c, pa.pa_context_get_sink_info_list(c->ctx, on_app_sink, &l), &l.done, deadline);
    if (rc == PAC_OK) {
        l.done = 0;
        rc = pulse_conn_wait_op(c, pa.pa_context_get_sink_input_info_list(c->ctx, on_app_input, &l), &l.done,
                                deadline);
    }
    pthread_mutex_unlock(&c->lock);
    if (rc == PAC_OK && l.failed) rc = pac_fail(PAC_E_INTERNAL, "the server could not list its playback streams");
    if (rc == PAC_OK) {
        /* one record per application, in the order of its first stream */
        for (int a = 0; a < l.streams.count; a++) {
            stream_entry *first = table_at(&l.streams, a);
            if (first->written) continue;
            uint32_t n = 0;
            for (int b = a; b < l.streams.count; b++)
                if (same_stream_app(first, table_at(&l.streams, b))) n++;
            pac_list_u32(w, first->pid);
            pac_list_u32(w, n);
            pac_list_str(w, first->name);
            pac_list_str(w, first->binary);
            for (int b = a; b < l.streams.count; b++) {
                stream_entry *s = table_at(&l.streams, b);
                if (!same_stream_app(first, s)) continue;
                s->written = 1;
                dev_entry *sink = table_find(&l.sinks, s->sink);
                pac_list_u32(w, s->index);
                pac_list_str(w, s->title);
                pac_list_str(w, sink != NULL ? sink->name : "");
            }
            w->count++;
        }
    }
    table_free(&l.sinks);
    table_free(&l.streams);
    return rc;
}

/* ---- events ------------------------------------------------------------------------------------ */

static int32_t pulse_next_event(pac_context *ctx, pac_event *ev, int32_t timeout_ms) {
    pulse_context *pc = (pulse_context *)ctx;
    struct pulse_context_state *st = pc->state;
    pulse_conn *c = &pc->conn;
    int64_t deadline = pac_deadline_after(timeout_ms);
    int32_t rc;
    pthread_mutex_lock(&c->lock);
    for (int iterated = 0;; iterated = 1) {
        if (__atomic_load_n(&st->interrupted, __ATOMIC_ACQUIRE)) {
            rc = pac_fail(PAC_E_CLOSED, "the context was interrupted");
            break;
        }
        if (st->q_len > 0) {
            *ev = st->queue[st->q_head];
            st->q_head = (st->q_head + 1) % st->q_cap;
            st->q_len--;
            rc = PAC_OK;
            break;
        }
        if (pulse_conn_dead(c)) {
            rc = pac_fail(PAC_E_DISCONNECTED, "the connection to the PulseAudio server broke: %s", pulse_conn_error(c));
            break;
        }
        if (iterated && pac_now_ns() >= deadline) {
            rc = pac_fail(PAC_E_TIMEOUT, "no event within %d ms", timeout_ms);
            break;
        }
        rc = pulse_conn_wait(c, deadline);
        if (rc != PAC_OK) break;
    }
    pthread_mutex_unlock(&c->lock);
    return rc;
}

static int32_t pulse_context_interrupt(pac_context *ctx) {
    pulse_context *pc = (pulse_context *)ctx;
    __atomic_store_n(&pc->state->interrupted, 1, __ATOMIC_RELEASE);
    pa.pa_mainloop_wakeup(pc->conn.ml); /* an iterating waiter returns from poll */
    pthread_mutex_lock(&pc->conn.lock); /* a waiter on `progress` is woken under the lock: none missed */
    pthread_cond_broadcast(&pc->conn.progress);
    pthread_mutex_unlock(&pc->conn.lock);
    return PAC_OK;
}

/* ---- streams ------------------------------------------------------------------------------------ */

static int32_t pulse_stream_open(pac_context *ctx, const pac_stream_params *p, pac_stream **out) {
    pulse_context *pc = (pulse_context *)ctx;
    switch (p->target) {
    case PAC_TARGET_APPLICATION_PID:
        /* the server's processes are ours (a local socket): one that does not exist
         * is never going to play */
        if (p->pid > 0x7fffffffu || (kill((pid_t)p->pid, 0) != 0 && errno == ESRCH))
            return pac_fail(PAC_E_DEVICE_NOT_FOUND, "no process with id %u", p->pid);
        return pulse_app_stream_open(pc, p, out);
    case PAC_TARGET_APPLICATION_NAME:
        return pulse_app_stream_open(pc, p, out);
    default:
        return pulse_device_stream_open(pc, p, out);
    }
}

const pac_backend_ops pac_pulse_backend = {
    "pulse",
    pulse_context_open,
    pulse_context_close,
    pulse_devices,
    pulse_applications,
    pulse_next_event,
    pulse_context_interrupt,
    pulse_stream_open,
};
