// Runner: see runner.h.

#include "runner.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <latch>
#include <system_error>
#include <thread>

#include "memory.h"
#include "report/report.h"
#include "workloads.h"

namespace strata::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Seeds depend on the seed flag, the workload (its name and its position in
// --benchmarks) and the thread, never on the engine, so every engine sees the
// same keys in the same order. The name matters across runs: without it, a
// readrandom run with --use_existing_db would read exactly the keys an
// earlier fillrandom run wrote, in the same order.
uint64_t ThreadSeed(const Flags& flags, const std::string& workload, size_t position, int thread) {
  uint64_t name_hash = 0;
  for (char c : workload) name_hash = FnvHash64(name_hash ^ static_cast<unsigned char>(c));
  return flags.seed * 1000003 + name_hash + position * 1009 + static_cast<uint64_t>(thread);
}

// Uniform for the db_bench workloads, which draw their keys themselves (and
// so skip computing zipfian's zeta over the whole key space).
Distribution RequestDistribution(const Flags& flags, const Workload& workload) {
  if (!workload.HasRequestDistribution()) return Distribution::kUniform;
  return flags.distribution.value_or(workload.mix.distribution);
}

double MiB(uint64_t bytes) { return static_cast<double>(bytes) / 1048576.0; }

// The threads of one workload, released together once all are ready (their
// value buffers built); each times its own span.
Status RunThreads(const RunContext& context, size_t position, Result* result) {
  const Flags& flags = *context.flags;
  int threads = context.threads;
  bool background = context.workload->background != nullptr;
  std::vector<std::unique_ptr<ThreadState>> states(threads + (background ? 1 : 0));
  std::vector<Status> errors(states.size());
  std::latch ready(static_cast<std::ptrdiff_t>(states.size()));
  std::latch go(1);

  std::vector<std::thread> workers;
  for (int i = 0; i < static_cast<int>(states.size()); i++) {
    bool is_background = i == threads;
    uint64_t ops = is_background ? 0 : ThreadOps(*context.workload, flags, i, threads);
    workers.emplace_back([&, i, ops, is_background] {
      uint64_t seed = ThreadSeed(flags, std::string(context.workload->name), position, i);
      states[i] = std::make_unique<ThreadState>(i, ops, context, seed);
      ready.count_down();
      go.wait();
      states[i]->start = Clock::now();
      Body body = is_background ? context.workload->background : context.workload->body;
      errors[i] = body(context, states[i].get());
      states[i]->end = Clock::now();
    });
  }
  ready.wait();
  Clock::time_point start = Clock::now();
  go.count_down();
  // Counts the operations of each whole second while the workers run.
  std::atomic<bool> finished{false};
  std::thread sampler([&] {
    uint64_t before = context.progress->Done();
    for (int second = 1;; second++) {
      Clock::time_point tick = start + std::chrono::seconds(second);
      while (Clock::now() < tick) {
        if (finished.load(std::memory_order_acquire)) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      uint64_t now = context.progress->Done();
      result->ops_per_second.push_back(now - before);
      before = now;
    }
  });
  for (int i = 0; i < threads; i++) workers[i].join();
  finished.store(true, std::memory_order_release);
  sampler.join();
  context.stop->store(true, std::memory_order_release);
  if (background) workers[threads].join();

  // As db_bench: wall time from the first measured thread's start to the
  // last one's end (not from the release of the barrier, so a thread slow
  // to wake on a busy machine does not count as work), and µs/op from the
  // sum of each thread's own span.
  Clock::time_point first_start = states[0]->start, last_end = states[0]->end;
  for (int i = 0; i < threads; i++) {
    first_start = std::min(first_start, states[i]->start);
    last_end = std::max(last_end, states[i]->end);
  }
  result->seconds = std::chrono::duration<double>(last_end - first_start).count();
  for (int i = 0; i < threads; i++) {
    result->latency.Merge(states[i]->latency);
    result->ops += states[i]->done;
    result->found += states[i]->found;
    result->bytes += states[i]->bytes;
    result->thread_seconds +=
        std::chrono::duration<double>(states[i]->end - states[i]->start).count();
  }
  if (background) result->background_ops = states[threads]->done;
  for (Status& s : errors) {
    if (!s.ok()) return std::move(s);
  }
  return Status::OK();
}

// "L0 2, L6 2 (files per level: 2 0 0 0 0 0 2)".
std::string DescribeShape(const std::vector<int>& files) {
  std::string all;
  for (int n : files) all += (all.empty() ? "" : " ") + std::to_string(n);
  return ShapeText(files) + " (files per level: " + all + ")";
}

}  // namespace

uint64_t DirectoryBytes(const std::string& dir) {
  std::error_code ec;
  uint64_t total = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      uint64_t size = it->file_size(size_ec);
      if (!size_ec) total += size;
    }
  }
  return total;
}

