#include "config.h"

/*
 * replay.c: runs a libFuzzer target over corpus files without libFuzzer:
 * every regular file in the directories (or files) named on the command
 * line is passed once to LLVMFuzzerTestOneInput.  Used by `make check`.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;

    if (f == NULL) {
        fprintf(stderr, "replay: could not open %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "replay: could not size %s\n", path);
        fclose(f);
        return -1;
    }
    /* Exactly sized, so a sanitizer catches any read past the end. */
    buf = malloc(n > 0 ? (size_t) n : 1);
    if (buf == NULL || fread(buf, 1, (size_t) n, f) != (size_t) n) {
        fprintf(stderr, "replay: could not read %s\n", path);
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t) n);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int i, files = 0, errors = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
        return 2;
    }
    for (i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: could not stat %s: %s\n", argv[i], strerror(errno));
            errors++;
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            DIR *dir = opendir(argv[i]);
            struct dirent *de;
            if (dir == NULL) {
                fprintf(stderr, "replay: could not open %s: %s\n", argv[i], strerror(errno));
                errors++;
                continue;
            }
            while ((de = readdir(dir)) != NULL) {
                char path[4096];
                struct stat fst;
                snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
                if (stat(path, &fst) != 0 || !S_ISREG(fst.st_mode))
                    continue;
                errors += replay_file(path) != 0;
                files++;
            }
            closedir(dir);
        } else {
            errors += replay_file(argv[i]) != 0;
            files++;
        }
    }
    printf("replayed %d files, %d errors\n", files, errors);
    return errors == 0 && files > 0 ? 0 : 1;
}
