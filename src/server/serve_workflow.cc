// The reading workflow in `dokuei serve`: the feed from ingest (a queue drained by a worker, so
// the C-STORE path only pushes to a deque), the recovery of arrivals from the index at start
// (an instance acknowledged before a crash but not yet counted by the workflow), the dispatcher
// thread, and the demo's contract, reader profile and roster.
#include <spdlog/spdlog.h>

#include <map>

#include "dokuei/db/db.h"
#include "serve_parts.h"

namespace dokuei::server {

WorkflowFeed::WorkflowFeed(workflow::Workflow& wf, base::Duration tick_interval,
                           std::function<void()> also_tick)
    : wf_(wf), tick_interval_(tick_interval), also_tick_(std::move(also_tick)) {}

WorkflowFeed::~WorkflowFeed() { Stop(); }

void WorkflowFeed::Enqueue(workflow::Arrival a) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(a));
  }
  cv_.notify_all();
}

void WorkflowFeed::Start() {
  std::lock_guard lock(mu_);
  if (running_) return;
  running_ = true;
  feeder_ = std::thread([this] { FeedLoop(); });
  ticker_ = std::thread([this] { TickLoop(); });
}

void WorkflowFeed::Stop() {
  {
    std::lock_guard lock(mu_);
    if (!running_) return;
    running_ = false;
  }
  cv_.notify_all();
  if (feeder_.joinable()) feeder_.join();
  if (ticker_.joinable()) ticker_.join();
}

size_t WorkflowFeed::Pending() {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void WorkflowFeed::FeedLoop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return !queue_.empty() || !running_; });
    if (queue_.empty() && !running_) return;  // drained: what is queued at stop is recorded
    // Up to 256 arrivals in one transaction: a burst of C-STOREs costs the workflow a few
    // transactions, not one per instance.
    std::vector<workflow::Arrival> batch;
    while (!queue_.empty() && batch.size() < 256) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    auto r = wf_.requests().RecordArrivals(batch);
    if (!r.ok()) {
      // One bad arrival (or a transient failure) must not lose the others: one by one.
      spdlog::warn("workflow: recording {} arrivals failed ({}); one by one", batch.size(),
                   r.status().ToString());
      for (const auto& a : batch) {
        auto one = wf_.requests().RecordArrival(a.tenant_id, a.study_uid, a.series_uid,
                                                a.dicom_modality, a.accession_number);
        if (!one.ok())
          spdlog::error(
              "workflow: arrival of study {} not recorded (recovered at the next "
              "start): {}",
              a.study_uid, one.status().ToString());
      }
    }
    lock.lock();
  }
}

void WorkflowFeed::TickLoop() {
  std::unique_lock lock(mu_);
  while (running_) {
    if (cv_.wait_for(lock, tick_interval_, [&] { return !running_; })) break;
    lock.unlock();
    auto r = wf_.dispatcher().Tick();
    if (!r.ok()) {
      spdlog::warn("workflow: dispatcher tick failed: {}", r.status().ToString());
    } else if (r->readied + r->assigned + r->escalations > 0) {
      spdlog::info("workflow: {} ready, {} assigned, {} escalations", r->readied, r->assigned,
                   r->escalations);
    }
    if (also_tick_) also_tick_();
    lock.lock();
  }
}

