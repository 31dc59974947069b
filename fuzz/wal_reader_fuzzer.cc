// wal_reader_fuzzer: reads the input as a write-ahead log (or a MANIFEST,
// which has the same framing) with wal::Reader, as recovery does, and with
// wal::LogScanner, as the wal-dump and manifest-dump tools do, then replays
// each record as a write batch the way DBImpl::ReplayLog does.
//
// Invariants checked on any input:
//   1. Reading ends, with OK status (the in-memory file never fails unless
//      told to), and LastRecordEnd() never decreases nor passes the file's end.
//   2. Each record is preceded by at least one fragment header after the
//      previous record's end, and the bytes of the records, their headers and
//      the bytes reported as dropped add up to at most the file's size.
//   3. An I/O error halfway through the file stops reading with that error,
//      after returning a prefix of the records (and corruption reports) read
//      without it.
//   4. LogScanner returns the same records as the reader; each starts at or
//      after the previous one's end and ends by its own end.
//
// Corpus: fuzz/corpus/wal_reader_fuzzer/ (WAL and MANIFEST files written by
// the engine, from make_corpus). Single-threaded, as libFuzzer runs it.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_file.h"
#include "lsm/write_batch_internal.h"
#include "strata/write_batch.h"
#include "wal/log_format.h"
#include "wal/log_reader.h"
#include "wal/log_scanner.h"

namespace strata {
namespace {

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "wal_reader_fuzzer: invariant violated: %s\n", what);
    std::abort();
  }
}

struct Reported {
  size_t bytes;
  std::string reason;
  bool operator==(const Reported&) const = default;
};

class Recorder final : public wal::Reader::Reporter {
 public:
  void Corruption(size_t bytes, const Status& reason) override {
    reports.push_back({bytes, reason.ToString()});
  }
  std::vector<Reported> reports;
};

struct ReadResult {
  std::vector<std::string> records;
  std::vector<uint64_t> ends;  // LastRecordEnd() after each record
  std::vector<Reported> reports;
  Status status;
};

ReadResult ReadAll(std::string_view input, uint64_t fail_at) {
  fuzz::StringSequentialFile file(input, fail_at);
  Recorder recorder;
  wal::Reader reader(&file, &recorder);
  ReadResult result;
  std::string_view record;
  std::string scratch;
  while (reader.ReadRecord(&record, &scratch)) {
    result.records.emplace_back(record);
    result.ends.push_back(reader.LastRecordEnd());
  }
  result.reports = recorder.reports;
  result.status = reader.status();
  return result;
}

void CheckCleanRead(std::string_view input, const ReadResult& r) {
  Check(r.status.ok(), "reading an in-memory log fails");
  uint64_t previous_end = 0;
  uint64_t accounted = 0;
  for (size_t i = 0; i < r.records.size(); i++) {
    Check(r.ends[i] <= input.size(), "LastRecordEnd past the end of the file");
    Check(r.ends[i] >= previous_end + wal::kHeaderSize + r.records[i].size(),
          "a record is longer than the bytes it was read from");
    accounted += wal::kHeaderSize + r.records[i].size();
    previous_end = r.ends[i];
  }
  for (const Reported& report : r.reports) accounted += report.bytes;
  Check(accounted <= input.size(), "records and dropped bytes exceed the file");
}

void CheckFailingRead(const ReadResult& clean, const ReadResult& failing) {
  Check(failing.records.size() <= clean.records.size(), "an I/O error adds records");
  for (size_t i = 0; i < failing.records.size(); i++) {
    Check(failing.records[i] == clean.records[i], "an I/O error changes earlier records");
  }
  Check(failing.reports.size() <= clean.reports.size(), "an I/O error adds reports");
  for (size_t i = 0; i < failing.reports.size(); i++) {
    Check(failing.reports[i] == clean.reports[i], "an I/O error changes earlier reports");
  }
}

void CheckScanner(std::string_view input, const ReadResult& clean) {
  fuzz::StringSequentialFile file(input);
  wal::LogScanner scanner(&file, input.size());
  std::string_view record;
  std::string scratch;
  uint64_t offset = 0;
  size_t i = 0;
  uint64_t previous_end = 0;
  while (scanner.Next(&record, &scratch, &offset)) {
    Check(i < clean.records.size() && record == clean.records[i],
          "LogScanner and Reader disagree on the records");
    Check(offset >= previous_end, "LogScanner puts a record before the previous one's end");
    Check(offset + wal::kHeaderSize + record.size() <= clean.ends[i],
          "LogScanner puts a record's start too late");
    previous_end = clean.ends[i];
    i++;
  }
  Check(scanner.status().ok(), "LogScanner fails on an in-memory log");
  Check(i == clean.records.size(), "LogScanner misses records");
  Check(scanner.torn_tail_bytes() <= input.size(), "torn tail larger than the file");
  for (const auto& damage : scanner.damage()) {
    Check(damage.offset <= input.size(), "damage reported past the end of the file");
  }
}

// As DBImpl::ReplayLog: a record that is not a valid batch is skipped.
class CountingHandler final : public WriteBatch::Handler {
 public:
  void Put(std::string_view key, std::string_view value) override { n++; }
  void Delete(std::string_view key) override { n++; }
  uint32_t n = 0;
};

void ReplayAsBatches(const std::vector<std::string>& records) {
  for (const std::string& record : records) {
    WriteBatch batch;
    if (!WriteBatchInternal::SetContents(&batch, record).ok()) continue;
    CountingHandler handler;
    if (batch.Iterate(&handler).ok()) {
      Check(handler.n == WriteBatchInternal::Count(&batch), "batch count mismatch");
    }
  }
}

}  // namespace
}  // namespace strata

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const ReadResult clean = ReadAll(input, fuzz::kNoFailure);
  CheckCleanRead(input, clean);
  if (size > 0) {
    const ReadResult failing = ReadAll(input, size / 2);
    Check(!failing.status.ok(), "an injected I/O error is not reported");
    CheckFailingRead(clean, failing);
  }
  CheckScanner(input, clean);
  ReplayAsBatches(clean.records);
  return 0;
}
