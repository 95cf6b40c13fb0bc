// Zip archives and small WISDM-shaped trees for the ingest tests, built with libzip so a
// test can make any archive it needs: nested zips, unsafe names, symlink entries, bombs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace sensorlake::testing {

struct ZipEntrySpec {
  std::string name;              // stored as given, unsafe names included
  std::string content;           // a symlink entry's content is its target
  uint32_t unix_mode = 0100644;  // S_IFREG | 0644; 0120777 makes a symlink entry
  bool store = false;            // no compression (lets a test find and damage the bytes)
};

// Writes the archive; returns false (after printing why) when libzip fails.
bool WriteZip(const std::filesystem::path& path, const std::vector<ZipEntrySpec>& entries);

// Files of a tiny dataset (path inside the dataset root -> content): raw data files of two
// subjects in all four folders, an ARFF file, README.txt, activity_key.txt. `variant`
// changes one raw line, for a "changed source".
std::map<std::string, std::string> TinyDataset(int32_t variant = 0);

// Writes `files` below `dir`.
void WriteTree(const std::filesystem::path& dir, const std::map<std::string, std::string>& files);

// `files` as zip entries below `prefix` ("wisdm-dataset/").
std::vector<ZipEntrySpec> ZipEntries(const std::map<std::string, std::string>& files,
                                     const std::string& prefix);

}  // namespace sensorlake::testing
