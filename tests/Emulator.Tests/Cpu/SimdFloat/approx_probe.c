/*
 * RCPSS and RSQRTSS on the host for the ApproxReciprocal cross-check: for every sign, every biased
 * exponent and every value of fraction bits 22:11, with bits 10:0 set from a fixed hash (so the test
 * also shows they do not matter), writes the input and both results as three little-endian uint32.
 */
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    static uint32_t out[3 * 4096];
    for (uint32_t sign = 0; sign < 2; sign++) {
        for (uint32_t e = 0; e < 256; e++) {
            for (uint32_t k = 0; k < 4096; k++) {
                uint32_t low = (k * 2654435761u + e * 40503u) & 0x7FF;
                uint32_t x = (sign << 31) | (e << 23) | (k << 11) | low;
                float f;
                memcpy(&f, &x, 4);
                __m128 v = _mm_set_ss(f);
                float r = _mm_cvtss_f32(_mm_rcp_ss(v));
                float s = _mm_cvtss_f32(_mm_rsqrt_ss(v));
                out[3 * k] = x;
                memcpy(&out[3 * k + 1], &r, 4);
                memcpy(&out[3 * k + 2], &s, 4);
            }
            if (fwrite(out, sizeof out, 1, stdout) != 1) {
                return 1;
            }
        }
    }
    return 0;
}
