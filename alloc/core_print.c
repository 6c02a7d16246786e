/*
 * core_print.c — formatting into a stack buffer and write(2), because the
 * allocator must report (errors, STRATA_STATS, STRATA_HELP) without ever
 * allocating or touching stdio. Supports the printf subset it needs:
 * %s %.*s %c %d %u %x %p %% with a width (%5u, %-8s) and the length
 * modifiers l, ll and z.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

/* Appends c to buf if there is room; always counts it. */
static void put(char *buf, size_t cap, size_t *n, char c)
{
    if (*n + 1 < cap)
        buf[*n] = c;
    (*n)++;
}

static void put_uint(char *buf, size_t cap, size_t *n, unsigned long long v, unsigned base)
{
    char tmp[24];
    int i = 0;
    do {
        tmp[i++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v != 0);
    while (i > 0)
        put(buf, cap, n, tmp[--i]);
}

/* Reads the integer argument for the length modifier at *fmt (advancing
 * past it); *neg is set for a negative %d. */
static unsigned long long take_int(const char **fmt, va_list *ap, bool *neg)
{
    int longs = 0, is_size = 0;
    while (**fmt == 'l' || **fmt == 'z') {
        if (**fmt == 'z')
            is_size = 1;
        else
            longs++;
        (*fmt)++;
    }
    *neg = false;
    if (**fmt == 'd') {
        long long v = is_size || longs == 1 ? va_arg(*ap, long)
                      : longs >= 2          ? va_arg(*ap, long long)
                                            : va_arg(*ap, int);
        *neg = v < 0;
        return *neg ? (unsigned long long)0 - (unsigned long long)v : (unsigned long long)v;
    }
    if (is_size)
        return va_arg(*ap, size_t);
    if (longs == 1)
        return va_arg(*ap, unsigned long);
    if (longs >= 2)
        return va_arg(*ap, unsigned long long);
    return va_arg(*ap, unsigned);
}

/* Formats one conversion (fmt just past '%' and any width) into tmp. */
static size_t convert(char *tmp, size_t cap, const char **fmtp, va_list *ap)
{
    size_t n = 0;
    const char *fmt = *fmtp;
    if (fmt[0] == '.' && fmt[1] == '*' && fmt[2] == 's') {
        int len = va_arg(*ap, int);
        const char *s = va_arg(*ap, const char *);
        for (int i = 0; s && i < len && s[i]; i++)
            put(tmp, cap, &n, s[i]);
        fmt += 2;
    } else if (*fmt == 's') {
        const char *s = va_arg(*ap, const char *);
        for (s = s ? s : "(null)"; *s; s++)
            put(tmp, cap, &n, *s);
    } else if (*fmt == 'c') {
        put(tmp, cap, &n, (char)va_arg(*ap, int));
    } else if (*fmt == 'p') {
        put(tmp, cap, &n, '0');
        put(tmp, cap, &n, 'x');
        put_uint(tmp, cap, &n, (uintptr_t)va_arg(*ap, void *), 16);
    } else if (*fmt == '%') {
        put(tmp, cap, &n, '%');
    } else {
        bool neg;
        unsigned long long v = take_int(&fmt, ap, &neg);
        if (neg)
            put(tmp, cap, &n, '-');
        put_uint(tmp, cap, &n, v, *fmt == 'x' ? 16 : 10);
    }
    *fmtp = fmt;
    return n < cap ? n : cap - 1;
}

size_t alloc_vfmt(char *buf, size_t cap, const char *fmt, va_list ap)
{
    size_t n = 0;
    va_list aq;
    va_copy(aq, ap);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(buf, cap, &n, *fmt);
            continue;
        }
        fmt++;
        bool left = *fmt == '-';
        fmt += left;
        unsigned width = 0;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (unsigned)(*fmt++ - '0');
        char tmp[256];
        size_t len = convert(tmp, sizeof tmp, &fmt, &aq);
        for (size_t i = len; !left && i < width; i++)
            put(buf, cap, &n, ' ');
        for (size_t i = 0; i < len; i++)
            put(buf, cap, &n, tmp[i]);
        for (size_t i = len; left && i < width; i++)
            put(buf, cap, &n, ' ');
    }
    va_end(aq);
    if (cap > 0)
        buf[n < cap ? n : cap - 1] = '\0';
    return n;
}

size_t alloc_fmt(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = alloc_vfmt(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

/* One formatted message on fd, in a single write where it fits. */
static void vprint_fd(int fd, const char *fmt, va_list ap)
{
    char buf[512];
    size_t n = alloc_vfmt(buf, sizeof buf, fmt, ap);
    alloc_os_write_fd(fd, buf, n < sizeof buf ? n : sizeof buf - 1);
}

void alloc_print(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint_fd(STDERR_FILENO, fmt, ap);
    va_end(ap);
}

void alloc_print_fd(int fd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint_fd(fd, fmt, ap);
    va_end(ap);
}

_Noreturn void alloc_fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint_fd(STDERR_FILENO, fmt, ap);
    va_end(ap);
    alloc_os_abort();
}
