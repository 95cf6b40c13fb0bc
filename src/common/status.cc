#include "sensorlake/common/status.h"

#include <arrow/status.h>

namespace sensorlake {

Status::Status(StatusCode code, std::string message) {
  if (code != StatusCode::kOk) {
    state_ = std::make_shared<const State>(State{code, std::move(message)});
  }
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return ok() ? kEmpty : state_->message;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return fmt::format("{}: {}", StatusCodeName(code()), message());
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(code(), fmt::format("{}: {}", context, message()));
}

Status Status::FromArrow(const arrow::Status& st) {
  if (st.ok()) return OK();
  StatusCode code = StatusCode::kInternal;
  if (st.IsIOError())
    code = StatusCode::kIOError;
  else if (st.IsInvalid() || st.IsTypeError() || st.IsIndexError())
    code = StatusCode::kInvalid;
  else if (st.IsKeyError())
    code = StatusCode::kNotFound;
  else if (st.IsNotImplemented())
    code = StatusCode::kNotImplemented;
  else if (st.IsCancelled())
    code = StatusCode::kCancelled;
  else if (st.IsOutOfMemory() || st.IsCapacityError())
    code = StatusCode::kIOError;
  // The detail carries the cause a person needs ("[errno 28] No space left on device").
  if (st.detail() != nullptr) return Status(code, st.message() + ": " + st.detail()->ToString());
  return Status(code, st.message());
}

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalid:
      return "Invalid";
    case StatusCode::kNotFound:
      return "NotFound";
    case StatusCode::kAlreadyExists:
      return "AlreadyExists";
    case StatusCode::kIOError:
      return "IOError";
    case StatusCode::kCorrupt:
      return "Corrupt";
    case StatusCode::kBusy:
      return "Busy";
    case StatusCode::kRefused:
      return "Refused";
    case StatusCode::kNotImplemented:
      return "NotImplemented";
    case StatusCode::kCancelled:
      return "Cancelled";
    case StatusCode::kInternal:
      return "Internal";
  }
  return "Unknown";
}

int ExitCodeFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 0;
    case StatusCode::kInvalid:
      return 3;
    case StatusCode::kNotFound:
      return 4;
    case StatusCode::kAlreadyExists:
      return 5;
    case StatusCode::kIOError:
      return 6;
    case StatusCode::kCorrupt:
      return 7;
    case StatusCode::kBusy:
      return 8;
    case StatusCode::kRefused:
      return 9;
    case StatusCode::kNotImplemented:
      return 10;
    case StatusCode::kCancelled:
      return 11;
    case StatusCode::kInternal:
      return 70;
  }
  return 1;
}

}  // namespace sensorlake
