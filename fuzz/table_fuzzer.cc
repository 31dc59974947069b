// table_fuzzer: opens the input as an SSTable and reads it every way the
// engine does: full scans forward and backward, Seek to keys from the table
// and near them, Get, and ApproximateOffsetOf.
//
// Checksums: a mutated table almost always fails its block checksums, which
// would stop the fuzzer at ReadBlock. So the first pass reads with
// verification off (TableReader::Options::verify_checksums and
// ReadOptions::verify_checksums), which reaches decompression, the restart
// array, the index and properties decoding, and the two-level iteration over
// damaged blocks. A second pass opens the table as the DB does when paranoid
// (checksums verified, index checked at Open) through a block cache.
//
// Invariants:
//   1. Nothing reads out of bounds, hangs or leaks, whatever the input.
//   2. Verifying checksums can only turn a read into an error, never change
//      what it returns: if the verified scan succeeds, it returns the entries
//      the unverified one did.
//   3. A scan served from the block cache returns what the scan that filled
//      the cache did.
//
// Corpus: fuzz/corpus/table_fuzzer/ (small tables in each compression type,
// with and without a bloom filter, from make_corpus). Single-threaded, as
// libFuzzer runs it.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "buffer/lru_cache.h"
#include "fuzz_file.h"
#include "sstable/table_reader.h"
#include "util/internal_key.h"

namespace strata {
namespace {

// Caps that keep a damaged index (thousands of entries pointing at one large
// block) from turning one input into minutes of scanning.
constexpr size_t kMaxScanEntries = 20000;
constexpr int kMaxPrevSteps = 2000;
constexpr size_t kMaxProbeKeys = 32;

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "table_fuzzer: invariant violated: %s\n", what);
    std::abort();
  }
}

struct Scan {
  std::vector<std::pair<std::string, std::string>> entries;
  Status status;
  bool complete = false;  // ended by the table's end or an error, not the cap
};

Scan ScanForward(const TableReader& table, const ReadOptions& read_options) {
  Scan scan;
  std::unique_ptr<Iterator> it = table.NewIterator(read_options);
  for (it->SeekToFirst(); it->Valid() && scan.entries.size() < kMaxScanEntries; it->Next()) {
    scan.entries.emplace_back(it->key(), it->value());
  }
  scan.complete = !it->Valid();
  scan.status = it->status();
  return scan;
}

void ScanBackward(const TableReader& table, const ReadOptions& read_options) {
  std::unique_ptr<Iterator> it = table.NewIterator(read_options);
  int steps = 0;
  for (it->SeekToLast(); it->Valid() && steps < kMaxPrevSteps; it->Prev(), steps++) {
    (void)it->key();
    (void)it->value();
  }
}

// Keys to probe with: some of the table's keys and neighbours of them. All
// are internal keys (at least 8 bytes), as Seek and LookupKey require.
std::vector<std::string> ProbeKeys(const Scan& scan) {
  std::vector<std::string> keys;
  const size_t n = scan.entries.size();
  const size_t stride = n > kMaxProbeKeys ? n / kMaxProbeKeys : 1;
  for (size_t i = 0; i < n; i += stride) {
    const std::string& k = scan.entries[i].first;
    keys.push_back(k);
    if (k.size() < kInternalKeyTrailerSize) continue;
    std::string user_key(ExtractUserKey(k));
    keys.push_back(MakeInternalKey(user_key + '\0', kMaxSequenceNumber, kValueTypeForSeek));
    if (!user_key.empty()) {
      user_key.back() = static_cast<char>(user_key.back() - 1);
      keys.push_back(MakeInternalKey(user_key, 0, kTypeDeletion));
    }
  }
  keys.push_back(MakeInternalKey("", kMaxSequenceNumber, kValueTypeForSeek));
  keys.push_back(MakeInternalKey("\xff\xff\xff\xff", 0, kTypeDeletion));
  return keys;
}

void Probe(const TableReader& table, const ReadOptions& read_options,
           const std::vector<std::string>& keys) {
  std::unique_ptr<Iterator> it = table.NewIterator(read_options);
  for (const std::string& key : keys) {
    it->Seek(key);
    if (it->Valid()) {
      it->Prev();
      if (it->Valid()) it->Next();
    }
    (void)table.ApproximateOffsetOf(key);
    ParsedInternalKey parsed;
    if (!ParseInternalKey(key, &parsed)) continue;
    for (SequenceNumber seq : {parsed.sequence, kMaxSequenceNumber}) {
      LookupKey lookup(parsed.user_key, seq);
      std::string value;
      TableReader::GetResult result;
      (void)table.Get(read_options, lookup, &value, &result);
    }
  }
}

// First pass: no checksums, no cache. Returns the forward scan.
Scan ReadUnverified(std::string_view input) {
  TableReader::Options options;
  options.verify_checksums = false;
  std::unique_ptr<TableReader> table;
  Status s = TableReader::Open(options, std::make_unique<fuzz::StringRandomAccessFile>(input),
                               input.size(), &table);
  if (!s.ok()) return Scan{{}, s, true};
  ReadOptions read_options;
  read_options.verify_checksums = false;
  Scan scan = ScanForward(*table, read_options);
  ScanBackward(*table, read_options);
  Probe(*table, read_options, ProbeKeys(scan));
  return scan;
}

// Second pass: as a paranoid DB reads, through a block cache.
void ReadVerified(std::string_view input, const Scan& unverified) {
  LRUCache cache(64 << 10);
  TableReadStats stats;
  TableReader::Options options;
  options.paranoid_checks = true;
  options.block_cache = &cache;
  options.file_number = 7;
  options.stats = &stats;
  std::unique_ptr<TableReader> table;
  Status s = TableReader::Open(options, std::make_unique<fuzz::StringRandomAccessFile>(input),
                               input.size(), &table);
  if (!s.ok()) return;
  ReadOptions read_options;
  const Scan filling = ScanForward(*table, read_options);
  const Scan cached = ScanForward(*table, read_options);
  Check(cached.entries == filling.entries && cached.status.ok() == filling.status.ok(),
        "a scan through the block cache differs from the one that filled it");
  if (filling.status.ok() && filling.complete && unverified.complete) {
    Check(unverified.status.ok() && unverified.entries == filling.entries,
          "verifying checksums changes what a scan returns");
  }
  ScanBackward(*table, read_options);
  Probe(*table, read_options, ProbeKeys(filling));
}

}  // namespace
}  // namespace strata

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const Scan unverified = ReadUnverified(input);
  if (unverified.status.ok() || !unverified.entries.empty()) ReadVerified(input, unverified);
  return 0;
}
