//===----------------------------------------------------------------------===//
// swift-asyncio — CLinuxSys: thin wrappers for what Swift cannot call directly.
//===----------------------------------------------------------------------===//
#include "CLinuxSys.h"
#include <errno.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <pthread.h>
#include <sched.h>

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

int CLinuxSys_allowed_cpu_count(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
    int count = CPU_COUNT(&set);
    return count > 0 ? count : 1;
}

int CLinuxSys_pin_thread_to_allowed_cpu(int index, int *chosenCPU) {
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return errno;
    int count = CPU_COUNT(&allowed);
    if (count <= 0) return EINVAL;
    int wanted = index % count, seen = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &allowed)) continue;
        if (seen++ != wanted) continue;
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        *chosenCPU = cpu;
        return pthread_setaffinity_np(pthread_self(), sizeof one, &one);
    }
    return EINVAL;
}

_Static_assert(sizeof(CLinuxSys_cpu_mask) == sizeof(cpu_set_t), "the mask mirrors cpu_set_t");

int CLinuxSys_get_thread_affinity(CLinuxSys_cpu_mask *mask) {
    return pthread_getaffinity_np(pthread_self(), sizeof(cpu_set_t), (cpu_set_t *)mask);
}

int CLinuxSys_set_thread_affinity(const CLinuxSys_cpu_mask *mask) {
    return pthread_setaffinity_np(pthread_self(), sizeof(cpu_set_t), (const cpu_set_t *)mask);
}

int CLinuxSys_set_thread_name(const char *name) {
    return pthread_setname_np(pthread_self(), name);
}
