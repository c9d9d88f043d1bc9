/* SPDX-License-Identifier: MIT */
/*
 * intwork.c - an integer workload: a prime sieve, a sort, CRC-32C, fixed-point math and a hash of
 * 64-bit multiplies and divides.  It prints its results; the test runs it in the emulator and
 * natively on the host (it makes only raw system calls, so the same binary runs on both) and
 * compares the output byte for byte.
 */
#include "guest.h"

#define SIEVE_N 20000
static unsigned char composite[SIEVE_N + 1];

static long sieve(void)
{
    long count = 0;
    for (long i = 2; i <= SIEVE_N; i++) {
        if (composite[i])
            continue;
        count++;
        for (long j = i * i; j <= SIEVE_N; j += i)
            composite[j] = 1;
    }
    return count;
}

static uint64_t rng_state = 0x243F6A8885A308D3ull;

static uint64_t xorshift(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

#define SORT_N 2000
static int64_t values[SORT_N];

static void heap_sift(int64_t *a, long start, long end)
{
    long root = start;
    while (2 * root + 1 <= end) {
        long child = 2 * root + 1, swap = root;
        if (a[swap] < a[child])
            swap = child;
        if (child + 1 <= end && a[swap] < a[child + 1])
            swap = child + 1;
        if (swap == root)
            return;
        int64_t t = a[root];
        a[root] = a[swap];
        a[swap] = t;
        root = swap;
    }
}

static void heap_sort(int64_t *a, long n)
{
    for (long start = (n - 2) / 2; start >= 0; start--)
        heap_sift(a, start, n - 1);
    for (long end = n - 1; end > 0; end--) {
        int64_t t = a[end];
        a[end] = a[0];
        a[0] = t;
        heap_sift(a, 0, end - 1);
    }
}

static uint32_t crc32c(const unsigned char *p, size_t n, uint32_t crc)
{
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
    }
    return ~crc;
}

/* Q16.16 square root by Newton's method. */
static int32_t fx_sqrt(int32_t x)
{
    if (x <= 0)
        return 0;
    int64_t r = x > 0x10000 ? x : 0x10000;
    for (int i = 0; i < 40; i++)
        r = (r + (((int64_t)x << 16) / r)) / 2;
    return (int32_t)r;
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    put_kv("argc", argc);
    for (int i = 1; i < argc; i++) {
        put_str("arg ");
        put_str(argv[i]);
        put_str("\n");
    }

    put_kv("primes", sieve());

    for (long i = 0; i < SORT_N; i++)
        values[i] = (int64_t)(xorshift() % 2000001) - 1000000;
    heap_sort(values, SORT_N);
    int sorted = 1;
    for (long i = 1; i < SORT_N; i++)
        sorted &= values[i - 1] <= values[i];
    put_kv("sorted", sorted);
    put_kv("min", values[0]);
    put_kv("median", values[SORT_N / 2]);
    put_kv("max", values[SORT_N - 1]);

    put_str("crc_check=");
    put_hex(crc32c((const unsigned char *)"123456789", 9, 0));
    put_str("\n");
    put_str("crc_values=");
    put_hex(crc32c((const unsigned char *)values, sizeof values, 0));
    put_str("\n");

    int64_t sum = 0;
    for (int32_t x = 1; x <= 1000; x++)
        sum += fx_sqrt(x << 16);
    put_kv("fx_sqrt_sum", sum);
    put_kv("fx_sqrt_2", fx_sqrt(2 << 16));

    uint64_t h = 1469598103934665603ull;
    int64_t s = 0;
    for (uint64_t i = 1; i < 5000; i++) {
        h = (h ^ i) * 1099511628211ull;
        s += (int64_t)(h % (i * 7 + 3)) - (int64_t)(h / ((i << 20) | 1) % 1000);
        s ^= (int64_t)(h >> (i % 63));
    }
    put_str("hash=");
    put_hex(h);
    put_str("\n");
    put_kv("mix", s);
    put_kv("neg_div", (int64_t)-7777777 / 13);
    put_kv("neg_mod", (int64_t)-7777777 % 13);
    return 0;
}
