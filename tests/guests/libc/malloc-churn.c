/* malloc-churn.c - the allocator's brk and mmap paths: many sizes, frees, reallocs, big blocks. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x243F6A8885A308D3ull;
static uint64_t next(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

int main(void)
{
    enum { N = 512 };
    static unsigned char *p[N];
    static size_t len[N];
    uint64_t sum = 0;
    for (int round = 0; round < 20000; round++) {
        int i = (int)(next() % N);
        if (p[i]) {
            for (size_t k = 0; k < len[i]; k += 97)
                sum += p[i][k] ^ (unsigned char)k;
            if (next() % 3 == 0) {
                size_t n = 1 + next() % 70000;
                unsigned char *q = realloc(p[i], n);
                if (!q)
                    return 2;
                if (n > len[i])
                    memset(q + len[i], (int)(i & 0xff), n - len[i]);
                p[i] = q;
                len[i] = n;
            } else {
                free(p[i]);
                p[i] = 0;
            }
        } else {
            size_t n = next() % 8 == 0 ? 200000 + next() % 600000 : 1 + next() % 3000;
            p[i] = next() % 5 == 0 ? calloc(1, n) : malloc(n);
            if (!p[i])
                return 1;
            memset(p[i], (int)(i & 0xff), n);
            len[i] = n;
        }
    }
    for (int i = 0; i < N; i++)
        free(p[i]);
    void *a = aligned_alloc(4096, 3 * 4096);
    printf("checksum=%llu aligned=%d\n", (unsigned long long)sum, ((uintptr_t)a & 4095) == 0);
    free(a);
    return 0;
}
