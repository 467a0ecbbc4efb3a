/*
 * legacy-load: legacy CryptoSphere senders, one TCP connection per message, as fast as they can.
 *
 * Written in C so that, on a small machine, the senders cost as little CPU as the load generator the issue's
 * reference figures were measured with; the bench's own sender threads (C#) used as much CPU as the receiver.
 *
 *   legacy-load PORT SENDERS SECONDS MAX_MESSAGES [HEADER_PORT_BASE [TEAM]]
 *
 * Sender i connects from its own loopback address, 127.0.0.2 + i (127.0.0.2, 127.0.0.3, ...), as that many
 * machines on a LAN would, writes "<ADDRESS:BASE+i> @ <TEAM>\nSEQ\n<end>" (SEQ = 0, 1, 2, ... per sender) to
 * 127.0.0.1:PORT, shuts down its side and goes on. One shared source address made the kernel's connect() the
 * cost that decided the run: tens of thousands of connections a second from one address to one port leave its
 * 28,000-port ephemeral range full of TIME_WAIT, and each connect() searched it for a free port (perf: over half
 * of the senders' CPU in __inet_hash_connect and __inet_check_established; 2-3 s of CPU per 30,000 messages,
 * against about 1 s with an address per sender). The senders' sockets close first, so the TIME_WAITs are theirs; a watcher thread then learns whether the receiver read the message (it
 * closes with a FIN) or closed it unread (a reset), without slowing the sender. The run stops after SECONDS
 * or MAX_MESSAGES connection attempts in all, whichever comes first.
 *
 * Protocol with the bench: prints "ready" once its threads are waiting, starts when a line (or end of input)
 * arrives on standard input, and at the end prints one line per sender and one summary line of key=value
 * pairs (see print_report), so the bench can prove that every message written was read, shown and stored.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Sockets still watched at once, in all: bounds the file descriptors (as the bench's CloseWatcher). */
#define MAX_WATCHED 4096
/* A receiver that neither read nor reset a connection within this long has not answered it. */
#define PATIENCE_NS (30LL * 1000000000LL)
#define DRAIN_NS (35LL * 1000000000LL)
#define JOIN_SECONDS 30

struct sender {
    pthread_t thread;
    int index;
    /* Written by the sender's own thread only. */
    long sent, seq_sum, refused, connect_failures, write_failures;
    /* Written by the watcher thread only. */
    long closed_unread, unread_seq_sum;
    char first_error[96];
    atomic_int done;
};

static struct sockaddr_in target;
static int header_port_base = 20001;
static const char *team = "bench";
static long max_messages;
static atomic_long attempts;
static atomic_int stop_sending;
static pthread_barrier_t start_line;

static int watch_epoll;
static sem_t watch_slots;
static atomic_long watch_pending;
static atomic_int watch_stop;
static long watched_read, watched_unanswered;
static int fd_capacity;
static int *watch_sender, *watch_seq;
static long long *watch_since;
static atomic_char *watch_active;
static struct sender *senders;

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void note_error(struct sender *me, const char *what, int error)
{
    if (me->first_error[0] == 0)
        snprintf(me->first_error, sizeof me->first_error, "%s: %s", what, strerror(error));
}

/* The receiver reset the connection: it closed it with the message unread. ENOTCONN comes from a shutdown after
 * a write that went through, when the reset arrived in between; it means the same. */
static int is_reset(int error)
{
    return error == ECONNRESET || error == EPIPE || error == ECONNABORTED || error == ENOTCONN;
}

/* Hands a written socket to the watcher; blocks while MAX_WATCHED sockets are being watched. */
static void watch(int fd, int sender, int seq)
{
    while (sem_wait(&watch_slots) != 0 && errno == EINTR) {
    }
    watch_sender[fd] = sender;
    watch_seq[fd] = seq;
    watch_since[fd] = now_ns();
    atomic_store(&watch_active[fd], 1);
    atomic_fetch_add(&watch_pending, 1);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.fd = fd };
    if (epoll_ctl(watch_epoll, EPOLL_CTL_ADD, fd, &ev) != 0) {
        /* Cannot watch it: counted as unanswered rather than assumed read. */
        atomic_store(&watch_active[fd], 0);
        __atomic_fetch_add(&watched_unanswered, 1, __ATOMIC_RELAXED);
        close(fd);
        atomic_fetch_sub(&watch_pending, 1);
        sem_post(&watch_slots);
    }
}

static void unwatch(int fd)
{
    atomic_store(&watch_active[fd], 0);
    close(fd);
    atomic_fetch_sub(&watch_pending, 1);
    sem_post(&watch_slots);
}

