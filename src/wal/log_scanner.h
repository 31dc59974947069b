// wal::LogScanner: reads every record of a log (a WAL or a MANIFEST) together
// with the file offset where it starts, and says where the log is damaged:
// for the MANIFEST replay (lsm/manifest_replayer.h) and for the tools that
// look into logs (the inspection layer, src/inspect/).
//
// It is a wal::Reader with the bookkeeping the tools need on top:
//   - A record starts where the previous one ended, or at the next block if
//     fewer than kHeaderSize bytes were left in that block (the trailer).
//     After damage, where the previous record ended says nothing, so the
//     start is worked out backwards from the record's end and size, which
//     the writer's layout rules fix (docs/FORMAT.md); the one ambiguity, an
//     empty first fragment ending the previous block, is read as a record
//     starting at the block boundary.
//   - Mid-log damage is reported by the reader just before the next good
//     record; it lies after the end of the last good record, which is the
//     offset given for it.
//   - Bytes after the last complete record are a torn tail, not damage.
//
// Thread-safety: one thread at a time; the file must outlive the scanner.

#ifndef STRATA_WAL_LOG_SCANNER_H_
#define STRATA_WAL_LOG_SCANNER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "strata/file_system.h"
#include "strata/status.h"
#include "wal/log_reader.h"

namespace strata::wal {

class LogScanner {
 public:
  struct Damage {
    uint64_t offset = 0;  // the damaged bytes start at or after this offset
    uint64_t bytes = 0;   // how many were dropped
    std::string message;
  };

  // Reads file from its start; file_size is its size (for the torn tail).
  LogScanner(SequentialFile* file, uint64_t file_size);
  LogScanner(const LogScanner&) = delete;
  LogScanner& operator=(const LogScanner&) = delete;

  // The next complete record, as wal::Reader::ReadRecord, and in *offset
  // where it starts. False at the end of the log or after an I/O error.
  bool Next(std::string_view* record, std::string* scratch, uint64_t* offset);

  // Non-OK if an I/O error stopped reading.
  Status status() const { return reader_.status(); }
  const std::vector<Damage>& damage() const { return collector_.damage; }
  // Bytes after the last complete record, unless they are all zeros (space
  // allocated ahead of the writer, not a torn write): then 0. Final once
  // Next returned false.
  uint64_t torn_tail_bytes() const;
  // Whether those bytes hold a whole fragment that failed its checks, which
  // no crash produces (see Reader::DamagedTail). Final once Next returned
  // false.
  bool damaged_tail() const { return reader_.DamagedTail(); }

 private:
  struct Collector final : Reader::Reporter {
    explicit Collector(const LogScanner* scanner) : scanner(scanner) {}
    void Corruption(size_t bytes, const Status& reason) override;
    const LogScanner* const scanner;
    std::vector<Damage> damage;
  };

  const uint64_t file_size_;
  Collector collector_;
  Reader reader_;
};

}  // namespace strata::wal

#endif  // STRATA_WAL_LOG_SCANNER_H_
