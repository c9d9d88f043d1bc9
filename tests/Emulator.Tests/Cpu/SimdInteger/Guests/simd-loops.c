/* SPDX-License-Identifier: MIT */
/*
 * simd-loops.c - loops gcc -O3 vectorises with SSE2..SSE4.1 or AVX2 (byte sums, counts, a histogram,
 * saturating adds, min/max, dot products, sums of absolute differences, widening and narrowing,
 * shifts, case conversion), each result printed, so the output under the emulator can be compared
 * with the same static binary run natively.  Data comes from a fixed xorshift generator.
 */
#include "guest.h"

#define N 4099 /* not a multiple of any vector width: the scalar tails run too */

static unsigned char a8[N], b8[N], d8[N];
static signed char s8[N];
static short a16[N], b16[N], d16[N];
static int a32[N], b32[N], d32[N];
static unsigned hist[256];

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

__attribute__((noinline)) static unsigned sum_bytes(const unsigned char *p, int n)
{
    unsigned s = 0;
    for (int i = 0; i < n; i++)
        s += p[i];
    return s;
}

__attribute__((noinline)) static long count_byte(const unsigned char *p, int n, unsigned char c)
{
    long k = 0;
    for (int i = 0; i < n; i++)
        k += p[i] == c;
    return k;
}

__attribute__((noinline)) static void histogram(const unsigned char *p, int n)
{
    for (int i = 0; i < n; i++)
        hist[p[i]]++;
}

__attribute__((noinline)) static void add_saturate(unsigned char *d, const unsigned char *x, const unsigned char *y, int n)
{
    for (int i = 0; i < n; i++) {
        int v = x[i] + y[i];
        d[i] = v > 255 ? 255 : v;
    }
}

__attribute__((noinline)) static void sub_saturate16(short *d, const short *x, const short *y, int n)
{
    for (int i = 0; i < n; i++) {
        int v = x[i] - y[i];
        d[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
}

__attribute__((noinline)) static int max32(const int *p, int n)
{
    int m = p[0];
    for (int i = 1; i < n; i++)
        m = p[i] > m ? p[i] : m;
    return m;
}

__attribute__((noinline)) static unsigned char min8(const unsigned char *p, int n)
{
    unsigned char m = 255;
    for (int i = 0; i < n; i++)
        m = p[i] < m ? p[i] : m;
    return m;
}

__attribute__((noinline)) static int min_signed8(const signed char *p, int n)
{
    signed char m = 127;
    for (int i = 0; i < n; i++)
        m = p[i] < m ? p[i] : m;
    return m;
}

__attribute__((noinline)) static int dot16(const short *x, const short *y, int n)
{
    int s = 0;
    for (int i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}

__attribute__((noinline)) static unsigned sad8(const unsigned char *x, const unsigned char *y, int n)
{
    unsigned s = 0;
    for (int i = 0; i < n; i++)
        s += x[i] > y[i] ? x[i] - y[i] : y[i] - x[i];
    return s;
}

__attribute__((noinline)) static long long sum_widen32(const int *p, int n)
{
    long long s = 0;
    for (int i = 0; i < n; i++)
        s += p[i];
    return s;
}

__attribute__((noinline)) static void mul_add32(int *d, const int *x, const int *y, int n)
{
    for (int i = 0; i < n; i++)
        d[i] = x[i] * y[i] + (x[i] >> 3) - (int)((unsigned)y[i] >> 5);
}

__attribute__((noinline)) static void narrow16(unsigned char *d, const short *x, int n)
{
    for (int i = 0; i < n; i++)
        d[i] = (unsigned char)(x[i] >> 4);
}

__attribute__((noinline)) static void widen_signed(short *d, const signed char *x, int n)
{
    for (int i = 0; i < n; i++)
        d[i] = (short)(x[i] * 3);
}

__attribute__((noinline)) static void upcase(unsigned char *d, const unsigned char *x, int n)
{
    for (int i = 0; i < n; i++)
        d[i] = x[i] >= 'a' && x[i] <= 'z' ? x[i] - 32 : x[i];
}

__attribute__((noinline)) static void average8(unsigned char *d, const unsigned char *x, const unsigned char *y, int n)
{
    for (int i = 0; i < n; i++)
        d[i] = (unsigned char)((x[i] + y[i] + 1) >> 1);
}

__attribute__((noinline)) static void mulhi16(short *d, const short *x, const short *y, int n)
{
    for (int i = 0; i < n; i++)
        d[i] = (short)((x[i] * y[i]) >> 16);
}

__attribute__((noinline)) static void abs32(int *d, const int *x, int n)
{
    for (int i = 0; i < n; i++)
        d[i] = x[i] < 0 ? -x[i] : x[i];
}

__attribute__((noinline)) static void reverse8(unsigned char *d, const unsigned char *x, int n)
{
    for (int i = 0; i < n; i++)
        d[i] = x[n - 1 - i];
}

static uint64_t fnv(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
        __asm__("" : "+r"(h)); /* keep this one scalar: it checks the others */
    }
    return (int64_t)h;
}

int main(int argc, char **argv, char **envp)
{
    (void)argc; (void)argv; (void)envp;
    for (int i = 0; i < N; i++) {
        uint64_t r = next();
        a8[i] = (unsigned char)r;
        b8[i] = (unsigned char)(r >> 8);
        s8[i] = (signed char)(r >> 16);
        a16[i] = (short)(r >> 24);
        b16[i] = (short)(r >> 40);
        a32[i] = (int)(r >> 20);
        b32[i] = (int)r;
        if (i % 7 == 0)
            a8[i] = 'a' + i % 26;
    }
    put_kv("sum_bytes", sum_bytes(a8, N));
    put_kv("count_byte", count_byte(a8, N, 'q'));
    histogram(a8, N);
    put_kv("histogram", (int64_t)fnv(hist, sizeof hist));
    add_saturate(d8, a8, b8, N);
    put_kv("add_saturate", (int64_t)fnv(d8, N));
    sub_saturate16(d16, a16, b16, N);
    put_kv("sub_saturate16", (int64_t)fnv(d16, sizeof d16));
    put_kv("max32", max32(a32, N));
    put_kv("min8", min8(a8 + 1, N - 1));
    put_kv("min_signed8", min_signed8(s8, N));
    put_kv("dot16", dot16(a16, b16, N));
    put_kv("sad8", sad8(a8, b8, N));
    put_kv("sum_widen32", sum_widen32(a32, N));
    mul_add32(d32, a32, b32, N);
    put_kv("mul_add32", (int64_t)fnv(d32, sizeof d32));
    narrow16(d8, a16, N);
    put_kv("narrow16", (int64_t)fnv(d8, N));
    widen_signed(d16, s8, N);
    put_kv("widen_signed", (int64_t)fnv(d16, sizeof d16));
    upcase(d8, a8, N);
    put_kv("upcase", (int64_t)fnv(d8, N));
    average8(d8, a8, b8, N);
    put_kv("average8", (int64_t)fnv(d8, N));
    mulhi16(d16, a16, b16, N);
    put_kv("mulhi16", (int64_t)fnv(d16, sizeof d16));
    abs32(d32, a32, N);
    put_kv("abs32", (int64_t)fnv(d32, sizeof d32));
    reverse8(d8, a8, N);
    put_kv("reverse8", (int64_t)fnv(d8, N));
    return 0;
}
