/* The os scenario's C baseline of a cross-thread wakeup (bench/EventPoll.Scenarios/Os/WakeupLatency.cs runs the same
 * protocol in C#): a waiter blocks in epoll_wait on an eventfd; each round the main thread waits until the waiter is
 * asleep (state S in /proc/self/task/TID/stat), notes CLOCK_MONOTONIC and writes the eventfd, then spins until the
 * waiter has noted its own return time and read the eventfd. Prints one latency in ns per line.
 * Usage: wakeup ROUNDS */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#define WARM_UP_ROUNDS 50

static int efd, ep, total;
static atomic_int done, tid;
static _Atomic int64_t signalled_at;
static int64_t *latencies;

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void fail(const char *what)
{
    perror(what);
    exit(1);
}

static void *waiter(void *unused)
{
    (void)unused;
    struct epoll_event ev;
    uint64_t value;
    atomic_store(&tid, gettid());
    for (int r = 0; r < total; r++) {
        if (epoll_wait(ep, &ev, 1, -1) != 1) fail("epoll_wait");
        int64_t returned_at = now_ns();
        if (r >= WARM_UP_ROUNDS) latencies[r - WARM_UP_ROUNDS] = returned_at - atomic_load(&signalled_at);
        if (read(efd, &value, sizeof value) != sizeof value) fail("read");
        atomic_store(&done, r + 1);
    }
    return NULL;
}

static int asleep(int stat_fd)
{
    char buf[512];
    ssize_t n = pread(stat_fd, buf, sizeof buf - 1, 0);
    if (n <= 0) fail("pread stat");
    buf[n] = 0;
    char *close = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
    return close && close[1] && close[2] == 'S';
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 1000;
    if (rounds <= 0) return 2;
    total = WARM_UP_ROUNDS + rounds;
    latencies = calloc((size_t)rounds, sizeof *latencies);
    if ((efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) fail("eventfd");
    if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0) fail("epoll_create1");
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 1 };
    if (epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) < 0) fail("epoll_ctl");

    pthread_t thread;
    if (pthread_create(&thread, NULL, waiter, NULL) != 0) fail("pthread_create");
    while (atomic_load(&tid) == 0) __builtin_ia32_pause();
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", atomic_load(&tid));
    int stat_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (stat_fd < 0) fail("open stat");

    const uint64_t one = 1;
    for (int r = 0; r < total; r++) {
        while (atomic_load(&done) == r && !asleep(stat_fd)) __builtin_ia32_pause();
        atomic_store(&signalled_at, now_ns());
        if (write(efd, &one, sizeof one) != sizeof one) fail("write");
        while (atomic_load(&done) == r) __builtin_ia32_pause(); /* busy, as the C# signaller */
    }
    pthread_join(thread, NULL);
    for (int i = 0; i < rounds; i++) printf("%lld\n", (long long)latencies[i]);
    return 0;
}
