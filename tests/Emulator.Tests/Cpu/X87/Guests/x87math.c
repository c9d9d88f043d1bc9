/* SPDX-License-Identifier: MIT */
/*
 * x87math.c - long double work as libc does it, printed in hex and in decimal, so the emulator's
 * output can be compared byte for byte with the host processor's (X87GuestTests).
 *
 * The math routines are the x87 instruction sequences the x86-64 libm uses for long double
 * (exp via f2xm1/fscale, log via fyl2x/fyl2xp1, sin/tan with the fprem1 reduction loop, pow via
 * fyl2x then exp2, fmod via the fprem loop, atan2 via fpatan); the decimal printing follows the
 * scheme of musl's printf for %Le (frexp, then 9 decimal digits at a time by multiplying the
 * fraction by 1e9 and converting to an integer).  Compiled with -mno-sse: every floating-point
 * operation is x87.
 */
#include "guest.h"

typedef long double ld;

static void put_ld_hex(ld v)
{
    union { ld v; struct { uint64_t m; uint16_t se; } p; } u;
    u.v = v;
    static const char hex[] = "0123456789abcdef";
    char buf[22];
    int i = 0;
    for (int s = 12; s >= 0; s -= 4)
        buf[i++] = hex[(u.p.se >> s) & 15];
    buf[i++] = ':';
    for (int s = 60; s >= 0; s -= 4)
        buf[i++] = hex[(u.p.m >> s) & 15];
    buf[i] = 0;
    put_str(buf);
}

/* --- libm-style x87 sequences (Intel syntax inside, operands through st(0)/st(1)) --- */

static ld x_exp2(ld t)  /* 2^t = 2^n * (f2xm1(t - n) + 1), n = rint(t) */
{
    ld r;
    __asm__(".intel_syntax noprefix\n\t"
            "fld st(0)\n\t"
            "frndint\n\t"            /* n, t */
            "fsub st(1), st\n\t"     /* n, t - n */
            "fxch st(1)\n\t"
            "f2xm1\n\t"
            "fld1\n\t"
            "faddp st(1), st\n\t"    /* 2^f, n */
            "fscale\n\t"
            "fstp st(1)\n\t"
            ".att_syntax prefix"
            : "=t"(r) : "0"(t));
    return r;
}

static ld x_expl(ld x)
{
    ld t;
    __asm__(".intel_syntax noprefix\n\tfldl2e\n\tfmulp st(1), st\n\t.att_syntax prefix" : "=t"(t) : "0"(x));
    return x_exp2(t);
}

static ld x_logl(ld x)
{
    ld r, d = x - 1.0L;
    if (d > -0.29L && d < 0.29L) {
        __asm__(".intel_syntax noprefix\n\tfldln2\n\tfxch st(1)\n\tfyl2xp1\n\t.att_syntax prefix" : "=t"(r) : "0"(d));
    } else {
        __asm__(".intel_syntax noprefix\n\tfldln2\n\tfxch st(1)\n\tfyl2x\n\t.att_syntax prefix" : "=t"(r) : "0"(x));
    }
    return r;
}

/* fsin, and when it reports C2 (|x| >= 2^63) the fprem1 reduction by 2*pi first. */
static ld x_sinl(ld x)
{
    ld r;
    __asm__(".intel_syntax noprefix\n\t"
            "fsin\n\t"
            "fnstsw ax\n\t"
            "test ah, 4\n\t"
            "jz 2f\n\t"
            "fldpi\n\t"
            "fadd st, st(0)\n\t"
            "fxch st(1)\n"
            "1:\n\t"
            "fprem1\n\t"
            "fnstsw ax\n\t"
            "test ah, 4\n\t"
            "jnz 1b\n\t"
            "fstp st(1)\n\t"
            "fsin\n"
            "2:\n\t"
            ".att_syntax prefix"
            : "=t"(r) : "0"(x) : "rax");
    return r;
}

static ld x_tanl(ld x)
{
    ld r;
    __asm__(".intel_syntax noprefix\n\tfptan\n\tfstp st(0)\n\t.att_syntax prefix" : "=t"(r) : "0"(x));
    return r;
}

