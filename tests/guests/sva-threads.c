/* SPDX-License-Identifier: MIT */
/*
 * sva-threads.c - threads of one process share its PASID and submit to /dev/sva0 at once while a
 * mutator thread munmaps, mremaps, mprotects and rewrites the buffers under them, and short-lived
 * child processes bind, DMA and exit (so PASIDs are reused), after two processes pass one PASID
 * between them (see pasid_reuse).  Every submission must complete (0)
 * with SUCCESS or a PAGE_FAULT status; the coherence oracle, outside the guest, judges whether any
 * DMA used a translation the mm had invalidated.
 *
 *   sva-threads [workers [rounds]]     defaults: 4 workers; 40 mutations, and at least 40
 *                                      submissions per worker, all running until the mutator is done
 */
#include "device.h"

#define SYS_clone       56
#define SYS_futex      202
#define CLONE_VM 0x100
#define CLONE_FS 0x200
#define CLONE_FILES 0x400
#define CLONE_SIGHAND 0x800
#define CLONE_THREAD 0x10000
#define CLONE_SYSVSEM 0x40000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_CHILD_SETTID 0x1000000
#define FUTEX_WAIT 0
#define PAGE 4096ul
#define SLOTS 4
#define SLOT_PAGES 4
#define MAX_WORKERS 8

struct thread {
    volatile int tid;              /* cleared by the kernel at exit (CLONE_CHILD_CLEARTID) */
    void (*fn)(long);
    long arg;
    char stack[32768] __attribute__((aligned(16)));
};

static struct thread threads[MAX_WORKERS + 1];

/* Slot buffers: published addresses the workers read and the mutator replaces. */
static volatile unsigned long slot_addr[SLOTS];
static volatile int stop;
static int fd;
static volatile long successes, faults, failures;

__attribute__((noreturn, used)) static void thread_entry(struct thread *t)
{
    t->fn(t->arg);
    sys_call1(SYS_exit, 0);
    __builtin_unreachable();
}

static long start_thread(struct thread *t, void (*fn)(long), long arg)
{
    t->fn = fn;
    t->arg = arg;
    long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
                 CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
    /* The child pops t from its new stack and calls thread_entry(t). */
    unsigned long *sp = (unsigned long *)(t->stack + sizeof t->stack);
    *--sp = (unsigned long)t;
    long r;
    register long r10 __asm__("r10") = (long)&t->tid;
    __asm__ volatile ("syscall\n"
                      "test %%rax, %%rax\n"
                      "jnz 1f\n"
                      "pop %%rdi\n"
                      "call thread_entry\n"
                      "1:\n"
                      : "=a"(r)
                      : "a"(SYS_clone), "D"(flags), "S"(sp), "d"(0), "r"(r10)
                      : "rcx", "r11", "memory");
    return r;
}

static void join(struct thread *t)
{
    int v;
    while ((v = t->tid) != 0)
        sys_call4(SYS_futex, (long)&t->tid, FUTEX_WAIT, v, 0);
}

