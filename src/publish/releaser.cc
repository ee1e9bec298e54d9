// Releaser::Tick: final requests -> artefacts to the sink -> delivered.
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "dokuei/publish/publish.h"
#include "dokuei/report/report.h"
#include "dokuei/workflow/workflow.h"

namespace dokuei::publish {

base::Result<ReleaseTickResult> Releaser::Tick() {
  const workflow::Actor system = workflow::Actor::System();
  ReleaseTickResult result;
  workflow::RequestFilter filter;
  filter.state = workflow::State::kFinal;
  filter.limit = 100;
  DOKUEI_ASSIGN_OR_RETURN(auto finals, workflow_.requests().List(system, filter));
  for (const workflow::ReadingRequest& rq : finals) {
    auto rep = reports_.reports().ForRequest(system, rq.id);
    if (!rep.ok()) {
      spdlog::warn("release: request {} is final without a report: {}", rq.id,
                   rep.status().ToString());
      ++result.failed;
      continue;
    }
    // The latest released version (a final, or the addendum that brought the request back).
    const report::Version* latest = nullptr;
    for (const auto& v : rep->versions)
      if (v.signed_ && v.release == report::Release::kReleased &&
          (latest == nullptr || v.number > latest->number))
        latest = &v;
    if (latest == nullptr) {
      ++result.failed;
      spdlog::warn("release: request {} is final but no version of report {} is released",
                   rq.id, rep->id);
      continue;
    }
    ReleasedRef ref{rq.tenant_id, rq.id,          rep->id, latest->id, latest->number,
                    latest->amends_version_id != 0};
    std::vector<Artifact> artifacts;
    const auto content = nlohmann::json::parse(latest->content, nullptr, false);
    const bool structured = content.is_object() && content.contains("template");
    auto built = structured ? publisher_.Artifacts(rep->id, latest->id)
                            : base::Result<std::vector<Artifact>>(std::vector<Artifact>{});
    if (built.ok()) {
      // Frame-only content (no template) has nothing coded to send: released in the app only.
      artifacts = std::move(*built);
    } else {
      spdlog::warn("release: building the artefacts of report {} version {} failed: {}", rep->id,
                   latest->number, built.status().ToString());
      ++result.failed;
      continue;
    }
    if (auto st = sink_(ref, std::move(artifacts)); !st.ok()) {
      spdlog::warn("release: handing over report {} version {} failed: {}", rep->id,
                   latest->number, st.ToString());
      ++result.failed;
      continue;
    }
    auto moved = workflow_.requests().Transition(system, rq.id, workflow::State::kDelivered);
    if (!moved.ok()) {
      spdlog::warn("release: moving request {} to delivered failed: {}", rq.id,
                   moved.status().ToString());
      ++result.failed;
      continue;
    }
    ++result.released;
  }
  return result;
}

}  // namespace dokuei::publish
