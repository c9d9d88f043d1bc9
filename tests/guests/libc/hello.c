/* hello.c - arguments, environment, stdio buffering and the exit status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    printf("hello from %s with %d argument(s)\n", strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0], argc - 1);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    const char *v = getenv("GUEST_TEST_VAR");
    printf("GUEST_TEST_VAR=%s\n", v ? v : "(unset)");
    fputs("to stderr\n", stderr);
    fflush(stdout);
    return argc > 3 ? 3 : 0;
}
