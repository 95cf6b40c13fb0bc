#include "sensorlake/zones/curated_schema.h"

#include <arrow/api.h>

#include "sensorlake/wisdm/schema.h"

namespace sensorlake::zones {

std::shared_ptr<arrow::DataType> ActivityDictType() {
  return arrow::dictionary(arrow::int8(), arrow::utf8());
}

std::shared_ptr<arrow::Array> ActivityDictionary(bool names) {
  arrow::StringBuilder b;
  for (int32_t i = 0; i < wisdm::kNumActivities; ++i) {
    if (names) {
      (void)b.Append(std::string(wisdm::ActivityName(i)));
    } else {
      (void)b.Append(std::string(1, wisdm::kActivityCodes[i]));
    }
  }
  return b.Finish().ValueOrDie();
}

std::shared_ptr<arrow::Schema> CuratedSchema() {
  auto meta =
      arrow::key_value_metadata({"sensorlake.sort_order", "sensorlake.units"},
                                {"subject,activity,timestamp_ns",
                                 "accel: m/s^2; gyro: rad/s; timestamp_ns: device clock ns"});
  auto name = [](CuratedField f) { return std::string(FieldName(f)); };
  return arrow::schema({arrow::field(name(CuratedField::kSubject), arrow::int16(), false),
                        arrow::field(name(CuratedField::kActivity), ActivityDictType(), false),
                        arrow::field(name(CuratedField::kActivityName), ActivityDictType(), false),
                        arrow::field(name(CuratedField::kTimestampNs), arrow::int64(), false),
                        arrow::field(name(CuratedField::kX), arrow::float32(), false),
                        arrow::field(name(CuratedField::kY), arrow::float32(), false),
                        arrow::field(name(CuratedField::kZ), arrow::float32(), false),
                        arrow::field(name(CuratedField::kBlock), arrow::int32(), false),
                        arrow::field(name(CuratedField::kSample), arrow::int32(), false)},
                       meta);
}

std::shared_ptr<arrow::Schema> QuarantineSchema() {
  return arrow::schema(
      {arrow::field("subject", arrow::int16(), false), arrow::field("file", arrow::utf8(), false),
       arrow::field("line", arrow::int64(), false),
       arrow::field("reason", arrow::dictionary(arrow::int8(), arrow::utf8()), false),
       arrow::field("detail", arrow::utf8(), false), arrow::field("raw_text", arrow::utf8(), false),
       arrow::field("raw_bytes", arrow::binary(), true)});
}

}  // namespace sensorlake::zones
