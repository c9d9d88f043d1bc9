/* procmaps.c - /proc/self/maps lists the stack, the heap, the executable and a fresh mapping with its
 * protection; /proc/self/exe is a link to the program. Prints only address-free facts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    (void)argc;
    void *heap = malloc(100);
    char *m = mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(m + 4096, 4096, PROT_READ);
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int stack = 0, heapline = 0, exe = 0, rw = 0, ro = 0, lines = 0;
    char self[512];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char perms[8];
        lines++;
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
            return 2;
        stack |= strstr(line, "[stack]") != 0;
        heapline |= strstr(line, "[heap]") != 0;
        exe |= strstr(line, self) != 0 && perms[2] == 'x';
        /* Neighbouring mappings may merge with ours (as Linux merges compatible anonymous VMAs). */
        if (lo <= (unsigned long)m && hi >= (unsigned long)m + 4096 && strcmp(perms, "rw-p") == 0)
            rw = 1;
        if (lo == (unsigned long)m + 4096 && hi == (unsigned long)m + 8192 && strcmp(perms, "r--p") == 0)
            ro = 1;
    }
    fclose(f);
    const char *base = strrchr(self, '/');
    const char *arg0 = strrchr(argv[0], '/');
    printf("stack=%d heap=%d exe-text=%d split-mapping=%d/%d some-lines=%d exe-link-matches=%d\n",
           stack, heapline, exe, rw, ro, lines > 4, base && arg0 && strcmp(base, arg0) == 0);
    free(heap);
    return 0;
}
