/* SPDX-License-Identifier: MIT */
/*
 * kernel-tasks.c - the guest kernel's threads, futexes, signals, sleeps and exec, through raw system
 * calls (no libc), so it runs on the integer CPU alone.  Prints one line per check group and
 * "FAIL ..." for every failed check; exits with the number of failures.
 *
 *   kernel-tasks            run every group
 *   kernel-tasks exec-child exit 42 (the exec group runs this)
 */
#include "guest.h"

#define SYS_rt_sigaction     13
#define SYS_rt_sigprocmask   14
#define SYS_rt_sigreturn     15
#define SYS_sched_yield      24
#define SYS_pause            34
#define SYS_nanosleep        35
#define SYS_alarm            37
#define SYS_clone            56
#define SYS_vfork            58
#define SYS_execve           59
#define SYS_kill             62
#define SYS_rt_sigpending   127
#define SYS_sigaltstack     131
#define SYS_arch_prctl      158
#define SYS_gettid          186
#define SYS_futex           202
#define SYS_set_tid_address 218
#define SYS_tgkill          234
#define SYS_waitid          247

#define SIGUSR1 10
#define SIGSEGV 11
#define SIGALRM 14
#define SIGCHLD 17
#define SA_SIGINFO  4
#define SA_ONSTACK  0x08000000
#define SA_RESTORER 0x04000000
#define SA_RESTART  0x10000000
#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define CLONE_VM 0x100
#define CLONE_FS 0x200
#define CLONE_FILES 0x400
#define CLONE_SIGHAND 0x800
#define CLONE_THREAD 0x10000
#define CLONE_SYSVSEM 0x40000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define EINTR 4
#define EAGAIN 11
#define ETIMEDOUT 110

struct ksigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    unsigned long mask;
};

struct ksiginfo {
    int si_signo, si_errno, si_code, pad;
    union {
        struct { int pid; unsigned uid; } kill;
        void *addr;
        long raw[14];
    } u;
};

/* ucontext offsets: uc_mcontext at 40, rip at 40 + 128. */
#define UC_RIP 168

void restore_rt(void);
__asm__(".text\n.global restore_rt\nrestore_rt:\n    mov $15, %eax\n    syscall\n    ud2\n");

static int install(int sig, void *handler, unsigned long flags)
{
    struct ksigaction a = { handler, flags | SA_RESTORER, restore_rt, 0 };
    return (int)sys_call4(SYS_rt_sigaction, sig, (long)&a, 0, 8);
}

static long now_ns(void)
{
    struct timespec ts;
    sys_call2(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* --- threads and futexes --- */

static volatile int counter;
static volatile int child_tid_word;
static volatile int go;
static char thread_stack[16384] __attribute__((aligned(16)));
static long thread_tls[8];

static long futex(volatile int *addr, int op, int val, const struct timespec *timeout)
{
    return sys_call4(SYS_futex, (long)addr, op, val, (long)timeout);
}

/* The new thread starts here with rsp at the top of thread_stack. */
__attribute__((noreturn, used)) static void thread_main(void)
{
    unsigned long fs;
    sys_call2(SYS_arch_prctl, ARCH_GET_FS, (long)&fs);
    while (!go)
        futex(&go, FUTEX_WAIT, 0, 0);
    for (int i = 0; i < 1000; i++)
        __atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST);
    /* The TLS base given to clone must be this thread's. */
    if (fs != (unsigned long)thread_tls)
        __atomic_fetch_add(&counter, 1000000, __ATOMIC_SEQ_CST);
    sys_call1(SYS_exit, 0);
    __builtin_unreachable();
}

static long spawn_thread(void)
{
    long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
                 CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
    long r;
    register long r10 __asm__("r10") = (long)&child_tid_word;
    register long r8 __asm__("r8") = (long)thread_tls;
    /* In the child, rax = 0 and rsp = the new stack: jump to thread_main. */
    __asm__ volatile ("syscall\n"
                      "test %%rax, %%rax\n"
                      "jnz 1f\n"
                      "call thread_main\n"
                      "1:\n"
                      : "=a"(r)
                      : "a"(SYS_clone), "D"(flags), "S"(thread_stack + sizeof thread_stack),
                        "d"(&child_tid_word), "r"(r10), "r"(r8)
                      : "rcx", "r11", "memory");
    return r;
}

static void test_threads(void)
{
    long tid = spawn_thread();
    CHECK(tid > 0, tid);
    CHECK(child_tid_word == tid, child_tid_word); /* CLONE_PARENT_SETTID */
    for (int i = 0; i < 1000; i++)
        __atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST);
    go = 1;
    futex(&go, FUTEX_WAKE, 1, 0);
    /* CLONE_CHILD_CLEARTID: the word becomes 0 and is woken when the thread exits (pthread_join). */
    while (child_tid_word != 0)
        futex(&child_tid_word, FUTEX_WAIT, child_tid_word, 0);
    CHECK(counter == 2000, counter);
    /* A wait whose value no longer matches returns EAGAIN; a timed wait times out. */
    volatile int word = 5;
    CHECK(futex(&word, FUTEX_WAIT, 4, 0) == -EAGAIN, futex(&word, FUTEX_WAIT, 4, 0));
    struct timespec t = { 0, 2000000 };
    long before = now_ns();
    long r = futex(&word, FUTEX_WAIT, 5, &t);
    CHECK(r == -ETIMEDOUT, r);
    CHECK(now_ns() - before >= 2000000, now_ns() - before);
    put_str("threads ok\n");
}

