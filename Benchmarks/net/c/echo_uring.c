// echo_uring: a single-threaded liburing echo server, the C io_uring baseline
// of the peer comparison (Benchmarks/net). The same shape as swift-asyncio's
// streams: one multishot accept, then per connection one plain recv into the
// connection's own 64 KiB buffer, a send of what arrived (short sends are
// finished), and the next recv. One io_uring_submit_and_wait per loop turn;
// the ring is single-issuer with deferred task running where the kernel has it.
//
// --recv chooses how receives are made, to measure the alternatives
// (docs/decisions/0006): `plain` (the default, and the peer comparison's),
// `pollfirst` (every recv with IORING_RECVSEND_POLL_FIRST), or `multishot`
// (one multishot recv per connection into a ring of provided 4 KiB buffers,
// copied into the connection's buffer; the recv stays armed while sends run).
//
// usage: echo_uring [--host 127.0.0.1] [--port 7000] [--recv plain|pollfirst|multishot]
// Prints "listening on HOST:PORT" when ready; SIGINT/SIGTERM stop it.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE (64 * 1024)
#define ENTRIES 1024
#define PROVIDED_COUNT 1024 // multishot mode: provided buffers (a power of 2)
#define PROVIDED_SIZE 4096

enum { RECV_PLAIN, RECV_POLL_FIRST, RECV_MULTISHOT };
static int recv_mode = RECV_PLAIN;
static struct io_uring_buf_ring *provided_ring;
static unsigned char *provided;

enum { OP_ACCEPT = 1, OP_RECV = 2, OP_SEND = 3 };

typedef struct {
    int fd;
    size_t len, off; // bytes received, bytes of them sent back
    int in_flight;   // multishot mode: operations the kernel still holds (recv armed, send)
    int dead;        // multishot mode: shut down, freed when in_flight reaches 0
    unsigned char buf[BUF_SIZE];
} conn_t;

static struct io_uring ring;
static volatile sig_atomic_t stopping = 0;
static void on_signal(int sig) { (void)sig; stopping = 1; }

// user_data: the connection pointer with the operation in its low 2 bits.
static inline uint64_t tag(conn_t *c, int op) { return (uint64_t)(uintptr_t)c | (uint64_t)op; }

static struct io_uring_sqe *get_sqe(void) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    if (!sqe) { // full: submit what is queued and try again
        io_uring_submit(&ring);
        sqe = io_uring_get_sqe(&ring);
    }
    return sqe;
}

static void queue_send(conn_t *c);

static void queue_recv(conn_t *c) {
    struct io_uring_sqe *sqe = get_sqe();
    if (recv_mode == RECV_MULTISHOT) {
        io_uring_prep_recv_multishot(sqe, c->fd, NULL, 0, 0);
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = 0;
        c->in_flight++;
    } else {
        io_uring_prep_recv(sqe, c->fd, c->buf, BUF_SIZE, 0);
        if (recv_mode == RECV_POLL_FIRST) sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
    }
    io_uring_sqe_set_data64(sqe, tag(c, OP_RECV));
}

// Multishot mode: ends a connection once the kernel holds none of its operations.
static void release(conn_t *c) {
    if (!c->dead) {
        c->dead = 1;
        shutdown(c->fd, SHUT_RDWR); // ends the armed recv with a final completion
    }
    if (c->in_flight == 0) { close(c->fd); free(c); }
}

static void setup_provided_buffers(void) {
    provided_ring = aligned_alloc(4096, PROVIDED_COUNT * sizeof(struct io_uring_buf));
    provided = malloc((size_t)PROVIDED_COUNT * PROVIDED_SIZE);
    if (!provided_ring || !provided) { fprintf(stderr, "out of memory\n"); exit(1); }
    io_uring_buf_ring_init(provided_ring);
    struct io_uring_buf_reg reg = {.ring_addr = (unsigned long)provided_ring, .ring_entries = PROVIDED_COUNT, .bgid = 0};
    int rc = io_uring_register_buf_ring(&ring, &reg, 0);
    if (rc) { fprintf(stderr, "io_uring_register_buf_ring: %s\n", strerror(-rc)); exit(1); }
    for (int i = 0; i < PROVIDED_COUNT; i++)
        io_uring_buf_ring_add(provided_ring, provided + (size_t)i * PROVIDED_SIZE, PROVIDED_SIZE, (unsigned short)i,
                              io_uring_buf_ring_mask(PROVIDED_COUNT), i);
    io_uring_buf_ring_advance(provided_ring, PROVIDED_COUNT);
}

