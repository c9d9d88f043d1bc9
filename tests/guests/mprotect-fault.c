/* SPDX-License-Identifier: MIT */
/*
 * mprotect-fault.c - a page made read-only: the device's write to it completes with PAGE_FAULT
 * (a write fault at that address) and leaves it unchanged, the device may still read it, and then
 * the CPU's own write kills the process with SIGSEGV.
 */
#include "device.h"

#define PAGE 4096ul

int main(int argc, char **argv, char **envp)
{
    (void)argc; (void)argv; (void)envp;
    long pasid;
    int fd = device_open(&pasid);
    long r = sys_mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(!sys_is_error(r), r);
    unsigned char *p = (unsigned char *)r;
    memset(p, 0x5a, 2 * PAGE);
    device_fill(fd, p + PAGE, PAGE, 0x4141414141414141ull); /* writable: fine */
    CHECK(sys_mprotect(p + PAGE, PAGE, PROT_READ) == 0, 0);

    struct sva_completion *c;
    long rc = device_run(fd, SVA_OP_COPY, (uint64_t)p, (uint64_t)(p + PAGE - 64), 128, 0, &c);
    CHECK(rc == 0, rc);
    CHECK(c->status == SVA_STATUS_PAGE_FAULT, c->status);
    CHECK(c->fault_addr == (uint64_t)(p + PAGE), c->fault_addr);
    CHECK(c->fault_flags & SVA_FAULT_WRITE, c->fault_flags);
    CHECK(c->bytes_completed == 64, c->bytes_completed);
    CHECK(p[PAGE] == 0x41, p[PAGE]);
    CHECK(p[PAGE - 64] == 0x5a, p[PAGE - 64]);

    rc = device_run(fd, SVA_OP_CRC32C, (uint64_t)(p + PAGE), 0, PAGE, 0, &c); /* reading is allowed */
    CHECK(rc == 0 && c->status == SVA_STATUS_SUCCESS, c->status);

    put_kv("failures", check_failures());
    put_hex((uint64_t)(p + PAGE + 8));
    put_str(" <- the CPU writes here next\n");
    *(volatile unsigned char *)(p + PAGE + 8) = 1; /* SIGSEGV */
    put_str("not reached\n");
    return 99;
}
