// Capacity simulation: the real engine and FIFO dispatch on the same synthetic day(s).
#include "dokuei/workflow/simulation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>

#include "dokuei/workflow/sla.h"

namespace dokuei::workflow {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

struct Study {
  WorkItem item;
  base::Timestamp arrival{};
  base::Duration actual{};  // how long it really takes (the engine only knows the expectation)
};

struct SimReader {
  ReaderLoad load;
  int current = -1;  // study being read
  base::Timestamp busy_until{};
  base::Timestamp started{};
  std::vector<int> queue;  // engine: assigned, not started
};

double Minutes(base::Duration d) { return static_cast<double>(d.count()) / 60e6; }

std::vector<Study> MakeStudies(const SimScenario& sc, base::Timestamp start) {
  std::mt19937 rng(sc.seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> z(0, 1);
  const double sigma = std::sqrt(std::log(1 + sc.reading_time_cv * sc.reading_time_cv));
  double weight_sum = 0;
  for (double w : sc.hourly_weights) weight_sum += w;
  std::vector<Study> out;
  for (int day = 0; day < sc.days; ++day) {
    for (int h = 0; h < 24; ++h) {
      // Poisson-like: the expected count for the hour, rounded stochastically.
      const double expected = sc.studies_per_day * sc.hourly_weights[h] / weight_sum;
      int n = static_cast<int>(expected);
      if (u(rng) < expected - n) ++n;
      for (int i = 0; i < n; ++i) {
        Study s;
        s.arrival = start + hours(24 * day + h) + minutes(static_cast<int>(u(rng) * 60));
        const double m = u(rng);
        s.item.modality = m < sc.share_xray                 ? Modality::kXray
                          : m < sc.share_xray + sc.share_ct ? Modality::kCt
                                                            : Modality::kMr;
        s.item.region = s.item.modality == Modality::kMr && u(rng) < sc.share_whole_spine
                            ? Region::kWholeSpine
                            : Region::kLumbar;
        const double p = u(rng);
        s.item.priority = p < sc.share_stat                       ? Priority::kStat
                          : p < sc.share_stat + sc.share_same_day ? Priority::kSameDay
                                                                  : Priority::kRoutine;
        s.item.received_at = s.arrival;
        s.item.due_at = SlaDeadline(sc.contract, s.item.priority, s.arrival);
        const base::Duration expected_time =
            ExpectedReadingTime(sc.options.times, s.item.modality, s.item.region);
        const double factor = std::exp(sigma * z(rng) - sigma * sigma / 2);
        s.actual = base::Duration(
            static_cast<int64_t>(static_cast<double>(expected_time.count()) * factor));
        out.push_back(std::move(s));
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Study& a, const Study& b) { return a.arrival < b.arrival; });
  for (size_t i = 0; i < out.size(); ++i) out[i].item.request_id = static_cast<int64_t>(i);
  return out;
}

// Shift start hours: base coverage of min_on_duty around the clock, the rest where the
// arrivals' reading work exceeds the coverage most.
std::vector<int> ShiftStarts(const SimScenario& sc) {
  std::vector<int> starts;
  std::array<double, 24> coverage{};
  const int blocks = (24 + sc.shift_hours - 1) / sc.shift_hours;
  for (int k = 0; k < sc.min_on_duty && static_cast<int>(starts.size()) < sc.readers; ++k) {
    for (int b = 0; b < blocks && static_cast<int>(starts.size()) < sc.readers; ++b) {
      const int start = (b * sc.shift_hours + k) % 24;
      starts.push_back(start);
      for (int h = 0; h < sc.shift_hours; ++h) coverage[(start + h) % 24] += 1;
    }
  }
  double weight_sum = 0;
  for (double w : sc.hourly_weights) weight_sum += w;
  std::array<double, 24> demand{};
  for (int h = 0; h < 24; ++h) demand[h] = sc.hourly_weights[h] / weight_sum;
  while (static_cast<int>(starts.size()) < sc.readers) {
    int best = 0;
    double best_gain = -1e300;
    for (int s = 0; s < 24; ++s) {
      double gain = 0;
      for (int h = 0; h < sc.shift_hours; ++h)
        gain += demand[(s + h) % 24] / (1.0 + coverage[(s + h) % 24]);
      if (gain > best_gain) {
        best_gain = gain;
        best = s;
      }
    }
    starts.push_back(best);
    for (int h = 0; h < sc.shift_hours; ++h) coverage[(best + h) % 24] += 1;
  }
  return starts;
}

std::vector<SimReader> MakeReaders(const SimScenario& sc, base::Timestamp start) {
  // (start minute, length, modalities) of each reader's daily shift.
  struct Daily {
    int start_minute, minutes;
    std::vector<Modality> modalities;
  };
  std::vector<Daily> daily;
  if (!sc.roster.empty()) {
    for (const SimShiftGroup& g : sc.roster)
      for (int k = 0; k < g.readers; ++k)
        daily.push_back({g.start_minute, g.minutes, g.modalities});
  } else {
    const std::vector<int> starts = ShiftStarts(sc);
    for (int i = 0; i < sc.readers; ++i) {
      Daily d{starts[i] * 60, sc.shift_hours * 60, {}};
      if (sc.xray_ct_only_every > 0 && i % sc.xray_ct_only_every == sc.xray_ct_only_every - 1)
        d.modalities = {Modality::kXray, Modality::kCt};
      daily.push_back(std::move(d));
    }
  }
  std::vector<SimReader> out;
  for (size_t i = 0; i < daily.size(); ++i) {
    SimReader r;
    const int64_t id = static_cast<int64_t>(i) + 1;
    r.load.info.user_id = id;
    r.load.info.reads = true;
    r.load.info.years_of_experience = 5 + static_cast<int>(i % 20);
    r.load.info.modalities = daily[i].modalities;
    for (int day = -1; day <= sc.days + 1; ++day) {
      Shift s;
      s.reader_id = id;
      s.start = start + hours(24 * day) + minutes(daily[i].start_minute);
      s.end = s.start + minutes(daily[i].minutes);
      r.load.duty.push_back(s);
    }
    out.push_back(std::move(r));
  }
  return out;
}

bool Before(const Study& a, const Study& b) {
  if (a.item.priority != b.item.priority) return a.item.priority < b.item.priority;
  if (a.item.due_at != b.item.due_at) return a.item.due_at < b.item.due_at;
  return a.item.request_id < b.item.request_id;
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t idx = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  return v[idx];
}

SimPolicyResult Run(const SimScenario& sc, const std::vector<Study>& studies, base::Timestamp start,
                    bool engine) {
  std::vector<SimReader> readers = MakeReaders(sc, start);
  std::vector<std::optional<base::Timestamp>> finished(studies.size());
  std::vector<int> pool;  // arrived, not assigned (engine) / not started (FIFO), arrival order
  size_t next = 0;
  double reading_min = 0, duty_min = 0;
  const base::Timestamp end = start + hours(24 * sc.days);
  const base::Timestamp drain = end + hours(48);
  const base::Duration step = minutes(1);
  const AssignmentOptions& o = sc.options;

  auto start_study = [&](SimReader& r, int idx, base::Timestamp now) {
    r.current = idx;
    r.started = now;
    r.busy_until = now + studies[idx].actual;
    // Utilisation is measured over the arrival period only (not the drain afterwards).
    const base::Timestamp a = std::max(now, start), b = std::min(r.busy_until, end);
    if (b > a) reading_min += Minutes(b - a);
  };
  auto start_next = [&](SimReader& r, base::Timestamp now) {
    if (r.current >= 0 || !OnDuty(r.load, now)) return;
    if (engine) {
      if (r.queue.empty()) return;
      auto it = std::min_element(r.queue.begin(), r.queue.end(),
                                 [&](int a, int b) { return Before(studies[a], studies[b]); });
      const int idx = *it;
      r.queue.erase(it);
      start_study(r, idx, now);
    } else {
      for (auto it = pool.begin(); it != pool.end(); ++it) {
        if (!Eligible(r.load.info, studies[*it].item)) continue;
        const int idx = *it;
        pool.erase(it);
        start_study(r, idx, now);
        return;
      }
    }
  };

  for (base::Timestamp now = start; now < drain; now += step) {
    while (next < studies.size() && studies[next].arrival <= now)
      pool.push_back(static_cast<int>(next++));
    for (SimReader& r : readers) {
      if (now < end && OnDuty(r.load, now)) duty_min += 1;
      if (r.current >= 0 && r.busy_until <= now) {
        finished[r.current] = r.busy_until;
        r.current = -1;
      }
      if (engine && !OnDuty(r.load, now) && !r.queue.empty()) {
        // Going off duty: what was not started goes back to the pool.
        pool.insert(pool.end(), r.queue.begin(), r.queue.end());
        r.queue.clear();
      }
      start_next(r, now);
    }
    if (!engine || pool.empty()) continue;
    std::vector<ReaderLoad> loads;
    loads.reserve(readers.size());
    for (const SimReader& r : readers) {
      ReaderLoad l = r.load;
      if (r.current >= 0) {
        const WorkItem& item = studies[r.current].item;
        const base::Duration expected = WorkFor(o, l, item);
        const base::Duration left = std::max(expected - (now - r.started), expected / 5);
        l.backlog += left;
        l.queue.push_back({item.request_id, item.priority, item.due_at, left, true});
      }
      for (int idx : r.queue) {
        const WorkItem& item = studies[idx].item;
        const base::Duration work = WorkFor(o, l, item);
        l.backlog += work;
        l.queue.push_back({item.request_id, item.priority, item.due_at, work, false});
      }
      loads.push_back(std::move(l));
    }
    std::vector<WorkItem> items;
    for (int idx : pool) items.push_back(studies[idx].item);
    const std::vector<Choice> plan = PlanAssignments(now, std::move(items), loads, o);
    for (const Choice& c : plan) {
      const int idx = static_cast<int>(c.request_id);
      readers[static_cast<size_t>(c.reader_id - 1)].queue.push_back(idx);
      pool.erase(std::find(pool.begin(), pool.end(), idx));
    }
    for (SimReader& r : readers) start_next(r, now);
  }

  SimPolicyResult res;
  res.policy = engine ? "engine" : "fifo";
  res.studies = static_cast<int64_t>(studies.size());
  int64_t same_day = 0, same_day_ok = 0;
  for (Priority p : {Priority::kStat, Priority::kSameDay, Priority::kRoutine}) {
    SimPriorityStats st;
    st.priority = p;
    std::vector<double> tat;
    int64_t ok = 0;
    for (size_t i = 0; i < studies.size(); ++i) {
      if (studies[i].item.priority != p) continue;
      ++st.count;
      if (!finished[i]) continue;
      tat.push_back(Minutes(*finished[i] - studies[i].arrival));
      if (*finished[i] <= studies[i].item.due_at) ++ok;
    }
    res.finished += static_cast<int64_t>(tat.size());
    st.p50_min = Percentile(tat, 0.5);
    st.p90_min = Percentile(tat, 0.9);
    st.p99_min = Percentile(tat, 0.99);
    st.max_min = tat.empty() ? 0 : *std::max_element(tat.begin(), tat.end());
    st.within_sla = st.count ? static_cast<double>(ok) / static_cast<double>(st.count) : 1.0;
    if (p == Priority::kSameDay) {
      same_day = st.count;
      same_day_ok = ok;
    }
    res.by_priority.push_back(st);
  }
  res.same_day_attainment =
      same_day ? static_cast<double>(same_day_ok) / static_cast<double>(same_day) : 1.0;
  res.utilisation = duty_min > 0 ? reading_min / duty_min : 0;
  return res;
}

}  // namespace

SimReport Simulate(const SimScenario& sc) {
  const auto wall = std::chrono::steady_clock::now();
  // Day 0 starts at 00:00 JST on an arbitrary date.
  const base::Timestamp start = JstMinuteOfDay(DayOfDate(2026, 12, 1), 0);
  const std::vector<Study> studies = MakeStudies(sc, start);
  SimReport rep;
  rep.scenario = sc.name;
  rep.readers = sc.readers;
  rep.duty_hours_per_day = sc.readers * sc.shift_hours;
  if (!sc.roster.empty()) {
    rep.readers = 0;
    rep.duty_hours_per_day = 0;
    for (const SimShiftGroup& g : sc.roster) {
      rep.readers += g.readers;
      rep.duty_hours_per_day += g.readers * g.minutes / 60.0;
    }
  }
  double expected_min = 0;
  for (const Study& s : studies)
    expected_min += Minutes(ExpectedReadingTime(sc.options.times, s.item.modality, s.item.region));
  rep.reading_hours_per_day = expected_min / 60 / std::max(1, sc.days);
  rep.engine = Run(sc, studies, start, /*engine=*/true);
  rep.fifo = Run(sc, studies, start, /*engine=*/false);
  rep.wall_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall).count();
  return rep;
}

SimScenario ScenarioSmallCentre() {
  SimScenario sc;
  sc.name = "250 studies a day, 40 part-time readers (3-hour shifts)";
  sc.days = 7;
  sc.studies_per_day = 250;
  sc.readers = 40;
  sc.shift_hours = 3;
  sc.min_on_duty = 2;
  return sc;
}

SimScenario ScenarioLargeCentre() {
  SimScenario sc;
  sc.name = "18,000 studies a month (600 a day for 30 days), 48 readers (6-hour shifts)";
  sc.days = 30;
  sc.studies_per_day = 600;
  sc.readers = 48;
  sc.shift_hours = 6;
  sc.min_on_duty = 3;
  return sc;
}

std::string FormatReport(const SimReport& r) {
  std::string out;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "%s: %d readers, %.0f duty hours and %.1f expected reading hours a day\n\n",
                r.scenario.c_str(), r.readers, r.duty_hours_per_day, r.reading_hours_per_day);
  out += buf;
  out +=
      "| dispatch | priority | studies | p50 min | p90 min | p99 min | max min | within SLA |\n"
      "|---|---|---|---|---|---|---|---|\n";
  for (const SimPolicyResult* p : {&r.engine, &r.fifo}) {
    for (const SimPriorityStats& s : p->by_priority) {
      std::snprintf(buf, sizeof buf, "| %s | %s | %lld | %.0f | %.0f | %.0f | %.0f | %.1f %% |\n",
                    p->policy.c_str(), std::string(PriorityName(s.priority)).c_str(),
                    static_cast<long long>(s.count), s.p50_min, s.p90_min, s.p99_min, s.max_min,
                    100 * s.within_sla);
      out += buf;
    }
  }
  out += "\n";
  for (const SimPolicyResult* p : {&r.engine, &r.fifo}) {
    std::snprintf(buf, sizeof buf,
                  "- %s: %lld of %lld read, same-day attainment %.1f %%, reader utilisation "
                  "%.0f %%\n",
                  p->policy.c_str(), static_cast<long long>(p->finished),
                  static_cast<long long>(p->studies), 100 * p->same_day_attainment,
                  100 * p->utilisation);
    out += buf;
  }
  std::snprintf(buf, sizeof buf, "- simulated in %.0f ms\n", r.wall_ms);
  out += buf;
  return out;
}

}  // namespace dokuei::workflow
