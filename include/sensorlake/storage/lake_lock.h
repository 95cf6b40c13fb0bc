// An exclusive, named lock in the lake (_locks/<name>.lock), so that two writers of the
// same zone never interleave. The holder's host, pid and purpose are written into the
// lock so a refused caller can say who holds it. A lock left by a dead process on this
// host is taken over, and so is one naming this process that it no longer holds (an
// earlier attempt's release or creation failed half-way); one held by a live process is
// refused with kBusy.
//
// The lock is created with Lake::WriteIfAbsent: O_EXCL on a local lake, a PUT with
// If-None-Match: * on S3 (exclusive on servers that honour it: AWS S3 since 2024,
// versitygw, MinIO; best-effort on others, see docs/storage.md). The lock holds a random
// token; release deletes it only while it still holds ours.
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
  LakeLock(const Lake& lake, std::string rel, std::string content)
      : lake_(lake), rel_(std::move(rel)), content_(std::move(content)) {}
  const Lake& lake_;  // outlives the lock: every caller holds both in one scope
  std::string rel_;
  std::string content_;
};

}  // namespace sensorlake::storage
