/* fileio.c - files in a fresh directory under /tmp: create, write, read back, seek, stat, rename,
 * list, truncate, unlink, stdio; prints only what does not depend on the host (sizes, contents). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void)
{
    char dir[] = "/tmp/emu-fileio-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char path[256], path2[256];
    snprintf(path, sizeof path, "%s/data.bin", dir);
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0640);
    for (int i = 0; i < 1000; i++) {
        char line[32];
        int n = snprintf(line, sizeof line, "line %d\n", i);
        write(fd, line, (size_t)n);
    }
    struct stat st;
    fstat(fd, &st);
    printf("size=%lld mode=%o regular=%d\n", (long long)st.st_size, st.st_mode & 0777, S_ISREG(st.st_mode));
    lseek(fd, 5, SEEK_SET);
    char buf[16] = {0};
    read(fd, buf, 10);
    printf("at 5: [%s]\n", buf);
    printf("pread at 100: ");
    pread(fd, buf, 8, 100);
    buf[8] = 0;
    printf("[%s]\n", buf);
    ftruncate(fd, 64);
    fstat(fd, &st);
    printf("truncated size=%lld\n", (long long)st.st_size);
    close(fd);

    snprintf(path2, sizeof path2, "%s/renamed.bin", dir);
    rename(path, path2);
    printf("old exists=%d new exists=%d\n", access(path, F_OK) == 0, access(path2, F_OK) == 0);

    for (int i = 0; i < 5; i++) {
        char p[256];
        snprintf(p, sizeof p, "%s/f%d.txt", dir, i);
        FILE *f = fopen(p, "w");
        fprintf(f, "file %d: %g\n", i, i * 1.5);
        fclose(f);
    }
    mkdir(strcat(strcpy(path, dir), "/sub"), 0755);
    DIR *d = opendir(dir);
    char *names[32];
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) && count < 32)
        if (e->d_name[0] != '.')
            names[count++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)count, sizeof names[0], cmp);
    printf("entries:");
    for (int i = 0; i < count; i++)
        printf(" %s", names[i]);
    printf("\n");
    snprintf(path, sizeof path, "%s/f3.txt", dir);
    FILE *f = fopen(path, "r");
    char line[64];
    fgets(line, sizeof line, f);
    fclose(f);
    printf("f3: %s", line);
    printf("unlink missing: %d %s\n", unlink("/tmp/emu-fileio-does-not-exist"), errno == ENOENT ? "ENOENT" : "?");
    for (int i = 0; i < count; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (strcmp(names[i], "sub") == 0)
            rmdir(path);
        else
            unlink(path);
    }
    printf("rmdir=%d\n", rmdir(dir));
    return 0;
}
