// deny-io-uring: run a command with io_uring_setup(2) denied, the way Docker's
// default seccomp profile or the kernel.io_uring_disabled sysctl deny it, so the
// runtime's epoll fallback can be tested without root or containers.
//
//   deny-io-uring [--errno EPERM|ENOSYS] command [args...]
//
// A raw seccomp-BPF filter (no libseccomp): on x86_64 and aarch64 it makes
// io_uring_setup return the chosen errno; every other system call is allowed.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define DENY_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define DENY_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "deny-io-uring supports x86_64 and aarch64"
#endif

static int usage(void) {
    fprintf(stderr, "usage: deny-io-uring [--errno EPERM|ENOSYS] command [args...]\n");
    return 2;
}

int main(int argc, char **argv) {
    int deny = EPERM;
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--errno") == 0) {
        if (strcmp(argv[2], "EPERM") == 0) deny = EPERM;
        else if (strcmp(argv[2], "ENOSYS") == 0) deny = ENOSYS;
        else return usage();
        first = 3;
    }
    if (first >= argc) return usage();

    struct sock_filter filter[] = {
        // Kill on a foreign architecture: syscall numbers would not mean what we think.
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, DENY_AUDIT_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (deny & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog program = {.len = sizeof(filter) / sizeof(filter[0]), .filter = filter};

    // Without root, a filter may be installed only with no_new_privs set.
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        perror("deny-io-uring: prctl(PR_SET_NO_NEW_PRIVS)");
        return 1;
    }
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
        perror("deny-io-uring: prctl(PR_SET_SECCOMP)");
        return 1;
    }
    execvp(argv[first], &argv[first]);
    fprintf(stderr, "deny-io-uring: cannot run %s: %s\n", argv[first], strerror(errno));
    return 127;
}
