// Status construction and formatting; see include/strata/status.h.

#include "strata/status.h"

namespace strata {

Status::Status(Code code, std::string_view msg, std::string_view msg2)
    : state_(std::make_unique<State>()) {
  state_->code = code;
  state_->message.assign(msg);
  if (!msg2.empty()) {
    state_->message.append(": ");
    state_->message.append(msg2);
  }
}

Status::Status(const Status& other)
    : state_(other.state_ ? std::make_unique<State>(*other.state_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) state_ = other.state_ ? std::make_unique<State>(*other.state_) : nullptr;
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
  result.append(state_->message);
  return result;
}

}  // namespace strata
