// Capacity simulation (product.md: how many readers on which shift keep same-day return above
// target): synthetic arrivals (by JST hour of day and modality mix) replayed minute by minute
// against a roster, dispatched by the real assignment engine (PlanAssignments) and, side by side,
// by FIFO (each free reader takes the oldest study they may read). Reading times vary around the
// expected ones; both policies see exactly the same studies and reading times. Pure computation
// on simulated time: no database, no clock. `dokuei simulate` runs it on scenario files.
// Thread safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "dokuei/workflow/assignment.h"
#include "dokuei/workflow/records.h"

namespace dokuei::workflow {

// A group of readers on the same daily shift (an explicit roster instead of the generated one).
struct SimShiftGroup {
  int start_minute = 9 * 60;         // JST minute of day the shift starts
  int minutes = 8 * 60;              // length (may cross midnight)
  int readers = 1;                   // how many readers work this shift every day
  std::vector<Modality> modalities;  // what they read; empty = every modality
};

struct SimScenario {
  std::string name;
  int days = 1;
  double studies_per_day = 250;
  // Relative arrival weight per JST hour of day (0 = 00:00-01:00).
  std::array<double, 24> hourly_weights = {1, 1, 1,  1,  1, 1, 2, 4, 8, 10, 10, 9,
                                           7, 9, 10, 10, 9, 8, 6, 4, 3, 2,  2,  1};
  double share_xray = 0.3, share_ct = 0.3;        // the rest MRI
  double share_whole_spine = 0.15;                // of MRI
  double share_stat = 0.1, share_same_day = 0.4;  // the rest routine
  // Readers: `readers` people, each on one shift of `shift_hours` a day, starting at JST hours
  // spread so that coverage follows the arrivals (at least `min_on_duty` at any hour);
  // every `xray_ct_only_every`-th reader reads X-ray and CT only (0 = none).
  int readers = 40;
  int shift_hours = 3;
  int min_on_duty = 2;
  int xray_ct_only_every = 4;
  // When not empty, the roster: these groups replace readers / shift_hours / min_on_duty /
  // xray_ct_only_every.
  std::vector<SimShiftGroup> roster;
  double reading_time_cv = 0.3;  // actual / expected reading time varies (log-normal)
  Contract contract;             // SLA rules (first reads only: no double reading here)
  AssignmentOptions options;
  uint32_t seed = 1;
};

struct SimPriorityStats {
  Priority priority = Priority::kRoutine;
  int64_t count = 0;
  double p50_min = 0, p90_min = 0, p99_min = 0, max_min = 0;  // arrival -> signed
  double within_sla = 0;                                      // share, 0..1
};

struct SimPolicyResult {
  std::string policy;  // "engine", "fifo"
  int64_t studies = 0, finished = 0;
  std::vector<SimPriorityStats> by_priority;  // stat, same_day, routine
  double same_day_attainment = 0;             // share of same-day requests signed by their deadline
  // Reading time / duty time of all readers during the arrival period (work past the end of a
  // shift counts, so an overloaded roster can show more than 100 %).
  double utilisation = 0;
};

struct SimReport {
  std::string scenario;
  int readers = 0;
  double duty_hours_per_day = 0;
  double reading_hours_per_day = 0;  // expected workload
  SimPolicyResult engine, fifo;
  double wall_ms = 0;  // how long the simulation took
};

SimReport Simulate(const SimScenario& scenario);
// The two shipped scenarios (issue 4): 250 studies a day with 40 part-time readers; 18,000
// studies a month (30 days of 600) with 48 readers on 6-hour shifts.
SimScenario ScenarioSmallCentre();
SimScenario ScenarioLargeCentre();
// A Markdown table of both policies.
std::string FormatReport(const SimReport& report);

}  // namespace dokuei::workflow
