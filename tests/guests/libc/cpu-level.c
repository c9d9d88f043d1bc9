/* cpu-level.c - what a program sees of the CPU: the CPUID bits (<cpuid.h>), glibc's own view of the
 * active features, which drives its ifunc selection (<sys/platform/x86.h>, glibc 2.33+), and
 * AT_HWCAP; then string functions those ifuncs selected must run. (libgcc's __builtin_cpu_supports
 * is not used: it reports nothing for a vendor other than Intel, AMD and a few old ones.) */
#include <cpuid.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#ifdef __GLIBC__
#include <sys/platform/x86.h>
#endif

int main(void)
{
    unsigned a, b, c, d, b7 = 0;
    __get_cpuid(1, &a, &b, &c, &d);
    if (__get_cpuid_max(0, 0) >= 7) {
        unsigned a7, c7, d7;
        __cpuid_count(7, 0, a7, b7, c7, d7);
    }
    printf("cpuid: sse2=%d sse4.2=%d popcnt=%d avx=%d avx2=%d fma=%d bmi2=%d\n", (d >> 26) & 1, (c >> 20) & 1,
           (c >> 23) & 1, (c >> 28) & 1, (b7 >> 5) & 1, (c >> 12) & 1, (b7 >> 8) & 1);
#ifdef __GLIBC__
    printf("glibc: sse2=%d sse4.2=%d popcnt=%d avx=%d avx2=%d fma=%d bmi2=%d\n", CPU_FEATURE_ACTIVE(SSE2) != 0,
           CPU_FEATURE_ACTIVE(SSE4_2) != 0, CPU_FEATURE_ACTIVE(POPCNT) != 0, CPU_FEATURE_ACTIVE(AVX) != 0,
           CPU_FEATURE_ACTIVE(AVX2) != 0, CPU_FEATURE_ACTIVE(FMA) != 0, CPU_FEATURE_ACTIVE(BMI2) != 0);
#else
    printf("hwcap=%lx\n", getauxval(AT_HWCAP));
#endif
    static char s1[5000], s2[5000];
    memset(s1, 'x', sizeof s1 - 1);
    memcpy(s2, s1, sizeof s1);
    printf("strlen=%zu memcmp=%d strchr=%td\n", strlen(s2), memcmp(s1, s2, sizeof s1), strchr(s2, 0) - s2);
    return 0;
}