static void *watcher_main(void *unused)
{
    (void)unused;
    struct epoll_event events[256];
    char buffer[64];
    long long next_scan = now_ns() + 1000000000LL;
    while (!atomic_load(&watch_stop)) {
        int n = epoll_wait(watch_epoll, events, 256, 100);
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            ssize_t got;
            while ((got = recv(fd, buffer, sizeof buffer, MSG_DONTWAIT)) > 0) {
            }
            if (got == 0) {
                __atomic_fetch_add(&watched_read, 1, __ATOMIC_RELAXED);
                unwatch(fd);
            } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                continue;
            } else if (is_reset(errno)) {
                struct sender *s = &senders[watch_sender[fd]];
                s->closed_unread++;
                s->unread_seq_sum += watch_seq[fd];
                unwatch(fd);
            } else {
                __atomic_fetch_add(&watched_unanswered, 1, __ATOMIC_RELAXED);
                unwatch(fd);
            }
        }
        long long now = now_ns();
        if (now >= next_scan) {
            next_scan = now + 1000000000LL;
            for (int fd = 0; fd < fd_capacity; fd++) {
                if (atomic_load(&watch_active[fd]) && now - watch_since[fd] > PATIENCE_NS) {
                    __atomic_fetch_add(&watched_unanswered, 1, __ATOMIC_RELAXED);
                    unwatch(fd);
                }
            }
        }
    }
    return NULL;
}

static void *sender_main(void *arg)
{
    struct sender *me = arg;
    char message[160];
    int seq = 0;
    int one = 1;
    struct sockaddr_in source = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)me->index) };
    char address[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &source.sin_addr, address, sizeof address);
    pthread_barrier_wait(&start_line);
    while (!atomic_load(&stop_sending) && atomic_fetch_add(&attempts, 1) < max_messages) {
        int length = snprintf(message, sizeof message, "<%s:%d> @ <%s>\n%d\n<end>", address, header_port_base + me->index, team, seq);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            me->connect_failures++;
            note_error(me, "socket", errno);
            usleep(1000);
            continue;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        /* The port is chosen at connect(), from this address's own range (no port is reserved at bind()). */
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        if (bind(fd, (struct sockaddr *)&source, sizeof source) != 0) {
            me->connect_failures++;
            note_error(me, "bind", errno);
            close(fd);
            usleep(1000);
            continue;
        }
        if (connect(fd, (struct sockaddr *)&target, sizeof target) != 0) {
            int error = errno;
            close(fd);
            note_error(me, "connect", error);
            if (error == ECONNREFUSED) {
                /* The receiver turned it away: the sender knows, so it is counted, not lost. */
                me->refused++;
                seq++;
            } else {
                me->connect_failures++;
                usleep(1000); /* do not spin on an exhausted port range */
            }
            continue;
        }
        int failed = 0;
        for (int offset = 0; offset < length && !failed;) {
            ssize_t wrote = send(fd, message + offset, (size_t)(length - offset), MSG_NOSIGNAL);
            if (wrote < 0 && errno != EINTR)
                failed = errno;
            else if (wrote > 0)
                offset += (int)wrote;
        }
        if (!failed && shutdown(fd, SHUT_WR) != 0)
            failed = errno;
        if (failed) {
            close(fd);
            note_error(me, "write", failed);
            if (is_reset(failed)) {
                me->refused++;
                seq++;
            } else {
                /* The receiver may still have got it; a message counts as sent only once fully written. */
                me->write_failures++;
            }
            continue;
        }
        me->sent++;
        me->seq_sum += seq;
        watch(fd, me->index, seq);
        seq++;
    }
    atomic_store(&me->done, 1);
    return NULL;
}

static void print_report(int count, int hung, int drained, double seconds)
{
    long sent = 0;
    for (int i = 0; i < count; i++) {
        struct sender *s = &senders[i];
        sent += s->sent;
        printf("sender index=%d sent=%ld seq_sum=%ld refused=%ld closed_unread=%ld unread_seq_sum=%ld connect_failures=%ld write_failures=%ld\n",
               i, s->sent, s->seq_sum, s->refused, s->closed_unread, s->unread_seq_sum, s->connect_failures, s->write_failures);
    }
    for (int i = 0; i < count; i++)
        if (senders[i].first_error[0] != 0)
            printf("error index=%d %s\n", i, senders[i].first_error);
    long tried = atomic_load(&attempts);
    /* The generator's own CPU (its threads and the kernel's work done on their behalf), to show what the load costs. */
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double cpu = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    printf("end senders=%d attempts=%ld sent=%ld read=%ld unanswered=%ld hung=%d drained=%d seconds=%.6f cpu_seconds=%.3f\n", count,
           tried < max_messages ? tried : max_messages, sent, watched_read, watched_unanswered, hung, drained, seconds, cpu);
    fflush(stdout);
}

