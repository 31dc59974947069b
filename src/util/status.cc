// Status construction and formatting; see include/strata/status.h.

#include "strata/status.h"

namespace strata {

Status::Status(Code code, std::string_view msg, std::string_view msg2) : code_(code) {
  if (msg.empty() && msg2.empty()) return;
  message_ = std::make_unique<std::string>(msg);
  if (!msg2.empty()) {
    message_->append(": ");
    message_->append(msg2);
  }
}

Status::Status(const Status& other)
    : code_(other.code_),
      message_(other.message_ ? std::make_unique<std::string>(*other.message_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) {
    code_ = other.code_;
    message_ = other.message_ ? std::make_unique<std::string>(*other.message_) : nullptr;
  }
  return *this;
}

std::string Status::ToString() const {
  const char* name = "OK";
  switch (code()) {
    case Code::kOk:
      return "OK";
    case Code::kNotFound:
      name = "NotFound";
      break;
    case Code::kCorruption:
      name = "Corruption";
      break;
    case Code::kNotSupported:
      name = "Not supported";
      break;
    case Code::kInvalidArgument:
      name = "Invalid argument";
      break;
    case Code::kIOError:
      name = "IO error";
      break;
    case Code::kBusy:
      name = "Busy";
      break;
    case Code::kNoSpace:
      name = "IO error (no space)";
      break;
  }
  std::string result(name);
  result.append(": ");
  result.append(message());
  return result;
}

}  // namespace strata
