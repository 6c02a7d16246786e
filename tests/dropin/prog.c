/*
 * prog.c — a real C program for the drop-in suite's compiler case: gcc
 * compiles it (with and without strata under the compiler) and the objects
 * and the program's output must be identical. It is also a small workload of
 * its own: a word index in a chained hash table, a merge sort of the words,
 * and an RPN calculator over the numbers it finds.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    char *word;         /* owned, NUL-terminated */
    unsigned count;     /* occurrences, >= 1 */
    struct entry *next; /* chain in the same bucket */
};

struct table {
    struct entry **buckets; /* nbuckets chains */
    size_t nbuckets;        /* power of two */
    size_t size;            /* entries in all chains */
};

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        perror("malloc");
        exit(1);
    }
    return p;
}

static uint64_t hash_word(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void table_grow(struct table *t)
{
    size_t n = t->nbuckets ? t->nbuckets * 2 : 64;
    struct entry **b = calloc(n, sizeof *b);
    if (!b) {
        perror("calloc");
        exit(1);
    }
    for (size_t i = 0; i < t->nbuckets; i++) {
        for (struct entry *e = t->buckets[i], *next; e; e = next) {
            next = e->next;
            size_t j = hash_word(e->word) & (n - 1);
            e->next = b[j];
            b[j] = e;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = n;
}

static void table_add(struct table *t, const char *word)
{
    if (t->size >= t->nbuckets)
        table_grow(t);
    size_t i = hash_word(word) & (t->nbuckets - 1);
    for (struct entry *e = t->buckets[i]; e; e = e->next) {
        if (!strcmp(e->word, word)) {
            e->count++;
            return;
        }
    }
    struct entry *e = xmalloc(sizeof *e);
    e->word = strdup(word);
    e->count = 1;
    e->next = t->buckets[i];
    t->buckets[i] = e;
    t->size++;
}

static int entry_before(const struct entry *a, const struct entry *b)
{
    if (a->count != b->count)
        return a->count > b->count;
    return strcmp(a->word, b->word) < 0;
}

static void merge_sort(struct entry **v, struct entry **tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2, i = 0, j = h, k = 0;
    merge_sort(v, tmp, h);
    merge_sort(v + h, tmp, n - h);
    while (i < h && j < n)
        tmp[k++] = entry_before(v[j], v[i]) ? v[j++] : v[i++];
    while (i < h)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

/* RPN over the numbers of the text: push each, and every 3rd one combine
 * the top two with + - * in turn. Returns the final top of the stack. */
static long long rpn(const long long *nums, size_t n)
{
    long long *stack = xmalloc((n + 1) * sizeof *stack);
    size_t sp = 0;
    for (size_t i = 0; i < n; i++) {
        stack[sp++] = nums[i];
        if (i % 3 == 2 && sp >= 2) {
            long long b = stack[--sp], a = stack[--sp];
            stack[sp++] = (i % 9 == 2) ? a + b : (i % 9 == 5) ? a - b : (a * b) % 1000003;
        }
    }
    long long r = sp ? stack[sp - 1] : 0;
    free(stack);
    return r;
}

static char *generate_text(unsigned seed, size_t words)
{
    static const char *parts[] = {"al", "be", "co", "do", "er", "fu", "ga", "hi", "strat"};
    size_t cap = words * 24 + 1, len = 0;
    char *text = xmalloc(cap);
    for (size_t w = 0; w < words; w++) {
        seed = seed * 1103515245u + 12345u;
        if (seed % 11 == 0) {
            len += (size_t)snprintf(text + len, cap - len, "%u ", (seed >> 8) % 100000);
            continue;
        }
        for (unsigned p = 0; p < 1 + (seed >> 16) % 3; p++)
            len += (size_t)snprintf(text + len, cap - len, "%s", parts[(seed >> (4 * p + 3)) % 9]);
        text[len++] = ' ';
    }
    text[len] = '\0';
    return text;
}

int main(int argc, char **argv)
{
    size_t words = argc > 1 ? strtoul(argv[1], NULL, 10) : 50000;
    char *text = generate_text(42, words);
    struct table t = {0};
    long long *nums = xmalloc(words * sizeof *nums);
    size_t nnums = 0;
    for (char *tok = strtok(text, " "); tok; tok = strtok(NULL, " ")) {
        if (isdigit((unsigned char)tok[0]))
            nums[nnums++] = atoll(tok);
        else
            table_add(&t, tok);
    }
    struct entry **v = xmalloc(t.size * sizeof *v), **tmp = xmalloc(t.size * sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < t.nbuckets; i++)
        for (struct entry *e = t.buckets[i]; e; e = e->next)
            v[n++] = e;
    merge_sort(v, tmp, n);
    printf("distinct words: %zu, numbers: %zu\n", n, nnums);
    for (size_t i = 0; i < n && i < 8; i++)
        printf("%-16s %u\n", v[i]->word, v[i]->count);
    printf("rpn: %lld\n", rpn(nums, nnums));
    for (size_t i = 0; i < n; i++) {
        free(v[i]->word);
        free(v[i]);
    }
    free(v);
    free(tmp);
    free(nums);
    free(t.buckets);
    free(text);
    return 0;
}
