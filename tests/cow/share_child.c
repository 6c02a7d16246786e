/*
 * share_child.c — receiver of a shared cow snapshot, run by check_cow with
 * fork+exec. argv[1]: the number of a Unix socket on which the parent sends
 * the share fd (SCM_RIGHTS); argv[2]: the byte every page of the snapshot
 * must start with (page i holds seed + i in its first byte and i in its
 * last 8 bytes); argv[3]: read every Nth page only. It maps the snapshot
 * with strata_cow_snap_map_fd, reads the chosen pages while the parent keeps
 * writing the buffer, and reports "ok PAGES_READ" or what differed on the
 * socket. Exit status 0 when everything matched.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "strata.h"

static int report(int sock, const char *msg)
{
    (void)!write(sock, msg, strlen(msg));
    return strncmp(msg, "ok", 2) ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return 2;
    int sock = atoi(argv[1]);
    unsigned seed = (unsigned)atoi(argv[2]);
    size_t every = (size_t)atol(argv[3]);
    char msg[256];
    int fd;
    if (strata_cow_recv_fd(sock, &fd))
        return report(sock, "no fd received");
    const unsigned char *snap;
    size_t len;
    int err = strata_cow_snap_map_fd(fd, (const void **)&snap, &len);
    close(fd);
    if (err) {
        snprintf(msg, sizeof msg, "strata_cow_snap_map_fd: %s", strerror(-err));
        return report(sock, msg);
    }
    size_t ps = (size_t)sysconf(_SC_PAGESIZE), read = 0;
    for (size_t i = 0; i < len / ps; i += every) {
        const unsigned char *page = snap + i * ps;
        uint64_t tag;
        memcpy(&tag, page + ps - 8, sizeof tag);
        if (page[0] != (unsigned char)(seed + i) || tag != i) {
            snprintf(msg, sizeof msg, "page %zu: first byte %u tag %llu, want %u %zu", i, page[0],
                     (unsigned long long)tag, (unsigned char)(seed + i), i);
            return report(sock, msg);
        }
        read++;
    }
    strata_cow_snap_unmap(snap, len);
    snprintf(msg, sizeof msg, "ok %zu", read);
    return report(sock, msg);
}
