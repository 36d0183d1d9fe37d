//===----------------------------------------------------------------------===//
// swift-asyncio — CLinuxSys: thin wrappers for what Swift cannot call directly.
//===----------------------------------------------------------------------===//
#include "CLinuxSys.h"
#include <errno.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int CLinuxSys_epoll_wait_ns(int epfd, struct epoll_event *events, int maxevents, long long timeoutNanoseconds) {
    if (timeoutNanoseconds < 0) {
        return epoll_pwait2(epfd, events, maxevents, NULL, NULL);
    }
    struct timespec ts = {
        .tv_sec = (time_t)(timeoutNanoseconds / 1000000000LL),
        .tv_nsec = (long)(timeoutNanoseconds % 1000000000LL),
    };
    return epoll_pwait2(epfd, events, maxevents, &ts, NULL);
}

int CLinuxSys_accept4(int fd, int flags) { return accept4(fd, NULL, NULL, flags); }
