/* Forced include (-include) of every file of the Windows build (windows.mk), so the
 * shared files, written for POSIX, compile and behave the same under mingw-w64 without
 * Windows branches of their own.
 *
 * winpthreads (mingw-w64 10) accepts pthread_condattr_setclock(CLOCK_MONOTONIC) but
 * pthread_cond_timedwait still reads the deadline on CLOCK_REALTIME, so a monotonic
 * deadline (tone.c's paced wait, from pac_deadline/pac_now_ns) lies decades in the past
 * and every wait times out at once (measured under Wine: 30 paced reads, 30 timeouts,
 * 0 ms). Every condition variable of the shim waits on CLOCK_MONOTONIC, so here
 * pthread_cond_timedwait takes a CLOCK_MONOTONIC deadline and waits the time left. */
#ifndef PAC_WIN_COMPAT_H
#define PAC_WIN_COMPAT_H
#ifdef _WIN32
#include <pthread.h>
#include <stdint.h>
#include <time.h>

static inline int pac_win_cond_timedwait_monotonic(pthread_cond_t *cond, pthread_mutex_t *mutex,
                                                   const struct timespec *deadline) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t left = ((int64_t)deadline->tv_sec - (int64_t)now.tv_sec) * 1000000000LL +
                   ((int64_t)deadline->tv_nsec - (int64_t)now.tv_nsec);
    if (left < 0) left = 0;
    struct timespec rel = { (time_t)(left / 1000000000LL), (long)(left % 1000000000LL) };
    return pthread_cond_timedwait_relative_np(cond, mutex, &rel);
}
#define pthread_cond_timedwait pac_win_cond_timedwait_monotonic

#endif
#endif
