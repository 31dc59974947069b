// wal::Reader: reads back the records a wal::Writer appended (format in
// log_format.h), streaming one kBlockSize block at a time, so a record of any
// size needs memory for that record plus one block.
//
// Torn tail versus corruption. A crash while appending leaves a torn tail: the
// file ends inside a header or a payload, the rest of the file is zeros, the
// last fragment's length is right but its bytes were half written, or the
// last record's fragments stop before its LAST. None of that is an error: the
// record was never acknowledged as durable. Damage in the middle of the log
// is an error: acknowledged records were lost. The reader tells them apart by
// whether the log goes on after the damage:
//   1. A bad fragment (checksum mismatch, length past the end of the block,
//      unknown type, an all-zero header) is not reported at once; its bytes
//      become "pending". If its length fits in the block and the block goes
//      on after it with a valid fragment (or ends, or its zero trailer
//      starts), only that fragment is skipped. Otherwise its length is
//      damaged and the rest of the block is dropped (never is a header read
//      where the writer did not put one); if a valid fragment lies in that
//      rest, the drop is mid-log damage and reported even at the end of the
//      log. An all-zero header (zero fill) skips the rest of the block.
//   2. Bytes that cannot form a record join the pending ones: the fragments
//      already read of a record interrupted by a bad fragment or by a FIRST or
//      FULL, and a MIDDLE or LAST with no FIRST (an orphan).
//   3. A valid FULL or FIRST fragment (good checksum) starts a record, proving
//      that the log goes on after the damage: the pending bytes are reported
//      with Reporter::Corruption(bytes, reason) before that record is
//      returned, and reading goes on.
//   4. At the end of the file, pending bytes and a partial record are
//      discarded silently: they were a torn tail.
// So records after mid-log damage are still returned; records with a damaged
// fragment are dropped. Damage anywhere in the last record is silent, even
// when later fragments of that record are intact. An I/O error stops reading;
// status() returns it, and it is not reported as corruption.
//
// Thread-safety: one thread at a time (external synchronization).

#ifndef STRATA_WAL_LOG_READER_H_
#define STRATA_WAL_LOG_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "strata/file_system.h"
#include "strata/status.h"
#include "wal/log_format.h"

namespace strata::wal {

class Reader {
 public:
  // Receives the bytes dropped because of mid-log corruption.
  class Reporter {
   public:
    virtual ~Reporter() = default;
    // bytes dropped because of corruption in the middle of the log, and why.
    virtual void Corruption(size_t bytes, const Status& reason) = 0;
  };

  // Reads file from its current position, which must be the start of the
  // log. file and reporter (which may be nullptr) must outlive the reader.
  Reader(SequentialFile* file, Reporter* reporter);

  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Reads the next complete record into *record, which may point into
  // *scratch or into the reader's block buffer and stays valid until the next
  // call. Returns false at the end of the log (or after an I/O error; see
  // status()).
  bool ReadRecord(std::string_view* record, std::string* scratch);

  // Non-OK if an I/O error (not corruption) stopped reading.
  Status status() const { return status_; }

  // Byte offset just past the last fragment of the last record returned (0
  // before any): where a writer reopening the log should continue.
  uint64_t LastRecordEnd() const { return last_record_end_; }

  // Once ReadRecord has returned false: true if the bytes dropped as a torn
  // tail (rule 4) include a whole fragment that failed its checks (one whose
  // bytes are all there, which a crash cutting the file short cannot
  // produce), so they are damage to a record that was complete. A log whose
  // last record was acknowledged before anything relied on it (the
  // MANIFEST) must treat that as corruption, not as a torn tail.
  bool DamagedTail() const { return damaged_tail_; }

  // Once ReadRecord has returned false: true if the log did not end cleanly,
  // that is, after its last complete record came anything but zeros (a
  // writer's block trailer, preallocated or never-written space): a torn or
  // damaged last record, a partial header, or a record missing its LAST.
  // What a clean shutdown leaves is never a torn tail.
  bool TornTail() const { return torn_tail_; }

 private:
  // What ReadFragment found.
  enum class Outcome {
    kGood,  // a fragment with a good checksum and a known type
    kBad,   // bytes to drop (see the file comment, rule 1)
    kEnd,   // end of file, or an I/O error
  };
  struct Fragment {
    FragmentType type = FragmentType::kZeroType;  // kGood only
    std::string_view payload;                     // kGood only; points into the block buffer
    size_t size = 0;                              // bytes consumed from the file
    std::string_view problem;                     // kBad only: why the bytes are dropped
    bool whole = false;        // kBad only: all its bytes were there, so no crash cut it
    bool log_goes_on = false;  // kBad only: a valid fragment follows in the block
    bool zero_fill = false;    // kBad only: the bytes dropped are all zeros
  };

  Outcome ReadFragment(Fragment* fragment);
  // Drops the bytes of the block from a bad fragment (at the front of
  // buffer_) to the end of the block; sets fragment->size to the bytes
  // dropped, and log_goes_on if a valid fragment lay among them.
  void DropRestOfBlock(Fragment* fragment);
  // Refills buffer_ with the next block; sets eof_ on a short read, status_ on
  // an error.
  void ReadNextBlock();

  // Adds bytes to the pending ones (rules 1 and 2).
  void Drop(uint64_t bytes, std::string_view reason);
  // Reports the pending bytes, if any, and clears them (rule 3).
  void ReportPending();

  SequentialFile* const file_;
  Reporter* const reporter_;
  const std::unique_ptr<char[]> block_;  // kBlockSize bytes that buffer_ views

  std::string_view buffer_;            // the unread bytes of the current block
  bool eof_ = false;                   // the last read was short: no block after buffer_
  uint64_t end_of_buffer_offset_ = 0;  // file offset just past buffer_
  uint64_t last_record_end_ = 0;
  Status status_;

  // Dropped bytes not reported yet: mid-log damage or a torn tail.
  uint64_t pending_bytes_ = 0;
  std::string pending_reason_;    // why the first of them were dropped
  bool pending_damage_ = false;   // they include a whole bad fragment
  bool pending_mid_log_ = false;  // a valid fragment lay among them
  bool pending_nonzero_ = false;  // they include bytes other than zero fill
  bool damaged_tail_ = false;     // see DamagedTail()
  bool torn_tail_ = false;        // see TornTail()
};

}  // namespace strata::wal

#endif  // STRATA_WAL_LOG_READER_H_
