// The capacity simulator: the shipped scenarios run, every study is read, the engine keeps STAT
// and same-day work within SLA at least as well as FIFO, and a simulated day takes well under a
// second.
#include "dokuei/workflow/simulation.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace dokuei::workflow {
namespace {

const SimPriorityStats& Stats(const SimPolicyResult& r, Priority p) {
  for (const auto& s : r.by_priority)
    if (s.priority == p) return s;
  static const SimPriorityStats kNone;
  return kNone;
}

void CheckSane(const SimReport& r) {
  std::printf("%s\n", FormatReport(r).c_str());
  EXPECT_EQ(r.engine.finished, r.engine.studies);
  EXPECT_EQ(r.fifo.finished, r.fifo.studies);
  EXPECT_GT(r.engine.studies, 0);
  EXPECT_GE(Stats(r.engine, Priority::kStat).within_sla, Stats(r.fifo, Priority::kStat).within_sla);
  EXPECT_GE(r.engine.same_day_attainment, 0.95);
  EXPECT_NEAR(r.engine.utilisation, r.fifo.utilisation, 0.01);  // the same work was done
}

TEST(SimulationTest, ADayRunsWellUnderASecond) {
  SimScenario sc = ScenarioSmallCentre();
  sc.days = 1;
  const SimReport r = Simulate(sc);
  CheckSane(r);
  EXPECT_LT(r.wall_ms, 1000.0);
}

TEST(SimulationTest, SmallCentre) { CheckSane(Simulate(ScenarioSmallCentre())); }

TEST(SimulationTest, LargeCentre) { CheckSane(Simulate(ScenarioLargeCentre())); }

TEST(SimulationTest, TooFewReadersShowInTheFigures) {
  SimScenario sc = ScenarioSmallCentre();
  sc.days = 2;
  sc.readers = 8;
  sc.min_on_duty = 1;
  const SimReport r = Simulate(sc);
  std::printf("%s\n", FormatReport(r).c_str());
  EXPECT_LT(r.engine.same_day_attainment, 0.95);
  // Overloaded, the engine protects STAT and same-day work (at the expense of routine work).
  EXPECT_GT(Stats(r.engine, Priority::kStat).within_sla, Stats(r.fifo, Priority::kStat).within_sla);
  EXPECT_GT(r.engine.same_day_attainment, r.fifo.same_day_attainment);
}

// An explicit roster: day shifts only (nobody at night), one group reading X-ray and CT only.
TEST(SimulationTest, ExplicitRoster) {
  SimScenario sc = ScenarioSmallCentre();
  sc.days = 2;
  sc.studies_per_day = 60;
  sc.roster = {{9 * 60, 8 * 60, 3, {}}, {13 * 60, 4 * 60, 2, {Modality::kXray, Modality::kCt}}};
  const SimReport r = Simulate(sc);
  std::printf("%s\n", FormatReport(r).c_str());
  EXPECT_EQ(r.readers, 5);
  EXPECT_DOUBLE_EQ(r.duty_hours_per_day, 3 * 8 + 2 * 4);
  EXPECT_EQ(r.engine.finished, r.engine.studies);  // the next day shift reads the night's work
  // STAT arrivals at night wait for the morning: not all within one hour.
  EXPECT_LT(Stats(r.engine, Priority::kStat).within_sla, 1.0);
  EXPECT_GT(Stats(r.engine, Priority::kStat).max_min, 60.0);
}

// How many readers keep same-day return above target: the small centre with fewer and fewer
// readers (3-hour shifts), engine beside FIFO. Printed for docs/simulation.md.
TEST(SimulationTest, ReaderSweep) {
  std::printf(
      "| readers | duty h/day | engine STAT in SLA | engine same-day | engine routine | "
      "FIFO STAT in SLA | FIFO same-day | FIFO routine | utilisation |\n"
      "|---|---|---|---|---|---|---|---|---|\n");
  double previous = 1.1;
  for (int readers : {40, 24, 16, 14, 12, 10, 8}) {
    SimScenario sc = ScenarioSmallCentre();
    sc.readers = readers;
    sc.min_on_duty = 1;
    const SimReport r = Simulate(sc);
    std::printf(
        "| %d | %d | %.1f %% | %.1f %% | %.1f %% | %.1f %% | %.1f %% | %.1f %% | %.0f %% |\n",
        readers, readers * sc.shift_hours, 100 * Stats(r.engine, Priority::kStat).within_sla,
        100 * r.engine.same_day_attainment, 100 * Stats(r.engine, Priority::kRoutine).within_sla,
        100 * Stats(r.fifo, Priority::kStat).within_sla, 100 * r.fifo.same_day_attainment,
        100 * Stats(r.fifo, Priority::kRoutine).within_sla, 100 * r.engine.utilisation);
    EXPECT_LE(r.engine.same_day_attainment, previous + 0.02);  // fewer readers, no better
    previous = r.engine.same_day_attainment;
  }
}

}  // namespace
}  // namespace dokuei::workflow
