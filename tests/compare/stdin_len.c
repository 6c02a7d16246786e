/*
 * stdin_len.c — exits with the number of bytes on stdin (mod 256), so a
 * test can see that every run of `strata compare` got the whole input.
 */
#include <unistd.h>

int main(void)
{
    char buf[4096];
    unsigned long total = 0;
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0)
        total += (unsigned long)n;
    return (int)(total % 256);
}
