/* Replay driver for fuzz targets: runs LLVMFuzzerTestOneInput on every file
 * of a corpus directory (or on the files named), so `make test` exercises
 * the corpus under the sanitizers. With libFuzzer, link the target without
 * this file instead. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/sb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path)
{
    struct sb sb = SB_INIT;
    struct pkg_err *err = NULL;
    if (sb_read_file(&sb, path, 64u << 20, &err) < 0) {
        fprintf(stderr, "replay: %s\n", err->msg);
        pkg_err_free(err);
        return -1;
    }
    /* Copy into an exact-size buffer so overreads are caught. */
    uint8_t *buf = malloc(sb.len ? sb.len : 1);
    memcpy(buf, sb.buf, sb.len);
    LLVMFuzzerTestOneInput(buf, sb.len);
    free(buf);
    sb_release(&sb);
    return 0;
}

int
main(int argc, char **argv)
{
    int n = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) < 0) {
            fprintf(stderr, "replay: %s: no such corpus\n", argv[i]);
            return 1;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (run_file(argv[i]) < 0)
                return 1;
            n++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        struct dirent *de;
        while (d && (de = readdir(d))) {
            if (de->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
            if (run_file(path) < 0)
                return 1;
            n++;
        }
        if (d)
            closedir(d);
    }
    printf("%s: %d inputs replayed\n", argc > 1 ? argv[1] : "replay", n);
    return 0;
}
