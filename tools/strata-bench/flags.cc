// Flags: parsing with CLI11, then the checks CLI11 cannot express.

#include "flags.h"

#include <CLI/CLI.hpp>

#include <cstdio>

#include "data.h"
#include "workloads.h"

namespace strata::bench {
namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string joined;
  for (const std::string& item : items) joined += (joined.empty() ? "" : ",") + item;
  return joined;
}

std::string WorkloadList() {
  std::string list;
  for (const Workload& w : AllWorkloads()) {
    list += "  " + std::string(w.name) +
            std::string(18 - std::min<size_t>(17, w.name.size()), ' ') +
            std::string(w.description) + "\n";
  }
  return list;
}

// The checks that need several flags at once. Returns an error message or "".
std::string Check(const Flags& flags) {
  for (const std::string& name : flags.benchmarks) {
    if (FindWorkload(name) == nullptr) return "unknown benchmark '" + name + "' (see --list)";
  }
  std::vector<std::string> available = AvailableEngines();
  for (const std::string& name : flags.engines) {
    if (std::find(available.begin(), available.end(), name) == available.end()) {
      return "engine '" + name + "' is not built in (available: " + Join(available) + ")";
    }
  }
  if (flags.num == 0) return "--num must be at least 1";
  // YCSB inserts add up to --reads keys past --num; they must stay distinct.
  uint64_t reads = flags.reads == 0 ? flags.num : flags.reads;
  if (flags.num + reads > MaxItemsForKeySize(flags.key_size)) {
    return "--key_size " + std::to_string(flags.key_size) +
           " is too short to number --num + --reads keys";
  }
  return "";
}

}  // namespace

