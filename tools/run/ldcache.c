/*
 * run/ldcache.c — finding an installed library by soname the way the
 * dynamic linker would: first /etc/ld.so.cache (which knows every directory
 * ldconfig was told about), then the standard directories, multiarch ones
 * included, for systems where the cache is missing or stale.
 *
 * The cache is read as untrusted input: every offset is checked against the
 * file size before use. Only the "glibc-ld.so.cache1.1" layout is read (what
 * glibc has written since 2.32; older caches fall through to the directory
 * scan). Each candidate must also pass cli_elfid_check_dso, which drops the
 * other architectures' entries a multilib cache holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run/run.h"

#define LDCACHE_PATH   "/etc/ld.so.cache"
#define LDCACHE_MAGIC  "glibc-ld.so.cache1.1"
#define LDCACHE_HEADER 48 /* magic+version 20, nlibs, len_strings, flags 4, ext, unused 12 */
#define LDCACHE_ENTRY  24 /* int32 flags, uint32 key, uint32 value, uint32 os, uint64 hwcap */
#define LDCACHE_MAX    (64u << 20)

static const char *const ldcache_dirs[] = {
    "/usr/local/lib",
    "/usr/lib/" CLI_MULTIARCH,
    "/lib/" CLI_MULTIARCH,
    "/usr/lib64",
    "/lib64",
    "/usr/lib",
    "/lib",
};

/* The whole cache file in memory, or NULL (missing, unreadable, huge). */
static unsigned char *ldcache_load(size_t *len)
{
    int fd = open(LDCACHE_PATH, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    unsigned char *buf = NULL;
    if (fstat(fd, &st) == 0 && st.st_size > LDCACHE_HEADER && st.st_size < LDCACHE_MAX) {
        buf = malloc((size_t)st.st_size);
        if (buf && pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
            free(buf);
            buf = NULL;
        }
        *len = (size_t)st.st_size;
    }
    close(fd);
    return buf;
}

static uint32_t get32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v); /* the cache is written in host byte order */
    return v;
}

/* The NUL-terminated string at off, or NULL when it does not fit. */
static const char *ldcache_str(const unsigned char *buf, size_t len, uint32_t off)
{
    if (off >= len || !memchr(buf + off, '\0', len - off))
        return NULL;
    return (const char *)buf + off;
}

static int ldcache_scan(const unsigned char *buf, size_t len, const char *soname, char *path,
                        size_t cap)
{
    if (memcmp(buf, LDCACHE_MAGIC, strlen(LDCACHE_MAGIC)))
        return -ENOENT;
    uint32_t nlibs = get32(buf + 20);
    if (nlibs > (len - LDCACHE_HEADER) / LDCACHE_ENTRY)
        return -ENOENT;
    char why[160];
    for (uint32_t i = 0; i < nlibs; i++) {
        const unsigned char *e = buf + LDCACHE_HEADER + (size_t)i * LDCACHE_ENTRY;
        const char *key = ldcache_str(buf, len, get32(e + 4));
        const char *value = ldcache_str(buf, len, get32(e + 8));
        if (!key || !value || strcmp(key, soname))
            continue;
        if (strlen(value) < cap && cli_elfid_check_dso(value, why, sizeof why) == 0) {
            strcpy(path, value);
            return 0;
        }
    }
    return -ENOENT;
}

static int ldcache_dirs_scan(const char *soname, char *path, size_t cap)
{
    char why[160];
    for (size_t i = 0; i < sizeof ldcache_dirs / sizeof ldcache_dirs[0]; i++) {
        int n = snprintf(path, cap, "%s/%s", ldcache_dirs[i], soname);
        if (n > 0 && (size_t)n < cap && cli_elfid_check_dso(path, why, sizeof why) == 0)
            return 0;
    }
    return -ENOENT;
}

int cli_ldcache_find(const char *soname, char *path, size_t cap)
{
    size_t len = 0;
    unsigned char *buf = ldcache_load(&len);
    int err = buf ? ldcache_scan(buf, len, soname, path, cap) : -ENOENT;
    free(buf);
    if (err)
        err = ldcache_dirs_scan(soname, path, cap);
    return err;
}
