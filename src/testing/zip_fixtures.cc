#include "testing/zip_fixtures.h"

#include <zip.h>

#include <cstdio>

#include <fmt/format.h>

#include "testing/temp_dir.h"

namespace sensorlake::testing {

bool WriteZip(const std::filesystem::path& path, const std::vector<ZipEntrySpec>& entries) {
  int err = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (za == nullptr) {
    std::fprintf(stderr, "WriteZip: cannot create %s (libzip error %d)\n", path.c_str(), err);
    return false;
  }
  for (const auto& e : entries) {
    // The buffers stay alive until zip_close: `entries` outlives it.
    zip_source_t* src = zip_source_buffer(za, e.content.data(), e.content.size(), 0);
    zip_int64_t index = src ? zip_file_add(za, e.name.c_str(), src, ZIP_FL_ENC_UTF_8) : -1;
    if (index < 0 ||
        zip_file_set_external_attributes(za, static_cast<zip_uint64_t>(index), 0, ZIP_OPSYS_UNIX,
                                         e.unix_mode << 16) != 0 ||
        (e.store &&
         zip_set_file_compression(za, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0) != 0)) {
      std::fprintf(stderr, "WriteZip: cannot add %s: %s\n", e.name.c_str(), zip_strerror(za));
      if (src != nullptr && index < 0) zip_source_free(src);
      zip_discard(za);
      return false;
    }
  }
  if (zip_close(za) != 0) {
    std::fprintf(stderr, "WriteZip: cannot write %s: %s\n", path.c_str(), zip_strerror(za));
    zip_discard(za);
    return false;
  }
  return true;
}

std::map<std::string, std::string> TinyDataset(int32_t variant) {
  std::map<std::string, std::string> files;
  for (int32_t subject : {1600, 1601}) {
    int32_t folder_index = 0;
    for (std::string folder : {"phone/accel", "phone/gyro", "watch/accel", "watch/gyro"}) {
      std::string device = folder.substr(0, 5), sensor = folder.substr(6);
      std::string text;
      for (int32_t i = 0; i < 20; ++i) {
        text += fmt::format("{},{},{},{}.5,-0.{},9.8{};\n", subject, i < 10 ? 'A' : 'B',
                            252207666810782 + i * 50000000LL, i, 25 + folder_index,
                            subject == 1601 ? variant : 0);
      }
      ++folder_index;
      files[fmt::format("raw/{}/data_{}_{}_{}.txt", folder, subject, sensor, device)] = text;
    }
  }
  files["arff_files/phone/accel/data_1600_accel_phone.arff"] = "@relation x\n@data\n1,2\n";
  files["README.txt"] = "WISDM test dataset\r\nsecond line without a newline";
  files["activity_key.txt"] = "walking = A\njogging = B\n";
  return files;
}

void WriteTree(const std::filesystem::path& dir, const std::map<std::string, std::string>& files) {
  for (const auto& [path, content] : files) WriteFile(dir / path, content);
}

std::vector<ZipEntrySpec> ZipEntries(const std::map<std::string, std::string>& files,
                                     const std::string& prefix) {
  std::vector<ZipEntrySpec> out;
  for (const auto& [path, content] : files) out.push_back({prefix + path, content});
  return out;
}

}  // namespace sensorlake::testing
