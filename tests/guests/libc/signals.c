/* signals.c - SIGSEGV caught and escaped with siglongjmp, SIGALRM from alarm(), SIGCHLD from a child,
 * SIGPIPE from a write to a pipe without readers, a blocked signal delivered on unblock, sigaltstack. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile sig_atomic_t got_alrm, got_chld, got_pipe, got_usr1;
static volatile void *fault_addr;
static volatile int fault_code;

static void on_segv(int sig, siginfo_t *info, void *uc)
{
    (void)sig; (void)uc;
    fault_addr = info->si_addr;
    fault_code = info->si_code;
    siglongjmp(env, 1);
}

static void on_alrm(int sig) { (void)sig; got_alrm++; }
static void on_chld(int sig) { (void)sig; got_chld++; }
static void on_pipe(int sig) { (void)sig; got_pipe++; }
static void on_usr1(int sig) { (void)sig; got_usr1++; }

int main(void)
{
    static char alt[65536];
    stack_t ss = { .ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0 };
    sigaltstack(&ss, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGSEGV, &sa, 0);
    if (sigsetjmp(env, 1) == 0) {
        *(volatile int *)0x10 = 1;
        puts("no fault?");
    } else {
        printf("SIGSEGV at %p code %s\n", (void *)fault_addr, fault_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other");
    }

    signal(SIGALRM, on_alrm);
    alarm(1);
    pause();
    printf("SIGALRM %d\n", (int)got_alrm);

    signal(SIGCHLD, on_chld);
    pid_t pid = fork();
    if (pid == 0)
        _exit(7);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    printf("child exit %d, SIGCHLD %d\n", WEXITSTATUS(status), (int)got_chld);

    signal(SIGPIPE, on_pipe);
    int fds[2];
    pipe(fds);
    close(fds[0]);
    ssize_t w = write(fds[1], "x", 1);
    printf("write to a closed pipe: %zd %s, SIGPIPE %d\n", w, w < 0 && errno == EPIPE ? "EPIPE" : "?", (int)got_pipe);

    signal(SIGUSR1, on_usr1);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    raise(SIGUSR1);
    sigset_t pending;
    sigpending(&pending);
    printf("blocked: delivered %d, pending %d\n", (int)got_usr1, sigismember(&pending, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, 0);
    printf("unblocked: delivered %d\n", (int)got_usr1);

    /* The default action of SIGTERM kills a child; the parent sees it. */
    pid = fork();
    if (pid == 0) {
        raise(SIGTERM);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    printf("child killed by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return 0;
}
