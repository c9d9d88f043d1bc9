/* Job control: SIGSTOP/SIGTSTP stop a child, SIGCONT continues it, wait4 reports both (WUNTRACED,
 * WCONTINUED) and waitid too (WSTOPPED), a signal sent to a stopped child waits for SIGCONT, SIGKILL
 * ends a stopped child, and a process can stop itself. JobControlTests compares the output with a
 * native run. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int pipefd[2];

static void on_usr1(int sig)
{
    (void)sig;
    write(pipefd[1], "u", 1);
}

static pid_t spinner(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_usr1;
        sigaction(SIGUSR1, &sa, NULL);
        write(pipefd[1], "r", 1); /* ready: the handler is in place */
        volatile unsigned long n = 0;
        for (;;)
            n++;
    }
    char c;
    read(pipefd[0], &c, 1);
    return pid;
}

int main(void)
{
    int st;
    /* A process group of its own, whose leader's parent (the test) is in another group of the same
     * session: a group that is not orphaned, where SIGTSTP stops (Linux discards SIGTSTP, SIGTTIN and
     * SIGTTOU in an orphaned group, which the test's own group may be, e.g. under a detached CI job). */
    setpgid(0, 0);
    pipe(pipefd);
    pid_t c = spinner();

    kill(c, SIGSTOP);
    pid_t w = waitpid(c, &st, WUNTRACED);
    printf("stop: pid ok %d stopped %d sig %d\n", w == c, WIFSTOPPED(st), WSTOPSIG(st));

    kill(c, SIGUSR1); /* pending while stopped */
    int n = waitpid(c, &st, WNOHANG | WUNTRACED);
    printf("nothing more to report while stopped: %d\n", n);

    kill(c, SIGCONT);
    w = waitpid(c, &st, WCONTINUED);
    printf("continue: pid ok %d continued %d\n", w == c, WIFCONTINUED(st));
    char u;
    read(pipefd[0], &u, 1);
    printf("the signal sent while stopped ran after SIGCONT: %c\n", u);

    kill(c, SIGTSTP);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    waitid(P_PID, c, &si, WSTOPPED);
    printf("tstp: code stopped %d status %d\n", si.si_code == CLD_STOPPED, si.si_status);

    kill(c, SIGKILL);
    w = waitpid(c, &st, 0);
    printf("killed while stopped: %d sig %d\n", WIFSIGNALED(st), WTERMSIG(st));

    pid_t self = fork();
    if (self == 0) {
        raise(SIGSTOP);
        _exit(7);
    }
    w = waitpid(self, &st, WUNTRACED);
    printf("self-stop: %d sig %d\n", WIFSTOPPED(st), WSTOPSIG(st));
    kill(self, SIGCONT);
    w = waitpid(self, &st, 0);
    printf("then exits: %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    return 0;
}
