/* fork-exec-pipe.c - a parent re-executes itself through /proc/self/exe with its stdout on a pipe,
 * reads what the child prints, and waits for the child's status; dup2 and close-on-exec. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        /* Descriptor 5 was marked close-on-exec by the parent: it must be gone. */
        int open5 = fcntl(5, F_GETFD) != -1;
        printf("child: args=%d fd5-open=%d\n", argc, open5);
        return 42;
    }
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    int five = dup2(fds[0], 5);
    fcntl(five, F_SETFD, FD_CLOEXEC);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        char *args[] = { argv[0], "child", "x", 0 };
        execv("/proc/self/exe", args);
        _exit(99);
    }
    close(fds[1]);
    char buf[256];
    ssize_t total = 0, n;
    while ((n = read(fds[0], buf + total, sizeof buf - 1 - (size_t)total)) > 0)
        total += n;
    buf[total] = 0;
    int status;
    waitpid(pid, &status, 0);
    printf("parent read: %s", buf);
    printf("child status: exited=%d code=%d\n", WIFEXITED(status), WEXITSTATUS(status));
    /* A second child through vfork + exec of the same program. */
    pid = vfork();
    if (pid == 0) {
        char *args[] = { argv[0], "child", 0 };
        execv(argv[0], args);
        _exit(98);
    }
    waitpid(pid, &status, 0);
    printf("vfork child status: %d\n", WEXITSTATUS(status));
    return 0;
}
