// An s3:// source (`ingest --source s3://bucket/key.zip` or `s3://bucket/prefix/`), copied
// to the local cache before it is opened like a zip or a folder: the same verification
// (--sha256 of the archive, sizes, CRCs, safe paths) then applies to it as to any source.
// S3 is read through the engine's own S3 backend (storage::Lake), so the URI takes the
// lake's query (endpoint_override, scheme, region), environment and credential chain, and
// Arrow's retry strategy retries its requests.
#pragma once

#include <cstdint>
#include <string>

#include "sensorlake/common/result.h"

namespace sensorlake::ingest {

struct FetchedS3Source {
  std::string location;    // "s3://bucket/key" (no query: no endpoint, no credentials)
  std::string local_path;  // the copied object, or the folder holding the copied prefix
  bool folder = false;     // a prefix (copied to a folder) rather than one object
  int64_t bytes = 0;
  int64_t objects = 0;
};

// The object itself when `uri` names one, else every object below it as a prefix.
// kNotFound when the bucket is missing or neither exists; kRefused for an object key that
// would leave the copy's folder ("..", absolute); kIOError when a copy's size differs from
// what S3 listed.
Result<FetchedS3Source> FetchS3Source(const std::string& uri, const std::string& cache_dir);

}  // namespace sensorlake::ingest
