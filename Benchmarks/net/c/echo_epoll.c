// echo_epoll: a single-threaded epoll echo server, the C baseline of the peer
// comparison (Benchmarks/net). Level-triggered epoll; each readable
// connection is read once into a shared 64 KiB buffer and the bytes are sent
// back at once. A short send keeps the rest in the connection's own buffer,
// arms EPOLLOUT and stops reading that connection until it is sent.
//
// usage: echo_epoll [--host 127.0.0.1] [--port 7000]
// Prints "listening on HOST:PORT" when ready; SIGINT/SIGTERM stop it.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE (64 * 1024)

typedef struct {
    int fd;
    unsigned char *pending; // unsent bytes after a short send (NULL if none)
    size_t pending_len, pending_off;
} conn_t;

static volatile sig_atomic_t stopping = 0;
static void on_signal(int sig) { (void)sig; stopping = 1; }

static void close_conn(int ep, conn_t *c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->pending);
    free(c);
}

// Sends what is pending; returns 0 when all is sent, 1 if more remains, -1 on error.
static int flush_pending(conn_t *c) {
    while (c->pending_off < c->pending_len) {
        ssize_t w = send(c->fd, c->pending + c->pending_off, c->pending_len - c->pending_off, MSG_NOSIGNAL);
        if (w > 0) { c->pending_off += (size_t)w; continue; }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) return 1;
        return -1;
    }
    free(c->pending);
    c->pending = NULL;
    c->pending_len = c->pending_off = 0;
    return 0;
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1";
    int port = 7000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--host")) host = argv[i + 1];
        else if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
        else { fprintf(stderr, "usage: echo_epoll [--host H] [--port P]\n"); return 2; }
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) { fprintf(stderr, "bad host %s\n", host); return 1; }
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) || listen(lfd, 4096)) { perror("bind/listen"); return 1; }
    socklen_t alen = sizeof addr;
    getsockname(lfd, (struct sockaddr *)&addr, &alen);

    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL}; // NULL: the listener
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
    printf("listening on %s:%d\n", host, ntohs(addr.sin_port));
    fflush(stdout);

    static unsigned char buf[BUF_SIZE];
    struct epoll_event events[512];
    while (!stopping) {
        int n = epoll_wait(ep, events, 512, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("epoll_wait");
            return 1;
        }
        for (int k = 0; k < n; k++) {
            conn_t *c = events[k].data.ptr;
            if (!c) { // accept every connection waiting
                for (;;) {
                    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (fd < 0) break;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conn_t *nc = calloc(1, sizeof *nc);
                    nc->fd = fd;
                    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = nc};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
                }
                continue;
            }
            if (c->pending) { // EPOLLOUT: finish the short send, then read again
                int r = flush_pending(c);
                if (r < 0) { close_conn(ep, c); continue; }
                if (r == 0) {
                    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
                    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                }
                continue;
            }
            ssize_t r = recv(c->fd, buf, sizeof buf, 0);
            if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            if (r <= 0) { close_conn(ep, c); continue; }
            size_t off = 0;
            while (off < (size_t)r) {
                ssize_t w = send(c->fd, buf + off, (size_t)r - off, MSG_NOSIGNAL);
                if (w > 0) { off += (size_t)w; continue; }
                if (w < 0 && errno == EINTR) continue;
                break;
            }
            if (off < (size_t)r) {
                if (errno != EAGAIN) { close_conn(ep, c); continue; }
                c->pending_len = (size_t)r - off;
                c->pending = malloc(c->pending_len);
                memcpy(c->pending, buf + off, c->pending_len);
                struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
            }
        }
    }
    close(lfd);
    return 0;
}
