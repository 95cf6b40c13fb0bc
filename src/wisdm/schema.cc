#include "sensorlake/wisdm/schema.h"

#include <charconv>

namespace sensorlake::wisdm {

const std::array<std::array<int64_t, kNumActivities>, 4> kPublishedLinesPerActivity = {{
    // A       B       C       D       E       F       G       H       I       J       K       L M
    // O       P       Q       R       S
    {279817, 268409, 255645, 264592, 269604, 246356, 269609, 270756, 261360, 249793, 285190, 265781,
     278766, 272219, 272730, 260497, 268065, 265214},
    {203919, 200252, 197857, 202370, 202351, 194540, 202622, 202408, 197905, 197844, 202395, 197915,
     202625, 198756, 202331, 197894, 202330, 202321},
    {210495, 205787, 207312, 213018, 216529, 205137, 208720, 209483, 210048, 203112, 215879, 203684,
     209491, 210107, 212810, 215365, 208734, 211335},
    {192531, 187833, 180416, 195050, 194103, 187175, 190759, 187057, 192085, 189609, 197917, 190191,
     191535, 187684, 194845, 197403, 190776, 193373},
}};

int64_t PublishedLinesInFolder(int32_t folder_index) {
  int64_t sum = 0;
  for (int64_t n : kPublishedLinesPerActivity[folder_index]) sum += n;
  return sum;
}

std::string_view DeviceName(Device d) { return d == Device::kPhone ? "phone" : "watch"; }
std::string_view SensorName(Sensor s) { return s == Sensor::kAccel ? "accel" : "gyro"; }

Result<Device> ParseDevice(std::string_view name) {
  if (name == "phone") return Device::kPhone;
  if (name == "watch") return Device::kWatch;
  return Status::Invalid("unknown device '{}' (expected phone or watch)", name);
}

Result<Sensor> ParseSensor(std::string_view name) {
  if (name == "accel") return Sensor::kAccel;
  if (name == "gyro") return Sensor::kGyro;
  return Status::Invalid("unknown sensor '{}' (expected accel or gyro)", name);
}

std::string Folder::Name() const {
  return fmt::format("{}/{}", DeviceName(device), SensorName(sensor));
}

int32_t ActivityIndex(char code) {
  size_t pos = kActivityCodes.find(code);
  return pos == std::string_view::npos ? -1 : static_cast<int32_t>(pos);
}

std::string_view ActivityName(int32_t index) {
  static constexpr std::array<std::string_view, kNumActivities> kNames = {
      "walking", "jogging", "stairs",    "sitting", "standing", "typing",
      "teeth",   "soup",    "chips",     "pasta",   "drinking", "sandwich",
      "kicking", "catch",   "dribbling", "writing", "clapping", "folding"};
  return (index >= 0 && index < kNumActivities) ? kNames[index] : std::string_view("unknown");
}

std::string RawFileName::FileName() const {
  return fmt::format("data_{}_{}_{}.txt", subject, SensorName(folder.sensor),
                     DeviceName(folder.device));
}

std::string RawFileName::RelativePath() const {
  return fmt::format("raw/{}/{}", folder.Name(), FileName());
}

Result<RawFileName> ParseRawFileName(std::string_view name) {
  auto bad = [&] {
    return Status::Invalid("'{}' is not a raw file name (data_<subject>_<sensor>_<device>.txt)",
                           name);
  };
  if (!name.starts_with("data_") || !name.ends_with(".txt")) return bad();
  std::string_view rest = name.substr(5, name.size() - 9);
  size_t a = rest.find('_');
  size_t b = rest.rfind('_');
  if (a == std::string_view::npos || a == b) return bad();
  RawFileName out;
  std::string_view subj = rest.substr(0, a);
  auto [p, ec] = std::from_chars(subj.data(), subj.data() + subj.size(), out.subject);
  if (ec != std::errc() || p != subj.data() + subj.size()) return bad();
  auto sensor = ParseSensor(rest.substr(a + 1, b - a - 1));
  auto device = ParseDevice(rest.substr(b + 1));
  if (!sensor.ok() || !device.ok()) return bad();
  out.folder = Folder{*device, *sensor};
  return out;
}

}  // namespace sensorlake::wisdm
