// Workloads: the body of each benchmark; see workloads.h for what each does.
// A body times every operation (OpTimer) into its thread's histogram and returns the
// first error an engine reports (NotFound from a Get is a miss, not an error).

#include "workloads.h"

#include <algorithm>
#include <numeric>

#include "op_timer.h"

namespace strata::bench {
namespace {

// Progress is reported in steps, so threads rarely touch the shared counter.
constexpr uint64_t kProgressStep = 1024;
// YCSB's default maximum scan length (scan lengths are uniform in [1, 100]).
constexpr uint64_t kMaxScanLength = 100;

// Runs op (which returns a Status) and records its latency, on OpTimer's
// clock (the TSC where it is invariant: cheaper than steady_clock, see
// op_timer.h).
template <typename Op>
Status Timed(const RunContext& context, ThreadState* thread, Op&& op) {
  const uint64_t start = OpTimer::Now();
  Status s = op();
  const uint64_t end = OpTimer::Now();
  thread->latency.Add(OpTimer::Nanos(start, end));
  // The background writer (index == threads) is not part of the bar's total.
  if (++thread->done % kProgressStep == 0 && thread->index < context.threads) {
    context.progress->Add(kProgressStep);
  }
  return s;
}

// An error unless s is OK or NotFound.
bool Failed(const Status& s) { return !s.ok() && !s.IsNotFound(); }

bool SyncWrites(const RunContext& context) {
  return context.flags->sync || context.workload->name == "fillsync";
}

Status PutItem(const RunContext& context, ThreadState* thread, uint64_t item) {
  std::string_view key = thread->keys.Present(item);
  std::string_view value = thread->values.Next();
  bool sync = SyncWrites(context);
  Status s = Timed(context, thread, [&] { return context.engine->Put(key, value, sync); });
  thread->bytes += key.size() + value.size();
  return s;
}

// A Get of key, counting whether it was found.
Status GetKey(const RunContext& context, ThreadState* thread, std::string_view key) {
  Status s = Timed(context, thread, [&] { return context.engine->Get(key, &thread->scratch); });
  if (s.ok()) {
    thread->found++;
    thread->bytes += key.size() + thread->scratch.size();
  }
  return Failed(s) ? s : Status::OK();
}

// Seeks a new iterator to key and reads up to `entries` entries from there
// (the one Seek lands on, then one per Next). The iterator is created inside
// the timed operation, as db_bench and YCSB do: a fresh iterator (a fresh
// snapshot) per range read is what a user pays.
Status ScanFrom(const RunContext& context, ThreadState* thread, std::string_view key,
                uint64_t entries) {
  return Timed(context, thread, [&] {
    std::unique_ptr<Iterator> it = context.engine->NewIterator();
    it->Seek(key);
    if (it->Valid() && it->key() == key) thread->found++;
    for (uint64_t read = 0; it->Valid();) {
      thread->bytes += it->key().size() + it->value().size();
      if (++read >= entries) break;
      it->Next();
    }
    return it->status();
  });
}

// Every thread writes [0, ops) in key order, as db_bench's fillseq does.
Status FillSeq(const RunContext& context, ThreadState* thread) {
  for (uint64_t i = 0; i < thread->ops; i++) {
    Status s = PutItem(context, thread, i);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status WriteRandom(const RunContext& context, ThreadState* thread) {
  for (uint64_t i = 0; i < thread->ops; i++) {
    Status s = PutItem(context, thread, thread->rng.Uniform(context.flags->num));
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status ReadRandom(const RunContext& context, ThreadState* thread) {
  for (uint64_t i = 0; i < thread->ops; i++) {
    std::string_view key = thread->keys.Present(thread->rng.Uniform(context.flags->num));
    Status s = GetKey(context, thread, key);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status ReadMissing(const RunContext& context, ThreadState* thread) {
  for (uint64_t i = 0; i < thread->ops; i++) {
    std::string_view key = thread->keys.Missing(thread->rng.Uniform(context.flags->num));
    Status s = GetKey(context, thread, key);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

// readseq and readreverse: each step (the first Seek, then each Next or
// Prev) is one timed operation that yields one entry.
Status Scan(const RunContext& context, ThreadState* thread, bool forward) {
  std::unique_ptr<Iterator> it = context.engine->NewIterator();
  auto move = [&, first = true]() mutable {
    if (first) {
      forward ? it->SeekToFirst() : it->SeekToLast();
      first = false;
    } else {
      forward ? it->Next() : it->Prev();
    }
    return Status::OK();
  };
  for (uint64_t i = 0; i < thread->ops; i++) {
    (void)Timed(context, thread, move);
    if (!it->Valid()) break;
    thread->found++;
    thread->bytes += it->key().size() + it->value().size();
  }
  return it->status();
}

Status ReadSeq(const RunContext& context, ThreadState* thread) {
  return Scan(context, thread, true);
}
Status ReadReverse(const RunContext& context, ThreadState* thread) {
  return Scan(context, thread, false);
}

Status SeekRandom(const RunContext& context, ThreadState* thread) {
  for (uint64_t i = 0; i < thread->ops; i++) {
    std::string_view key = thread->keys.Present(thread->rng.Uniform(context.flags->num));
    Status s = ScanFrom(context, thread, key, 1 + static_cast<uint64_t>(context.flags->seek_nexts));
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status DeleteRandom(const RunContext& context, ThreadState* thread) {
  bool sync = SyncWrites(context);
  for (uint64_t i = 0; i < thread->ops; i++) {
    std::string_view key = thread->keys.Present(thread->rng.Uniform(context.flags->num));
    Status s = Timed(context, thread, [&] { return context.engine->Delete(key, sync); });
    if (!s.ok()) return s;
  }
  return Status::OK();
}

// DeleteRanges of 1 to kMaxScanLength consecutive keys from a random one, so
// reads and seeks after it meet many scattered range tombstones.
Status DeleteRanges(const RunContext& context, ThreadState* thread) {
  bool sync = SyncWrites(context);
  std::string begin;
  for (uint64_t i = 0; i < thread->ops; i++) {
    uint64_t first = thread->rng.Uniform(context.flags->num);
    uint64_t length = 1 + thread->rng.Uniform(kMaxScanLength);
    begin.assign(thread->keys.Present(first));  // the buffer is reused for end
    std::string_view end = thread->keys.Present(first + length);
    Status s =
        Timed(context, thread, [&] { return context.engine->DeleteRange(begin, end, sync); });
    if (!s.ok()) return s;
  }
  return Status::OK();
}

// Every key of [0, num) deleted by one DeleteRange, timed as one operation.
// Follow it with compact to see the space a full compaction gives back.
Status DeleteAll(const RunContext& context, ThreadState* thread) {
  bool sync = SyncWrites(context);
  std::string begin(thread->keys.Present(0));
  std::string end(thread->keys.Present(context.flags->num));
  for (uint64_t i = 0; i < thread->ops; i++) {
    Status s =
        Timed(context, thread, [&] { return context.engine->DeleteRange(begin, end, sync); });
    if (!s.ok()) return s;
  }
  return Status::OK();
}

// One full compaction, timed as one operation.
Status CompactAll(const RunContext& context, ThreadState* thread) {
  for (uint64_t i = 0; i < thread->ops; i++) {
    Status s = Timed(context, thread, [&] { return context.engine->CompactAll(); });
    if (!s.ok()) return s;
  }
  return Status::OK();
}

// readwhilewriting's writer: random Puts until the readers are done.
Status BackgroundWriter(const RunContext& context, ThreadState* thread) {
  while (!context.stop->load(std::memory_order_acquire)) {
    Status s = PutItem(context, thread, thread->rng.Uniform(context.flags->num));
    if (!s.ok()) return s;
  }
  return Status::OK();
}

// A multiplier coprime with n, so item i -> i * m mod n visits every item of
// [0, n) once, in an order with no locality.
uint64_t ScatterMultiplier(uint64_t n) {
  uint64_t m = 0x9e3779b97f4a7c15ull % n;
  while (std::gcd(m, n) != 1) m++;
  return m;
}

Status YcsbLoad(const RunContext& context, ThreadState* thread) {
  uint64_t n = context.flags->num;
  uint64_t m = ScatterMultiplier(n);
  uint64_t first = thread->index * (n / context.threads);
  for (uint64_t i = first; i < first + thread->ops; i++) {
    auto item = static_cast<uint64_t>(static_cast<unsigned __int128>(i) * m % n);
    Status s = PutItem(context, thread, item);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status Ycsb(const RunContext& context, ThreadState* thread) {
  const YcsbMix& mix = context.workload->mix;
  bool sync = SyncWrites(context);
  for (uint64_t i = 0; i < thread->ops; i++) {
    double r = thread->rng.NextDouble();
    Status s;
    if (r < mix.insert) {
      s = PutItem(context, thread, context.items->fetch_add(1, std::memory_order_relaxed));
      if (!s.ok()) return s;
      continue;
    }
    uint64_t item =
        thread->chooser.Next(&thread->rng, context.items->load(std::memory_order_relaxed));
    r -= mix.insert;
    if (r < mix.read) {
      s = GetKey(context, thread, thread->keys.Present(item));
    } else if ((r -= mix.read) < mix.update) {
      s = PutItem(context, thread, item);
    } else if ((r -= mix.update) < mix.scan) {
      s = ScanFrom(context, thread, thread->keys.Present(item),
                   1 + thread->rng.Uniform(kMaxScanLength));
    } else {
      // Read-modify-write: one operation, the Get and the Put timed together.
      std::string_view key = thread->keys.Present(item);
      std::string_view value = thread->values.Next();
      s = Timed(context, thread, [&] {
        Status get = context.engine->Get(key, &thread->scratch);
        if (Failed(get)) return get;
        return context.engine->Put(key, value, sync);
      });
      thread->bytes += key.size() + value.size();
    }
    if (!s.ok()) return s;
  }
  return Status::OK();
}

YcsbMix Mix(double read, double update, double insert, double scan, double rmw,
            Distribution distribution = Distribution::kZipfian) {
  return YcsbMix{read, update, insert, scan, rmw, distribution};
}

}  // namespace

ThreadState::ThreadState(int index, uint64_t ops, const RunContext& context, uint64_t seed)
    : index(index),
      ops(ops),
      rng(seed),
      chooser(context.chooser),
      keys(context.flags->key_size),
      values(static_cast<size_t>(context.flags->value_size), seed) {}

const std::vector<Workload>& AllWorkloads() {
  static const std::vector<Workload> workloads = {
      {"fillseq", "Puts in key order, fresh database", true, false, FillSeq, nullptr, {}},
      {"fillrandom", "Puts of random keys, fresh database", true, false, WriteRandom, nullptr, {}},
      {"fillsync",
       "num/1000 synced Puts of random keys, fresh database",
       true,
       false,
       WriteRandom,
       nullptr,
       {}},
      {"overwrite", "Puts of random keys", false, false, WriteRandom, nullptr, {}},
      {"readrandom", "Gets of random keys", false, true, ReadRandom, nullptr, {}},
      {"readmissing", "Gets of absent keys", false, true, ReadMissing, nullptr, {}},
      {"readseq", "forward scan, one entry per op", false, true, ReadSeq, nullptr, {}},
      {"readreverse", "backward scan, one entry per op", false, true, ReadReverse, nullptr, {}},
      {"seekrandom",
       "Seek to a random key, then --seek_nexts Nexts",
       false,
       true,
       SeekRandom,
       nullptr,
       {}},
      {"deleterandom", "Deletes of random keys", false, false, DeleteRandom, nullptr, {}},
      {"deleterange",
       "--num_ranges DeleteRanges of 1-100 random consecutive keys",
       false,
       false,
       DeleteRanges,
       nullptr,
       {}},
      {"deleteall", "one DeleteRange of the whole key space", false, false, DeleteAll, nullptr, {}},
      {"compact",
       "one full compaction (CompactRange of everything)",
       false,
       false,
       CompactAll,
       nullptr,
       {}},
      {"readwhilewriting",
       "readrandom while one thread Puts",
       false,
       true,
       ReadRandom,
       BackgroundWriter,
       {}},
      {"ycsbload",
       "YCSB load: every key once, scattered, fresh database",
       true,
       false,
       YcsbLoad,
       nullptr,
       {}},
      {"ycsba", "YCSB A: 50% read, 50% update", false, true, Ycsb, nullptr, Mix(0.5, 0.5, 0, 0, 0)},
      {"ycsbb", "YCSB B: 95% read, 5% update", false, true, Ycsb, nullptr,
       Mix(0.95, 0.05, 0, 0, 0)},
      {"ycsbc", "YCSB C: 100% read", false, true, Ycsb, nullptr, Mix(1, 0, 0, 0, 0)},
      {"ycsbd", "YCSB D: 95% read latest, 5% insert", false, true, Ycsb, nullptr,
       Mix(0.95, 0, 0.05, 0, 0, Distribution::kLatest)},
      {"ycsbe", "YCSB E: 95% short scan, 5% insert", false, true, Ycsb, nullptr,
       Mix(0, 0, 0.05, 0.95, 0)},
      {"ycsbf", "YCSB F: 50% read, 50% read-modify-write", false, true, Ycsb, nullptr,
       Mix(0.5, 0, 0, 0, 0.5)},
  };
  return workloads;
}

const Workload* FindWorkload(std::string_view name) {
  for (const Workload& w : AllWorkloads()) {
    if (w.name == name) return &w;
  }
  return nullptr;
}

int WorkloadThreads(const Workload& workload, const Flags& flags) {
  if (workload.name == "compact" || workload.name == "deleteall") return 1;
  return flags.threads;
}

uint64_t ThreadOps(const Workload& workload, const Flags& flags, int index, int threads) {
  if (workload.name == "ycsbload") {
    uint64_t share = flags.num / static_cast<uint64_t>(threads);
    return index == threads - 1 ? flags.num - share * static_cast<uint64_t>(threads - 1) : share;
  }
  if (workload.name == "fillsync") return std::max<uint64_t>(1, flags.num / 1000);
  if (workload.name == "compact" || workload.name == "deleteall") return 1;
  if (workload.name == "deleterange") return flags.num_ranges;
  if (workload.ops_are_reads) return flags.reads == 0 ? flags.num : flags.reads;
  return flags.num;
}

}  // namespace strata::bench
