/* MAP_SHARED of a regular file, writable: the mapping, read/write on descriptors, fork and msync
 * agree, and the file holds the stores after munmap (MmapSharedFileTests runs it on the host and in
 * the emulator and compares the output and the file). Usage: mmap-shared-file PATH */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define SIZE (3 * 4096 + 100)

static int failures;

static void check(int ok, const char *what)
{
    printf("%s: %s\n", ok ? "ok" : "FAIL", what);
    if (!ok)
        failures++;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    const char *path = argv[1];
    static char buf[SIZE];
    for (int i = 0; i < SIZE; i++)
        buf[i] = (char)('a' + i % 26);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, buf, SIZE) != SIZE)
        return 3;

    char *m = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    check(m != MAP_FAILED, "mmap MAP_SHARED|PROT_WRITE of a regular file");
    if (m == MAP_FAILED)
        return 1;
    check(memcmp(m, buf, SIZE) == 0, "the mapping shows the file");

    /* /proc/self/maps names the file with its device and inode, as for any file mapping. */
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[512], perms[8] = "";
    unsigned long lo, off = 1, ino = 0;
    unsigned maj = 0, min = 0;
    int named = 0;
    while (maps && fgets(line, sizeof line, maps)) {
        if (sscanf(line, "%lx-%*x %7s %lx %x:%x %lu", &lo, perms, &off, &maj, &min, &ino) == 6 && lo == (unsigned long)m) {
            named = strstr(line, path) != NULL;
            break;
        }
    }
    if (maps)
        fclose(maps);
    struct stat mst;
    stat(path, &mst);
    check(strcmp(perms, "rw-s") == 0 && off == 0, "/proc/self/maps: rw-s at offset 0");
    check(named && maj == major(mst.st_dev) && min == minor(mst.st_dev) && ino == mst.st_ino,
          "/proc/self/maps: the file's path, device and inode");

    memcpy(m + 10, "STORE", 5);
    char got[8] = {0};
    check(pread(fd, got, 5, 10) == 5 && memcmp(got, "STORE", 5) == 0, "pread sees a store to the mapping");

    check(pwrite(fd, "WRITE", 5, 4096 + 7) == 5, "pwrite");
    check(memcmp(m + 4096 + 7, "WRITE", 5) == 0, "the mapping sees a pwrite");

    int fd2 = open(path, O_RDONLY);
    char *ro = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd2, 0);
    check(ro != MAP_FAILED && memcmp(ro + 10, "STORE", 5) == 0, "a second (read-only) shared mapping shares the pages");
    m[8192 + 1] = '#';
    check(ro[8192 + 1] == '#', "a store through one mapping shows through the other");

    pid_t child = fork();
    if (child == 0) {
        memcpy(m + 3 * 4096, "CHILD", 5); /* the last, partial page */
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    check(memcmp(m + 3 * 4096, "CHILD", 5) == 0, "a forked child's store is the parent's");

    check(msync(m, SIZE, MS_SYNC) == 0, "msync");
    check(munmap(m, SIZE) == 0 && munmap(ro, SIZE) == 0, "munmap");
    close(fd);
    close(fd2);

    struct stat st;
    check(stat(path, &st) == 0 && st.st_size == SIZE, "the file's size did not change");
    fd = open(path, O_RDONLY);
    static char back[SIZE];
    check(read(fd, back, SIZE) == SIZE, "read it back");
    close(fd);
    memcpy(buf + 10, "STORE", 5);
    memcpy(buf + 4096 + 7, "WRITE", 5);
    buf[8192 + 1] = '#';
    memcpy(buf + 3 * 4096, "CHILD", 5);
    check(memcmp(back, buf, SIZE) == 0, "the file holds every store after munmap");

    /* Stores with no msync reach the file when the last mapping goes (here: at exit). */
    fd = open(path, O_RDWR);
    m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    memcpy(m, "EXIT!", 5);
    printf("%d failure(s)\n", failures);
    return failures != 0;
}