static ld x_powl(ld x, ld y)  /* x > 0: 2^(y log2 x) */
{
    ld t;
    __asm__(".intel_syntax noprefix\n\tfyl2x\n\t.att_syntax prefix" : "=t"(t) : "0"(x), "u"(y) : "st(1)");
    return x_exp2(t);
}

static ld x_fmodl(ld x, ld y)
{
    ld r;
    __asm__(".intel_syntax noprefix\n"
            "1:\n\t"
            "fprem\n\t"
            "fnstsw ax\n\t"
            "sahf\n\t"
            "jp 1b\n\t"
            ".att_syntax prefix"
            : "=t"(r) : "0"(x), "u"(y) : "rax");
    return r;
}

static ld x_atan2l(ld y, ld x)
{
    ld r;
    __asm__(".intel_syntax noprefix\n\tfpatan\n\t.att_syntax prefix" : "=t"(r) : "0"(x), "u"(y) : "st(1)");
    return r;
}

static ld x_sqrtl(ld x)
{
    ld r;
    __asm__("fsqrt" : "=t"(r) : "0"(x));
    return r;
}

static ld x_frexpl(ld x, int *e)  /* x = m * 2^e, 0.5 <= |m| < 1 (x finite, nonzero) */
{
    ld m, ex;
    __asm__("fxtract" : "=t"(m), "=u"(ex) : "0"(x));
    *e = (int)ex + 1;
    return m * 0.5L;
}

static void set_rounding(unsigned mode)
{
    unsigned short cw;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    cw = (unsigned short)((cw & ~0x0C00) | (mode << 10));
    __asm__ volatile("fldcw %0" : : "m"(cw));
}

/* --- %.*Le in the manner of musl's fmt_fp: the fraction as base-1e9 digit groups --- */

static void put_ld_dec(ld y, int prec)
{
    char out[128];
    int n = 0;
    if (y < 0 || (y == 0 && 1 / y < 0)) {
        out[n++] = '-';
        y = -y;
    }
    if (y != y) {
        put_str("nan");
        return;
    }
    if (y > 1.18e4932L) {
        out[n++] = 'i'; out[n++] = 'n'; out[n++] = 'f'; out[n] = 0;
        put_str(out);
        return;
    }
    int e10 = 0;
    if (y != 0) {
        /* Scale into [1, 10) with powers of ten built by repeated squaring (long double work). */
        int e2;
        x_frexpl(y, &e2);
        e10 = (int)((e2 - 1) * 0.30102999566398119521L);
        ld p = 1, b = 10;
        int k = e10 < 0 ? -e10 : e10;
        while (k) {
            if (k & 1)
                p *= b;
            b *= b;
            k >>= 1;
        }
        y = e10 < 0 ? y * p : y / p;
        while (y >= 10) { y /= 10; e10++; }
        while (y < 1) { y *= 10; e10--; }
    }
    /* Digits: the integer digit, then groups of nine from the fraction. */
    uint32_t d = (uint32_t)y;
    out[n++] = (char)('0' + d);
    out[n++] = '.';
    y -= d;
    int left = prec;
    while (left > 0) {
        y *= 1000000000;
        uint32_t g = (uint32_t)y;
        y -= g;
        char grp[9];
        for (int i = 8; i >= 0; i--) {
            grp[i] = (char)('0' + g % 10);
            g /= 10;
        }
        for (int i = 0; i < 9 && left > 0; i++, left--)
            out[n++] = grp[i];
    }
    out[n++] = 'e';
    out[n++] = e10 < 0 ? '-' : '+';
    int a = e10 < 0 ? -e10 : e10;
    char eb[8];
    int m = 0;
    do { eb[m++] = (char)('0' + a % 10); a /= 10; } while (a);
    if (m < 2) eb[m++] = '0';
    while (m) out[n++] = eb[--m];
    out[n] = 0;
    put_str(out);
}

static void show(const char *what, ld v)
{
    put_str(what);
    put_str(" = ");
    put_ld_hex(v);
    put_str(" ");
    put_ld_dec(v, 20);
    put_str("\n");
}

static volatile ld sink;
static volatile ld one = 1;  /* so 1/3 is computed at run time, under each rounding mode */

