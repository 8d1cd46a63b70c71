/* TEMPORARY — delete with seam_v3.h at the ABI 3 merge: common.c then defines these.
 * Same contract as the spec: a record writer that counts what does not fit, so the
 * caller can report the size needed. */
#if __has_include("seam_v3.h")
#include "seam_v3.h"
#endif

#if defined(PAC_SEAM_V3_TEMPORARY)
#include <string.h>

void pac_list_u32(pac_list_writer *w, uint32_t v) {
    if (w->buf != NULL && w->used + 4 <= w->cap) memcpy(w->buf + w->used, &v, 4);
    w->used += 4;
}

void pac_list_str(pac_list_writer *w, const char *s) {
    size_t n = s != NULL ? strlen(s) : 0;
    pac_list_u32(w, (uint32_t)n);
    if (w->buf != NULL && w->used + (int64_t)n <= w->cap && n > 0) memcpy(w->buf + w->used, s, n);
    w->used += (int64_t)n;
}
#else
typedef int pac_seam_v3_merged; /* ISO C wants a translation unit to declare something */
#endif
