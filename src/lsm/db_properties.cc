// DB properties: GetProperty and the statistics it reports (the "strata."
// names are listed in docs/PROPERTIES.md). Figures guarded by the mutex are
// read under it; the relaxed counters are read without it, so a report may
// mix figures a few operations apart.

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>

#include "lsm/db_impl.h"
#include "strata/escape.h"

namespace strata {

bool DBImpl::GetProperty(std::string_view name, std::string* value) {
  if (value == nullptr) return false;
  value->clear();
  constexpr std::string_view kPrefix = "strata.";
  if (!name.starts_with(kPrefix)) return false;
  name.remove_prefix(kPrefix.size());

  if (name == "stats") {
    *value = StatsString();
    return true;
  }
  MutexLock lock(&mutex_);
  constexpr std::string_view kFilesAtLevel = "num-files-at-level";
  if (name.starts_with(kFilesAtLevel)) {
    std::string_view digits = name.substr(kFilesAtLevel.size());
    if (digits.size() != 1 || digits[0] < '0' || digits[0] >= '0' + kNumLevels) return false;
    *value = std::to_string(versions_->current()->NumFiles(digits[0] - '0'));
  } else if (name == "sstables") {
    std::shared_ptr<const Version> v = versions_->current();
    for (int level = 0; level < kNumLevels; level++) {
      for (const auto& f : v->files(level)) {
        ParsedInternalKey smallest, largest;
        (void)ParseInternalKeyOrRangeDeletion(f->smallest, &smallest);
        (void)ParseInternalKeyOrRangeDeletion(f->largest, &largest);
        *value += "L" + std::to_string(level) + " #" + std::to_string(f->number) + " " +
                  std::to_string(f->file_size) + " bytes [" + EscapeBytes(smallest.user_key) +
                  " .. " + EscapeBytes(largest.user_key) + "]\n";
      }
    }
  } else if (name == "num-entries-active-mem-table") {
    *value = std::to_string(mem_->NumEntries());
  } else if (name == "num-immutable-mem-table") {
    *value = std::to_string(imm_.size());
  } else if (name == "cur-size-active-mem-table") {
    *value = std::to_string(mem_->ApproximateMemoryUsage());
  } else if (name == "approximate-memory-usage") {
    size_t total = mem_->ApproximateMemoryUsage();
    for (const auto& imm : imm_) total += imm.mem->ApproximateMemoryUsage();
    *value = std::to_string(total);
  } else if (name == "last-sequence") {
    *value = std::to_string(versions_->LastSequence());
  } else if (name == "num-snapshots") {
    *value = std::to_string(snapshots_.size());
  } else if (name == "wal-corrupted-records") {
    *value = std::to_string(wal_corrupted_records_.load());
  } else if (name == "idle-compactions") {
    *value = std::to_string(stats_.idle_compactions.load());
  } else if (name == "data-blocks-read") {
    *value = std::to_string(table_stats_.data_blocks_read.load());
  } else if (name == "blocks-read-ahead") {
    *value = std::to_string(table_stats_.blocks_read_ahead.load());
  } else if (name == "stall-count" || name == "stall-micros") {
    uint64_t total = 0;
    for (int i = 0; i < WriteController::kNumStallCauses; i++) {
      auto cause = static_cast<WriteController::StallCause>(i);
      total += name == "stall-count" ? write_controller_.stall_count(cause)
                                     : write_controller_.stall_micros(cause);
    }
    *value = std::to_string(total);
  } else if (name == "compaction-stats") {
    *value = CompactionStatsString();
  } else if (name == "write-amplification") {
    *value = std::to_string(ComputeAmplification().write);
  } else if (name == "space-amplification") {
    *value = std::to_string(ComputeAmplification().space);
  } else if (name == "background-error") {
    *value = error_handler_.bg_error().ToString();
  } else {
    return false;
  }
  return true;
}

namespace {

double MiB(double bytes) { return bytes / (1024.0 * 1024.0); }

}  // namespace

DBImpl::Amplification DBImpl::ComputeAmplification() {
  mutex_.AssertHeld();
  Amplification a;
  std::shared_ptr<const Version> v = versions_->current();
  uint64_t written = stats_.wal_bytes.load();
  for (const auto& level : level_stats_) written += level.bytes_written;
  uint64_t user = stats_.user_bytes.load();
  a.write = user == 0 ? 0.0 : static_cast<double>(written) / static_cast<double>(user);
  uint64_t total = 0, largest = 0;
  for (int level = 0; level < kNumLevels; level++) {
    total += v->LevelBytes(level);
    largest = std::max(largest, v->LevelBytes(level));
  }
  a.space = largest == 0 ? 0.0 : static_cast<double>(total) / static_cast<double>(largest);
  return a;
}

std::string DBImpl::CompactionStatsString() {
  mutex_.AssertHeld();
  std::shared_ptr<const Version> v = versions_->current();
  LevelTargets targets = ComputeLevelTargets(*v, options_);
  std::array<double, kNumLevels> scores = ComputeScores(*v, options_, targets);
  std::string result =
      "level files   size MiB  target MiB  score  compactions  read MiB  write MiB  seconds\n";
  char buf[256];
  for (int level = 0; level < kNumLevels; level++) {
    const LevelStats& st = level_stats_[level];
    std::snprintf(buf, sizeof(buf),
                  "L%-4d %5d %10.2f %11.2f %6.2f %12" PRIu64 " %9.2f %10.2f %8.2f\n", level,
                  v->NumFiles(level), MiB(static_cast<double>(v->LevelBytes(level))),
                  MiB(static_cast<double>(level == 0 ? 0 : targets.target_bytes[level])),
                  scores[level], st.compactions, MiB(static_cast<double>(st.bytes_read)),
                  MiB(static_cast<double>(st.bytes_written)), st.micros / 1e6);
    result += buf;
  }
  Amplification amp = ComputeAmplification();
  std::snprintf(buf, sizeof(buf),
                "base level %d; pending compaction %.2f MiB; write amplification %.2f; "
                "space amplification %.3f\n",
                targets.base_level,
                MiB(static_cast<double>(write_controller_.pending_compaction_bytes())), amp.write,
                amp.space);
  result += buf;
  return result;
}

std::string DBImpl::StatsString() {
  std::string result;
  char buf[1024];
  {
    MutexLock lock(&mutex_);
    size_t imm_bytes = 0;
    for (const auto& imm : imm_) imm_bytes += imm.mem->ApproximateMemoryUsage();
    uint64_t writes = stats_.user_writes.load(), groups = stats_.write_groups.load();
    std::snprintf(buf, sizeof(buf),
                  "** Memtables **\n"
                  "active          %10.2f MiB  %" PRIu64
                  " entries\n"
                  "immutable       %10.2f MiB  %zu memtables\n"
                  "switches        %10" PRIu64
                  "\n"
                  "idle switches   %10" PRIu64
                  "\n"
                  "idle compactions%10" PRIu64
                  "\n"
                  "** Write-ahead log **\n"
                  "writes          %10" PRIu64
                  "  (%.2f MiB of keys and values)\n"
                  "group commits   %10" PRIu64
                  "  (%.2f writes per group)\n"
                  "WAL written     %10.2f MiB\n"
                  "WAL syncs       %10" PRIu64
                  "\n"
                  "corrupt records %10" PRIu64
                  "  skipped at recovery\n"
                  "** State **\n"
                  "last sequence   %10" PRIu64
                  "\n"
                  "error           %s\n"
                  "** Levels **\n",
                  MiB(static_cast<double>(mem_->ApproximateMemoryUsage())), mem_->NumEntries(),
                  MiB(static_cast<double>(imm_bytes)), imm_.size(), stats_.memtable_switches.load(),
                  stats_.idle_switches.load(), stats_.idle_compactions.load(), writes,
                  MiB(static_cast<double>(stats_.user_bytes.load())), groups,
                  groups == 0 ? 0.0 : static_cast<double>(writes) / static_cast<double>(groups),
                  MiB(static_cast<double>(stats_.wal_bytes.load())), stats_.wal_syncs.load(),
                  wal_corrupted_records_.load(), versions_->LastSequence(),
                  error_handler_.bg_error().ToString().c_str());
    result += buf;
    result += CompactionStatsString();
    result += "** Write stalls **\ncause                           count     ms\n";
    for (int i = 0; i < WriteController::kNumStallCauses; i++) {
      auto cause = static_cast<WriteController::StallCause>(i);
      std::snprintf(buf, sizeof(buf), "%-30s %6" PRIu64 " %10.1f\n",
                    WriteController::StallCauseName(cause), write_controller_.stall_count(cause),
                    write_controller_.stall_micros(cause) / 1000.0);
      result += buf;
    }
  }
  LRUCache::Stats cache = cache_->GetStats();
  uint64_t lookups = cache.hits + cache.misses;
  uint64_t checked = table_stats_.bloom_checked.load();
  uint64_t useful = table_stats_.bloom_useful.load();
  uint64_t false_positive = table_stats_.bloom_false_positive.load();
  uint64_t flushes = stats_.flushes.load();
  std::snprintf(
      buf, sizeof(buf),
      "** Block cache **\n"
      "capacity        %10.2f MiB  used %.2f MiB, pinned %.2f MiB\n"
      "hits            %10" PRIu64 "  (%.1f%% of %" PRIu64
      " lookups)\n"
      "misses          %10" PRIu64
      "\n"
      "inserts         %10" PRIu64
      "\n"
      "evictions       %10" PRIu64
      "\n"
      "** Bloom filters **\n"
      "checked         %10" PRIu64
      "\n"
      "useful          %10" PRIu64
      "  (key absent, table not read)\n"
      "false positives %10" PRIu64
      "  (%.2f%% of lookups of absent keys)\n"
      "** Table reads **\n"
      "data blocks     %10" PRIu64
      "  (opened by Gets and iterators, cached or not)\n"
      "read ahead      %10" PRIu64
      "  (read into the cache ahead of scans)\n"
      "** Flushes **\n"
      "flushes         %10" PRIu64 "  (%.2f MiB written, %.1f ms each on average)\n",
      MiB(static_cast<double>(cache.capacity)), MiB(static_cast<double>(cache.usage)),
      MiB(static_cast<double>(cache.pinned_usage)), cache.hits,
      lookups == 0 ? 0.0 : 100.0 * static_cast<double>(cache.hits) / static_cast<double>(lookups),
      lookups, cache.misses, cache.inserts, cache.evictions, checked, useful, false_positive,
      useful + false_positive == 0 ? 0.0
                                   : 100.0 * static_cast<double>(false_positive) /
                                         static_cast<double>(useful + false_positive),
      table_stats_.data_blocks_read.load(), table_stats_.blocks_read_ahead.load(), flushes,
      MiB(static_cast<double>(stats_.flush_bytes.load())),
      flushes == 0 ? 0.0 : stats_.flush_micros.load() / 1000.0 / static_cast<double>(flushes));
  result += buf;
  result += MemoryString(cache);
  return result;
}

std::string DBImpl::MemoryString(const LRUCache::Stats& cache) {
  size_t memtables = 0;
  size_t charged = 0;
  {
    MutexLock lock(&mutex_);
    memtables = MemTableUsage();
    charged = memtable_charge_.reserved();
  }
  const size_t index_filter = cache.index_filter_usage;
  // The figures are read shard by shard while others may change them, so
  // the difference may briefly not add up: never show a negative.
  const size_t others = cache.reserved + index_filter;
  const size_t data = cache.usage > others ? cache.usage - others : 0;
  char buf[1024];
  std::string budget = "      none";
  if (options_.memory_budget != 0) {
    std::snprintf(buf, sizeof(buf), "%10.2f MiB", MiB(static_cast<double>(options_.memory_budget)));
    budget = buf;
  }
  // The cache lines are the whole cache's, which other DBs may share; the
  // memtable lines are this DB's.
  std::snprintf(buf, sizeof(buf),
                "** Memory **\n"
                "budget          %s\n"
                "memtables       %10.2f MiB  (charged to the block cache: %.2f MiB)\n"
                "memtable charge %10.2f MiB  (in the block cache, by every DB sharing it)\n"
                "data blocks     %10.2f MiB  (in the block cache)\n"
                "index+filter    %10.2f MiB  (in the block cache%s)\n",
                budget.c_str(), MiB(static_cast<double>(memtables)),
                MiB(static_cast<double>(charged)), MiB(static_cast<double>(cache.reserved)),
                MiB(static_cast<double>(data)), MiB(static_cast<double>(index_filter)),
                options_.memory_budget != 0 ? "" : "; without a budget, tables keep their own");
  return buf;
}

}  // namespace strata
