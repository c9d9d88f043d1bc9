/* SPDX-License-Identifier: MIT */
/*
 * sva-portal.c - asynchronous submission through device portals: MOVDIR64B to the dedicated work
 * queue, ENQCMD to the shared one, completion records polled; then races in which the CPU changes a
 * buffer's mapping while the device's copy of it is in flight — munmap, mremap, mprotect, madvise,
 * a fork whose copy-on-write breaks during the DMA, a migration (MADV_SOFT_OFFLINE) — a child that
 * exits with descriptors queued, an unbind (close) with work pending, and two devices working on one
 * address space.  Every descriptor must complete with SUCCESS or a
 * PAGE_FAULT; whether any DMA used a stale translation is the oracle's to judge, outside the guest.
 *
 *   sva-portal [rounds]     default 12
 */
#include "guest.h"
#include "sva.h"

#define PAGE 4096ul
#define PAGES 4
#define MAX_POLL 2000000L

static struct sva_completion comps[64] __attribute__((aligned(32)));
static int next_comp;

static volatile void *map_portal(int fd, long offset)
{
    long p = sys_mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
    check(!sys_is_error(p), "mmap portal", p);
    return sys_is_error(p) ? 0 : (volatile void *)p;
}

static struct sva_completion *desc(struct sva_portal_desc *d, unsigned op, unsigned long src, unsigned long dst,
                                   unsigned long len, unsigned long pattern)
{
    struct sva_completion *c = &comps[next_comp++ % 64];
    memset(c, 0, sizeof *c);
    memset(d, 0, sizeof *d);
    d->op = (unsigned short)op;
    d->src = src;
    d->dst = dst;
    d->len = len;
    d->pattern = pattern;
    d->completion = (unsigned long)c;
    return c;
}

static int wait_done(struct sva_completion *c)
{
    for (long i = 0; i < MAX_POLL; i++) {
        if (*(volatile unsigned *)&c->status != 0)
            return (int)c->status;
        sys_call0(24); /* sched_yield: let the device run */
    }
    put_str("FAIL completion never written\n");
    check(0, "completion written", 0);
    return -1;
}

