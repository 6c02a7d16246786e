/*
 * elf_error.c — the ELF reader's precise errors: an errno code, the file
 * offset concerned and a one-line message, filled in one place.
 */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

int elf_fail(strata_err_t *err, int code, uint64_t offset, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    err->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}
