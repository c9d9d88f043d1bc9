/* shm.c - shared file mappings: POSIX shared memory (shm_open in /dev/shm) shared by a parent and its
 * forked child, and a memfd mapped twice (a JIT's dual mapping) whose write(2)s, stores and
 * ftruncate are seen through both mappings. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    const char *name = "/emu-shm-test";
    shm_unlink(name);
    int fd = shm_open(name, O_CREAT | O_RDWR | O_EXCL, 0600);
    if (fd < 0 || ftruncate(fd, 8192) != 0)
        return 1;
    char *p = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    strcpy(p, "parent wrote this");
    pid_t pid = fork();
    if (pid == 0) {
        int cfd = shm_open(name, O_RDWR, 0);
        char *q = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
        printf("child sees: %s\n", q);
        fflush(stdout);
        strcpy(q + 4096, "child wrote this");
        strcpy(p, "child overwrote the inherited mapping");
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("parent sees: %s / %s\n", p, p + 4096);
    char buf[32] = {0};
    pread(fd, buf, 16, 4096);
    printf("read(2) sees: %s\n", buf);
    shm_unlink(name);

    int m = memfd_create("jit", 0);
    ftruncate(m, 4096);
    char *w = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
    char *r = mmap(0, 4096, PROT_READ, MAP_SHARED, m, 0);
    strcpy(w, "stored through one mapping");
    printf("other mapping: %s\n", r);
    pwrite(m, "WRITTEN", 7, 0);
    printf("after pwrite: %s\n", r);
    ftruncate(m, 8192);
    struct stat st;
    fstat(m, &st);
    printf("size=%lld distinct=%d\n", (long long)st.st_size, w != r);
    return 0;
}
