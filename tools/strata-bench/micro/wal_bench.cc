// Micro-benchmarks of WAL appends (wal/log_writer.h), by record size:
// framing and checksumming alone (into a file that discards its bytes), and
// into a real file with a Flush after each record, as an unsynced write
// pays (one write(2) per group commit).

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <string>

#include "strata/file_system.h"
#include "wal/log_writer.h"

namespace strata {
namespace {

// Counts what is appended and keeps none of it.
class DiscardFile final : public WritableFile {
 public:
  Status Append(std::string_view data) override {
    bytes_ += data.size();
    return Status::OK();
  }
  Status Flush() override { return Status::OK(); }
  Status Sync() override { return Status::OK(); }
  Status Close() override { return Status::OK(); }

 private:
  uint64_t bytes_ = 0;
};

std::string Record(size_t size) {
  std::string record(size, '\0');
  for (size_t i = 0; i < size; i++) record[i] = static_cast<char>(i * 131 + 7);
  return record;
}

void BM_WalAppend(benchmark::State& state) {
  std::string record = Record(static_cast<size_t>(state.range(0)));
  DiscardFile file;
  wal::Writer writer(&file);
  for (auto _ : state) {
    Status s = writer.AddRecord(record);
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_WalAppend)->Arg(128)->Arg(1024)->Arg(32 * 1024);

void BM_WalAppendAndFlush(benchmark::State& state) {
  std::string record = Record(static_cast<size_t>(state.range(0)));
  std::string path = "/tmp/strata-microbench-wal-" + std::to_string(getpid());
  std::unique_ptr<WritableFile> file;
  Status s = DefaultFileSystem()->NewWritableFile(path, &file);
  if (!s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  wal::Writer writer(file.get());
  for (auto _ : state) {
    s = writer.AddRecord(record);
    if (s.ok()) s = file->Flush();
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
  (void)file->Close();
  (void)DefaultFileSystem()->RemoveFile(path);
}
BENCHMARK(BM_WalAppendAndFlush)->Arg(128)->Arg(1024);

}  // namespace
}  // namespace strata
