/* The console's Ctrl-C reaches the guest (emulator boot --guest, CliInterruptTests).
 * "ready" on stdout, then spin until SIGINT. With the argument "handler" a SIGINT handler ends the
 * spin and the program exits 0 after printing "caught SIGINT"; without it SIGINT's default action
 * kills the program (status 128 + 2). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t caught;

static void on_sigint(int sig)
{
    (void)sig;
    caught = 1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "handler") == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_sigint;
        sigaction(SIGINT, &sa, NULL);
    }
    printf("ready\n");
    fflush(stdout);
    volatile unsigned long spins = 0;
    while (!caught)
        spins++;
    printf("caught SIGINT\n");
    return 0;
}
