// cxx_threads.cpp — a threaded C++ program for the drop-in suite: producers
// build std::map<std::string, std::string> indexes and hand heap-allocated
// std::string messages to consumers through a queue, so `new` happens on one
// thread and `delete` on another. Output is deterministic (fixed seeds, results
// printed in thread order after join), so any heap corruption shows as a
// different line, an exception or a crash.
//
// When strata is in the process (LD_PRELOAD or linked), it also checks that
// memory from operator new lies in strata's heap, and fails otherwise.
//
// Usage: dropin_cxx_threads [ROUNDS]
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "strata_owns.h"

namespace
{

constexpr int kProducers = 4;
constexpr int kConsumers = 2;

struct Lcg {
    uint64_t s;
    uint32_t next()
    {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<uint32_t>(s >> 33);
    }
};

std::string make_text(Lcg &rng)
{
    static const char *parts[] = {"map", "tree", "node", "leaf", "strata", "heap", "x"};
    std::string s;
    int n = 1 + static_cast<int>(rng.next() % 12);
    for (int i = 0; i < n; i++) // lengths straddle the 15-char small-string buffer
        s += parts[rng.next() % 7];
    return s;
}

// A bounded queue of owned strings; the consumer deletes what the producer newed.
class Queue
{
  public:
    void push(std::unique_ptr<std::string> s)
    {
        std::unique_lock<std::mutex> lock(mu_);
        not_full_.wait(lock, [this] { return items_.size() < 256; });
        items_.push_back(std::move(s));
        not_empty_.notify_one();
    }
    // nullptr once every producer has finished and the queue is drained.
    std::unique_ptr<std::string> pop()
    {
        std::unique_lock<std::mutex> lock(mu_);
        not_empty_.wait(lock, [this] { return !items_.empty() || producers_left_ == 0; });
        if (items_.empty())
            return nullptr;
        auto s = std::move(items_.front());
        items_.pop_front();
        not_full_.notify_one();
        return s;
    }
    void producer_done()
    {
        std::lock_guard<std::mutex> lock(mu_);
        producers_left_--;
        not_empty_.notify_all();
    }

  private:
    std::mutex mu_;
    std::condition_variable not_empty_, not_full_;
    std::deque<std::unique_ptr<std::string>> items_;
    int producers_left_ = kProducers;
};

struct ProducerResult {
    size_t keys = 0;
    uint64_t checksum = 0;
    std::string first, last;
};

uint64_t fnv(const std::string &s, uint64_t h = 1469598103934665603ull)
{
    for (unsigned char c : s)
        h = (h ^ c) * 1099511628211ull;
    return h;
}

void produce(int id, int rounds, Queue &q, ProducerResult &out)
{
    Lcg rng{static_cast<uint64_t>(id) * 7919 + 1};
    std::map<std::string, std::string> index;
    for (int i = 0; i < rounds; i++) {
        std::string key = make_text(rng) + std::to_string(rng.next() % 5000);
        index[key] += make_text(rng).substr(0, 1 + rng.next() % 20);
        if (index.size() > 3000) // drop a range: frees a burst of nodes
            index.erase(index.begin(), std::next(index.begin(), 1000));
        q.push(std::make_unique<std::string>(key + "/" + std::to_string(i)));
    }
    for (const auto &kv : index)
        out.checksum = fnv(kv.second, fnv(kv.first, out.checksum));
    out.keys = index.size();
    out.first = index.begin()->first;
    out.last = index.rbegin()->first;
    q.producer_done();
}

// Consumers keep per-prefix counts; the total across consumers is
// deterministic even though which consumer gets which message is not.
void consume(Queue &q, std::map<std::string, uint64_t> &counts)
{
    while (auto s = q.pop())
        counts[s->substr(0, s->find('/') < 4 ? s->find('/') : 4)] += s->size();
}

int check_new_is_strata()
{
    if (!strata_present())
        return 0;
    auto small = std::make_unique<int>(7);
    auto big = std::make_unique<std::vector<char>>(5u << 20);
    std::string s(100, 'y');
    if (strata_owns(small.get()) && strata_owns(big->data()) && strata_owns(s.data()))
        return 0;
    std::fprintf(stderr,
                 "cxx_threads: strata is loaded but operator new memory is not in its heap"
                 " (small %d, 5 MiB %d, string %d)\n",
                 strata_owns(small.get()), strata_owns(big->data()), strata_owns(s.data()));
    return 1;
}

} // namespace

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? std::atoi(argv[1]) : 100000;
    if (check_new_is_strata())
        return 3;
    Queue q;
    std::vector<ProducerResult> results(kProducers);
    std::vector<std::map<std::string, uint64_t>> counts(kConsumers);
    std::vector<std::thread> threads;
    for (int i = 0; i < kProducers; i++)
        threads.emplace_back(produce, i, rounds, std::ref(q), std::ref(results[i]));
    for (int i = 0; i < kConsumers; i++)
        threads.emplace_back(consume, std::ref(q), std::ref(counts[i]));
    for (auto &t : threads)
        t.join();

    for (int i = 0; i < kProducers; i++)
        std::printf("producer %d: %zu keys, checksum %016llx, first %s, last %s\n", i,
                    results[i].keys, static_cast<unsigned long long>(results[i].checksum),
                    results[i].first.c_str(), results[i].last.c_str());
    std::map<std::string, uint64_t> total;
    for (const auto &c : counts)
        for (const auto &kv : c)
            total[kv.first] += kv.second;
    for (const auto &kv : total)
        std::printf("prefix %-4s %llu bytes\n", kv.first.c_str(),
                    static_cast<unsigned long long>(kv.second));
    return 0;
}
