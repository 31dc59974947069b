// VersionEdit encoding; see version_edit.h and docs/FORMAT.md.

#include "lsm/version_edit.h"

#include "util/coding.h"

namespace strata {
namespace {

// On-disk tags: do not renumber.
enum Tag : uint32_t {
  kComparator = 1,
  kLogNumber = 2,
  kNextFileNumber = 3,
  kLastSequence = 4,
  kDeletedFile = 5,
  kNewFile = 6,
  // A new file with a range-deletion block: kNewFile's payload. A separate
  // tag, so MANIFESTs without range tombstones stay as they were and an
  // older binary refuses one that has them.
  kNewFileWithRangeTombstones = 7,
};
static_assert(kComparator == 1 && kLogNumber == 2 && kNextFileNumber == 3 && kLastSequence == 4 &&
                  kDeletedFile == 5 && kNewFile == 6 && kNewFileWithRangeTombstones == 7,
              "MANIFEST tags are stored on disk");

bool GetLevel(std::string_view* input, int* level) {
  uint32_t v;
  if (!GetVarint32(input, &v) || v >= static_cast<uint32_t>(kNumLevels)) return false;
  *level = static_cast<int>(v);
  return true;
}

bool GetInternalKey(std::string_view* input, std::string* dst) {
  std::string_view key;
  if (!GetLengthPrefixed(input, &key) || key.size() < kInternalKeyTrailerSize) return false;
  dst->assign(key);
  return true;
}

}  // namespace

void VersionEdit::EncodeTo(std::string* dst) const {
  if (comparator_) {
    PutVarint32(dst, kComparator);
    PutLengthPrefixed(dst, *comparator_);
  }
  if (log_number_) {
    PutVarint32(dst, kLogNumber);
    PutVarint64(dst, *log_number_);
  }
  if (next_file_number_) {
    PutVarint32(dst, kNextFileNumber);
    PutVarint64(dst, *next_file_number_);
  }
  if (last_sequence_) {
    PutVarint32(dst, kLastSequence);
    PutVarint64(dst, *last_sequence_);
  }
  for (const auto& [level, number] : deleted_files_) {
    PutVarint32(dst, kDeletedFile);
    PutVarint32(dst, static_cast<uint32_t>(level));
    PutVarint64(dst, number);
  }
  for (const auto& [level, f] : new_files_) {
    PutVarint32(dst, f.has_range_tombstones ? kNewFileWithRangeTombstones : kNewFile);
    PutVarint32(dst, static_cast<uint32_t>(level));
    PutVarint64(dst, f.number);
    PutVarint64(dst, f.file_size);
    PutLengthPrefixed(dst, f.smallest);
    PutLengthPrefixed(dst, f.largest);
  }
}

Status VersionEdit::DecodeFrom(std::string_view src) {
  Clear();
  std::string_view input = src;
  const char* error = nullptr;
  uint32_t tag;
  while (error == nullptr && GetVarint32(&input, &tag)) {
    switch (tag) {
      case kComparator: {
        std::string_view name;
        if (GetLengthPrefixed(&input, &name)) {
          comparator_ = std::string(name);
        } else {
          error = "comparator name";
        }
        break;
      }
      case kLogNumber: {
        uint64_t v;
        if (GetVarint64(&input, &v)) {
          log_number_ = v;
        } else {
          error = "log number";
        }
        break;
      }
      case kNextFileNumber: {
        uint64_t v;
        if (GetVarint64(&input, &v)) {
          next_file_number_ = v;
        } else {
          error = "next file number";
        }
        break;
      }
      case kLastSequence: {
        uint64_t v;
        if (GetVarint64(&input, &v) && v <= kMaxSequenceNumber) {
          last_sequence_ = v;
        } else {
          error = "last sequence number";
        }
        break;
      }
      case kDeletedFile: {
        int level;
        uint64_t number;
        if (GetLevel(&input, &level) && GetVarint64(&input, &number)) {
          deleted_files_.emplace(level, number);
        } else {
          error = "deleted file";
        }
        break;
      }
      case kNewFile:
      case kNewFileWithRangeTombstones: {
        int level;
        FileMetaData f;
        f.has_range_tombstones = tag == kNewFileWithRangeTombstones;
        if (GetLevel(&input, &level) && GetVarint64(&input, &f.number) &&
            GetVarint64(&input, &f.file_size) && GetInternalKey(&input, &f.smallest) &&
            GetInternalKey(&input, &f.largest)) {
          new_files_.emplace_back(level, std::move(f));
        } else {
          error = "new file";
        }
        break;
      }
      default:
        error = "unknown tag";
        break;
    }
  }
  if (error == nullptr && !input.empty()) error = "trailing bytes";
  if (error != nullptr) return Status::Corruption("VersionEdit", error);
  return Status::OK();
}

std::string VersionEdit::DebugString() const {
  std::string r = "VersionEdit {";
  if (comparator_) r += "\n  comparator: " + *comparator_;
  if (log_number_) r += "\n  log number: " + std::to_string(*log_number_);
  if (next_file_number_) r += "\n  next file: " + std::to_string(*next_file_number_);
  if (last_sequence_) r += "\n  last sequence: " + std::to_string(*last_sequence_);
  for (const auto& [level, number] : deleted_files_) {
    r += "\n  remove: L" + std::to_string(level) + " #" + std::to_string(number);
  }
  for (const auto& [level, f] : new_files_) {
    r += "\n  add: L" + std::to_string(level) + " #" + std::to_string(f.number) + " " +
         std::to_string(f.file_size) + " bytes" +
         (f.has_range_tombstones ? " (range tombstones)" : "");
  }
  r += "\n}\n";
  return r;
}

}  // namespace strata
