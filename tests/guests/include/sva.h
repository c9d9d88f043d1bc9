/* SPDX-License-Identifier: MIT */
/*
 * sva.h - the emulated SVA device's user ABI (/dev/svaN).  See docs/guest-abi.md.
 *
 * The numbers and layouts here are an ABI: they never change.  The emulator's C# side
 * (Emulator.Core.Kernel.Devices.SvaAbi, SvaDescriptor, SvaCompletion) is tested against them.
 *
 * Usage:
 *     int fd = openat(AT_FDCWD, "/dev/sva0", O_RDWR);
 *     long pasid = ioctl(fd, SVA_BIND, 0);                // >= 0: this process's PASID
 *     struct sva_completion comp __attribute__((aligned(32))) = {0};
 *     struct sva_desc d = { .op = SVA_OP_COPY, .src = (uint64_t)a, .dst = (uint64_t)b,
 *                           .len = n, .completion = (uint64_t)&comp };
 *     long rc = ioctl(fd, SVA_SUBMIT, &d);                // 0: comp has been written
 *     if (rc == 0 && comp.status == SVA_STATUS_SUCCESS) ...
 */
#ifndef EMULATOR_SVA_H
#define EMULATOR_SVA_H

#include <stdint.h>

/* Linux's ioctl encoding (include/uapi/asm-generic/ioctl.h), for guests built without kernel headers. */
#ifndef _IOC
#define _IOC_NRBITS     8
#define _IOC_TYPEBITS   8
#define _IOC_SIZEBITS   14
#define _IOC_NRSHIFT    0
#define _IOC_TYPESHIFT  (_IOC_NRSHIFT + _IOC_NRBITS)
#define _IOC_SIZESHIFT  (_IOC_TYPESHIFT + _IOC_TYPEBITS)
#define _IOC_DIRSHIFT   (_IOC_SIZESHIFT + _IOC_SIZEBITS)
#define _IOC_NONE       0U
#define _IOC_WRITE      1U
#define _IOC_READ       2U
#define _IOC(dir, type, nr, size) \
    (((dir) << _IOC_DIRSHIFT) | ((type) << _IOC_TYPESHIFT) | ((nr) << _IOC_NRSHIFT) | ((size) << _IOC_SIZESHIFT))
#define _IO(type, nr)         _IOC(_IOC_NONE, (type), (nr), 0)
#define _IOR(type, nr, T)     _IOC(_IOC_READ, (type), (nr), sizeof(T))
#define _IOW(type, nr, T)     _IOC(_IOC_WRITE, (type), (nr), sizeof(T))
#define _IOWR(type, nr, T)    _IOC(_IOC_READ | _IOC_WRITE, (type), (nr), sizeof(T))
#endif

/* Operations (sva_desc.op). */
#define SVA_OP_COPY    1u   /* dst[0,len) = src[0,len); the ranges must not overlap */
#define SVA_OP_FILL    2u   /* dst[i] = byte (i % 8) of pattern, little-endian; src must be 0 */
#define SVA_OP_COMPARE 3u   /* result = offset of the first difference, or SVA_COMPARE_EQUAL */
#define SVA_OP_CRC32C  4u   /* result = CRC-32C of src[0,len) continuing from (uint32_t)pattern; dst must be 0 */

/* sva_desc.flags: every bit is reserved and must be 0 (else SVA_STATUS_INVALID / SVA_INVALID_FLAGS). */

#define SVA_MAX_LEN         (1ull << 30)   /* largest len of one descriptor */
#define SVA_COMPARE_EQUAL   UINT64_MAX     /* COMPARE's result when the ranges are equal */

/* One job.  64 bytes, little-endian, no implicit padding. */
struct sva_desc {
    uint32_t op;            /*  0: SVA_OP_* */
    uint32_t flags;         /*  4: reserved, 0 */
    uint64_t src;           /*  8: source address (COPY, COMPARE, CRC32C), else 0 */
    uint64_t dst;           /* 16: destination (COPY, FILL) or second operand (COMPARE), else 0 */
    uint64_t len;           /* 24: bytes, 1..SVA_MAX_LEN */
    uint64_t pattern;       /* 32: FILL pattern; CRC32C initial CRC (high 32 bits 0); else 0 */
    uint64_t completion;    /* 40: address of a struct sva_completion, 32-byte aligned */
    uint64_t reserved[2];   /* 48: 0 */
};

/* Completion status (sva_completion.status). */
#define SVA_STATUS_NONE       0u   /* not written yet: zero the record before submitting */
#define SVA_STATUS_SUCCESS    1u
#define SVA_STATUS_PAGE_FAULT 2u   /* fault_addr, fault_reason, fault_flags, bytes_completed say where */
#define SVA_STATUS_INVALID    3u   /* rejected before any access; result = SVA_INVALID_* */

