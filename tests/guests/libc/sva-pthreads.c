/* sva-pthreads.c - the SVA device from an ordinary threaded C program (glibc or musl): threads of one
 * process share its PASID and submit copies and CRCs at once while the main thread munmaps, mremaps
 * and mprotects buffers under them; then a child forks and execs this program with the device file
 * open (not close-on-exec), binds its own PASID through the inherited descriptor and submits. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sva.h"

#define THREADS 4
#define ROUNDS 30
#define PAGE 4096
static int fd;
static long pasid;
static char *volatile shared_buf;
static int failures;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static long submit(uint32_t op, void *src, void *dst, uint64_t len, struct sva_completion *c)
{
    struct sva_desc d;
    memset(&d, 0, sizeof d);
    memset(c, 0, sizeof *c);
    d.op = op;
    d.src = (uint64_t)src;
    d.dst = (uint64_t)dst;
    d.len = len;
    d.completion = (uint64_t)c;
    return ioctl(fd, SVA_SUBMIT, &d);
}

static void *worker(void *arg)
{
    (void)arg;
    struct sva_completion c __attribute__((aligned(32)));
    char *mine = malloc(4 * PAGE);
    memset(mine, 1, 4 * PAGE);
    for (int r = 0; r < ROUNDS; r++) {
        long rc = submit(r % 2 ? SVA_OP_COPY : SVA_OP_CRC32C, shared_buf, r % 2 ? mine : 0, 2 * PAGE, &c);
        if (rc != 0 || (c.status != SVA_STATUS_SUCCESS && c.status != SVA_STATUS_PAGE_FAULT)) {
            pthread_mutex_lock(&lock);
            failures++;
            pthread_mutex_unlock(&lock);
        }
    }
    free(mine);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "child") == 0) {
        /* The exec'd child: the device descriptor survived exec; bind and use it. */
        fd = atoi(argv[2]);
        long p = ioctl(fd, SVA_BIND, 0);
        char *b = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        memset(b, 7, PAGE);
        struct sva_completion c __attribute__((aligned(32)));
        long rc = submit(SVA_OP_CRC32C, b, 0, PAGE, &c);
        printf("child: bound %s, crc %s\n", p > 0 ? "ok" : "FAILED", rc == 0 && c.status == SVA_STATUS_SUCCESS ? "ok" : "FAILED");
        return p > 0 && rc == 0 && c.status == SVA_STATUS_SUCCESS ? 0 : 1;
    }
    fd = open("/dev/sva0", O_RDWR);
    pasid = ioctl(fd, SVA_BIND, 0);
    printf("bound: %s\n", fd >= 0 && pasid > 0 ? "ok" : "FAILED");
    shared_buf = mmap(0, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(shared_buf, 3, 4 * PAGE);
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], 0, worker, 0);
    for (int r = 0; r < ROUNDS; r++) {
        char *old = shared_buf;
        char *fresh = mmap(0, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        memset(fresh, r, 4 * PAGE);
        shared_buf = fresh;
        switch (r % 3) {
        case 0: munmap(old, 4 * PAGE); break;
        case 1: mprotect(old, 4 * PAGE, PROT_READ); munmap(old, 4 * PAGE); break;
        default: {
            char *moved = mremap(old, 4 * PAGE, 8 * PAGE, MREMAP_MAYMOVE);
            munmap(moved, 8 * PAGE);
            break;
        }
        }
        sched_yield();
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], 0);
    printf("threads: %d failures\n", failures);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char num[16];
        snprintf(num, sizeof num, "%d", fd);
        char *args[] = { argv[0], "child", num, 0 };
        execv("/proc/self/exe", args);
        _exit(99);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("child exit: %d\n", WEXITSTATUS(status));
    return failures == 0 && WEXITSTATUS(status) == 0 ? 0 : 1;
}
