// wal::LogScanner; see log_scanner.h.

#include "wal/log_scanner.h"

#include "wal/log_format.h"

namespace strata::wal {
namespace {

// Where a record that ends at `end` and holds `size` bytes starts, from the
// writer's layout: a fragment never crosses a block; every fragment but the
// last fills its block to the end; every fragment but the first starts a
// block.
uint64_t RecordStartFromEnd(uint64_t end, uint64_t size) {
  constexpr uint64_t kPayloadPerBlock = kBlockSize - kHeaderSize;
  uint64_t block_start = (end - 1) / kBlockSize * kBlockSize;
  const uint64_t last_payload = end - block_start - kHeaderSize;
  if (size <= last_payload) return end - kHeaderSize - size;  // one fragment
  uint64_t left = size - last_payload;
  while (left > kPayloadPerBlock) {  // middle fragments, one block each
    left -= kPayloadPerBlock;
    block_start -= kBlockSize;
  }
  return block_start - kHeaderSize - left;  // the first fragment ends its block
}

// Where the record after one ending at `end` starts, with no damage between.
uint64_t NextRecordStart(uint64_t end) {
  const uint64_t left_in_block = kBlockSize - end % kBlockSize;
  return left_in_block < kHeaderSize ? end + left_in_block : end;
}

}  // namespace

void LogScanner::Collector::Corruption(size_t bytes, const Status& reason) {
  damage.push_back({scanner->reader_.LastRecordEnd(), bytes, std::string(reason.message())});
}

LogScanner::LogScanner(SequentialFile* file, uint64_t file_size)
    : file_size_(file_size), collector_(this), reader_(file, &collector_) {}

bool LogScanner::Next(std::string_view* record, std::string* scratch, uint64_t* offset) {
  const uint64_t previous_end = reader_.LastRecordEnd();
  const size_t damage_before = collector_.damage.size();
  if (!reader_.ReadRecord(record, scratch)) return false;
  *offset = collector_.damage.size() == damage_before
                ? NextRecordStart(previous_end)
                : RecordStartFromEnd(reader_.LastRecordEnd(), record->size());
  return true;
}

uint64_t LogScanner::torn_tail_bytes() const {
  // Only zeros after the last record (space allocated ahead of a log
  // written through a mapping) are not a write that was interrupted.
  if (!reader_.TornTail() && !reader_.DamagedTail()) return 0;
  const uint64_t end = reader_.LastRecordEnd();
  return file_size_ > end ? file_size_ - end : 0;
}

}  // namespace strata::wal
