/* SPDX-License-Identifier: MIT */
/*
 * guest.h - what tests/guests/crt/start.c gives a freestanding guest: printing to stdout and
 * counting failed checks.  Link every guest with crt/start.c.
 */
#ifndef EMULATOR_GUEST_H
#define EMULATOR_GUEST_H

#include "sys.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

void put_str(const char *s);
void put_u64(uint64_t v);
void put_i64(int64_t v);
void put_hex(uint64_t v);
void put_kv(const char *key, int64_t value);

/* Prints "FAIL what: got N" when !ok and counts it. */
void check(int ok, const char *what, int64_t got);
#define CHECK(cond, got) check((cond), #cond, (int64_t)(got))
int check_failures(void);

#endif /* EMULATOR_GUEST_H */
