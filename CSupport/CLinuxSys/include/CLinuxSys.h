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

#endif /* CLINUXSYS_H */
