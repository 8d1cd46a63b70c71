/* libpulse.so.0, opened with dlopen on first use: every function the pulse backend
 * calls is resolved into one table (`pa`), so the shim loads where libpulse is
 * absent and answers PAC_E_BACKEND_UNAVAILABLE there. */
#include "pulse_internal.h"

#include <dlfcn.h>
#include <stdio.h>

pulse_functions pa;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_status = PAC_E_BACKEND_UNAVAILABLE;
static char load_detail[256];

static void load_libpulse(void) {
    void *h = dlopen("libpulse.so.0", RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        const char *e = dlerror();
        snprintf(load_detail, sizeof load_detail, "libpulse.so.0 not loadable: %s", e ? e : "?");
        return;
    }
#define PAC_RESOLVE(name) \
    pa.name = (__typeof__(name) *)dlsym(h, #name); \
    if (pa.name == NULL) { \
        snprintf(load_detail, sizeof load_detail, "libpulse.so.0 lacks %s", #name); \
        return; \
    }
    PAC_PULSE_FUNCTIONS(PAC_RESOLVE)
#undef PAC_RESOLVE
    load_status = PAC_OK; /* the handle stays open for the life of the process */
}

int32_t pulse_load(void) {
    pthread_once(&load_once, load_libpulse);
    if (load_status != PAC_OK) return pac_fail(load_status, "%s", load_detail);
    return PAC_OK;
}
