// What Generate() writes: studies, series, instances with their UIDs, file names and geometry,
// decided up front from the options and the model (so that rendering can run in parallel and the
// truth file can be written from the same plan).
// Thread safety: immutable after MakePlan().
#pragma once

#include <string>
#include <vector>

#include "anatomy.h"
#include "dokuei/base/status.h"
#include "dokuei/demo/phantom.h"
#include "render.h"
#include "scene.h"

namespace dokuei::demo {

enum class Modality { kMr, kCt, kDx };

struct SeriesPlan {
  Modality modality = Modality::kMr;
  Contrast contrast = Contrast::kT1;
  int number = 1;
  std::string description;
  std::string dir;  // relative to out_dir, e.g. "MR/1_SAG_T1"
  std::string uid;
  std::string time;  // SeriesTime (TM)
  // MR acquisition parameters.
  std::string scanning_sequence = "SE", sequence_variant = "SK\\SP", scan_options;
  double tr = 0, te = 0, ti = 0, flip = 90;
  int echo_train = 1;
  // MR / CT slices.
  double thickness = 0, spacing_between = 0;
  std::vector<PlaneGeometry> planes;
  int reference_index = 0;  // slice used for the in-plane landmark table (mid-sagittal)
  // DX.
  ProjectionGeometry projection;
  std::string view;  // "AP" | "LL"
  double sid = 0, sod = 0, magnification = 1;
  // Per instance.
  std::vector<std::string> instance_uids;
  std::vector<std::string> files;  // relative paths
  size_t size() const { return instance_uids.size(); }
};

struct StudyPlan {
  Modality modality = Modality::kMr;
  std::string uid, frame_of_reference_uid, accession, study_id, description, time, body_part;
  std::vector<SeriesPlan> series;
};

struct Plan {
  std::string patient_id;
  std::string institution, referring_physician;
  bool utf8 = false;  // some text is not ASCII: SpecificCharacterSet ISO_IR 192
  std::vector<StudyPlan> studies;
};

// Deterministic DICOM UID 2.25.<128-bit integer> from the seed and a role string.
std::string DemoUid(uint64_t seed, const std::string& role);

base::Result<Plan> MakePlan(const GenerateOptions& options, const SpineModel& model);

// Builds, renders and writes one instance (relative path plan.studies[s].series[r].files[i]).
// Returns the number of bytes written.
base::Result<uint64_t> WriteInstance(const GenerateOptions& options, const Plan& plan,
                                     const Scene& scene, size_t study, size_t series,
                                     size_t instance, base::Env& env);

// truth.json (format: docs/demo-phantoms.md).
std::string TruthJson(const GenerateOptions& options, const Plan& plan, const SpineModel& model);

}  // namespace dokuei::demo
