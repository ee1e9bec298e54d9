// Releaser::Tick: final requests -> artefacts to the sink -> delivered.
#include <algorithm>
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
    const bool released = std::any_of(rep->versions.begin(), rep->versions.end(),
                                      [](const report::Version& v) {
                                        return v.release == report::Release::kReleased;
                                      });
    if (!released) {
      ++result.failed;
      spdlog::warn("release: request {} is final but no version of report {} is released",
                   rq.id, rep->id);
      continue;
    }
    if (auto st = sink_(*rep); !st.ok()) {
      spdlog::warn("release: handing over report {} failed: {}", rep->id, st.ToString());
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
