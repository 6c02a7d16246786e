/*
 * fixture_layout.c — a process with a known layout for the live tests: a
 * large .bss, initialised .data, a break grown with sbrk, an anonymous
 * mmap, a private file mmap, a memfd, POSIX and SysV shared memory, two
 * threads blocked in read(), and a dlopen'ed library (argv[1]). Built
 * twice: dynamically linked, and -static (FIXTURE_STATIC) so that none of
 * its pages is shared with an observer such as pmap (whose own mapping of
 * libc would change this process's Pss while it reads).
 *
 * It prints "key=value" lines describing where it put everything, then
 * "ready", then blocks reading stdin until EOF so that its memory is
 * stable while the test reads it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BSS_SIZE (3u << 20)
static char big_bss[BSS_SIZE];
int fixture_data[1024] = {42};

static int hold[2]; /* threads block reading this pipe */

static long blocked_tids[2];

/* Waits until thread tid sleeps in a system call, so that its stack
 * pointer is readable from task/TID/syscall when "ready" is printed. */
static void wait_blocked(long tid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/self/task/%ld/syscall", tid);
    for (int i = 0; i < 2000; i++) {
        int fd = open(path, O_RDONLY);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
        if (fd >= 0)
            close(fd);
        if (n > 0 && strncmp(buf, "running", 7))
            return;
        usleep(1000);
    }
}

static void *thread_main(void *arg)
{
    volatile char local = 1;
    static int nth;
    blocked_tids[nth++] = (long)syscall(SYS_gettid);
    printf("thread=%ld 0x%lx\n", (long)syscall(SYS_gettid), (unsigned long)&local);
    fflush(stdout);
    pthread_mutex_unlock(arg);
    char c;
    while (read(hold[0], &c, 1) > 0)
        ;
    return NULL;
}

/* With FIXTURE_SPIN set: a thread that never blocks, so its stack pointer
 * cannot be read from task/TID/syscall ("running"). */
static void *spin_main(void *arg)
{
    volatile char local = 1;
    printf("spin=%ld 0x%lx\n", (long)syscall(SYS_gettid), (unsigned long)&local);
    fflush(stdout);
    pthread_mutex_unlock(arg);
    for (;;)
        sched_yield();
    return NULL;
}

static void *map_fd(int fd, size_t len, int flags)
{
    if (ftruncate(fd, (off_t)len))
        exit(3);
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);
    if (p == MAP_FAILED)
        exit(3);
    close(fd);
    return p;
}

static void files(void)
{
    char path[] = "/tmp/strata-fixture-XXXXXX";
    int fd = mkstemp(path);
    void *f = map_fd(fd, 64 << 10, MAP_PRIVATE);
    memset(f, 7, 16 << 10); /* private dirty pages of a file */
    unlink(path);           /* maps shows it "(deleted)"; nothing left behind */
    printf("file=0x%lx %s\n", (unsigned long)f, path);

    void *m = map_fd(memfd_create("fixture-memfd", 0), 128 << 10, MAP_SHARED);
    memset(m, 5, 64 << 10);
    printf("memfd=0x%lx\n", (unsigned long)m);

    char name[64];
    snprintf(name, sizeof name, "/strata-fixture-%d", (int)getpid());
    void *s = map_fd(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600), 32 << 10, MAP_SHARED);
    shm_unlink(name);
    memset(s, 3, 8 << 10);
    printf("shm=0x%lx\n", (unsigned long)s);

    char *sa = mmap(NULL, 16 << 10, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sa == MAP_FAILED)
        exit(3);
    sa[0] = 1; /* shows as /dev/zero (deleted) */
    printf("shared_anon=0x%lx\n", (unsigned long)sa);

    int id = shmget(IPC_PRIVATE, 64 << 10, IPC_CREAT | 0600);
    void *v = id >= 0 ? shmat(id, NULL, 0) : (void *)-1;
    if (id >= 0)
        shmctl(id, IPC_RMID, NULL);
    if (v != (void *)-1) {
        memset(v, 1, 4 << 10);
        printf("sysv=0x%lx\n", (unsigned long)v);
    }
}

static void threads(void)
{
    if (pipe(hold))
        exit(3);
    int n = getenv("FIXTURE_SPIN") ? 3 : 2;
    for (int i = 0; i < n; i++) {
        pthread_t t;
        pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
        pthread_mutex_lock(&m);
        pthread_create(&t, NULL, i < 2 ? thread_main : spin_main, &m);
        pthread_mutex_lock(&m); /* wait until it printed */
    }
    wait_blocked(blocked_tids[0]);
    wait_blocked(blocked_tids[1]);
}

int main(int argc, char **argv)
{
    memset(big_bss, 1, 1u << 20); /* the first MiB resident, the rest not */
    printf("bss=0x%lx %u\n", (unsigned long)big_bss, BSS_SIZE);
    printf("data=0x%lx\n", (unsigned long)fixture_data);
    char *b0 = sbrk(0);
    if (sbrk(1 << 20) == (void *)-1)
        return 3;
    memset(b0, 2, 512 << 10);
    printf("brk=0x%lx 0x%lx\n", (unsigned long)b0, (unsigned long)sbrk(0));
    char *a = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(a, 9, 256 << 10);
    printf("anon=0x%lx %d\n", (unsigned long)a, 2 << 20);
    files();
#ifndef FIXTURE_STATIC /* the -static build: no dlopen (pages shared with nobody) */
    if (argc > 1) {
        void *h = dlopen(argv[1], RTLD_NOW);
        if (!h)
            return 4;
        printf("dl_func=0x%lx\n", (unsigned long)dlsym(h, "fixture_dl_func"));
        printf("dl_data=0x%lx\n", (unsigned long)dlsym(h, "fixture_dl_data"));
    }
#endif
    threads();
    volatile char local = 0;
    printf("main_sp=0x%lx\nready\n", (unsigned long)&local);
    fflush(stdout);
    if (getenv("FIXTURE_LEADER_EXIT"))
        pthread_exit(NULL); /* a zombie leader; the threads keep the process alive */
    char c;
    while (read(0, &c, 1) > 0)
        ;
    return 0;
}
