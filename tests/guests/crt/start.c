/* SPDX-License-Identifier: MIT */
/*
 * start.c - the start-up code and the few library functions of a freestanding guest.
 *
 * _start receives the stack Linux builds (docs/guest-abi.md: argc at rsp, then argv, NULL, envp),
 * calls main(argc, argv, envp) and exits with its return value.  gcc may emit calls to memcpy,
 * memset, memmove and memcmp even with -nostdlib, so they are defined here.
 */
#include "guest.h"

int main(int argc, char **argv, char **envp);

__asm__(".text\n"
        ".global _start\n"
        ".type _start, @function\n"
        "_start:\n"
        "    xor %ebp, %ebp\n"
        "    mov %rsp, %rdi\n"
        "    and $-16, %rsp\n"
        "    call guest_start\n"
        "    ud2\n");

__attribute__((noreturn, used)) void guest_start(long *sp)
{
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    sys_exit_group(main(argc, argv, argv + argc + 1));
}

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else {
        while (n--)
            d[n] = s[n];
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

void put_str(const char *s)
{
    sys_write(1, s, strlen(s));
}

void put_u64(uint64_t v)
{
    char buf[24];
    int i = sizeof buf;
    buf[--i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put_str(buf + i);
}

void put_i64(int64_t v)
{
    if (v < 0) {
        put_str("-");
        put_u64(-(uint64_t)v);
    } else {
        put_u64((uint64_t)v);
    }
}

void put_hex(uint64_t v)
{
    char buf[19];
    int i = sizeof buf;
    buf[--i] = 0;
    do {
        buf[--i] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    buf[--i] = 'x';
    buf[--i] = '0';
    put_str(buf + i);
}

void put_kv(const char *key, int64_t value)
{
    put_str(key);
    put_str("=");
    put_i64(value);
    put_str("\n");
}

static int failures;

void check(int ok, const char *what, int64_t got)
{
    if (!ok) {
        failures++;
        put_str("FAIL ");
        put_str(what);
        put_str(": got ");
        put_i64(got);
        put_str(" (");
        put_hex((uint64_t)got);
        put_str(")\n");
    }
}

int check_failures(void)
{
    return failures;
}
