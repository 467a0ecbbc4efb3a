/*
 * legacy-server: the minimal accept-and-read server that the legacy benchmark measures the node against, in C
 * so that the reference costs what the kernel's part of the work costs and little more. One thread, one epoll
 * set: accepts every connection, reads it to its end, and prints one line "got BYTES" for it (as the bench's
 * C# reference server does); a connection that fails (a reset) prints nothing.
 *
 *   legacy-server      prints "port N" (127.0.0.1, a free port) first; stops when standard input closes.
 *
 * Lines are flushed whenever the ready connections are handled, so a reader sees each within one pass.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static long *bytes_read;

/* Reads what has arrived; returns 1 when the connection is finished (end of stream or an error), 0 to wait. */
static int read_some(int fd, int *printed)
{
    char buffer[4096];
    for (;;) {
        ssize_t got = read(fd, buffer, sizeof buffer);
        if (got > 0) {
            bytes_read[fd] += got;
            continue;
        }
        if (got == 0) {
            printf("got %ld\n", bytes_read[fd]);
            *printed = 1;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return 0;
        } else if (errno == EINTR) {
            continue;
        }
        close(fd);
        return 1;
    }
}

int main(void)
{
    struct rlimit limit;
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
    size_t capacity = limit.rlim_cur > 1048576 ? 1048576 : (size_t)limit.rlim_cur;
    bytes_read = calloc(capacity, sizeof *bytes_read);

    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t length = sizeof address;
    if (bytes_read == NULL || listener < 0 || bind(listener, (struct sockaddr *)&address, sizeof address) != 0
        || listen(listener, 4096) != 0 || getsockname(listener, (struct sockaddr *)&address, &length) != 0) {
        fprintf(stderr, "legacy-server: cannot listen on 127.0.0.1: %s\n", strerror(errno));
        return 1;
    }
    printf("port %d\n", ntohs(address.sin_port));
    fflush(stdout);

    int epoll = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = listener };
    epoll_ctl(epoll, EPOLL_CTL_ADD, listener, &ev);
    ev.data.fd = STDIN_FILENO;
    epoll_ctl(epoll, EPOLL_CTL_ADD, STDIN_FILENO, &ev);
    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(epoll, events, 256, -1);
        if (n < 0 && errno == EINTR)
            continue;
        int printed = 0;
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == STDIN_FILENO) {
                char discard[256];
                if (read(STDIN_FILENO, discard, sizeof discard) <= 0)
                    return 0;
            } else if (fd == listener) {
                int client;
                while ((client = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    if ((size_t)client >= capacity) {
                        close(client);
                        continue;
                    }
                    bytes_read[client] = 0;
                    /* A legacy message is usually all there at accept time: read it now, watch it only if not. */
                    if (!read_some(client, &printed)) {
                        struct epoll_event watch = { .events = EPOLLIN | EPOLLRDHUP, .data.fd = client };
                        epoll_ctl(epoll, EPOLL_CTL_ADD, client, &watch);
                    }
                }
            } else {
                read_some(fd, &printed);
            }
        }
        if (printed)
            fflush(stdout);
    }
}
