/* SPDX-License-Identifier: MIT */
/*
 * sva-race.c - the standard racing guest: the smallest program in which a device's DMA is in flight
 * while the CPU unmaps the buffer it uses.  Each round submits a two-page copy through the dedicated
 * portal (MOVDIR64B) and unmaps the source at once; the copy must end SUCCESS with the source's
 * bytes in the destination (the unmap waited for the read in flight) or PAGE_FAULT with the bytes
 * before bytes_completed copied.  Whether a DMA used a translation to a freed frame is the oracle's
 * to judge; this program checks what it can see.  Small on purpose: race exploration runs it under
 * many schedules (the explore-schedules and pct-find-depth2 benchmarks).
 *
 *   sva-race [rounds]     default 1 (at most 9)
 */
#include "guest.h"
#include "sva.h"

#define PAGE 4096ul
#define PAGES 2

static struct sva_completion comp __attribute__((aligned(32)));

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    int rounds = argc > 1 && argv[1][0] >= '1' && argv[1][0] <= '9' ? argv[1][0] - '0' : 1;
    long fd = sys_openat(AT_FDCWD, "/dev/sva0", O_RDWR, 0);
    check(fd >= 0, "open /dev/sva0", fd);
    long portal = sys_mmap(0, PAGE, PROT_WRITE, MAP_SHARED, (int)fd, SVA_PORTAL_DEDICATED);
    check(!sys_is_error(portal), "mmap portal", portal);
    long dst = sys_mmap(0, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check(!sys_is_error(dst), "mmap dst", dst);
    struct sva_portal_desc d;
    for (int r = 0; r < rounds; r++) {
        long src = sys_mmap(0, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        check(!sys_is_error(src), "mmap src", src);
        for (unsigned long p = 0; p < PAGES; p++)
            ((volatile unsigned char *)src)[p * PAGE + 7] = (unsigned char)(0xA0 + r + p); /* present, and recognisable */
        memset(&d, 0, sizeof d);
        memset(&comp, 0, sizeof comp);
        d.op = SVA_OP_COPY;
        d.src = (unsigned long)src;
        d.dst = (unsigned long)dst;
        d.len = PAGES * PAGE;
        d.completion = (unsigned long)&comp;
        sva_movdir64b((volatile void *)portal, &d);
        sys_munmap((void *)src, PAGES * PAGE);     /* under the device's feet */
        long spins = 0;
        while (*(volatile unsigned *)&comp.status == SVA_STATUS_NONE && spins++ < 1000000)
            sys_call0(24);                          /* sched_yield: let the device run */
        unsigned status = comp.status;
        unsigned long copied = status == SVA_STATUS_SUCCESS ? PAGES * PAGE : comp.bytes_completed;
        CHECK(status == SVA_STATUS_SUCCESS || status == SVA_STATUS_PAGE_FAULT, status);
        for (unsigned long p = 0; p < PAGES; p++)
            if ((p + 1) * PAGE <= copied)
                CHECK(((volatile unsigned char *)dst)[p * PAGE + 7] == (unsigned char)(0xA0 + r + p), p);
    }
    put_kv("failures", check_failures());
    return check_failures();
}