base::Result<int64_t> RecoverArrivals(db::Database& database, workflow::Workflow& wf) {
  // Per study: the instances the index holds, by series, against the instances the workflow
  // counted over all its requests for the study (each stored instance counts in exactly one: a
  // cancelled request keeps its count, and a study sent again after a cancellation has a new
  // request with only the new instances). Ingest only reports newly stored instances, so the two
  // agree unless the server stopped between an instance's commit and its arrival being recorded.
  struct Study {
    int64_t tenant = 0;
    std::string uid, accession;
    std::vector<std::pair<std::string, std::string>> series;  // uid, modality
    int64_t indexed = 0, counted = 0;
  };
  std::map<std::pair<int64_t, std::string>, Study> studies;
  DOKUEI_RETURN_IF_ERROR(database.Transact(db::TxKind::kRead, [&](db::Conn& c) -> base::Status {
    studies.clear();
    DOKUEI_RETURN_IF_ERROR(
        c.Query("SELECT st.tenant_id, st.study_uid, se.series_uid, se.modality, se.num_instances,"
                " st.accession_number"
                " FROM studies st JOIN series se ON se.study_pk = st.id ORDER BY st.id, se.id",
                {}, [&](const db::Row& r) {
                  Study& s = studies[{r.Int(0), std::string(r.Str(1))}];
                  s.tenant = r.Int(0);
                  s.uid = std::string(r.Str(1));
                  s.accession = std::string(r.Str(5));
                  s.series.emplace_back(std::string(r.Str(2)), std::string(r.Str(3)));
                  s.indexed += r.Int(4);
                  return base::Status::Ok();
                }));
    return c.Query(
        "SELECT tenant_id, study_uid, SUM(instance_count) FROM workflow_requests"
        " GROUP BY tenant_id, study_uid",
        {}, [&](const db::Row& r) {
          auto it = studies.find({r.Int(0), std::string(r.Str(1))});
          if (it != studies.end()) it->second.counted = r.Int(2);
          return base::Status::Ok();
        });
  }));
  int64_t recovered = 0;
  for (auto& [key, s] : studies) {
    const int64_t missing = s.indexed - s.counted;
    if (missing <= 0 || s.series.empty()) continue;
    std::vector<workflow::Arrival> batch;
    for (int64_t i = 0; i < missing; ++i) {
      const auto& [series, modality] = s.series[static_cast<size_t>(i) % s.series.size()];
      batch.push_back({s.tenant, s.uid, series, modality, s.accession});
    }
    auto r = wf.requests().RecordArrivals(batch);
    if (!r.ok()) {
      spdlog::error("workflow: recovering {} arrivals of study {}: {}", missing, s.uid,
                    r.status().ToString());
      continue;
    }
    recovered += missing;
  }
  if (recovered > 0)
    spdlog::info("workflow: {} instances stored before the last stop recorded now", recovered);
  return recovered;
}

base::Status PrepareDemoWorkflow(identity::Identity& id, workflow::Workflow& wf,
                                 const std::string& hospital_code, base::Clock& clock) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant hospital, id.tenants().GetByCode(hospital_code));
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant centre, id.tenants().ReadingCentre());
  DOKUEI_ASSIGN_OR_RETURN(const identity::User reader, id.accounts().FindByLogin("demo-reader"));
  const workflow::Actor system = workflow::Actor::System();
  // The product's defaults with the demo's prices (yen, flat per modality, no fees).
  workflow::Contract k;
  k.tenant_id = hospital.id;
  k.price_xray = 1000;
  k.price_ct = 3000;
  k.price_mr = 4000;
  k.price_other = 2000;
  if (auto current = wf.contracts().Get(hospital.id);
      current.ok() && current->updated_at == base::Timestamp{})
    DOKUEI_RETURN_IF_ERROR(wf.contracts().Put(system, k).status());
  // The demo reader reads everything the demo sends (a published profile puts them in the
  // reader directory).
  if (auto p = id.profiles().Get(reader.id); !p.ok()) {
    identity::ReaderProfile profile;
    profile.years_of_experience = 16;
    profile.certifications = {"日本医学放射線学会 放射線診断専門医"};
    profile.subspecialties = {"spine"};
    profile.modalities = {"MR", "CT", "CR", "DX"};
    profile.languages = {"ja", "en"};
    DOKUEI_RETURN_IF_ERROR(id.profiles().Put(centre.id, reader.id, profile).status());
  }
  // On duty from now for 30 days unless a shift already covers now.
  const base::Timestamp now = clock.Now();
  DOKUEI_ASSIGN_OR_RETURN(const auto shifts,
                          wf.rosters().Shifts(now, now + std::chrono::minutes(1)));
  bool covered = false;
  for (const auto& s : shifts) covered = covered || (s.reader_id == reader.id && s.start <= now);
  if (!covered) {
    workflow::Shift s;
    s.reader_id = reader.id;
    s.start = now - std::chrono::minutes(1);
    s.end = now + std::chrono::hours(24 * 30);
    DOKUEI_RETURN_IF_ERROR(wf.rosters().AddShift(system, s).status());
  }
  return base::Status::Ok();
}

}  // namespace dokuei::server