static int parse_int(const char *text, const char *name, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || *end != 0 || end == text || value < min || value > max) {
        fprintf(stderr, "legacy-load: %s must be an integer in %ld..%ld, not '%s'\n", name, min, max, text);
        return 0;
    }
    *out = value;
    return 1;
}

int main(int argc, char **argv)
{
    long port, count, base = header_port_base;
    double seconds;
    if (argc < 5 || argc > 7) {
        fprintf(stderr, "usage: legacy-load PORT SENDERS SECONDS MAX_MESSAGES [HEADER_PORT_BASE [TEAM]]\n");
        return 2;
    }
    char *end;
    seconds = strtod(argv[3], &end);
    if (!parse_int(argv[1], "PORT", 1, 65535, &port) || !parse_int(argv[2], "SENDERS", 1, 1000, &count)
        || !parse_int(argv[4], "MAX_MESSAGES", 1, 2000000000L, &max_messages)
        || (argc > 5 && !parse_int(argv[5], "HEADER_PORT_BASE", 1, 65535, &base)))
        return 2;
    if (*end != 0 || end == argv[3] || !(seconds > 0)) {
        fprintf(stderr, "legacy-load: SECONDS must be a number > 0, not '%s'\n", argv[3]);
        return 2;
    }
    header_port_base = (int)base;
    if (argc > 6)
        team = argv[6];

    /* Every watched socket is a descriptor: take all the process may have. */
    struct rlimit limit;
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
    fd_capacity = limit.rlim_cur > 1048576 ? 1048576 : (int)limit.rlim_cur;
    int slots = fd_capacity - (int)count - 64 < MAX_WATCHED ? fd_capacity - (int)count - 64 : MAX_WATCHED;
    if (slots < 16) {
        fprintf(stderr, "legacy-load: too few file descriptors (%d) for %ld senders\n", fd_capacity, count);
        return 2;
    }
    watch_sender = calloc((size_t)fd_capacity, sizeof *watch_sender);
    watch_seq = calloc((size_t)fd_capacity, sizeof *watch_seq);
    watch_since = calloc((size_t)fd_capacity, sizeof *watch_since);
    watch_active = calloc((size_t)fd_capacity, sizeof *watch_active);
    senders = calloc((size_t)count, sizeof *senders);
    if (!watch_sender || !watch_seq || !watch_since || !watch_active || !senders) {
        fprintf(stderr, "legacy-load: out of memory\n");
        return 1;
    }
    target.sin_family = AF_INET;
    target.sin_port = htons((unsigned short)port);
    target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    watch_epoll = epoll_create1(EPOLL_CLOEXEC);
    sem_init(&watch_slots, 0, (unsigned)slots);
    pthread_barrier_init(&start_line, NULL, (unsigned)count + 1);

    pthread_t watcher;
    pthread_create(&watcher, NULL, watcher_main, NULL);
    for (int i = 0; i < count; i++) {
        senders[i].index = i;
        if (pthread_create(&senders[i].thread, NULL, sender_main, &senders[i]) != 0) {
            fprintf(stderr, "legacy-load: cannot start sender thread %d\n", i);
            return 1;
        }
    }
    printf("ready\n");
    fflush(stdout);
    char line[64];
    if (fgets(line, sizeof line, stdin) == NULL) {
        /* End of input starts the run too: the generator can be run by hand with </dev/null. */
    }
    long long start = now_ns();
    long long deadline = start + (long long)(seconds * 1e9);
    pthread_barrier_wait(&start_line);
    for (;;) {
        int running = 0;
        for (int i = 0; i < count; i++)
            running += !atomic_load(&senders[i].done);
        if (running == 0 || now_ns() >= deadline)
            break;
        usleep(2000);
    }
    atomic_store(&stop_sending, 1);
    double elapsed = (now_ns() - start) / 1e9;

    int hung = 0;
    struct timespec join_by;
    clock_gettime(CLOCK_REALTIME, &join_by);
    join_by.tv_sec += JOIN_SECONDS;
    for (int i = 0; i < count; i++)
        if (pthread_timedjoin_np(senders[i].thread, NULL, &join_by) != 0)
            hung++;
    long long drain_by = now_ns() + DRAIN_NS;
    while (atomic_load(&watch_pending) > 0 && now_ns() < drain_by)
        usleep(2000);
    int drained = atomic_load(&watch_pending) == 0;
    atomic_store(&watch_stop, 1);
    pthread_join(watcher, NULL);
    watched_unanswered += atomic_load(&watch_pending);
    print_report((int)count, hung, drained, elapsed);
    /* A hung sender thread is still blocked in the kernel: leave without waiting for it. */
    _exit(0);
}