std::optional<int> ParseFlags(int argc, char** argv, Flags* flags) {
  CLI::App app(
      "strata-bench: db_bench and YCSB workloads on StrataDB, side by side with LevelDB and "
      "RocksDB on the same machine in the same run.");
  app.get_formatter()->column_width(34);
  flags->benchmarks = {"fillseq", "fillrandom",  "overwrite",  "readrandom",   "readmissing",
                       "readseq", "readreverse", "seekrandom", "deleterandom", "readwhilewriting"};
  flags->engines = AvailableEngines();
  std::string compression = "snappy";
  std::string distribution;
  bool list = false;

  app.add_option("--benchmarks", flags->benchmarks, "Workloads to run, in order (see --list)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--engines", flags->engines, "Engines to compare, each running every workload")
      ->delimiter(',')
      ->capture_default_str();
  app.add_flag("--list", list, "List the workloads and exit");
  app.add_option("--num", flags->num, "Keys written by fills; the size of the key space")
      ->capture_default_str();
  app.add_option("--reads", flags->reads, "Operations of read and YCSB workloads (0: --num)")
      ->capture_default_str();
  app.add_option("--key_size", flags->key_size, "Bytes per key")
      ->check(CLI::Range(4, 1024))
      ->capture_default_str();
  app.add_option("--value_size", flags->value_size, "Bytes per value (half compressible)")
      ->check(CLI::Range(0, 64 << 20))
      ->capture_default_str();
  app.add_option("--threads", flags->threads,
                 "Threads per workload; each does the whole --num (or --reads), as in db_bench")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--threads_curve,--threads-curve", flags->threads_curve,
                 "Run everything at each of these thread counts (e.g. 1,2,4,8): a scaling curve")
      ->delimiter(',')
      ->check(CLI::Range(1, 1024));
  app.add_option("--repeat", flags->repeat,
                 "Runs per engine, alternating engines; medians, min and max are reported")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--seek_nexts", flags->seek_nexts, "Nexts after each Seek in seekrandom")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--num_ranges", flags->num_ranges,
                 "DeleteRanges of 1 to 100 random keys each that deleterange issues")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--distribution", distribution,
                 "YCSB request distribution for every YCSB workload (default: the workload's "
                 "own, zipfian or latest)")
      ->check(CLI::IsMember({"uniform", "zipfian", "latest"}));
  app.add_option("--compression", compression, "Block compression for every engine")
      ->check(CLI::IsMember({"none", "snappy", "lz4", "zstd"}))
      ->capture_default_str();
  app.add_option("--cache_size", flags->engine.cache_size, "Block cache bytes (e.g. 32MiB)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  app.add_option("--memory_budget", flags->engine.memory_budget,
                 "One limit for memtables, block cache, index and filter blocks (0: none)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  app.add_option("--write_buffer_size", flags->engine.write_buffer_size,
                 "Memtable bytes (e.g. 64MiB)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  app.add_option("--bloom_bits", flags->engine.bloom_bits, "Bloom filter bits per key (0: none)")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  app.add_flag(
      "--strata_memtable_hash_index,!--no-strata_memtable_hash_index",
      flags->engine.strata_memtable_hash_index,
      "StrataDB's memtable hash index for point reads (Options::memtable_hash_index; default: on)");
  app.add_flag("--strata_mmap_writes,!--no-strata_mmap_writes", flags->engine.strata_mmap_writes,
               "StrataDB writes its WAL through a memory mapping (Options::allow_mmap_writes; "
               "default: on)");
  app.add_flag("--strata_mmap_reads,!--no-strata_mmap_reads", flags->engine.strata_mmap_reads,
               "StrataDB reads table blocks through memory mappings (Options::allow_mmap_reads; "
               "default: on)");
  app.add_option("--strata_compaction_nice", flags->engine.strata_compaction_nice,
                 "How much nicer than the process StrataDB's compaction threads run "
                 "(Options::compaction_nice; 0: same priority)")
      ->check(CLI::Range(0, 19))
      ->capture_default_str();
  app.add_flag("--strata_read_triggered_compaction,!--no-strata_read_triggered_compaction",
               flags->engine.strata_read_triggered_compaction,
               "StrataDB compacts tables that reads keep finding in their way "
               "(Options::read_triggered_compaction; default: on)");
  app.add_flag("--strata_idle_compaction,!--no-strata_idle_compaction",
               flags->engine.strata_idle_compaction,
               "StrataDB moves data to the bottom level once writes stop "
               "(Options::idle_compaction_ms; default: on, after 1 s)");
  app.add_option("--strata_scan_readahead_blocks", flags->engine.strata_scan_readahead_blocks,
                 "Most blocks StrataDB's helper thread reads ahead of a scan "
                 "(Options::scan_readahead_blocks; 0: no read-ahead)")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  app.add_flag("--sync,!--no-sync", flags->sync, "Sync every write (fdatasync of the WAL)");
  app.add_option("--db", flags->db, "Directory of the databases: one subdirectory per engine")
      ->capture_default_str();
  app.add_flag("--use_existing_db,!--no-use_existing_db", flags->use_existing_db,
               "Reuse the databases in --db; fill workloads are skipped");
  app.add_flag("--one_db,!--no-one_db", flags->one_db,
               "Run the whole sequence on one database: fills do not recreate it");
  app.add_option("--seed", flags->seed, "Seed of every random choice (same for every engine)")
      ->capture_default_str();
  app.add_option("--json", flags->json_path, "Write every figure to this JSON file");
  app.add_option("--svg", flags->svg_path, "Draw ratios and latencies to this SVG file");
  app.add_option("--markdown", flags->markdown_path,
                 "Write the summary tables to this Markdown file");
  // An engine process (main.cc) gets these; hidden from --help.
  app.add_option("--child_output", flags->child_output)->group("");
  app.add_option("--child_engine", flags->child_engine)->group("");
  app.add_option("--child_threads", flags->child_threads)->group("");
  app.add_option("--child_repetition", flags->child_repetition)->group("");
  app.add_flag("--progress,!--no-progress", flags->progress,
               "Progress bar on stderr when it is a terminal")
      ->capture_default_str();
  app.footer("Workloads:\n" + WorkloadList());

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 has an exit code per kind of error; ours is 2 for all of them.
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (list) {
    std::printf("%s", WorkloadList().c_str());
    return 0;
  }
  (void)ParseCompression(compression, &flags->engine.compression);
  if (!distribution.empty()) {
    Distribution d;
    (void)ParseDistribution(distribution, &d);
    flags->distribution = d;
  }
  if (!flags->child_engine.empty()) {
    flags->engines = {flags->child_engine};
    flags->threads = flags->child_threads;
  }
  if (std::string error = Check(*flags); !error.empty()) {
    std::fprintf(stderr, "strata-bench: %s\n", error.c_str());
    return 2;
  }
  return std::nullopt;
}

}  // namespace strata::bench
