// loadgen: a closed-loop request/response load generator for echo servers.
//
// One thread, one epoll set. N connections to HOST:PORT; each sends a message
// of S bytes, waits until S bytes come back (checking they are the bytes it
// sent), and sends the next one at once. After a warm-up of W seconds it
// measures for D seconds and prints one JSON line:
//
//   requests/s, latency p50/p99/p99.9/max (every request that completed in the
//   window is a sample; the samples are sorted, so percentiles are exact),
//   the server's CPU time per request (utime+stime of /proc/PID/stat, read
//   before and after the window; utime alone as the user-space part), and the
//   load generator's own CPU use (near 100% means the load generator, not the
//   server, set the pace).
//
// usage: loadgen --port P [--host 127.0.0.1] [--conns N] [--size S]
//                [--duration D] [--warmup W] [--pid SERVER_PID] [--label TEXT]
//                [--server-cpu N] [--client-cpu N]
//
// With --server-cpu/--client-cpu (the CPUs the two are pinned to) it also
// reports, from /proc/stat, how busy the server's CPU was in all (so what else
// ran there shows) and the time the hypervisor stole from each CPU.
//
// Exit status: 0 on success, 1 on a bad argument, connect failure, a wrong
// echo, or when no request completed in the window.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    int fd;
    size_t sent;      // bytes of the current request sent
    size_t received;  // bytes of its echo received
    uint64_t started; // ns, when the request's first byte was sent
    int want_out;     // EPOLLOUT is armed (a short send is pending)
    int dead;
} conn_t;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double cpu_seconds_self(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// utime+stime of a process (all its threads, live and exited), in seconds; -1 if unknown.
// *user gets utime alone.
static double cpu_seconds_of(int pid, double *user) {
    *user = -1;
    if (pid <= 0) return -1;
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')'); // the command name may contain spaces
    if (!p) return -1;
    p += 2;                      // field 3 (state) starts here
    unsigned long long utime = 0, stime = 0;
    // fields 3..15: state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
    if (sscanf(p, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2) return -1;
    *user = (double)utime / (double)sysconf(_SC_CLK_TCK);
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

// Busy and stolen jiffies of one CPU, from /proc/stat (busy: user, nice, system, irq, softirq).
static int cpu_jiffies(int cpu, unsigned long long *busy, unsigned long long *steal, unsigned long long *total) {
    *busy = *steal = *total = 0;
    if (cpu < 0) return -1;
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return -1;
    char line[512], want[16];
    snprintf(want, sizeof want, "cpu%d ", cpu);
    int found = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, want, strlen(want)) != 0) continue;
        unsigned long long v[8] = {0};
        sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu",
               &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
        *busy = v[0] + v[1] + v[2] + v[5] + v[6];
        *steal = v[7];
        *total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
        found = 0;
        break;
    }
    fclose(f);
    return found;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double percentile_us(const uint64_t *sorted, size_t n, double q) {
    if (n == 0) return 0;
    size_t i = (size_t)(q * (double)(n - 1) + 0.5); // nearest rank
    if (i >= n) i = n - 1;
    return sorted[i] / 1000.0;
}

