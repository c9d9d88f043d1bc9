/* printf-float.c - double and long double formatting and parsing (SSE2 and x87 in libc). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    double d[] = { 0.0, -0.0, 1.0, 0.1, 1.0 / 3, 2.5, 1e300, 1e-300, DBL_MAX, DBL_MIN, 5e-324, 123456789.125, -42.75 };
    for (unsigned i = 0; i < sizeof d / sizeof d[0]; i++)
        printf("%.17g|%f|%e|%a|%g\n", d[i], d[i], d[i], d[i], d[i]);
    printf("%f %f %f\n", INFINITY, -INFINITY, NAN);
    long double l[] = { 1.0L, 0.1L, 1.0L / 3, 3.14159265358979323846264338327950288L, LDBL_MAX, LDBL_MIN, -2.5L, 1e4000L };
    for (unsigned i = 0; i < sizeof l / sizeof l[0]; i++)
        printf("%.21Lg|%Lf|%Le|%La\n", l[i], l[i], l[i], l[i]);
    const char *in[] = { "3.14159", "1e-310", "0x1.8p3", "-inf", "123456789012345678901234567890", "2.2250738585072011e-308" };
    for (unsigned i = 0; i < sizeof in / sizeof in[0]; i++) {
        double v = strtod(in[i], 0);
        long double lv = strtold(in[i], 0);
        printf("%s -> %a %La\n", in[i], v, lv);
    }
    double acc = 0;
    for (int i = 1; i <= 1000; i++)
        acc += sqrt((double)i) * sin(i * 0.001) / (1.0 + i);
    printf("acc=%.15g floor=%g fmod=%g pow=%.17g exp=%.17g log=%.17g\n", acc, floor(-2.5), fmod(10.0, 3.0), pow(2.0, 0.5), exp(1.0), log(10.0));
    long double la = 0;
    for (int i = 1; i <= 100; i++)
        la += 1.0L / ((long double)i * i);
    printf("zeta2=%.20Lg sqrtl=%.20Lg\n", la, sqrtl(2.0L));
    return 0;
}