static unsigned long map(unsigned long pages)
{
    long p = sys_mmap(0, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check(!sys_is_error(p), "mmap", p);
    return (unsigned long)p;
}

static void fill(unsigned long a, unsigned long len, int seed)
{
    for (unsigned long i = 0; i < len; i++)
        ((volatile unsigned char *)a)[i] = (unsigned char)(i * 13 + seed);
}

static int outcome_ok(int status)
{
    return status == SVA_STATUS_SUCCESS || status == SVA_STATUS_PAGE_FAULT;
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    int rounds = argc > 1 ? (int)(argv[1][0] - '0') * 10 + (argv[1][1] ? argv[1][1] - '0' : 0) : 12;
    if (argc > 1 && !argv[1][1])
        rounds = argv[1][0] - '0';
    long fd = sys_openat(AT_FDCWD, "/dev/sva0", O_RDWR, 0);
    check(fd >= 0, "open /dev/sva0", fd);
    volatile void *ded = map_portal((int)fd, SVA_PORTAL_DEDICATED);
    volatile void *shr = map_portal((int)fd, SVA_PORTAL_SHARED);
    struct sva_portal_desc d;

    /* Functional: a copy through each portal, checked. */
    unsigned long a = map(PAGES), b = map(PAGES);
    fill(a, PAGES * PAGE, 1);
    struct sva_completion *c = desc(&d, SVA_OP_COPY, a, b, PAGES * PAGE, 0);
    sva_movdir64b(ded, &d);
    CHECK(wait_done(c) == SVA_STATUS_SUCCESS, c->status);
    CHECK(memcmp((void *)a, (void *)b, PAGES * PAGE) == 0, 0);
    c = desc(&d, SVA_OP_FILL, 0, b, PAGES * PAGE - 3, 0x0102030405060708ull);
    int tries = 0;
    while (sva_enqcmd(shr, &d))
        tries++;
    CHECK(wait_done(c) == SVA_STATUS_SUCCESS, c->status);
    CHECK(((unsigned char *)b)[0] == 8 && ((unsigned char *)b)[9] == 7, ((unsigned char *)b)[9]);
    put_str("portals ok\n");

    /* Races: the mapping changes while the copy is in flight. */
    int faults = 0, successes = 0;
    for (int r = 0; r < rounds; r++) {
        unsigned long src = map(PAGES), dst = map(PAGES);
        fill(src, PAGES * PAGE, r);
        fill(dst, PAGES * PAGE, 0);
        c = desc(&d, SVA_OP_COPY, src, dst, PAGES * PAGE, 0);
        sva_movdir64b(ded, &d);
        /* Let the device get some way into the copy before the mapping changes: a different way each round. */
        for (volatile long spin = 0; spin < (r * 397) % 4000; spin++)
            ;
        switch (r % 6) {
        case 0: sys_munmap((void *)src, PAGES * PAGE); break;
        case 1: {
            long moved = sys_mremap((void *)src, PAGES * PAGE, 2 * PAGES * PAGE, MREMAP_MAYMOVE, 0);
            if (!sys_is_error(moved))
                src = (unsigned long)moved;
            break;
        }
        case 2: sys_mprotect((void *)dst, PAGES * PAGE, PROT_READ); break;
        case 3: sys_madvise((void *)src, PAGES * PAGE, MADV_DONTNEED); break;
        case 4: {
            long m = sys_madvise((void *)src, PAGES * PAGE, MADV_SOFT_OFFLINE);
            CHECK(m == 0, m);
            break;
        }
        default: {
            long pid = sys_fork();
            if (pid == 0) {
                ((volatile unsigned char *)dst)[100] = 0xEE; /* the child's COW break during the DMA */
                sys_exit_group(0);
            }
            ((volatile unsigned char *)src)[200] = 0xDD;   /* and the parent's */
            int st;
            sys_wait4((int)pid, &st, 0, 0);
            break;
        }
        }
        int status = wait_done(c);
        CHECK(outcome_ok(status), status);
        if (status == SVA_STATUS_SUCCESS)
            successes++;
        else
            faults++;
    }
    put_kv("races", rounds);
    put_str(successes + faults == rounds ? "every race completed\n" : "FAIL a race did not complete\n");

    /* A child that exits with descriptors still queued: the driver drains them before its PASID goes. */
    long pid = sys_fork();
    if (pid == 0) {
        long cfd = sys_openat(AT_FDCWD, "/dev/sva0", O_RDWR, 0);
        volatile void *cp = map_portal((int)cfd, SVA_PORTAL_DEDICATED);
        unsigned long x = map(PAGES), y = map(PAGES);
        fill(x, PAGES * PAGE, 5);
        struct sva_portal_desc cd;
        for (int k = 0; k < 4; k++) {
            desc(&cd, SVA_OP_COPY, x, y, PAGES * PAGE, 0);
            sva_movdir64b(cp, &cd);
        }
        sys_exit_group(0);
    }
    int st = -1;
    sys_wait4((int)pid, &st, 0, 0);
    CHECK(st == 0, st);

    /* An unbind with work pending: a second open of the device, descriptors queued on its portal, and
     * the file closed at once. The driver drains the PASID's work before unbinding, so every completion
     * record is written by the time close returns. */
    {
        long ufd = sys_openat(AT_FDCWD, "/dev/sva0", O_RDWR, 0);
        volatile void *up = map_portal((int)ufd, SVA_PORTAL_DEDICATED);
        unsigned long x = map(PAGES), y = map(PAGES);
        fill(x, PAGES * PAGE, 7);
        struct sva_portal_desc ud;
        struct sva_completion *uc[3];
        for (int k = 0; k < 3; k++) {
            uc[k] = desc(&ud, SVA_OP_COPY, x, y, PAGES * PAGE, 0);
            sva_movdir64b(up, &ud);
        }
        sys_munmap((void *)up, PAGE);
        sys_close((int)ufd);
        int written = 0;
        for (int k = 0; k < 3; k++)
            written += outcome_ok((int)*(volatile unsigned *)&uc[k]->status);
        CHECK(written == 3, written);
        put_str("unbind drained\n");
    }

    /* Two devices on one address space, when the machine has a second one. */
    long fd1 = sys_openat(AT_FDCWD, "/dev/sva1", O_RDWR, 0);
    if (fd1 >= 0) {
        volatile void *ded1 = map_portal((int)fd1, SVA_PORTAL_DEDICATED);
        unsigned long s = map(PAGES), t0 = map(PAGES), t1 = map(PAGES);
        fill(s, PAGES * PAGE, 9);
        struct sva_portal_desc d1;
        struct sva_completion *c0 = desc(&d, SVA_OP_COPY, s, t0, PAGES * PAGE, 0);
        struct sva_completion *c1 = desc(&d1, SVA_OP_COPY, s, t1, PAGES * PAGE, 0);
        sva_movdir64b(ded, &d);
        sva_movdir64b(ded1, &d1);
        sys_munmap((void *)(s + PAGE), PAGE); /* under both devices' feet */
        CHECK(outcome_ok(wait_done(c0)), c0->status);
        CHECK(outcome_ok(wait_done(c1)), c1->status);
        put_str("two devices ok\n");
    }
    put_kv("failures", check_failures());
    return check_failures();
}
