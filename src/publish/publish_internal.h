// Shared inside the publish module.
#pragma once

#include <string>
#include <vector>

#include "dokuei/base/clock.h"
#include "dokuei/publish/publish.h"
#include "dokuei/report/records.h"
#include "dokuei/workflow/records.h"

namespace dokuei::publish {

// "2026-11-25T19:42:05+09:00": the product's times are Japan time.
std::string FormatJst(base::Timestamp t);

// What Render and Artifacts share: the rendered document and where it came from.
struct Assembled {
  report::Report report;
  report::Version version;
  workflow::ReadingRequest request;
  Rendered out;
  bool structured = false;  // the content names a template (else `out` is empty)
  // Instances measured on that are not key images (the SR references them too).
  struct Instance {
    std::string series_uid, sop_class_uid, sop_instance_uid;
  };
  std::vector<Instance> measured;
};

}  // namespace dokuei::publish
