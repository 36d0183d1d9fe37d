//===----------------------------------------------------------------------===//
// swift-asyncio — CLinuxSys: Linux headers Swift's Glibc module leaves out.
//===----------------------------------------------------------------------===//
#ifndef CLINUXSYS_H
#define CLINUXSYS_H

#include <features.h>
// eventfd(2): the loop's cross-thread wake-up. Not in Swift's Glibc module.
#include <sys/eventfd.h>
// epoll(7): the fallback backend where io_uring is not permitted. Not in Swift's Glibc module.
#include <sys/epoll.h>
#include <time.h>

/// `epoll_pwait2` (Linux 5.11, glibc 2.35): epoll_wait with a nanosecond timeout.
/// A shim so Swift passes nanoseconds, not a `timespec` pointer (a negative
/// timeout waits forever).
int CLinuxSys_epoll_wait_ns(int epfd, struct epoll_event *_Nonnull events, int maxevents, long long timeoutNanoseconds);

/// `accept4(fd, NULL, NULL, flags)`. A shim because glibc declares accept4 only
/// under _GNU_SOURCE, which Swift's Glibc module is not built with.
int CLinuxSys_accept4(int fd, int flags);

/// Pins the calling thread to the `index`-th CPU of those it may run on
/// (wrapping around). A shim because `cpu_set_t`'s `CPU_*` macros do not import.
/// Returns 0, or the errno of `sched_getaffinity`/`pthread_setaffinity_np`;
/// `*chosenCPU` receives the CPU's number.
int CLinuxSys_pin_thread_to_allowed_cpu(int index, int *_Nonnull chosenCPU);

/// Names the calling thread (15 bytes at most), as `top -H` and `perf` show it.
/// A shim because glibc declares `pthread_setname_np` only under _GNU_SOURCE.
int CLinuxSys_set_thread_name(const char *_Nonnull name);

/// A thread's CPU affinity, saved to be restored (`cpu_set_t` does not import).
typedef struct { unsigned long bits[16]; } CLinuxSys_cpu_mask;

/// Saves the calling thread's affinity into `*mask`; returns 0 or an errno.
int CLinuxSys_get_thread_affinity(CLinuxSys_cpu_mask *_Nonnull mask);

/// Restores an affinity saved by `CLinuxSys_get_thread_affinity`; returns 0 or an errno.
int CLinuxSys_set_thread_affinity(const CLinuxSys_cpu_mask *_Nonnull mask);

/// The number of CPUs the calling thread may run on (`sched_getaffinity`), at least 1.
int CLinuxSys_allowed_cpu_count(void);

#endif /* CLINUXSYS_H */