static void usage(void) {
    fprintf(stderr, "usage: loadgen --port P [--host 127.0.0.1] [--conns N] [--size S] "
                    "[--duration D] [--warmup W] [--pid SERVER_PID] [--label TEXT] "
                    "[--server-cpu N] [--client-cpu N]\n");
    exit(1);
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1", *label = "";
    int port = 0, nconns = 50, pid = 0, server_cpu = -1, client_cpu = -1;
    size_t size = 64;
    double duration = 5, warmup = 2;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc) usage();
        const char *k = argv[i], *v = argv[++i];
        if (!strcmp(k, "--host")) host = v;
        else if (!strcmp(k, "--port")) port = atoi(v);
        else if (!strcmp(k, "--conns")) nconns = atoi(v);
        else if (!strcmp(k, "--size")) size = (size_t)atol(v);
        else if (!strcmp(k, "--duration")) duration = atof(v);
        else if (!strcmp(k, "--warmup")) warmup = atof(v);
        else if (!strcmp(k, "--pid")) pid = atoi(v);
        else if (!strcmp(k, "--label")) label = v;
        else if (!strcmp(k, "--server-cpu")) server_cpu = atoi(v);
        else if (!strcmp(k, "--client-cpu")) client_cpu = atoi(v);
        else usage();
    }
    if (port <= 0 || nconns <= 0 || size == 0 || duration <= 0 || warmup < 0) usage();
    signal(SIGPIPE, SIG_IGN);

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)nconns + 64) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    unsigned char *payload = malloc(size), *rbuf = malloc(size);
    for (size_t i = 0; i < size; i++) payload[i] = (unsigned char)('a' + (i * 7) % 26);
    payload[size - 1] = '\n';

    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "loadgen: bad IPv4 address %s\n", host);
        return 1;
    }

    int ep = epoll_create1(EPOLL_CLOEXEC);
    conn_t *conns = calloc((size_t)nconns, sizeof *conns);
    for (int i = 0; i < nconns; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        int tries = 0;
        while (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
            if ((errno != ECONNREFUSED && errno != EAGAIN) || ++tries > 50) {
                fprintf(stderr, "loadgen: connect %d of %d: %s\n", i + 1, nconns, strerror(errno));
                return 1;
            }
            close(fd);
            usleep(100000);
            fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        conns[i].fd = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }

    size_t cap = 1 << 20, nsamples = 0;
    uint64_t *samples = malloc(cap * sizeof *samples);
    uint64_t requests = 0, errors = 0, mismatches = 0;

    // Sends the rest of conn c's request; arms or disarms EPOLLOUT as needed.
    #define PUMP_SEND(c)                                                                 \
        do {                                                                             \
            while ((c)->sent < size) {                                                   \
                ssize_t w = send((c)->fd, payload + (c)->sent, size - (c)->sent, MSG_NOSIGNAL); \
                if (w > 0) { (c)->sent += (size_t)w; continue; }                         \
                if (w < 0 && errno == EINTR) continue;                                   \
                if (w < 0 && errno == EAGAIN) break;                                     \
                (c)->dead = 1; errors++; break;                                          \
            }                                                                            \
            int need = !(c)->dead && (c)->sent < size;                                   \
            if (need != (c)->want_out && !(c)->dead) {                                   \
                struct epoll_event e2 = {.events = EPOLLIN | (need ? EPOLLOUT : 0),      \
                                         .data.u32 = (uint32_t)((c) - conns)};           \
                epoll_ctl(ep, EPOLL_CTL_MOD, (c)->fd, &e2);                              \
                (c)->want_out = need;                                                    \
            }                                                                            \
        } while (0)

    uint64_t t0 = now_ns();
    for (int i = 0; i < nconns; i++) {
        conns[i].started = t0;
        PUMP_SEND(&conns[i]);
    }

    const uint64_t warm_end = t0 + (uint64_t)(warmup * 1e9);
    const uint64_t end = warm_end + (uint64_t)(duration * 1e9);
    int measuring = 0;
    double srv_cpu0 = -1, srv_cpu1 = -1, cli_cpu0 = 0, cli_cpu1 = 0, srv_user0 = -1, srv_user1 = -1;
    uint64_t m_start = 0, m_end = 0;
    unsigned long long sb0 = 0, ss0 = 0, st0 = 0, sb1 = 0, ss1 = 0, st1 = 0;
    unsigned long long cb0 = 0, cs0 = 0, ct0 = 0, cb1 = 0, cs1 = 0, ct1 = 0;
    struct epoll_event events[1024];
    int alive = nconns;

    for (;;) {
        uint64_t t = now_ns();
        if (!measuring && t >= warm_end) {
            measuring = 1;
            m_start = t;
            srv_cpu0 = cpu_seconds_of(pid, &srv_user0);
            cli_cpu0 = cpu_seconds_self();
            cpu_jiffies(server_cpu, &sb0, &ss0, &st0);
            cpu_jiffies(client_cpu, &cb0, &cs0, &ct0);
        }
        if (t >= end) {
            m_end = t;
            srv_cpu1 = cpu_seconds_of(pid, &srv_user1);
            cli_cpu1 = cpu_seconds_self();
            cpu_jiffies(server_cpu, &sb1, &ss1, &st1);
            cpu_jiffies(client_cpu, &cb1, &cs1, &ct1);
            break;
        }
        if (alive == 0) {
            fprintf(stderr, "loadgen: every connection failed\n");
            return 1;
        }
        int n = epoll_wait(ep, events, 1024, 5);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("epoll_wait");
            return 1;
        }
        for (int k = 0; k < n; k++) {
            conn_t *c = &conns[events[k].data.u32];
            if (c->dead) continue;
            if (events[k].events & EPOLLOUT) PUMP_SEND(c);
            if (!(events[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) continue;
            for (;;) {
                size_t want = size - c->received;
                ssize_t r = recv(c->fd, rbuf, want, 0);
                if (r > 0) {
                    if (memcmp(rbuf, payload + c->received, (size_t)r) != 0) {
                        if (mismatches++ == 0) fprintf(stderr, "loadgen: wrong bytes echoed (connection %d)\n", (int)(c - conns));
                        c->dead = 1;
                        break;
                    }
                    c->received += (size_t)r;
                    if (c->received > c->sent) { // echo of bytes never sent
                        mismatches++;
                        c->dead = 1;
                        break;
                    }
                    if (c->received == size) {
                        uint64_t done = now_ns();
                        if (measuring && done < end) {
                            requests++;
                            if (nsamples == cap) {
                                cap *= 2;
                                samples = realloc(samples, cap * sizeof *samples);
                            }
                            samples[nsamples++] = done - c->started;
                        }
                        c->sent = c->received = 0;
                        c->started = done;
                        PUMP_SEND(c);
                        break; // nothing more can arrive before the next request
                    }
                    continue;
                }
                if (r < 0 && errno == EINTR) continue;
                if (r < 0 && errno == EAGAIN) break;
                c->dead = 1; // 0: the server closed; < 0: an error
                errors++;
                break;
            }
            if (c->dead) {
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                alive--;
            }
        }
    }

    qsort(samples, nsamples, sizeof *samples, cmp_u64);
    double window = (double)(m_end - m_start) / 1e9;
    double rps = requests / window;
    double srv_cpu = (srv_cpu0 >= 0 && srv_cpu1 >= 0) ? srv_cpu1 - srv_cpu0 : -1;
    double srv_user = (srv_user0 >= 0 && srv_user1 >= 0) ? srv_user1 - srv_user0 : -1;
    double cli_cpu_pct = 100.0 * (cli_cpu1 - cli_cpu0) / window;
    double s_tot = (double)(st1 - st0), c_tot = (double)(ct1 - ct0);
    double s_busy = s_tot > 0 ? 100.0 * (double)(sb1 - sb0) / s_tot : -1;
    double s_steal = s_tot > 0 ? 100.0 * (double)(ss1 - ss0) / s_tot : -1;
    double c_steal = c_tot > 0 ? 100.0 * (double)(cs1 - cs0) / c_tot : -1;
    double c_busy = c_tot > 0 ? 100.0 * (double)(cb1 - cb0) / c_tot : -1;
    double srv_pct = srv_cpu >= 0 ? 100.0 * srv_cpu / window : -1.0;
    // What else ran on each CPU (other processes, unattributed interrupts): busy minus our own.
    double s_other = (s_busy >= 0 && srv_pct >= 0) ? s_busy - srv_pct : -1;
    double c_other = c_busy >= 0 ? c_busy - cli_cpu_pct : -1;
    if (s_other < 0 && s_busy >= 0) s_other = 0;
    if (c_other < 0 && c_busy >= 0) c_other = 0;
    printf("{\"label\":\"%s\",\"conns\":%d,\"size\":%zu,\"duration_s\":%.3f,\"requests\":%llu,"
           "\"rps\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f,"
           "\"server_cpu_s\":%.3f,\"server_cpu_us_per_req\":%.3f,\"server_user_us_per_req\":%.3f,\"server_cpu_pct\":%.1f,"
           "\"client_cpu_pct\":%.1f,\"server_cpu_busy_pct\":%.1f,\"server_cpu_other_pct\":%.1f,"
           "\"client_cpu_other_pct\":%.1f,\"server_cpu_steal_pct\":%.1f,\"client_cpu_steal_pct\":%.1f,\"errors\":%llu,\"mismatches\":%llu,\"alive\":%d}\n",
           label, nconns, size, window, (unsigned long long)requests, rps,
           percentile_us(samples, nsamples, 0.50), percentile_us(samples, nsamples, 0.99),
           percentile_us(samples, nsamples, 0.999), nsamples ? samples[nsamples - 1] / 1000.0 : 0.0,
           srv_cpu, (srv_cpu >= 0 && requests) ? srv_cpu / requests * 1e6 : -1.0,
           (srv_user >= 0 && requests) ? srv_user / requests * 1e6 : -1.0,
           srv_pct, cli_cpu_pct, s_busy, s_other, c_other, s_steal, c_steal,
           (unsigned long long)errors, (unsigned long long)mismatches, alive);
    for (int i = 0; i < nconns; i++) close(conns[i].fd);
    return (requests == 0 || mismatches) ? 1 : 0;
}
