// wal::Writer: appends records to a write-ahead log file in the format of
// log_format.h, splitting each record into fragments that never cross a
// kBlockSize boundary.
//
// The writer only appends; it never flushes or syncs. The caller decides when
// data must survive a crash (group commit calls Flush or Sync after
// AddRecord), so one sync can cover many records.
//
// Thread-safety: REQUIRES external synchronization (one writer thread at a
// time).

#ifndef STRATA_WAL_LOG_WRITER_H_
#define STRATA_WAL_LOG_WRITER_H_

#include <cstdint>
#include <string_view>

#include "strata/file_system.h"
#include "strata/status.h"
#include "wal/log_format.h"

namespace strata::wal {

class Writer {
 public:
  // Appends to dest, which must outlive the writer. dest_length is dest's
  // current size, so that a writer reopening a log continues the block layout
  // where it stopped; pass Reader::LastRecordEnd() after recovery (and make
  // sure nothing follows that offset in the file).
  explicit Writer(WritableFile* dest, uint64_t dest_length = 0);

  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Appends one record of any size (an empty record is allowed). Does not call
  // Flush or Sync. If it fails, the file may end in a partial record and the
  // writer no longer knows its position in the block layout, so this and
  // every later call return the same error: start a new log file.
  Status AddRecord(std::string_view record);

 private:
  Status EmitFragment(FragmentType type, std::string_view payload);

  WritableFile* const dest_;
  // Offset in the current block of the next byte to write, in [0, kBlockSize];
  // kBlockSize means the block is full and the next fragment starts a new one.
  size_t block_offset_;
  // The first Append error; sticky (see AddRecord).
  Status error_;
};

}  // namespace strata::wal

#endif  // STRATA_WAL_LOG_WRITER_H_
