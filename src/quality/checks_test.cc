#include "sensorlake/quality/checks.h"

#include <algorithm>

#include <cmath>
#include <functional>
#include <random>

#include <gtest/gtest.h>

#include "quality/check_support.h"

namespace sensorlake::quality {
namespace {

constexpr int32_t kPhoneAccel = 0, kPhoneGyro = 1;
using Xyz = std::array<float, 3>;
using Signal = std::function<Xyz(int64_t i, std::mt19937& rng)>;

// A plausible reading: gravity plus motion and noise (accel), or small rotations (gyro).
Xyz Natural(int32_t folder, int64_t i, std::mt19937& rng) {
  std::normal_distribution<float> noise(0.0f, 0.05f);
  float phase = static_cast<float>(i) * 0.3f;
  if (wisdm::kFolders[static_cast<size_t>(folder)].sensor == wisdm::Sensor::kAccel) {
    return {2.0f * std::sin(phase) + noise(rng), 9.3f + 1.5f * std::cos(phase) + noise(rng),
            1.0f + noise(rng)};
  }
  return {0.8f * std::sin(phase) + noise(rng), 0.5f * std::cos(phase) + noise(rng), noise(rng)};
}

BlockProfile MakeBlock(BlockKey key, int64_t rows, double hz, const Signal& signal = nullptr,
                       int64_t t0 = 1'000'000'007) {
  std::mt19937 rng(static_cast<uint32_t>(key.subject * 131 + key.activity * 7 + key.folder));
  BlockProfiler p(key);
  for (int64_t i = 0; i < rows; ++i) {
    Xyz v = signal ? signal(i, rng) : Natural(key.folder, i, rng);
    p.Add(t0 + static_cast<int64_t>(std::llround(i * 1e9 / hz)), v[0], v[1], v[2]);
  }
  return p.Finish();
}

// 8 subjects x activities A, B x phone accel and gyro, 20 Hz, 3 minutes a block.
DatasetProfile CleanProfile() {
  DatasetProfile p;
  for (int32_t folder : {kPhoneAccel, kPhoneGyro}) {
    for (int32_t s = 1600; s < 1608; ++s) {
      p.files.push_back({fmt::format("raw/x/data_{}.txt", s), folder, s, 7200, 7200, 0, 0, 0, {}});
      for (int32_t a = 0; a < 2; ++a) {
        p.blocks.push_back(MakeBlock({folder, s, a, a}, 3600, 20.0));
      }
    }
  }
  std::sort(p.blocks.begin(), p.blocks.end(),
            [](const auto& a, const auto& b) { return a.key < b.key; });
  for (const auto& f : p.files) p.lines += f.lines, p.rows += f.rows;
  return p;
}

Rule DefaultRule(CheckKind kind) {
  for (const auto& r : DefaultQualityRules().rules) {
    if (r.check == kind) return r;
  }
  ADD_FAILURE() << "no default rule for " << CheckKindName(kind);
  return {};
}

void Replace(DatasetProfile* p, BlockProfile b) {
  for (auto& x : p->blocks) {
    if (x.key == b.key) {
      x = std::move(b);
      return;
    }
  }
}

bool Names(const CheckResult& r, int32_t folder, int32_t subject, char activity) {
  for (const auto& f : r.failures) {
    if (f.value("folder", "") == wisdm::kFolders[static_cast<size_t>(folder)].Name() &&
        f.value("subject", 0) == subject && f.value("activity", "") == std::string(1, activity)) {
      return true;
    }
  }
  return false;
}

TEST(QualityChecks, CleanDataPassesEveryCheckThatApplies) {
  DatasetProfile p = CleanProfile();
  const auto results = RunChecks(p, DefaultQualityRules(), nullptr);
  ASSERT_EQ(results.size(), DefaultQualityRules().rules.size());  // one result per rule
  for (const auto& r : results) {
    if (r.check == CheckKind::kPublishedCounts || r.check == CheckKind::kDrift) {
      EXPECT_EQ(r.status, CheckStatus::kSkipped) << r.rule << ": " << r.observed;
    } else {
      EXPECT_EQ(r.status, CheckStatus::kPass) << r.rule << ": " << r.observed << " "
                                              << (r.failures.empty() ? "" : r.failures[0].dump());
      EXPECT_GT(r.evaluated, 0) << r.rule;
    }
  }
}

TEST(QualityChecks, StuckRunIsNamedWithItsStart) {
  DatasetProfile p = CleanProfile();
  Replace(&p, MakeBlock({kPhoneAccel, 1603, 1, 1}, 3600, 20.0, [](int64_t i, std::mt19937& rng) {
    return i >= 100 && i < 150 ? Xyz{0.5f, 9.7f, 1.1f} : Natural(kPhoneAccel, i, rng);
  }));
  auto r = RunCheck(p, DefaultRule(CheckKind::kStuckValues), nullptr);
  EXPECT_EQ(r.Outcome(), "warn");
  ASSERT_EQ(r.failing, 1);
  EXPECT_TRUE(Names(r, kPhoneAccel, 1603, 'B'));
  EXPECT_EQ(r.failures[0]["sample"], 100);
}

TEST(QualityChecks, AccelInGAndGyroInDegreesAreScaled) {
  DatasetProfile p = CleanProfile();
  Replace(&p, MakeBlock({kPhoneAccel, 1601, 0, 0}, 3600, 20.0, [](int64_t i, std::mt19937& rng) {
    Xyz v = Natural(kPhoneAccel, i, rng);
    return Xyz{v[0] / 9.80665f, v[1] / 9.80665f, v[2] / 9.80665f};
  }));
  Replace(&p, MakeBlock({kPhoneGyro, 1605, 1, 1}, 3600, 20.0, [](int64_t i, std::mt19937& rng) {
    Xyz v = Natural(kPhoneGyro, i, rng);
    const float k = 3.14159265f / 180;
    return Xyz{v[0] * k, v[1] * k, v[2] * k};
  }));
  auto r = RunCheck(p, DefaultRule(CheckKind::kScaledValues), nullptr);
  EXPECT_EQ(r.Outcome(), "error");
  EXPECT_EQ(r.failing, 2);
  EXPECT_TRUE(Names(r, kPhoneAccel, 1601, 'A'));
  EXPECT_TRUE(Names(r, kPhoneGyro, 1605, 'B'));
}

TEST(QualityChecks, ClippedBlockIsFoundButAStillQuantizedOneIsNot) {
  DatasetProfile p = CleanProfile();
  Replace(&p, MakeBlock({kPhoneAccel, 1602, 0, 0}, 3600, 20.0, [](int64_t i, std::mt19937& rng) {
    Xyz v = Natural(kPhoneAccel, i, rng);
    v[1] = std::min(v[1], 10.0f);  // clamps the y axis near its peaks
    return v;
  }));
  // A sensor at rest that only reports three ADC levels: its extremes repeat naturally.
  Replace(&p, MakeBlock({kPhoneAccel, 1604, 0, 0}, 3600, 20.0, [](int64_t i, std::mt19937&) {
    float step = 0.0005985504f * static_cast<float>(i % 3);
    return Xyz{0.1f + step, 9.8f - step, 0.2f + static_cast<float>(i % 7) * 1e-3f};
  }));
  auto r = RunCheck(p, DefaultRule(CheckKind::kClippedValues), nullptr);
  EXPECT_EQ(r.failing, 1);
  EXPECT_TRUE(Names(r, kPhoneAccel, 1602, 'A'));
}

TEST(QualityChecks, MicrosecondClockIsNamed) {
  DatasetProfile p = CleanProfile();
  Replace(&p, MakeBlock({kPhoneGyro, 1600, 0, 0}, 3600, 20.0, nullptr, 1'000'000'000));
  auto r = RunCheck(p, DefaultRule(CheckKind::kTimestampResolution), nullptr);
  // 20 Hz from a round start gives whole 50 ms steps: every timestamp ends in 000.
  EXPECT_EQ(r.failing, 1);
  EXPECT_TRUE(Names(r, kPhoneGyro, 1600, 'A'));
  EXPECT_NE(r.note.find("phone/gyro: 1600"), std::string::npos) << r.note;
}

TEST(QualityChecks, FastStreamsAreShownAsSuch) {
  DatasetProfile p = CleanProfile();
  Replace(&p, MakeBlock({kPhoneAccel, 1606, 0, 0}, 8000, 45.0));
  auto r = RunCheck(p, DefaultRule(CheckKind::kSamplingRate), nullptr);
  EXPECT_EQ(r.Outcome(), "warn");
  ASSERT_EQ(r.failing, 1);
  EXPECT_EQ(r.failures[0]["problem"], "fast");
  EXPECT_NE(r.note.find("faster streams: phone/accel: 1606"), std::string::npos) << r.note;
}

TEST(QualityChecks, GapsAndDisorderAreCounted) {
  DatasetProfile p = CleanProfile();
  BlockProfiler gap({kPhoneAccel, 1607, 1, 1});
  BlockProfiler disorder({kPhoneGyro, 1607, 1, 1});
  for (int64_t i = 0; i < 400; ++i) {
    int64_t t = 1'000'000'007 + i * 50'000'000 + (i >= 200 ? 5'000'000'000 : 0);
    gap.Add(t, std::sin(i * 0.3f), 9.0f + std::cos(i * 0.2f), 1.0f);
    disorder.Add(i == 10 ? t - 100'000'000 : t, std::sin(i * 0.3f), std::cos(i * 0.2f), 0.0f);
  }
  Replace(&p, gap.Finish());
  Replace(&p, disorder.Finish());
  auto gaps = RunCheck(p, DefaultRule(CheckKind::kTimestampGaps), nullptr);
  EXPECT_TRUE(Names(gaps, kPhoneAccel, 1607, 'B'));
  auto order = RunCheck(p, DefaultRule(CheckKind::kTimestampOrder), nullptr);
  EXPECT_EQ(order.Outcome(), "error");
  EXPECT_TRUE(Names(order, kPhoneGyro, 1607, 'B'));
}

TEST(QualityChecks, DuplicatedStreamNamesBothSubjects) {
  DatasetProfile p = CleanProfile();
  BlockProfile copy = MakeBlock({kPhoneAccel, 1600, 1, 1}, 3600, 20.0);
  copy.key.subject = 1605;  // the same readings under another subject id
  Replace(&p, copy);
  auto r = RunCheck(p, DefaultRule(CheckKind::kDuplicateStream), nullptr);
  EXPECT_EQ(r.Outcome(), "error");
  ASSERT_EQ(r.failing, 1);
  EXPECT_EQ(r.failures[0]["subject"], 1600);
  EXPECT_EQ(r.failures[0]["other"]["subject"], 1605);
  EXPECT_EQ(r.failures[0]["shared"], 1.0);
}

TEST(QualityChecks, EmptyAndMissingFilesAreNamed) {
  DatasetProfile p = CleanProfile();
  p.files[3].lines = p.files[3].rows = 0;
  p.files.erase(p.files.begin() + 12);  // phone/gyro of subject 1604
  auto r = RunCheck(p, DefaultRule(CheckKind::kEmptyFile), nullptr);
  EXPECT_EQ(r.failing, 2);
  EXPECT_EQ(r.failures[0]["problem"], "empty");
  EXPECT_EQ(r.failures[1]["problem"], "missing");
  EXPECT_EQ(r.failures[1]["subject"], 1604);
}

TEST(QualityChecks, QuarantineRateOverallAndPerReason) {
  DatasetProfile p = CleanProfile();
  p.files[0].quarantined = 300;
  p.files[0].quarantined_by_reason = {{"malformed_line", 290}, {"nan", 10}};
  auto r = RunCheck(p, DefaultRule(CheckKind::kQuarantineRate), nullptr);
  // 300 of 115,200 lines: 0.26% overall (limit 1%), 0.25% for one reason (limit 0.5%).
  EXPECT_EQ(r.status, CheckStatus::kPass) << r.observed;
  p.files[0].quarantined = 1500;
  p.files[0].quarantined_by_reason = {{"malformed_line", 1490}, {"nan", 10}};
  r = RunCheck(p, DefaultRule(CheckKind::kQuarantineRate), nullptr);
  EXPECT_EQ(r.Outcome(), "error");
  ASSERT_EQ(r.failing, 2);
  EXPECT_EQ(r.failures[0]["reason"], "all");
  EXPECT_EQ(r.failures[1]["reason"], "malformed_line");
}

TEST(QualityChecks, ActivityBlocksNamesMissingRepeatedAndShort) {
  DatasetProfile p = CleanProfile();
  auto& blocks = p.blocks;
  blocks.erase(std::remove_if(blocks.begin(), blocks.end(),
                              [](const BlockProfile& b) {
                                return b.key == BlockKey{kPhoneAccel, 1601, 1, 1};
                              }),
               blocks.end());
  Replace(&p, MakeBlock({kPhoneAccel, 1602, 0, 0}, 600, 20.0));        // 30 s of 3 minutes
  blocks.push_back(MakeBlock({kPhoneAccel, 1603, 0, 5}, 3600, 20.0));  // A again later
  std::sort(blocks.begin(), blocks.end(),
            [](const auto& a, const auto& b) { return a.key < b.key; });
  auto r = RunCheck(p, DefaultRule(CheckKind::kActivityBlocks), nullptr);
  std::map<std::string, int32_t> problems;
  for (const auto& f : r.failures) problems[f["problem"]]++;
  EXPECT_EQ(problems["missing"], 1);
  EXPECT_EQ(problems["short"], 1);
  EXPECT_EQ(problems["repeated"], 1);
  EXPECT_TRUE(Names(r, kPhoneAccel, 1601, 'B'));
}

TEST(QualityChecks, ActivitiesNobodyHasAreANoteNotAFailure) {
  DatasetProfile p = CleanProfile();
  auto r = RunCheck(p, DefaultRule(CheckKind::kActivityBlocks), nullptr);
  EXPECT_EQ(r.status, CheckStatus::kPass);
  EXPECT_NE(r.note.find("phone/accel: CDEFGHIJKLMOPQRS"), std::string::npos) << r.note;
}

TEST(QualityChecks, DriftNeedsABaselineAndFlagsAShiftedDistribution) {
  DatasetProfile p = CleanProfile();
  for (const auto& b : p.blocks) {
    for (size_t i = 0; i < b.magnitude.size(); ++i) {
      p.magnitude[static_cast<size_t>(b.key.folder)][static_cast<size_t>(b.key.activity)][i] +=
          b.magnitude[i];
    }
  }
  Rule drift = DefaultRule(CheckKind::kDrift);
  EXPECT_EQ(RunCheck(p, drift, nullptr).status, CheckStatus::kSkipped);
  Baseline same{"q-1", "c-1", p.magnitude};
  EXPECT_EQ(RunCheck(p, drift, &same).status, CheckStatus::kPass);
  Baseline shifted = same;
  auto& h = shifted.magnitude[kPhoneAccel][0];
  std::rotate(h.begin(), h.begin() + 4, h.end());  // 2 m/s^2 lower magnitudes
  auto r = RunCheck(p, drift, &shifted);
  EXPECT_EQ(r.failing, 1);
  EXPECT_EQ(r.failures[0]["folder"], "phone/accel");
  EXPECT_EQ(r.failures[0]["activity"], "A");
}

TEST(QualityChecks, PsiIsZeroForEqualAndLargeForDisjointHistograms) {
  MagnitudeHistogram a{}, b{};
  a[3] = 100, a[4] = 50, b[3] = 100, b[4] = 50;
  EXPECT_DOUBLE_EQ(PopulationStabilityIndex(a, b), 0.0);
  b = {};
  b[40] = 150;
  EXPECT_GT(PopulationStabilityIndex(a, b), 5.0);
}

TEST(QualityChecks, ScopeLimitsWhatARuleSees) {
  DatasetProfile p = CleanProfile();
  Replace(&p, MakeBlock({kPhoneAccel, 1606, 0, 0}, 8000, 45.0));
  Rule r = DefaultRule(CheckKind::kSamplingRate);
  r.scope.sensor = wisdm::Sensor::kGyro;
  auto gyro_only = RunCheck(p, r, nullptr);
  EXPECT_EQ(gyro_only.status, CheckStatus::kPass);
  EXPECT_EQ(gyro_only.evaluated, 16);
  r.scope.sensor.reset();
  r.scope.subjects = {1606};
  EXPECT_EQ(RunCheck(p, r, nullptr).failing, 1);
}

TEST(QualityChecks, PublishedCountsApplyOnlyToAWholeDataset) {
  DatasetProfile p = CleanProfile();
  auto r = RunCheck(p, DefaultRule(CheckKind::kPublishedCounts), nullptr);
  EXPECT_EQ(r.status, CheckStatus::kSkipped);
  EXPECT_NE(r.observed.find("8 subjects"), std::string::npos) << r.observed;
}

TEST(DuplicateStreamIndexTest, SortedAsStdSortSortsThePairs) {
  std::mt19937_64 rng(5);
  std::vector<std::pair<uint64_t, uint32_t>> index;
  for (uint32_t block = 0; block < 300; ++block) {
    for (int32_t k = 0; k < 64; ++k) index.emplace_back(rng(), block);
  }
  // Shared hashes (duplicated blocks), and hashes that differ only below the top 16 bits.
  for (uint32_t block : {7u, 3u, 250u}) index.emplace_back(index[10].first, block);
  for (uint64_t low = 0; low < 50; ++low) index.emplace_back((uint64_t{0xabcd} << 48) | low, 9);
  index.emplace_back(0, 1);
  index.emplace_back(~uint64_t{0}, 2);
  auto expected = index;
  std::sort(expected.begin(), expected.end());
  internal::SortByHashThenBlock(&index);
  EXPECT_EQ(index, expected);
  std::vector<std::pair<uint64_t, uint32_t>> none;
  internal::SortByHashThenBlock(&none);
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace sensorlake::quality