static unsigned long rng_state = 88172645463325252ull;
static unsigned long rnd(unsigned long *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void count_result(long rc, struct sva_completion *c)
{
    if (rc == 0 && c->status == SVA_STATUS_SUCCESS)
        __atomic_fetch_add(&successes, 1, __ATOMIC_RELAXED);
    else if (rc == 0 && c->status == SVA_STATUS_PAGE_FAULT)
        __atomic_fetch_add(&faults, 1, __ATOMIC_RELAXED);
    else {
        __atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
        put_str("FAIL submit rc=");
        put_i64(rc);
        put_str(" status=");
        put_u64(c->status);
        put_str("\n");
    }
}

static long submit(int op, unsigned long src, unsigned long dst, unsigned long len, unsigned long pattern,
                   struct sva_completion *c)
{
    struct sva_desc d;
    memset(&d, 0, sizeof d);
    memset(c, 0, sizeof *c);
    d.op = op;
    d.src = src;
    d.dst = dst;
    d.len = len;
    d.pattern = pattern;
    d.completion = (unsigned long)c;
    return sys_ioctl(fd, SVA_SUBMIT, (unsigned long)&d);
}

static void worker(long id)
{
    static struct sva_completion comps[MAX_WORKERS] __attribute__((aligned(32)));
    struct sva_completion *c = &comps[id];
    unsigned long seed = 0x9E3779B97F4A7C15ull * (unsigned long)(id + 1);
    long rounds = threads[MAX_WORKERS].arg;
    long mine = sys_mmap(0, SLOT_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    /* Until the mutator is done, and at least `rounds` submissions. */
    for (long r = 0; r < rounds || !stop; r++) {
        unsigned long a = slot_addr[rnd(&seed) % SLOTS];
        unsigned long len = PAGE * (1 + rnd(&seed) % SLOT_PAGES);
        long rc;
        switch (rnd(&seed) % 3) {
        case 0: rc = submit(SVA_OP_COPY, a, (unsigned long)mine, len, 0, c); break;
        case 1: rc = submit(SVA_OP_FILL, 0, a, len, rnd(&seed), c); break;
        default: rc = submit(SVA_OP_CRC32C, a, 0, len, 0, c); break;
        }
        count_result(rc, c);
    }
}

/* Replaces, moves and write-protects the slots while the workers use them. */
static void mutator(long rounds)
{
    unsigned long seed = 0xDEADBEEFull;
    for (long r = 0; r < rounds; r++) {
        int s = (int)(rnd(&seed) % SLOTS);
        unsigned long a = slot_addr[s];
        switch (rnd(&seed) % 4) {
        case 0: { /* munmap and map afresh at the same address */
            sys_munmap((void *)a, SLOT_PAGES * PAGE);
            long m = sys_mmap((void *)a, SLOT_PAGES * PAGE, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
            check(m == (long)a, "remap slot", m);
            break;
        }
        case 1: { /* move it */
            long m = sys_mremap((void *)a, SLOT_PAGES * PAGE, SLOT_PAGES * PAGE, MREMAP_MAYMOVE, 0);
            if (!sys_is_error(m))
                slot_addr[s] = (unsigned long)m;
            break;
        }
        case 2: /* write-protect, then allow writes again */
            sys_mprotect((void *)a, SLOT_PAGES * PAGE, PROT_READ);
            sys_call0(24 /* sched_yield */);
            sys_mprotect((void *)a, SLOT_PAGES * PAGE, PROT_READ | PROT_WRITE);
            break;
        default: /* rewrite by the CPU; discard half */
            for (unsigned long i = 0; i < SLOT_PAGES * PAGE; i += 64)
                ((volatile unsigned char *)a)[i] = (unsigned char)(i + r);
            sys_madvise((void *)a, 2 * PAGE, MADV_DONTNEED);
            break;
        }
        if (r % 8 == 7) {
            /* A short-lived child binds its own PASID, DMAs and exits: PASIDs are freed and reused. */
            long pid = sys_fork();
            if (pid == 0) {
                long pasid = sys_ioctl(fd, SVA_BIND, 0);
                static struct sva_completion cc __attribute__((aligned(32)));
                unsigned long b = slot_addr[0];
                long rc = submit(SVA_OP_FILL, 0, b, PAGE, 0x1111, &cc);
                sys_exit_group(pasid > 0 && rc == 0 ? 0 : 1);
            }
            int status = -1;
            sys_wait4((int)pid, &status, 0, 0);
            check(status == 0, "child DMA", status);
        }
    }
    stop = 1;
}

/*
 * PASID reuse across processes, through shared memory and shared futexes: child A binds through its
 * own file, DMAs, and closes the file (unbind) while its mm lives on; child B binds and is given A's
 * PASID; A then unmaps the page B's device reads at the same address.  Each step is confirmed through
 * a MAP_SHARED mailbox.  With a driver that skips configuration-cache invalidation, B's device keeps
 * translating through A's page tables and reaches A's freed frame: the oracle must fire.
 */
#define REUSE_VA 0x50000000ul
static volatile int *mailbox;

static void mailbox_set(int step)
{
    __atomic_store_n(mailbox, step, __ATOMIC_SEQ_CST);
    sys_call3(SYS_futex, (long)mailbox, 1 /* FUTEX_WAKE, shared */, 16);
}

static void mailbox_wait(int step)
{
    int v;
    while ((v = __atomic_load_n(mailbox, __ATOMIC_SEQ_CST)) < step)
        sys_call4(SYS_futex, (long)mailbox, FUTEX_WAIT, v, 0);
}

/* Every step of the mailbox is taken whatever happens, so neither child can wait forever. */
static int reuse_child(int first)
{
    static struct sva_completion c __attribute__((aligned(32)));
    int err = 0;
    long dev = sys_openat(AT_FDCWD, "/dev/sva0", O_RDWR, 0);
    long pasid = sys_ioctl((int)dev, SVA_BIND, 0);
    long m = sys_mmap((void *)REUSE_VA, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (dev < 0 || pasid <= 0 || m != (long)REUSE_VA)
        err = 10;
    else
        memset((void *)REUSE_VA, first ? 0xAA : 0xBB, PAGE);
    int saved = fd;
    fd = (int)dev;
    long rc = err ? 0 : submit(SVA_OP_CRC32C, REUSE_VA, 0, PAGE, 0, &c);
    if (!err && (rc != 0 || c.status != SVA_STATUS_SUCCESS))
        err = 11;
    if (first) {
        sys_close((int)dev);           /* unbind; the mm lives on */
        mailbox_set(1);
        mailbox_wait(2);
        sys_munmap((void *)REUSE_VA, PAGE);
        mailbox_set(3);
        mailbox_wait(4);
    } else {
        mailbox_set(2);
        mailbox_wait(3);
        rc = submit(SVA_OP_CRC32C, REUSE_VA, 0, PAGE, 0, &c);
        if (!err && (rc != 0 || (c.status != SVA_STATUS_SUCCESS && c.status != SVA_STATUS_PAGE_FAULT)))
            err = 12;
        mailbox_set(4);
    }
    fd = saved;
    return err;
}

static void pasid_reuse(void)
{
    long m = sys_mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    check(!sys_is_error(m), "mmap shared mailbox", m);
    mailbox = (volatile int *)m;
    long a = sys_fork();
    if (a == 0)
        sys_exit_group(reuse_child(1));
    mailbox_wait(1);
    long b = sys_fork();
    if (b == 0)
        sys_exit_group(reuse_child(0));
    int sa = -1, sb = -1;
    sys_wait4((int)a, &sa, 0, 0);
    sys_wait4((int)b, &sb, 0, 0);
    check(sa == 0, "reuse child A", sa);
    check(sb == 0, "reuse child B", sb);
}

static long parse(const char *s, long dflt)
{
    if (!s)
        return dflt;
    long v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return v;
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    long pasid;
    long workers = parse(argc > 1 ? argv[1] : 0, 4);
    long rounds = parse(argc > 2 ? argv[2] : 0, 40);
    if (workers < 1 || workers > MAX_WORKERS - 1)
        workers = 4;
    fd = device_open(&pasid);
    pasid_reuse();
    for (int s = 0; s < SLOTS; s++) {
        long m = sys_mmap(0, SLOT_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        check(!sys_is_error(m), "mmap slot", m);
        slot_addr[s] = (unsigned long)m;
        memset((void *)m, s + 1, SLOT_PAGES * PAGE);
    }
    threads[MAX_WORKERS].arg = rounds;
    for (long w = 0; w < workers; w++)
        check(start_thread(&threads[w], worker, w) > 0, "clone worker", w);
    check(start_thread(&threads[MAX_WORKERS - 1], mutator, rounds) > 0, "clone mutator", 0);
    join(&threads[MAX_WORKERS - 1]);
    for (long w = 0; w < workers; w++)
        join(&threads[w]);
    put_kv("submissions", successes + faults + failures);
    put_kv("failures", failures + check_failures());
    (void)rng_state;
    (void)rnd;
    return (int)(failures + check_failures());
}
