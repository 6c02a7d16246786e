// check_alloc_cxx.cc — C++ operator new/delete end up in strata (run with
// libstrata-malloc.so preloaded): every form of new hands out blocks that
// strata's statistics count and strata_usable_size knows; delete returns
// them; failed new throws std::bad_alloc, nothrow new returns nullptr.
#include <check.h>
#include <dlfcn.h>

#include <cstdint>
#include <map>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "strata.h"
#include "check_run.h"

namespace {

using stats_fn = int (*)(strata_alloc_stats_t *);
using usable_fn = size_t (*)(const void *);

strata_alloc_stats_t stats()
{
    auto fn = reinterpret_cast<stats_fn>(dlsym(RTLD_DEFAULT, "strata_alloc_stats"));
    ck_assert_msg(fn != nullptr, "strata is not preloaded");
    strata_alloc_stats_t s;
    ck_assert_int_eq(fn(&s), 0);
    return s;
}

size_t usable(const void *p)
{
    auto fn = reinterpret_cast<usable_fn>(dlsym(RTLD_DEFAULT, "strata_usable_size"));
    ck_assert_msg(fn != nullptr, "strata is not preloaded");
    return fn(p);
}

struct alignas(256) Wide {
    char bytes[300];
};

volatile size_t too_much = SIZE_MAX / 4;
char *volatile keep; // defeats new/delete elision

} // namespace

START_TEST(new_delete_in_strata)
{
    unsigned cls = 0; // the class of 4096-byte blocks
    while (stats().classes[cls].block_size != 4096)
        cls++;
    uint64_t before = stats().classes[cls].allocations;
    uint64_t live = stats().classes[cls].in_use;
    std::vector<char *> v;
    for (int i = 0; i < 100; i++)
        v.push_back(new char[4000]);
    ck_assert_uint_eq(stats().classes[cls].allocations, before + 100);
    ck_assert_uint_eq(usable(v[0]), 4096);
    for (char *p : v)
        delete[] p;
    ck_assert_uint_eq(stats().classes[cls].in_use, live);

    auto *one = new long(7);
    ck_assert_uint_ge(usable(one), sizeof(long));
    delete one; // sized delete

    auto *w = new Wide[3]; // aligned new[]
    ck_assert_uint_eq(reinterpret_cast<uintptr_t>(w) % 256, 0);
    ck_assert_uint_ge(usable(w), 3 * sizeof(Wide));
    delete[] w;

    auto *n = new (std::nothrow) int[10];
    ck_assert_uint_ge(usable(n), 40);
    delete[] n;
}
END_TEST

START_TEST(new_failure)
{
    ck_assert_ptr_null(new (std::nothrow) char[too_much]);
    bool thrown = false;
    try {
        keep = new char[too_much];
        delete[] keep;
    } catch (const std::bad_alloc &) {
        thrown = true;
    }
    ck_assert(thrown);
}
END_TEST

START_TEST(containers_threads)
{
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; t++)
        ts.emplace_back([t] {
            std::map<std::string, std::string> m;
            for (int i = 0; i < 20000; i++)
                m[std::to_string(i * 7 + t)] = std::string(static_cast<size_t>(i % 100), 'x');
            for (int i = 0; i < 20000; i += 2)
                m.erase(std::to_string(i * 7 + t));
            ck_assert_uint_eq(m.size(), 10000);
        });
    for (auto &t : ts)
        t.join();
}
END_TEST

int main()
{
    Suite *s = suite_create("alloc_cxx");
    TCase *tc = tcase_create("new_delete");
    tcase_add_test(tc, new_delete_in_strata);
    tcase_add_test(tc, new_failure);
    tcase_add_test(tc, containers_threads);
    suite_add_tcase(s, tc);
    return check_run(s, CK_FORK_GETENV);
}
