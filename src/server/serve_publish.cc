// The publishing thread of `dokuei serve`: the release step and the delivery queue.
#include <spdlog/spdlog.h>

#include "dokuei/delivery/delivery.h"
#include "dokuei/publish/publish.h"
#include "serve_parts.h"

namespace dokuei::server {

base::Result<std::vector<delivery::Artifact>> PublishedArtifacts::For(int64_t report_id,
                                                                     int64_t version_id) {
  DOKUEI_ASSIGN_OR_RETURN(auto built, publisher_.Artifacts(report_id, version_id));
  std::vector<delivery::Artifact> out;
  for (auto& a : built) {
    delivery::ArtifactKind kind = delivery::ArtifactKind::kSr;
    switch (a.kind) {
      case publish::ArtifactKind::kSr:
        kind = delivery::ArtifactKind::kSr;
        break;
      case publish::ArtifactKind::kEncapsulatedPdf:
        kind = delivery::ArtifactKind::kEncapsulatedPdf;
        break;
      case publish::ArtifactKind::kHl7Oru:
        kind = delivery::ArtifactKind::kHl7Oru;
        break;
      case publish::ArtifactKind::kFhirBundle:
        kind = delivery::ArtifactKind::kFhirBundle;
        break;
    }
    out.push_back({kind, std::move(a.bytes)});
  }
  return out;
}

PublishService::PublishService(publish::Releaser& releaser, delivery::Delivery& delivery,
                               base::Duration interval)
    : releaser_(releaser), delivery_(delivery), interval_(interval) {}

PublishService::~PublishService() { Stop(); }

void PublishService::Start() {
  std::lock_guard lock(mu_);
  if (running_) return;
  running_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void PublishService::Stop() {
  {
    std::lock_guard lock(mu_);
    if (!running_) return;
    running_ = false;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PublishService::TickOnce() {
  if (auto r = releaser_.Tick(); !r.ok()) {
    spdlog::warn("publish: release step failed: {}", r.status().ToString());
  } else if (r->released + r->failed > 0) {
    spdlog::info("publish: {} reports released to delivery, {} to retry", r->released, r->failed);
  }
  if (auto r = delivery_.queue().Tick(); !r.ok()) {
    spdlog::warn("publish: delivery pass failed: {}", r.status().ToString());
  } else if (r->delivered + r->retried + r->gave_up > 0) {
    spdlog::info("publish: {} delivered, {} to retry, {} given up", r->delivered, r->retried,
                 r->gave_up);
  }
}

void PublishService::Loop() {
  std::unique_lock lock(mu_);
  while (running_) {
    lock.unlock();
    TickOnce();
    lock.lock();
    cv_.wait_for(lock, interval_, [this] { return !running_; });
  }
}

}  // namespace dokuei::server
