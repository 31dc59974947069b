// In-memory files over a fuzzer's input, so a fuzzer can hand the input to a
// reader that wants a SequentialFile or a RandomAccessFile without touching
// the disk. Both view the input; it must outlive them.
//
// fail_at injects an I/O error: the first read that would return a byte at or
// past that offset fails instead, which drives the readers' error paths.
//
// Thread-safety: StringRandomAccessFile::Read is const and safe to call
// concurrently; a StringSequentialFile is used by one thread at a time.

#ifndef STRATA_FUZZ_FUZZ_FILE_H_
#define STRATA_FUZZ_FUZZ_FILE_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>

#include "strata/file_system.h"
#include "strata/status.h"

namespace strata::fuzz {

inline constexpr uint64_t kNoFailure = std::numeric_limits<uint64_t>::max();

class StringSequentialFile final : public SequentialFile {
 public:
  explicit StringSequentialFile(std::string_view data, uint64_t fail_at = kNoFailure)
      : data_(data), fail_at_(fail_at) {}

  Status Read(size_t n, std::string_view* result, char* scratch) override {
    const size_t available = std::min(n, data_.size() - pos_);
    if (available > 0 && pos_ + available > fail_at_) {
      return Status::IOError("injected read error");
    }
    // Copied into scratch, as a real file would, so that a reader keeping a
    // view past its buffer's life is caught by ASan rather than hidden.
    if (available > 0) std::memcpy(scratch, data_.data() + pos_, available);
    *result = std::string_view(scratch, available);
    pos_ += available;
    return Status::OK();
  }

  Status Skip(uint64_t n) override {
    pos_ += static_cast<size_t>(std::min<uint64_t>(n, data_.size() - pos_));
    return Status::OK();
  }

 private:
  const std::string_view data_;
  const uint64_t fail_at_;
  size_t pos_ = 0;
};

class StringRandomAccessFile final : public RandomAccessFile {
 public:
  explicit StringRandomAccessFile(std::string_view data, uint64_t fail_at = kNoFailure)
      : data_(data), fail_at_(fail_at) {}

  Status Read(uint64_t offset, size_t n, std::string_view* result, char* scratch) const override {
    // Like pread: nothing (and no error) past the end of the file.
    const size_t available =
        offset >= data_.size() ? 0 : std::min<uint64_t>(n, data_.size() - offset);
    if (available > 0 && offset + available > fail_at_) {
      return Status::IOError("injected read error");
    }
    if (available > 0) std::memcpy(scratch, data_.data() + offset, available);
    *result = std::string_view(scratch, available);
    return Status::OK();
  }

 private:
  const std::string_view data_;
  const uint64_t fail_at_;
};

}  // namespace strata::fuzz

#endif  // STRATA_FUZZ_FUZZ_FILE_H_
