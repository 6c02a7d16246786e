/*
 * attr_kind.c — attribution of the mappings that are not ELF segments:
 * heap, main and thread stacks, vdso/vvar/vsyscall, anonymous mmaps,
 * shared memory and memfds — by the kernel's own names, the break, and the
 * threads' stack pointers.
 *
 * Thread stacks: /proc/PID/task/TID/stat's kstkesp (field 29) is 0 on
 * current kernels except while dumping core, so the stack pointer comes
 * from task/TID/syscall (second-to-last field; needs ptrace access and the
 * thread must be blocked, not running). A mapping holding a thread's sp is
 * that thread's stack. Where no sp is readable, a heuristic names the
 * shape glibc (and most thread libraries) give a stack: a private rw
 * anonymous mapping right above an adjacent small (<= 256 KiB) PROT_NONE
 * anonymous guard. That shape also matches a cached stack of an exited
 * thread, which is still a thread stack; a glibc malloc arena has its
 * PROT_NONE reserve ABOVE its rw part, so it does not match.
 */
#include <string.h>

#include "internal.h"

#define GUARD_MAX (256u * 1024u)

static bool has_prefix(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

static unsigned kind_of_name(const strata_layout_map_t *m)
{
    const char *n = m->name;
    if (!*n)
        return m->perms[3] == 's' ? STRATA_MAP_SHM : STRATA_MAP_ANON;
    if (!strcmp(n, "[heap]"))
        return STRATA_MAP_HEAP;
    if (!strcmp(n, "[stack]"))
        return STRATA_MAP_STACK;
    if (!strcmp(n, "[vdso]"))
        return STRATA_MAP_VDSO;
    if (has_prefix(n, "[vvar"))
        return STRATA_MAP_VVAR;
    if (!strcmp(n, "[vsyscall]"))
        return STRATA_MAP_VSYSCALL;
    if (has_prefix(n, "[anon_shmem:"))
        return STRATA_MAP_SHM;
    if (has_prefix(n, "[anon:"))
        return STRATA_MAP_ANON;
    if (has_prefix(n, "/memfd:"))
        return STRATA_MAP_MEMFD;
    if (has_prefix(n, "/SYSV") || has_prefix(n, "/dev/shm/"))
        return STRATA_MAP_SHM;
    /* anonymous memory the kernel backs with a file: MAP_SHARED|MAP_ANONYMOUS
     * shows as /dev/zero (deleted), MAP_HUGETLB as /anon_hugepage (deleted) */
    if (has_prefix(n, "/dev/zero") || has_prefix(n, "/anon_hugepage"))
        return m->perms[3] == 's' ? STRATA_MAP_SHM : STRATA_MAP_ANON;
    if (n[0] == '/')
        return STRATA_MAP_FILE;
    return STRATA_MAP_OTHER;
}

/* The break: exact for the calling process; otherwise the end of the heap
 * mapping, which the kernel keeps at PAGE_ALIGN(brk). */
static void find_brk(struct strata_layout *lay)
{
    strata_layout_info_t *in = &lay->info;
    if (in->brk_exact)
        return;
    in->brk = in->start_brk;
    for (size_t i = 0; i < lay->nmaps; i++)
        if (lay->maps[i].kind == STRATA_MAP_HEAP)
            in->brk = lay->maps[i].end;
}

void attr_kinds(struct strata_layout *lay)
{
    const strata_layout_info_t *in = &lay->info;
    for (size_t i = 0; i < lay->nmaps; i++) {
        strata_layout_map_t *m = &lay->maps[i];
        if (m->kind != STRATA_MAP_OTHER)
            continue; /* an ELF segment or bss, already attributed */
        m->kind = kind_of_name(m);
        if (m->kind == STRATA_MAP_ANON && in->start_brk && in->brk_exact &&
            m->start < in->brk && m->end > in->start_brk)
            m->kind = STRATA_MAP_HEAP; /* [heap] names only the VMA the kernel knows */
        if (m->kind == STRATA_MAP_STACK)
            m->tid = in->pid;
    }
    find_brk(lay);
}

static long find_map(const struct strata_layout *lay, uint64_t addr)
{
    size_t lo = 0, hi = lay->nmaps;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (lay->maps[mid].end <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < lay->nmaps && lay->maps[lo].start <= addr ? (long)lo : -1;
}

static bool is_guard(const strata_layout_map_t *g, const strata_layout_map_t *above)
{
    return g->end == above->start && g->inode == 0 && !strcmp(g->perms, "---p") &&
           g->end - g->start <= GUARD_MAX && (g->kind == STRATA_MAP_ANON || g->kind == STRATA_MAP_GUARD);
}

static void mark_stack(struct strata_layout *lay, long i, int tid, unsigned how)
{
    strata_layout_map_t *m = &lay->maps[i];
    m->kind = STRATA_MAP_THREAD_STACK;
    m->tid = tid;
    m->how = how;
    if (i > 0 && is_guard(&lay->maps[i - 1], m)) {
        lay->maps[i - 1].kind = STRATA_MAP_GUARD;
        lay->maps[i - 1].tid = tid;
    }
}

void attr_thread_stacks(struct strata_layout *lay)
{
    for (size_t t = 0; t < lay->nthreads; t++) {
        strata_layout_thread_t *th = &lay->threads[t];
        long i = th->sp ? find_map(lay, th->sp) : -1;
        th->map = i;
        if (i < 0)
            continue;
        strata_layout_map_t *m = &lay->maps[i];
        if (m->kind == STRATA_MAP_STACK)
            m->tid = th->tid == lay->info.pid ? th->tid : m->tid;
        else if (m->kind == STRATA_MAP_ANON || m->kind == STRATA_MAP_THREAD_STACK)
            mark_stack(lay, i, th->tid, STRATA_HOW_SP);
    }
    for (size_t i = 1; i < lay->nmaps; i++) {
        strata_layout_map_t *m = &lay->maps[i];
        if (m->kind == STRATA_MAP_ANON && !strcmp(m->perms, "rw-p") &&
            is_guard(&lay->maps[i - 1], m) && !m->strata_kind)
            mark_stack(lay, (long)i, 0, STRATA_HOW_HEURISTIC);
    }
}
