/*
 * elf_map.c — every system call of the ELF reader: open, fstat, mmap and
 * read of a whole file, read-only. Regular files are mapped; anything that
 * cannot be mapped (pipes, /proc files) is read into a malloc'd copy.
 * Errors are returned as -errno; errno itself is left as the call left it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* Reads fd to its end into a growing buffer: with pread from offset 0 when
 * the fd can seek (so the caller's file position does not move), with read
 * otherwise (pipes). */
static int read_all(int fd, bool seekable, const void **data, uint64_t *size, void **copy)
{
    size_t cap = 0, len = 0;
    uint8_t *buf = NULL;
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            uint8_t *nbuf = realloc(buf, ncap);
            if (!nbuf) {
                free(buf);
                return -ENOMEM;
            }
            buf = nbuf;
            cap = ncap;
        }
        ssize_t n =
            seekable ? pread(fd, buf + len, cap - len, (off_t)len) : read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = -errno;
            free(buf);
            return e;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    *data = buf;
    *size = len;
    *copy = buf;
    return 0;
}

int elf_map_fd(int fd, const void **data, uint64_t *size, void **map, size_t *map_len, void **copy)
{
    struct stat st;
    *data = NULL;
    *size = 0;
    *map = NULL;
    *map_len = 0;
    *copy = NULL;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (S_ISDIR(st.st_mode))
        return -EISDIR;
    if (S_ISREG(st.st_mode) && st.st_size == 0)
        return 0;
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size <= SIZE_MAX) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p != MAP_FAILED) {
            *data = p;
            *size = (uint64_t)st.st_size;
            *map = p;
            *map_len = (size_t)st.st_size;
            return 0;
        }
    }
    return read_all(fd, S_ISREG(st.st_mode) || S_ISBLK(st.st_mode), data, size, copy);
}

int elf_map_path(const char *path, const void **data, uint64_t *size, void **map, size_t *map_len,
                 void **copy)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = elf_map_fd(fd, data, size, map, map_len, copy);
    close(fd);
    return rc;
}

void elf_unmap(void *map, size_t map_len)
{
    if (map)
        munmap(map, map_len);
}

/* Files up to this size are read with one pread rather than mapped: for
 * them a copy costs less than mmap + munmap + the page faults (measured on
 * the corpus of bench/layout_size.py: a third less system time). */
#define ELF_READ_LIMIT 65536

static int read_all_known(int fd, uint64_t size, strata_elf_file_t *out)
{
    void *buf = malloc(size);
    if (!buf)
        return -ENOMEM;
    ssize_t n = pread(fd, buf, size, 0);
    if (n < 0) {
        int e = -errno;
        free(buf);
        return e;
    }
    out->data = buf;
    out->size = (uint64_t)n;
    out->copy_ = buf;
    return 0;
}

/* mmap of a regular file whose size the caller knows; read(2) otherwise. */
static int map_known(int fd, uint64_t size, strata_elf_file_t *out)
{
    if (size == 0)
        return 0;
    if (size <= ELF_READ_LIMIT)
        return read_all_known(fd, size, out);
    if (size <= SIZE_MAX) {
        void *p = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p != MAP_FAILED) {
            out->data = p;
            out->size = size;
            out->map_ = p;
            out->map_len_ = (size_t)size;
            return 0;
        }
    }
    return read_all(fd, true, &out->data, &out->size, &out->copy_);
}

int strata_elf_file_map(const char *path, int64_t known_size, strata_elf_file_t *out)
{
    *out = (strata_elf_file_t){0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = known_size >= 0
                 ? map_known(fd, (uint64_t)known_size, out)
                 : elf_map_fd(fd, &out->data, &out->size, &out->map_, &out->map_len_, &out->copy_);
    close(fd);
    return rc;
}

void strata_elf_file_unmap(strata_elf_file_t *f)
{
    if (!f)
        return;
    elf_unmap(f->map_, f->map_len_);
    free(f->copy_);
    *f = (strata_elf_file_t){0};
}
