/* SPDX-License-Identifier: MIT */
/*
 * device.h - submitting one descriptor to /dev/svaN from a guest and waiting for its completion.
 */
#ifndef EMULATOR_GUEST_DEVICE_H
#define EMULATOR_GUEST_DEVICE_H

#include "guest.h"
#include "sva.h"

static struct sva_completion device_completion __attribute__((aligned(32)));

/* Runs one descriptor; returns the ioctl's value and leaves the record in *comp. */
static inline long device_run(int fd, uint32_t op, uint64_t src, uint64_t dst, uint64_t len, uint64_t pattern,
                              struct sva_completion **comp)
{
    struct sva_desc d;
    memset(&d, 0, sizeof d);
    memset(&device_completion, 0, sizeof device_completion);
    d.op = op;
    d.src = src;
    d.dst = dst;
    d.len = len;
    d.pattern = pattern;
    d.completion = (uint64_t)&device_completion;
    long rc = sys_ioctl(fd, SVA_SUBMIT, (unsigned long)&d);
    *comp = &device_completion;
    return rc;
}

/* COPY src -> dst; 1 when it succeeded. */
static inline int device_copy(int fd, const void *src, void *dst, uint64_t len)
{
    struct sva_completion *c;
    long rc = device_run(fd, SVA_OP_COPY, (uint64_t)src, (uint64_t)dst, len, 0, &c);
    check(rc == 0, "SVA_SUBMIT copy returned 0", rc);
    check(c->status == SVA_STATUS_SUCCESS, "copy completed successfully", c->status);
    return rc == 0 && c->status == SVA_STATUS_SUCCESS && c->bytes_completed == len;
}

/* FILL dst with pattern; 1 when it succeeded. */
static inline int device_fill(int fd, void *dst, uint64_t len, uint64_t pattern)
{
    struct sva_completion *c;
    long rc = device_run(fd, SVA_OP_FILL, 0, (uint64_t)dst, len, pattern, &c);
    check(rc == 0, "SVA_SUBMIT fill returned 0", rc);
    check(c->status == SVA_STATUS_SUCCESS, "fill completed successfully", c->status);
    return rc == 0 && c->status == SVA_STATUS_SUCCESS;
}

/* Opens /dev/sva0 and binds; returns the fd (the PASID goes to *pasid). */
static inline int device_open(long *pasid)
{
    long fd = sys_openat(AT_FDCWD, "/dev/sva0", O_RDWR, 0);
    check(fd >= 0, "open /dev/sva0", fd);
    *pasid = sys_ioctl((int)fd, SVA_BIND, 0);
    check(*pasid > 0, "SVA_BIND gives a PASID", *pasid);
    return (int)fd;
}

#endif /* EMULATOR_GUEST_DEVICE_H */
