/* SPDX-License-Identifier: MIT */
/*
 * mmap-churn.c - maps, fills, copies by DMA, remaps and unmaps buffers in a loop, checking every
 * result: the device sees what the CPU wrote, the CPU sees what the device wrote, a moved mapping
 * is seen at its new address, and a range unmapped under the device's feet faults instead of
 * reaching the old frames.
 */
#include "device.h"

#define PAGE 4096ul

static void *map(size_t len)
{
    long r = sys_mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check(!sys_is_error(r), "mmap", r);
    return sys_is_error(r) ? 0 : (void *)r;
}

static int verify(const unsigned char *p, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != (unsigned char)(i * 7 + seed))
            return 0;
    return 1;
}

int main(int argc, char **argv, char **envp)
{
    (void)argc; (void)argv; (void)envp;
    long pasid;
    int fd = device_open(&pasid);
    int rounds = 12;
    for (int round = 0; round < rounds; round++) {
        size_t pages = 1 + (size_t)(round % 4);
        size_t len = pages * PAGE;
        unsigned char *a = map(len);
        unsigned char *b = map(len);
        if (!a || !b)
            return 100;
        for (size_t i = 0; i < len; i++)
            a[i] = (unsigned char)(i * 7 + round);
        /* b was never touched: the device's PRI requests make its pages present. */
        device_copy(fd, a, b, len);
        CHECK(verify(b, len, round), round);

        /* Move b and grow it: the device must write where it now is, not the old frames. */
        size_t big = len + 2 * PAGE;
        long nb = sys_mremap(b, len, big, MREMAP_MAYMOVE, 0);
        CHECK(!sys_is_error(nb), nb);
        if (sys_is_error(nb))
            return 101;
        b = (unsigned char *)nb;
        CHECK(verify(b, len, round), round);
        device_fill(fd, b + len, 2 * PAGE, 0x0102030405060708ull + round);
        CHECK(b[len] == 8 + (round & 0xff) && b[len + 7] == 1 && b[big - 1] == 1, b[len]);

        /* Discard a's pages: they read back as zero, to the device too. */
        CHECK(sys_madvise(a, len, MADV_DONTNEED) == 0, round);
        device_copy(fd, a, b, len);
        int zero = 1;
        for (size_t i = 0; i < len; i++)
            zero &= b[i] == 0;
        CHECK(zero, round);

        /* Unmap a under the device's feet: a copy from it faults at its first byte. */
        CHECK(sys_munmap(a, len) == 0, round);
        struct sva_completion *c;
        long rc = device_run(fd, SVA_OP_COPY, (uint64_t)a, (uint64_t)b, len, 0, &c);
        CHECK(rc == 0, rc);
        CHECK(c->status == SVA_STATUS_PAGE_FAULT, c->status);
        CHECK(c->fault_addr == (uint64_t)a, c->fault_addr);
        CHECK(c->fault_reason == SVA_FAULT_PAGE_REQUEST_REFUSED, c->fault_reason);
        CHECK(c->bytes_completed == 0, c->bytes_completed);

        /* And a CRC of b by the device matches the CPU's view. */
        rc = device_run(fd, SVA_OP_CRC32C, (uint64_t)b, 0, big, 0, &c);
        CHECK(rc == 0 && c->status == SVA_STATUS_SUCCESS, c->status);
        CHECK(sys_munmap(b, big) == 0, round);
    }
    CHECK(sys_close(fd) == 0, fd);
    put_kv("rounds", rounds);
    put_kv("failures", check_failures());
    return check_failures();
}