int main(int argc, char **argv, char **envp)
{
    (void)argc; (void)argv; (void)envp;
    static const ld exps[] = { 1, -1, 0.5L, 10, -10, 1e-10L, 100, 11356, -11355, 0.693147180559945309417L };
    static const ld logs[] = { 2, 10, 0.5L, 1.0001L, 1e100L, 3e-4000L, 0.75L, 1.25L };
    static const ld sins[] = { 1, 0.5L, 3, 100, 1e10L, 1e19L, 1e22L, -7.5L, 3.14159265358979323851L };
    static const ld pows[][2] = { { 2, 0.5L }, { 10, 3.3L }, { 1.5L, 100 }, { 7, -2.25L }, { 1e10L, 0.1L } };
    static const ld mods[][2] = { { 1e20L, 3 }, { 10, 3 }, { 5.5L, 1.5L }, { -1e300L, 7.25L }, { 1e4000L, 1e-3000L } };
    char name[32];
    for (unsigned i = 0; i < sizeof exps / sizeof exps[0]; i++) {
        name[0] = 'e'; name[1] = 'x'; name[2] = 'p'; name[3] = (char)('0' + i); name[4] = 0;
        show(name, x_expl(exps[i]));
    }
    for (unsigned i = 0; i < sizeof logs / sizeof logs[0]; i++) {
        name[0] = 'l'; name[1] = 'o'; name[2] = 'g'; name[3] = (char)('0' + i); name[4] = 0;
        show(name, x_logl(logs[i]));
    }
    for (unsigned i = 0; i < sizeof sins / sizeof sins[0]; i++) {
        name[0] = 's'; name[1] = 'i'; name[2] = 'n'; name[3] = (char)('0' + i); name[4] = 0;
        show(name, x_sinl(sins[i]));
        name[0] = 't'; name[1] = 'a'; name[2] = 'n';
        show(name, x_tanl(sins[i] / 1e4L));
    }
    for (unsigned i = 0; i < sizeof pows / sizeof pows[0]; i++) {
        name[0] = 'p'; name[1] = 'o'; name[2] = 'w'; name[3] = (char)('0' + i); name[4] = 0;
        show(name, x_powl(pows[i][0], pows[i][1]));
    }
    for (unsigned i = 0; i < sizeof mods / sizeof mods[0]; i++) {
        name[0] = 'm'; name[1] = 'o'; name[2] = 'd'; name[3] = (char)('0' + i); name[4] = 0;
        show(name, x_fmodl(mods[i][0], mods[i][1]));
    }
    show("atan2", x_atan2l(1, -3));
    show("sqrt2", x_sqrtl(2));
    show("pi", 3.14159265358979323846264338327950288L);

    /* Arithmetic under every rounding mode, and the integer conversions gcc emits (fistp, fisttp
       is not used without SSE3: gcc switches FCW to truncation around fistp). */
    static const char *modes[] = { "rn", "rd", "ru", "rz" };
    for (unsigned mode = 0; mode < 4; mode++) {
        set_rounding(mode);
        ld third = one / 3, s = 0;
        for (int k = 1; k <= 1000; k++)
            s += third / k;
        name[0] = 'h'; name[1] = '-'; name[2] = modes[mode][0]; name[3] = modes[mode][1]; name[4] = 0;
        show(name, s);
        put_str("  ints ");
        put_i64((long long)(s * 1e15L));
        put_str(" ");
        put_i64((long long)-(s * 12345.678L));
        put_str(" ");
        put_u64((unsigned long long)(s * 1e18L));
        put_str("\n");
        float f = (float)third;
        double dd = (double)third;
        union { float f; uint32_t u; } fu = { f };
        union { double d; uint64_t u; } du = { dd };
        put_str("  narrow ");
        put_hex(fu.u);
        put_str(" ");
        put_hex(du.u);
        put_str("\n");
    }
    set_rounding(0);

    /* Accumulate: a long chain exercising add, mul, div and compares. */
    ld acc = 0;
    for (int k = 1; k <= 20000; k++) {
        ld t = (ld)k;
        acc += x_sqrtl(t) / (t * t + 1);
        if (acc > 1e6L)
            acc -= 1e6L;
    }
    show("acc", acc);
    sink = acc;
    return 0;
}
