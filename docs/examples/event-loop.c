#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

int main(void)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    int p[2];
    if (ep < 0 || efd < 0 || pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) {
        perror("setup");
        return 1;
    }

    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 1 };
    epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);                  /* level-triggered */
    ev = (struct epoll_event){ .events = EPOLLIN | EPOLLET, .data.u64 = 2 };
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);                 /* edge-triggered */

    uint64_t one = 1;
    write(efd, &one, sizeof one);
    write(p[1], "hello, world", 12);

    struct epoll_event events[8];
    char buf[4];
    for (;;) {
        int n = epoll_wait(ep, events, 8, 100);              /* 100 ms */
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("epoll_wait");
            return 1;
        }
        if (n == 0) {
            printf("timeout\n");
            break;
        }
        for (int i = 0; i < n; i++) {
            if (events[i].data.u64 == 1) {
                uint64_t count;
                read(efd, &count, sizeof count);
                printf("eventfd: %llu\n", (unsigned long long)count);
                continue;
            }
            for (;;) {                                       /* ET: read until EAGAIN */
                ssize_t r = read(p[0], buf, sizeof buf);
                if (r > 0) {
                    printf("pipe: %.*s\n", (int)r, buf);
                } else if (r == 0) {
                    printf("pipe: end of file\n");
                    break;
                } else if (errno == EAGAIN) {
                    break;
                } else {
                    perror("read");
                    return 1;
                }
            }
        }
    }

    close(p[0]);
    close(p[1]);
    close(efd);
    close(ep);
    return 0;
}