/* --- signals --- */

static volatile int usr1_seen;
static volatile void *segv_addr;
static volatile int segv_code;
static volatile int alrm_seen;
static volatile unsigned long handler_sp;
static char altstack[16384];

static void on_usr1(int sig, struct ksiginfo *info, void *uc)
{
    (void)uc;
    usr1_seen = sig * 100 + (info->si_code == 0 ? 1 : 2);
}

static void on_segv(int sig, struct ksiginfo *info, void *uc)
{
    (void)sig;
    unsigned long sp;
    __asm__ volatile ("mov %%rsp, %0" : "=r"(sp));
    handler_sp = sp;
    segv_addr = info->u.addr;
    segv_code = info->si_code;
    /* Skip the faulting instruction: movl $1, (%rax) is 6 bytes (c7 00 01 00 00 00). */
    *(unsigned long *)((char *)uc + UC_RIP) += 6;
}

static void on_alrm(int sig)
{
    alrm_seen = sig;
}

static void test_signals(void)
{
    CHECK(install(SIGUSR1, on_usr1, SA_SIGINFO) == 0, 0);
    sys_call2(SYS_kill, sys_call0(SYS_getpid), SIGUSR1);
    CHECK(usr1_seen == SIGUSR1 * 100 + 1, usr1_seen); /* SI_USER */

    /* A blocked signal stays pending and is delivered when unblocked. */
    unsigned long set = 1UL << (SIGUSR1 - 1), pending = 0;
    usr1_seen = 0;
    sys_call4(SYS_rt_sigprocmask, SIG_BLOCK, (long)&set, 0, 8);
    sys_call3(SYS_tgkill, sys_call0(SYS_getpid), sys_call0(SYS_gettid), SIGUSR1);
    CHECK(usr1_seen == 0, usr1_seen);
    sys_call2(SYS_rt_sigpending, (long)&pending, 8);
    CHECK(pending == set, pending);
    sys_call4(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&set, 0, 8);
    CHECK(usr1_seen == SIGUSR1 * 100 + 2, usr1_seen); /* SI_TKILL */

    /* SIGSEGV on an alternate stack, with si_addr, resuming after the faulting store. */
    struct { void *sp; int flags; int pad; unsigned long size; } ss = { altstack, 0, 0, sizeof altstack };
    CHECK(sys_call2(SYS_sigaltstack, (long)&ss, 0) == 0, 0);
    CHECK(install(SIGSEGV, on_segv, SA_SIGINFO | SA_ONSTACK) == 0, 0);
    volatile int *bad = (volatile int *)0x1230;
    __asm__ volatile ("movl $1, (%0)" : : "a"(bad) : "memory");
    CHECK(segv_addr == (void *)0x1230, (long)segv_addr);
    CHECK(segv_code == 1, segv_code); /* SEGV_MAPERR */
    CHECK(handler_sp > (unsigned long)altstack && handler_sp < (unsigned long)altstack + sizeof altstack, handler_sp);

    /* alarm + pause in virtual time: pause returns -EINTR after the handler ran. */
    install(SIGALRM, on_alrm, 0);
    long before = now_ns();
    sys_call1(SYS_alarm, 1);
    long r = sys_call0(SYS_pause);
    CHECK(r == -EINTR, r);
    CHECK(alrm_seen == SIGALRM, alrm_seen);
    CHECK(now_ns() - before >= 1000000000L, now_ns() - before);

    /* nanosleep in virtual time. */
    struct timespec t = { 0, 5000000 };
    before = now_ns();
    CHECK(sys_call2(SYS_nanosleep, (long)&t, 0) == 0, 0);
    CHECK(now_ns() - before >= 5000000, now_ns() - before);
    put_str("signals ok\n");
}

/* --- processes --- */

static void test_exec(char *self)
{
    long pid = sys_call0(SYS_vfork);
    if (pid == 0) {
        char *argv[] = { self, "exec-child", 0 };
        char *envp[] = { "X=1", 0 };
        sys_call3(SYS_execve, (long)self, (long)argv, (long)envp);
        sys_call1(SYS_exit, 99);
    }
    CHECK(pid > 0, pid);
    int info[32];
    memset(info, 0, sizeof info);
    /* waitid(P_PID, pid, &info, WEXITED) */
    long r = sys_call5(SYS_waitid, 1, pid, (long)info, 4, 0);
    CHECK(r == 0, r);
    CHECK(info[0] == SIGCHLD, info[0]);
    CHECK(info[2] == 1, info[2]);        /* CLD_EXITED */
    CHECK(info[4] == pid, info[4]);
    CHECK(info[6] == 42, info[6]);       /* si_status */
    put_str("exec ok\n");
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    if (argc > 1 && argv[1][0] == 'e')
        return 42;
    test_threads();
    test_signals();
    test_exec(argv[0]);
    return check_failures();
}
