// What the WISDM 2019 dataset is made of: devices, sensors, activities, subjects, and the
// line counts its authors published (../shared/wisdm/FACTS.md). Knows nothing of storage.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "sensorlake/common/result.h"

namespace sensorlake::wisdm {

enum class Device : uint8_t { kPhone = 0, kWatch = 1 };
enum class Sensor : uint8_t { kAccel = 0, kGyro = 1 };

std::string_view DeviceName(Device d);
std::string_view SensorName(Sensor s);
Result<Device> ParseDevice(std::string_view name);
Result<Sensor> ParseSensor(std::string_view name);

// One of the dataset's four folders, raw/<device>/<sensor>/.
struct Folder {
  Device device;
  Sensor sensor;
  int32_t index() const { return static_cast<int32_t>(device) * 2 + static_cast<int32_t>(sensor); }
  std::string Name() const;  // "phone/accel"
  bool operator==(const Folder&) const = default;
};
inline constexpr std::array<Folder, 4> kFolders = {{{Device::kPhone, Sensor::kAccel},
                                                    {Device::kPhone, Sensor::kGyro},
                                                    {Device::kWatch, Sensor::kAccel},
                                                    {Device::kWatch, Sensor::kGyro}}};

// The 18 activity codes, A..S without N, in the order files hold their blocks.
inline constexpr int32_t kNumActivities = 18;
inline constexpr std::string_view kActivityCodes = "ABCDEFGHIJKLMOPQRS";
// Index 0..17 of an activity code, or -1 when the code is not one of the 18.
int32_t ActivityIndex(char code);
std::string_view ActivityName(int32_t index);  // "walking"

inline constexpr int32_t kFirstSubject = 1600;
inline constexpr int32_t kNumSubjects = 51;  // 1600..1650

// Published raw line counts per folder (kFolders order) and activity (FACTS.md).
extern const std::array<std::array<int64_t, kNumActivities>, 4> kPublishedLinesPerActivity;
int64_t PublishedLinesInFolder(int32_t folder_index);
inline constexpr int64_t kPublishedTotalLines = 15'630'426;

// data_<subject>_<sensor>_<device>.txt, the name of every raw file.
struct RawFileName {
  int32_t subject = 0;
  Folder folder{};
  std::string FileName() const;      // data_1600_accel_phone.txt
  std::string RelativePath() const;  // raw/phone/accel/data_1600_accel_phone.txt
};
Result<RawFileName> ParseRawFileName(std::string_view file_name);

}  // namespace sensorlake::wisdm
