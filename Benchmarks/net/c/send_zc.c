// send_zc: is IORING_OP_SEND_ZC worth using for large writes here? Sends
// bulk data over a loopback TCP connection through io_uring, with plain
// IORING_OP_SEND or with IORING_OP_SEND_ZC, and reports throughput and the
// sender's CPU time per GiB. The receiver is a thread on another CPU that
// drains the socket with recv(2).
//
// usage: send_zc [--size BYTES] [--seconds S] [--depth N] [--sender-cpu C] [--receiver-cpu C]
// Prints one JSON line per mode: {"mode":"send"|"send_zc","size":...,"gib_per_s":...,"cpu_s_per_gib":...}
//
// With SEND_ZC a buffer stays the kernel's until its notification CQE
// (IORING_CQE_F_NOTIF), so each of the N sends in flight has its own buffer
// and is resubmitted only after both its result and its notification came.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static size_t message_size = 64 * 1024;
static double seconds = 2.0;
static int depth = 4;
static int sender_cpu = 0, receiver_cpu = 1;
static volatile int receiving = 1;

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
}

static double now(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *drain(void *arg) {
    int fd = *(int *)arg;
    pin(receiver_cpu);
    size_t capacity = 1 << 20;
    char *buffer = malloc(capacity);
    while (receiving) {
        ssize_t n = recv(fd, buffer, capacity, 0);
        if (n <= 0) break;
    }
    free(buffer);
    return NULL;
}

// A connected pair over 127.0.0.1: *sender and *receiver.
static void connect_pair(int *sender, int *receiver) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof addr;
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) || listen(listener, 1) ||
        getsockname(listener, (struct sockaddr *)&addr, &length)) { perror("listen"); exit(1); }
    *sender = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(*sender, (struct sockaddr *)&addr, sizeof addr)) { perror("connect"); exit(1); }
    *receiver = accept(listener, NULL, NULL);
    close(listener);
    int one = 1;
    setsockopt(*sender, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Queues one send of a whole buffer from `slot`; a zero-copy send owes two
// CQEs (its result and the notification that the buffer is free again).
static void queue_send(struct io_uring *ring, int fd, int zero_copy, char *buffer, int slot, int *pending) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
    if (zero_copy) io_uring_prep_send_zc(sqe, fd, buffer, message_size, MSG_NOSIGNAL, 0);
    else io_uring_prep_send(sqe, fd, buffer, message_size, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, (uint64_t)slot);
    pending[slot] = zero_copy ? 2 : 1;
}

static void run(int zero_copy) {
    int sender, receiver;
    connect_pair(&sender, &receiver);
    pthread_t thread;
    receiving = 1;
    pthread_create(&thread, NULL, drain, &receiver);

    struct io_uring ring;
    if (io_uring_queue_init(64, &ring, 0)) { fprintf(stderr, "io_uring_queue_init failed\n"); exit(1); }
    char **buffers = calloc((size_t)depth, sizeof *buffers);
    int *pending = calloc((size_t)depth, sizeof *pending); // CQEs still due per slot
    for (int i = 0; i < depth; i++) {
        buffers[i] = malloc(message_size);
        memset(buffers[i], 'a' + i, message_size);
    }
    uint64_t bytes = 0;
    int failed = 0;
    double start = now(CLOCK_MONOTONIC), cpu_start = now(CLOCK_THREAD_CPUTIME_ID);
    for (int i = 0; i < depth; i++) queue_send(&ring, sender, zero_copy, buffers[i], i, pending);
    io_uring_submit(&ring);
    int in_flight = depth;
    int stopping = 0;
    while (in_flight > 0) {
        struct io_uring_cqe *cqe;
        if (io_uring_wait_cqe(&ring, &cqe)) break;
        int slot = (int)io_uring_cqe_get_data64(cqe);
        if (cqe->flags & IORING_CQE_F_NOTIF) {
            pending[slot]--;
        } else {
            if (cqe->res < 0) { fprintf(stderr, "send: %s\n", strerror(-cqe->res)); failed = 1; stopping = 1; }
            else bytes += (uint64_t)cqe->res;
            pending[slot]--;
            // A zero-copy send whose data the kernel did not take posts no notification.
            if (zero_copy && !(cqe->flags & IORING_CQE_F_MORE)) pending[slot]--;
        }
        io_uring_cqe_seen(&ring, cqe);
        if (pending[slot] > 0) continue;
        if (stopping || now(CLOCK_MONOTONIC) - start >= seconds) { stopping = 1; in_flight--; continue; }
        queue_send(&ring, sender, zero_copy, buffers[slot], slot, pending);
        io_uring_submit(&ring);
    }
    double elapsed = now(CLOCK_MONOTONIC) - start, cpu = now(CLOCK_THREAD_CPUTIME_ID) - cpu_start;
    receiving = 0;
    shutdown(sender, SHUT_RDWR);
    pthread_join(thread, NULL);
    close(sender);
    close(receiver);
    io_uring_queue_exit(&ring);
    for (int i = 0; i < depth; i++) free(buffers[i]);
    free(buffers);
    free(pending);
    double gib = (double)bytes / (1024.0 * 1024.0 * 1024.0);
    printf("{\"mode\":\"%s\",\"size\":%zu,\"depth\":%d,\"seconds\":%.3f,\"gib_per_s\":%.3f,\"cpu_s_per_gib\":%.4f,\"failed\":%d}\n",
           zero_copy ? "send_zc" : "send", message_size, depth, elapsed, gib / elapsed, gib > 0 ? cpu / gib : 0.0, failed);
    fflush(stdout);
}

int main(int argc, char **argv) {
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--size")) message_size = (size_t)atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--seconds")) seconds = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--depth")) depth = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--sender-cpu")) sender_cpu = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--receiver-cpu")) receiver_cpu = atoi(argv[i + 1]);
        else { fprintf(stderr, "usage: send_zc [--size B] [--seconds S] [--depth N] [--sender-cpu C] [--receiver-cpu C]\n"); return 2; }
    }
    if (depth < 1 || depth > 32 || message_size == 0) { fprintf(stderr, "send_zc: depth 1...32, size > 0\n"); return 2; }
    pin(sender_cpu);
    run(0);
    run(1);
    return 0;
}
