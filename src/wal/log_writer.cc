// wal::Writer; see log_writer.h and log_format.h.

#include "wal/log_writer.h"

#include <algorithm>
#include <cassert>

#include "util/checksum.h"
#include "util/coding.h"

namespace strata::wal {

Writer::Writer(WritableFile* dest, uint64_t dest_length)
    : dest_(dest), block_offset_(static_cast<size_t>(dest_length % kBlockSize)) {
  assert(dest_ != nullptr);
}

Status Writer::AddRecord(std::string_view record) {
  if (!error_.ok()) return error_;
  // A do/while so that an empty record still writes one (empty) FULL fragment.
  bool first = true;
  do {
    const size_t leftover = kBlockSize - block_offset_;
    if (leftover < kHeaderSize) {
      // No room for a header: zero the trailer so the reader skips it.
      static constexpr char kZeros[kHeaderSize - 1] = {};
      if (leftover > 0) {
        Status s = dest_->Append(std::string_view(kZeros, leftover));
        if (!s.ok()) {
          error_ = s;
          return s;
        }
      }
      block_offset_ = 0;
    }
    // With exactly kHeaderSize bytes left this is an empty FIRST fragment.
    const size_t available = kBlockSize - block_offset_ - kHeaderSize;
    const size_t fragment_length = std::min(record.size(), available);
    const bool last = fragment_length == record.size();
    FragmentType type;
    if (first && last) {
      type = FragmentType::kFullType;
    } else if (first) {
      type = FragmentType::kFirstType;
    } else if (last) {
      type = FragmentType::kLastType;
    } else {
      type = FragmentType::kMiddleType;
    }
    Status s = EmitFragment(type, record.substr(0, fragment_length));
    if (!s.ok()) {
      error_ = s;
      return s;
    }
    record.remove_prefix(fragment_length);
    first = false;
  } while (!record.empty());
  return Status::OK();
}

Status Writer::EmitFragment(FragmentType type, std::string_view payload) {
  assert(payload.size() <= kBlockSize - kHeaderSize);
  assert(block_offset_ + kHeaderSize + payload.size() <= kBlockSize);
  const char type_byte = static_cast<char>(type);
  char header[kHeaderSize];
  EncodeFixed32(header, Checksum32(std::string_view(&type_byte, 1), payload));
  EncodeFixed16(header + 4, static_cast<uint16_t>(payload.size()));
  header[6] = type_byte;
  Status s = dest_->Append(std::string_view(header, kHeaderSize));
  if (s.ok() && !payload.empty()) s = dest_->Append(payload);
  block_offset_ += kHeaderSize + payload.size();
  return s;
}

}  // namespace strata::wal