/* sva_completion.fault_reason */
#define SVA_FAULT_NO_TRANSLATION     1  /* no translation and no page request possible */
#define SVA_FAULT_PAGE_REQUEST_REFUSED 2  /* PRI: the address is not mapped, or not for this access */
#define SVA_FAULT_PAGE_REQUEST_FAILED  3  /* PRI response failure; the device stopped using PRI */
#define SVA_FAULT_ATS_UNSUPPORTED    4
#define SVA_FAULT_ABORT              5
#define SVA_FAULT_INVALID_PASID      6
#define SVA_FAULT_TRANSLATION        7  /* untranslated access terminated by the IOMMU */

/* sva_completion.fault_flags */
#define SVA_FAULT_WRITE 0x01  /* the faulting access was a write */

/* sva_completion.result for SVA_STATUS_INVALID: the first field found wrong. */
#define SVA_INVALID_OP        1
#define SVA_INVALID_FLAGS     2
#define SVA_INVALID_LEN       3
#define SVA_INVALID_SRC       4
#define SVA_INVALID_DST       5
#define SVA_INVALID_PATTERN   6
#define SVA_INVALID_RESERVED  7
#define SVA_INVALID_OVERLAP   8

/* What the device writes when a descriptor finishes.  32 bytes, written whole, by DMA. */
struct sva_completion {
    uint32_t status;            /*  0: SVA_STATUS_* */
    uint8_t  fault_reason;      /*  4: SVA_FAULT_* (PAGE_FAULT only) */
    uint8_t  fault_flags;       /*  5: SVA_FAULT_WRITE (PAGE_FAULT only) */
    uint16_t reserved;          /*  6: 0 */
    uint64_t bytes_completed;   /*  8: len on success; bytes done before fault_addr on a fault */
    uint64_t fault_addr;        /* 16: first address the device could not access */
    uint64_t result;            /* 24: COMPARE offset / CRC32C value / SVA_INVALID_* / 0 */
};

/* ioctls */
#define SVA_IOCTL_TYPE 'S'
#define SVA_BIND    _IO(SVA_IOCTL_TYPE, 1)                    /* = 0x5301; arg 0; returns the PASID */
#define SVA_SUBMIT  _IOWR(SVA_IOCTL_TYPE, 2, struct sva_desc) /* = 0xC0405302; arg &desc; returns 0 */

/*
 * Portals (asynchronous submission; docs/guest-abi.md § Portals).  mmap(0, 4096, PROT_WRITE, MAP_SHARED,
 * fd, SVA_PORTAL_DEDICATED) maps this address space's dedicated work queue (binding it, as SVA_BIND
 * does): submit with MOVDIR64B.  Offset SVA_PORTAL_SHARED maps the device's shared work queue: submit
 * with ENQCMD, which puts the thread's PASID in the descriptor and reports "retry" when the queue is
 * full.  The device writes the completion record when done; poll its status.
 */
#define SVA_PORTAL_DEDICATED 0
#define SVA_PORTAL_SHARED    4096

/* A descriptor as a portal takes it: sva_desc with the first dword given to the PASID. 64 bytes. */
struct sva_portal_desc {
    uint32_t pasid;         /*  0: ENQCMD writes it; ignored by a dedicated portal */
    uint16_t op;            /*  4: SVA_OP_* */
    uint16_t flags;         /*  6: reserved, 0 */
    uint64_t src;           /*  8 */
    uint64_t dst;           /* 16 */
    uint64_t len;           /* 24 */
    uint64_t pattern;       /* 32 */
    uint64_t completion;    /* 40: 32-byte aligned struct sva_completion */
    uint64_t reserved[2];   /* 48: 0 */
} __attribute__((aligned(64)));

/* MOVDIR64B: a posted 64-byte store of the descriptor to a dedicated portal. */
static inline void sva_movdir64b(volatile void *portal, const struct sva_portal_desc *d)
{
    __asm__ volatile("movdir64b %1, %0" : : "r"(portal), "m"(*d) : "memory");
}

/* ENQCMD to a shared portal: 0 when accepted, 1 when the device said retry (queue full). */
static inline int sva_enqcmd(volatile void *portal, const struct sva_portal_desc *d)
{
    unsigned char retry;
    __asm__ volatile("enqcmd %1, %2\n\tsetz %0" : "=r"(retry) : "m"(*d), "r"(portal) : "cc", "memory");
    return retry;
}

_Static_assert(sizeof(struct sva_portal_desc) == 64, "struct sva_portal_desc is 64 bytes");
_Static_assert(__builtin_offsetof(struct sva_portal_desc, completion) == 40, "sva_portal_desc.completion at 40");
_Static_assert(sizeof(struct sva_desc) == 64, "struct sva_desc is 64 bytes");
_Static_assert(sizeof(struct sva_completion) == 32, "struct sva_completion is 32 bytes");
_Static_assert(__builtin_offsetof(struct sva_desc, completion) == 40, "sva_desc.completion at 40");
_Static_assert(__builtin_offsetof(struct sva_completion, result) == 24, "sva_completion.result at 24");
_Static_assert(SVA_BIND == 0x5301u, "SVA_BIND");
_Static_assert(SVA_SUBMIT == 0xC0405302u, "SVA_SUBMIT");

#endif /* EMULATOR_SVA_H */
