/* SPDX-License-Identifier: MIT */
/*
 * fork-dma.c - after fork, parent and child share a buffer copy-on-write.  Each binds the device
 * (its own PASID) and has it write its own pattern into the buffer: the device's write breaks COW
 * in the writer's address space only, so each process sees its own pattern and never the other's.
 */
#include "device.h"

#define LEN (3 * 4096ul)

static unsigned char buffer[LEN] __attribute__((aligned(4096)));

static int all(const unsigned char *p, size_t n, unsigned char v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

int main(int argc, char **argv, char **envp)
{
    (void)argc; (void)argv; (void)envp;
    long fd = sys_openat(AT_FDCWD, "/dev/sva0", O_RDWR, 0);
    CHECK(fd >= 0, fd);
    memset(buffer, 0x11, LEN); /* present and private before fork: shared COW afterwards */
    long parent_pasid = sys_ioctl((int)fd, SVA_BIND, 0);
    CHECK(parent_pasid > 0, parent_pasid);

    long pid = sys_fork();
    CHECK(pid >= 0, pid);
    if (pid == 0) {
        /* The child shares the file but not the binding: it binds and gets its own PASID. */
        long pasid = sys_ioctl((int)fd, SVA_BIND, 0);
        CHECK(pasid > 0 && pasid != parent_pasid, pasid);
        CHECK(all(buffer, LEN, 0x11), buffer[0]);
        device_fill((int)fd, buffer, LEN, 0x2222222222222222ull);
        CHECK(all(buffer, LEN, 0x22), buffer[0]);
        put_str("child: own copy written by the device\n");
        return check_failures() ? 10 + check_failures() : 0;
    }
    int status = -1;
    long w = sys_wait4((int)pid, &status, 0, 0);
    CHECK(w == pid, w);
    CHECK(status == 0, status);
    /* The child's DMA went to the child's copy. */
    CHECK(all(buffer, LEN, 0x11), buffer[0]);
    device_fill((int)fd, buffer + 4096, 4096, 0x3333333333333333ull);
    CHECK(all(buffer, 4096, 0x11), buffer[0]);
    CHECK(all(buffer + 4096, 4096, 0x33), buffer[4096]);
    CHECK(all(buffer + 8192, 4096, 0x11), buffer[8192]);
    put_str("parent: child exited, my copy is mine\n");
    put_kv("failures", check_failures());
    return check_failures();
}
