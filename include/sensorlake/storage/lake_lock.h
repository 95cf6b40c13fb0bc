// An exclusive, named lock in the lake (_locks/<name>.lock), so that two writers of the
// same zone never interleave. The holder's host, pid and purpose are written into the
// lock so a refused caller can say who holds it. A lock left by a dead process on this
// host is taken over; one held by a live process is refused with kBusy.
#pragma once

#include <memory>
#include <string>

#include "sensorlake/common/result.h"
#include "sensorlake/storage/lake.h"

namespace sensorlake::storage {

class LakeLock {
 public:
  static Result<std::unique_ptr<LakeLock>> Acquire(const Lake& lake, std::string_view name,
                                                   std::string_view purpose);
  ~LakeLock();  // releases
  LakeLock(const LakeLock&) = delete;
  LakeLock& operator=(const LakeLock&) = delete;

 private:
  LakeLock(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace sensorlake::storage
