#include "sensorlake/wisdm/schema.h"

#include <gtest/gtest.h>

namespace sensorlake::wisdm {
namespace {

TEST(SchemaTest, PublishedCountsAddUpToTheDatasetTotal) {
  // FACTS.md: per folder 4,804,403 / 3,608,635 / 3,777,046 / 3,440,342; 15,630,426 in all.
  EXPECT_EQ(PublishedLinesInFolder(0), 4804403);
  EXPECT_EQ(PublishedLinesInFolder(1), 3608635);
  EXPECT_EQ(PublishedLinesInFolder(2), 3777046);
  EXPECT_EQ(PublishedLinesInFolder(3), 3440342);
  int64_t total = 0;
  for (int32_t f = 0; f < 4; ++f) total += PublishedLinesInFolder(f);
  EXPECT_EQ(total, kPublishedTotalLines);
}

TEST(SchemaTest, ActivityCodesSkipN) {
  EXPECT_EQ(ActivityIndex('A'), 0);
  EXPECT_EQ(ActivityIndex('M'), 12);
  EXPECT_EQ(ActivityIndex('O'), 13);
  EXPECT_EQ(ActivityIndex('S'), 17);
  EXPECT_EQ(ActivityIndex('N'), -1);
  EXPECT_EQ(ActivityIndex('Z'), -1);
  EXPECT_EQ(ActivityName(ActivityIndex('P')), "dribbling");
}

TEST(SchemaTest, RawFileNamesRoundTrip) {
  auto r = ParseRawFileName("data_1627_accel_phone.txt");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->subject, 1627);
  EXPECT_EQ(r->folder, (Folder{Device::kPhone, Sensor::kAccel}));
  EXPECT_EQ(r->RelativePath(), "raw/phone/accel/data_1627_accel_phone.txt");
  for (auto bad : {"data_16x_accel_phone.txt", "data_1600_accel_tablet.txt",
                   "data_1600_accel_phone.csv", "1600_accel_phone.txt", "data_1600_phone.txt"}) {
    EXPECT_FALSE(ParseRawFileName(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace sensorlake::wisdm
