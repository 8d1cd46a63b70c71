/* The one backend table. pac_context_open finds a backend here by name; the Java
 * side's "auto" tries them in this order. Adding a backend = one row here (and its
 * source files in the Makefile). */
#include "internal.h"

const pac_backend_ops *const pac_backends[] = {
#ifdef _WIN32
    &pac_wasapi_backend,
#else
    &pac_pulse_backend,
#endif
    &pac_tone_backend,
    NULL,
};
