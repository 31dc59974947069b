// Status: the result of every fallible StrataDB call.
//
// An OK status holds no allocation (a null pointer), so returning success is
// as cheap as returning a bool. A failed status holds a code and a message.
// Statuses are values: copy and move them freely.
//
// Thread-safety: a const Status may be read from several threads; mutating one
// needs external synchronization, like any std:: value type.

#ifndef STRATA_STATUS_H_
#define STRATA_STATUS_H_

#include <memory>
#include <string>
#include <string_view>

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
  Status(Status&& other) noexcept = default;
  Status& operator=(Status&& other) noexcept = default;
  ~Status() = default;

  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg, std::string_view msg2 = {}) {
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

  bool ok() const { return state_ == nullptr; }
  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsCorruption() const { return code() == Code::kCorruption; }
  bool IsNotSupported() const { return code() == Code::kNotSupported; }
  bool IsInvalidArgument() const { return code() == Code::kInvalidArgument; }
  bool IsIOError() const { return code() == Code::kIOError || code() == Code::kNoSpace; }
  bool IsBusy() const { return code() == Code::kBusy; }
  bool IsNoSpace() const { return code() == Code::kNoSpace; }

  Code code() const { return state_ == nullptr ? Code::kOk : state_->code; }
  // The message alone, without the code's name; empty when OK.
  std::string_view message() const {
    return state_ == nullptr ? std::string_view() : std::string_view(state_->message);
  }
  // "OK", or the code's name followed by ": " and the message.
  std::string ToString() const;

 private:
  struct State {
    Code code;
    std::string message;
  };

  Status(Code code, std::string_view msg, std::string_view msg2);

  std::unique_ptr<State> state_;  // null when OK
};

}  // namespace strata

#endif  // STRATA_STATUS_H_
