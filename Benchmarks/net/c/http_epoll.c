// A minimal HTTP/1.1 responder on epoll, one thread: the floor for the HTTP
// comparison (scripts/bench-http.sh). It is not a real HTTP server: it finds
// the end of each head, reads Content-Length and `Connection: close` with a
// case-insensitive substring search, and answers GET with "Hello, World!" and
// POST /echo with the body. Pipelined requests are answered in order.
//
//   http_epoll --host 127.0.0.1 --port 8080
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define IN_CAP (64 * 1024)
#define OUT_CAP (256 * 1024)

struct conn {
    int fd;
    size_t in_len, out_len, out_off;
    int close_after;
    char in[IN_CAP];
    char out[OUT_CAP];
};

static const char hello[] = "Hello, World!";

static void drop(int ep, struct conn *c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c);
}

// Flushes the output; returns -1 if the connection must be dropped.
static int flush_out(int ep, struct conn *c) {
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN) {
                struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                return 0;
            }
            return -1;
        }
        c->out_off += (size_t)n;
    }
    c->out_len = c->out_off = 0;
    if (c->close_after) return -1;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    return 0;
}

// Answers every complete request in the input; returns -1 on a framing error.
static int answer(struct conn *c) {
    size_t start = 0;
    while (!c->close_after) {
        char *base = c->in + start;
        size_t avail = c->in_len - start;
        char *end = memmem(base, avail, "\r\n\r\n", 4);
        if (!end) break;
        size_t head = (size_t)(end - base) + 4;
        long length = 0;
        char saved = base[head - 1];
        base[head - 1] = 0;  // bound the substring searches to the head
        char *cl = strcasestr(base, "\r\ncontent-length:");
        if (cl) length = strtol(cl + 17, NULL, 10);
        int close_req = 0;
        char *conn_field = strcasestr(base, "\r\nconnection:");
        if (conn_field) {
            conn_field += 13;
            while (*conn_field == ' ' || *conn_field == '\t') conn_field++;
            close_req = strncasecmp(conn_field, "close", 5) == 0;
        }
        int echo = strncmp(base, "POST /echo ", 11) == 0;
        base[head - 1] = saved;
        if (length < 0 || length > IN_CAP / 2) return -1;
        if (avail < head + (size_t)length) break;
        const char *body = echo ? base + head : hello;
        size_t body_len = echo ? (size_t)length : sizeof hello - 1;
        if (c->out_len + 128 + body_len > OUT_CAP) break;  // answer the rest after a flush
        c->out_len += (size_t)snprintf(c->out + c->out_len, OUT_CAP - c->out_len,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n%s\r\n",
            body_len, close_req ? "Connection: close\r\n" : "");
        memcpy(c->out + c->out_len, body, body_len);
        c->out_len += body_len;
        c->close_after = close_req;
        start += head + (size_t)length;
    }
    memmove(c->in, c->in + start, c->in_len - start);
    c->in_len -= start;
    return 0;
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1";
    int port = 8080;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--host")) host = argv[i + 1];
        else if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
    }
    signal(SIGPIPE, SIG_IGN);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &addr.sin_addr);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 1024) < 0) {
        perror("bind/listen");
        return 1;
    }
    socklen_t alen = sizeof addr;
    getsockname(lfd, (struct sockaddr *)&addr, &alen);
    printf("listening on %s:%d\n", host, ntohs(addr.sin_port));
    fflush(stdout);
    int ep = epoll_create1(0);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(ep, events, 256, -1);
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (!c) {
                int fd;
                while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct conn *nc = malloc(sizeof *nc);
                    nc->fd = fd;
                    nc->in_len = nc->out_len = nc->out_off = 0;
                    nc->close_after = 0;
                    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = nc};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
                }
                continue;
            }
            if (events[i].events & EPOLLOUT) {
                if (flush_out(ep, c) < 0) { drop(ep, c); continue; }
                if (c->out_len) continue;
                // Requests left unanswered while the output was full.
                if (answer(c) < 0 || flush_out(ep, c) < 0) { drop(ep, c); continue; }
            }
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                ssize_t r = recv(c->fd, c->in + c->in_len, IN_CAP - c->in_len, 0);
                if (r <= 0) {
                    if (r < 0 && errno == EAGAIN) continue;
                    drop(ep, c);
                    continue;
                }
                c->in_len += (size_t)r;
                if (answer(c) < 0 || (c->in_len == IN_CAP)) { drop(ep, c); continue; }
                if (flush_out(ep, c) < 0) { drop(ep, c); continue; }
            }
        }
    }
}
