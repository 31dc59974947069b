// Status: the result of every fallible StrataDB call.
//
// A status holds its code inline and a message only when it has one, so
// returning success, or a failure without a message (the NotFound of a Get
// that misses), allocates nothing. Statuses are values: copy and move them
// freely; a moved-from status is OK.
//
// Thread-safety: a const Status may be read from several threads; mutating one
// needs external synchronization, like any std:: value type.

#ifndef STRATA_STATUS_H_
#define STRATA_STATUS_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "strata/export.h"

namespace strata {

class [[nodiscard]] STRATA_EXPORT Status {
 public:
  enum class Code : unsigned char {
    kOk = 0,
    kNotFound = 1,
    kCorruption = 2,
    kNotSupported = 3,
    kInvalidArgument = 4,
    kIOError = 5,
    kBusy = 6,
    kNoSpace = 7,
  };

  Status() noexcept = default;
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&& other) noexcept
      : code_(std::exchange(other.code_, Code::kOk)), message_(std::move(other.message_)) {}
  Status& operator=(Status&& other) noexcept {
    code_ = std::exchange(other.code_, Code::kOk);
    message_ = std::move(other.message_);
    return *this;
  }
  ~Status() = default;

  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg = {}, std::string_view msg2 = {}) {
    return Status(Code::kNotFound, msg, msg2);
  }
  static Status Corruption(std::string_view msg, std::string_view msg2 = {}) {
    return Status(Code::kCorruption, msg, msg2);
  }
  static Status NotSupported(std::string_view msg, std::string_view msg2 = {}) {
    return Status(Code::kNotSupported, msg, msg2);
  }
  static Status InvalidArgument(std::string_view msg, std::string_view msg2 = {}) {
    return Status(Code::kInvalidArgument, msg, msg2);
  }
  static Status IOError(std::string_view msg, std::string_view msg2 = {}) {
    return Status(Code::kIOError, msg, msg2);
  }
  static Status Busy(std::string_view msg, std::string_view msg2 = {}) {
    return Status(Code::kBusy, msg, msg2);
  }
  // An I/O error caused by a full device (ENOSPC). IsIOError() is true too.
  static Status NoSpace(std::string_view msg, std::string_view msg2 = {}) {
    return Status(Code::kNoSpace, msg, msg2);
  }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsCorruption() const { return code() == Code::kCorruption; }
  bool IsNotSupported() const { return code() == Code::kNotSupported; }
  bool IsInvalidArgument() const { return code() == Code::kInvalidArgument; }
  bool IsIOError() const { return code() == Code::kIOError || code() == Code::kNoSpace; }
  bool IsBusy() const { return code() == Code::kBusy; }
  bool IsNoSpace() const { return code() == Code::kNoSpace; }

  Code code() const { return code_; }
  // The message alone, without the code's name; empty when OK.
  std::string_view message() const {
    return message_ == nullptr ? std::string_view() : std::string_view(*message_);
  }
  // "OK", or the code's name followed by ": " and the message.
  std::string ToString() const;

 private:
  Status(Code code, std::string_view msg, std::string_view msg2);

  Code code_ = Code::kOk;
  std::unique_ptr<std::string> message_;  // null when OK or when the message is empty
};

}  // namespace strata

#endif  // STRATA_STATUS_H_
