/* SPDX-License-Identifier: MIT */
/*
 * sys.h - raw Linux x86-64 system calls for freestanding guests (-nostdlib -static).
 *
 * Each wrapper returns what the kernel returns: >= 0 on success, -errno on failure (no errno
 * variable).  x86-64 syscall ABI: number in rax, arguments in rdi, rsi, rdx, r10, r8, r9; the
 * instruction clobbers rcx and r11.
 */
#ifndef EMULATOR_SYS_H
#define EMULATOR_SYS_H

#include <stddef.h>
#include <stdint.h>

#define SYS_read            0
#define SYS_write           1
#define SYS_close           3
#define SYS_mmap            9
#define SYS_mprotect       10
#define SYS_munmap         11
#define SYS_brk            12
#define SYS_ioctl          16
#define SYS_mremap         25
#define SYS_madvise        28
#define SYS_getpid         39
#define SYS_fork           57
#define SYS_exit           60
#define SYS_wait4          61
#define SYS_clock_gettime 228
#define SYS_exit_group    231
#define SYS_openat        257

#define AT_FDCWD        (-100)
#define O_RDONLY        0
#define O_WRONLY        1
#define O_RDWR          2
#define O_CLOEXEC       02000000

#define PROT_NONE       0
#define PROT_READ       1
#define PROT_WRITE      2
#define PROT_EXEC       4
#define MAP_SHARED      0x01
#define MAP_PRIVATE     0x02
#define MAP_FIXED       0x10
#define MAP_ANONYMOUS   0x20
#define MAP_POPULATE    0x8000
#define MAP_FIXED_NOREPLACE 0x100000
#define MAP_FAILED      ((void *)-1)
#define MREMAP_MAYMOVE  1
#define MREMAP_FIXED    2
#define MADV_DONTNEED   4
#define MADV_SOFT_OFFLINE 101 /* migrate the pages to new frames */
#define CLOCK_REALTIME  0
#define CLOCK_MONOTONIC 1

#define EFAULT 14
#define EINVAL 22
#define ENOTTY 25

struct timespec {
    int64_t tv_sec;
    int64_t tv_nsec;
};

static inline long sys_call0(long n)
{
    long r;
    __asm__ volatile ("syscall" : "=a"(r) : "a"(n) : "rcx", "r11", "memory");
    return r;
}

static inline long sys_call1(long n, long a)
{
    long r;
    __asm__ volatile ("syscall" : "=a"(r) : "a"(n), "D"(a) : "rcx", "r11", "memory");
    return r;
}

static inline long sys_call2(long n, long a, long b)
{
    long r;
    __asm__ volatile ("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b) : "rcx", "r11", "memory");
    return r;
}

static inline long sys_call3(long n, long a, long b, long c)
{
    long r;
    __asm__ volatile ("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}

static inline long sys_call4(long n, long a, long b, long c, long d)
{
    long r;
    register long r10 __asm__("r10") = d;
    __asm__ volatile ("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return r;
}

static inline long sys_call5(long n, long a, long b, long c, long d, long e)
{
    long r;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    __asm__ volatile ("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
    return r;
}

static inline long sys_call6(long n, long a, long b, long c, long d, long e, long f)
{
    long r;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile ("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
    return r;
}

static inline long sys_read(int fd, void *buf, size_t n) { return sys_call3(SYS_read, fd, (long)buf, (long)n); }
static inline long sys_write(int fd, const void *buf, size_t n) { return sys_call3(SYS_write, fd, (long)buf, (long)n); }
static inline long sys_openat(int dirfd, const char *path, int flags, int mode) { return sys_call4(SYS_openat, dirfd, (long)path, flags, mode); }
static inline long sys_close(int fd) { return sys_call1(SYS_close, fd); }

/* Returns the address, or -errno (a value in [-4095, -1]) on failure. */
static inline long sys_mmap(void *addr, size_t len, int prot, int flags, int fd, long off)
{
    return sys_call6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, off);
}
static inline long sys_munmap(void *addr, size_t len) { return sys_call2(SYS_munmap, (long)addr, (long)len); }
static inline long sys_mprotect(void *addr, size_t len, int prot) { return sys_call3(SYS_mprotect, (long)addr, (long)len, prot); }
/* brk returns the new break, or the old one when it cannot move (never -errno). */
static inline long sys_brk(void *addr) { return sys_call1(SYS_brk, (long)addr); }
static inline long sys_ioctl(int fd, unsigned int cmd, unsigned long arg) { return sys_call3(SYS_ioctl, fd, cmd, (long)arg); }
static inline long sys_mremap(void *old, size_t old_len, size_t new_len, int flags, void *new_addr)
{
    return sys_call5(SYS_mremap, (long)old, (long)old_len, (long)new_len, flags, (long)new_addr);
}
static inline long sys_madvise(void *addr, size_t len, int advice) { return sys_call3(SYS_madvise, (long)addr, (long)len, advice); }
static inline long sys_getpid(void) { return sys_call0(SYS_getpid); }
static inline long sys_fork(void) { return sys_call0(SYS_fork); }
static inline long sys_wait4(int pid, int *status, int options, void *rusage) { return sys_call4(SYS_wait4, pid, (long)status, options, (long)rusage); }
static inline long sys_clock_gettime(int clock, struct timespec *ts) { return sys_call2(SYS_clock_gettime, clock, (long)ts); }
static inline __attribute__((noreturn)) void sys_exit(int code)
{
    sys_call1(SYS_exit, code);
    __builtin_unreachable();
}
static inline __attribute__((noreturn)) void sys_exit_group(int code)
{
    sys_call1(SYS_exit_group, code);
    __builtin_unreachable();
}

/* Is a raw return value an error?  (The kernel never returns an address in the last page.) */
static inline int sys_is_error(long r) { return (unsigned long)r >= (unsigned long)-4095; }

#endif /* EMULATOR_SYS_H */