Status Runner::RunEngine(Engine* engine, std::vector<Result>* results) {
  const EngineOptions& options = flags_.engine;
  std::string path = flags_.db + "/" + std::string(engine->name());
  std::error_code ec;
  std::filesystem::create_directories(flags_.db, ec);
  if (ec) return Status::IOError(flags_.db, ec.message());
  if (!flags_.use_existing_db) {
    Status s = engine->Destroy(path);
    if (!s.ok()) return s;
  }
  Status s = engine->Open(options, path);
  if (!s.ok()) return s;

  std::atomic<uint64_t> items{flags_.num};
  uint64_t stall_micros_before = 0;
  for (size_t position = 0; position < flags_.benchmarks.size(); position++) {
    const Workload& workload = *FindWorkload(flags_.benchmarks[position]);
    if (workload.fresh_db && flags_.use_existing_db) {
      std::fprintf(out_, "%-8s %-16s : skipped (--use_existing_db)\n",
                   std::string(engine->name()).c_str(), std::string(workload.name).c_str());
      continue;
    }
    // With --one_db a fill writes into the database the workloads before it
    // left; otherwise it starts from an empty one.
    if (workload.fresh_db && !flags_.one_db) {
      engine->Close();
      s = engine->Destroy(path);
      if (s.ok()) s = engine->Open(options, path);
      if (!s.ok()) return s;
      items = flags_.num;
      stall_micros_before = 0;
    }

    std::atomic<bool> stop{false};
    int threads = WorkloadThreads(workload, flags_);
    RunContext context{
        &workload, &flags_, engine,  KeyChooser(RequestDistribution(flags_, workload), flags_.num),
        &items,    &stop,   threads, progress_};
    uint64_t total_ops = 0;
    for (int i = 0; i < threads; i++) total_ops += ThreadOps(workload, flags_, i, threads);
    Result result;
    result.workload = std::string(workload.name);
    result.engine = std::string(engine->name());
    result.threads = flags_.threads;
    result.repetition = repetition_;
    if (workload.ops_are_reads) {
      // The shape the reads meet (issue 11: a fair comparison shows it).
      result.files_per_level_before = engine->FilesPerLevel();
      result.memtable_bytes_before = engine->MemtableBytes();
      std::string memtable;
      if (result.memtable_bytes_before) {
        memtable = ", memtables " + std::to_string(*result.memtable_bytes_before) + " bytes";
      }
      std::fprintf(out_, "%-8s %-16s : tree before the reads: %s%s\n", result.engine.c_str(),
                   result.workload.c_str(), DescribeShape(result.files_per_level_before).c_str(),
                   memtable.c_str());
      std::fflush(out_);
    }
    result.peak_rss_is_cumulative = !ResetPeakRss();
    progress_->Start(result.engine + " " + result.workload, total_ops);
    s = RunThreads(context, position, &result);
    progress_->Finish();
    result.peak_rss_bytes = PeakRssBytes();
    if (s.IsNotSupported()) {  // e.g. DeleteRange on LevelDB
      std::fprintf(out_, "%-8s %-16s : n/a (%s)\n", result.engine.c_str(), result.workload.c_str(),
                   std::string(s.message()).c_str());
      continue;
    }
    if (!s.ok()) return s;

    result.disk_bytes = DirectoryBytes(path);
    result.stats = engine->Stats();
    if (result.stats) {
      result.stall_micros_during = result.stats->stall_micros - stall_micros_before;
      stall_micros_before = result.stats->stall_micros;
    }
    std::fprintf(out_,
                 "%-8s %-16s : %9.3f µs/op %10.0f ops/s %8.1f MB/s  p50 %.1f p99 %.1f p99.9 %.1f "
                 "max %.0f µs  peak %.0f MiB",
                 result.engine.c_str(), result.workload.c_str(), result.MicrosPerOp(),
                 result.OpsPerSecond(), result.MbPerSecond(), result.LatencyMicros(0.5),
                 result.LatencyMicros(0.99), result.LatencyMicros(0.999),
                 static_cast<double>(result.latency.max()) / 1000.0, MiB(result.peak_rss_bytes));
    if (workload.name == "readrandom" || workload.name == "readmissing" ||
        workload.name == "readwhilewriting") {
      std::fprintf(out_, "  (%llu of %llu found)", static_cast<unsigned long long>(result.found),
                   static_cast<unsigned long long>(result.ops));
    }
    if (workload.background != nullptr) {
      std::fprintf(out_, "  (writer: %llu puts)",
                   static_cast<unsigned long long>(result.background_ops.value_or(0)));
    }
    if (auto [lo, hi] = result.SecondRange(); lo > 0) {
      std::fprintf(out_, "  (1 s windows: %.0f%%..%.0f%% of mean)", lo * 100, hi * 100);
    }
    std::fprintf(out_, "\n");
    if (result.stats) {
      const EngineStats& st = *result.stats;
      std::fprintf(out_,
                   "%-8s %-16s   write-amp %.2f, space-amp %.2f, %.1f MiB on disk (tables %.1f "
                   "MiB), stalls %.2f s (%.2f s total, %llu stalls)\n",
                   "", "", st.write_amplification, st.space_amplification, MiB(result.disk_bytes),
                   MiB(st.table_bytes), static_cast<double>(result.stall_micros_during) / 1e6,
                   static_cast<double>(st.stall_micros) / 1e6,
                   static_cast<unsigned long long>(st.stall_count));
    }
    std::fflush(out_);
    results->push_back(std::move(result));
  }
  engine->Close();
  return Status::OK();
}

}  // namespace strata::bench