// Multishot mode: one completion of the armed recv.
static void received_multishot(conn_t *c, struct io_uring_cqe *cqe) {
    int res = cqe->res;
    if (!(cqe->flags & IORING_CQE_F_MORE)) c->in_flight--;
    if (res > 0) {
        int id = (int)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
        unsigned char *data = provided + (size_t)id * PROVIDED_SIZE;
        int idle = c->off == c->len; // no send in flight
        if (!c->dead && c->len + (size_t)res <= BUF_SIZE) {
            memcpy(c->buf + c->len, data, (size_t)res);
            c->len += (size_t)res;
        } else if (!c->dead) {
            release(c); // a peer that sends more than it reads: not an echo client
        }
        io_uring_buf_ring_add(provided_ring, data, PROVIDED_SIZE, (unsigned short)id, io_uring_buf_ring_mask(PROVIDED_COUNT), 0);
        io_uring_buf_ring_advance(provided_ring, 1);
        if (!c->dead && idle) { queue_send(c); c->in_flight++; }
        if (!c->dead && !(cqe->flags & IORING_CQE_F_MORE)) queue_recv(c); // ended early: re-arm
        else if (c->dead) release(c);
        return;
    }
    if (res == -ENOBUFS && !c->dead) { queue_recv(c); return; } // every buffer was in use: re-arm
    release(c); // end of stream, an error or the cancellation by release()
}

static void queue_send(conn_t *c) {
    struct io_uring_sqe *sqe = get_sqe();
    io_uring_prep_send(sqe, c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, tag(c, OP_SEND));
}

static void queue_accept(int lfd) {
    struct io_uring_sqe *sqe = get_sqe();
    io_uring_prep_multishot_accept(sqe, lfd, NULL, NULL, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, OP_ACCEPT);
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1";
    int port = 7000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--host")) host = argv[i + 1];
        else if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--recv") && !strcmp(argv[i + 1], "plain")) recv_mode = RECV_PLAIN;
        else if (!strcmp(argv[i], "--recv") && !strcmp(argv[i + 1], "pollfirst")) recv_mode = RECV_POLL_FIRST;
        else if (!strcmp(argv[i], "--recv") && !strcmp(argv[i + 1], "multishot")) recv_mode = RECV_MULTISHOT;
        else { fprintf(stderr, "usage: echo_uring [--host H] [--port P] [--recv plain|pollfirst|multishot]\n"); return 2; }
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct io_uring_params p = {0};
    p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    p.cq_entries = ENTRIES * 4;
    int rc = io_uring_queue_init_params(ENTRIES, &ring, &p);
    if (rc < 0) { // an older kernel: a plain ring
        memset(&p, 0, sizeof p);
        p.flags = IORING_SETUP_CQSIZE;
        p.cq_entries = ENTRIES * 4;
        rc = io_uring_queue_init_params(ENTRIES, &ring, &p);
    }
    if (rc < 0) { fprintf(stderr, "io_uring_queue_init: %s\n", strerror(-rc)); return 1; }

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) { fprintf(stderr, "bad host %s\n", host); return 1; }
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) || listen(lfd, 4096)) { perror("bind/listen"); return 1; }
    socklen_t alen = sizeof addr;
    getsockname(lfd, (struct sockaddr *)&addr, &alen);
    if (recv_mode == RECV_MULTISHOT) setup_provided_buffers();
    queue_accept(lfd);
    printf("listening on %s:%d\n", host, ntohs(addr.sin_port));
    fflush(stdout);

    while (!stopping) {
        rc = io_uring_submit_and_wait(&ring, 1);
        if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
            fprintf(stderr, "io_uring_submit_and_wait: %s\n", strerror(-rc));
            return 1;
        }
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            seen++;
            uint64_t ud = io_uring_cqe_get_data64(cqe);
            int op = (int)(ud & 3);
            conn_t *c = (conn_t *)(uintptr_t)(ud & ~(uint64_t)3);
            int res = cqe->res;
            if (op == OP_ACCEPT) {
                if (res >= 0) {
                    setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conn_t *nc = aligned_alloc(64, sizeof(conn_t));
                    nc->fd = res;
                    nc->len = nc->off = 0;
                    nc->in_flight = nc->dead = 0;
                    queue_recv(nc);
                }
                if (!(cqe->flags & IORING_CQE_F_MORE)) queue_accept(lfd); // re-arm
            } else if (op == OP_RECV && recv_mode == RECV_MULTISHOT) {
                received_multishot(c, cqe);
            } else if (op == OP_SEND && recv_mode == RECV_MULTISHOT) {
                c->in_flight--;
                if (res < 0 || c->dead) { release(c); continue; }
                c->off += (size_t)res;
                if (c->off < c->len) { queue_send(c); c->in_flight++; }
                else c->off = c->len = 0;
            } else if (op == OP_RECV) {
                if (res <= 0) { close(c->fd); free(c); continue; }
                c->len = (size_t)res;
                c->off = 0;
                queue_send(c);
            } else if (op == OP_SEND) {
                if (res < 0) { close(c->fd); free(c); continue; }
                c->off += (size_t)res;
                if (c->off < c->len) queue_send(c);
                else queue_recv(c);
            }
        }
        io_uring_cq_advance(&ring, seen);
    }
    io_uring_queue_exit(&ring);
    close(lfd);
    return 0;
}
