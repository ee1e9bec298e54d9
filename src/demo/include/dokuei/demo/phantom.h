// Synthetic spine phantoms with ground truth, for `dokuei demo generate`, demos, viewer and
// measurement-tool tests, and benchmarks.
//
// One 3-D model of a patient's spine (T1-S1 with discs, canal, cord/cauda, posterior elements,
// muscles, organs, pelvis, ribs) with a coronal scoliosis whose Cobb angle is exact by
// construction and an anterolisthesis whose Meyerding slip is exact by construction, rendered as
//   study 1  lumbar MR: sagittal T1, sagittal T2, axial T2 (slice blocks angled along each disc),
//   study 2  lumbar CT: axial, HU with RescaleIntercept -1024,
//   study 3  standing whole-spine radiographs (DX, for presentation): AP and left lateral as two
//            series of one study (one order, one accession, as a modality sends them),
// plus `truth.json` (format in docs/demo-phantoms.md). With bench_set the benchmark set is
// written instead: lumbar MR (4 series) + lumbar CT, 512x512 16-bit, 800 instances ~ 420 MB.
//
// Output is deterministic: the same options give byte-identical files; UIDs are 2.25.<128-bit
// hash of the seed and the object's role>. Files are written through base::Env and not synced.
// Thread safety: Generate() may run concurrently for different output directories; it uses
// `threads` worker threads of its own.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/env.h"
#include "dokuei/base/status.h"

namespace dokuei::demo {

// Each field maps 1:1 to a CLI flag; DescribeOptions() gives names, defaults and help.
struct GenerateOptions {
  std::string out_dir;             // --out: output directory (created if missing)
  uint64_t seed = 1;               // --seed: UIDs, noise, accession numbers
  double cobb_deg = 22.0;          // --cobb-deg: coronal curve, 0 = straight spine
  std::string apex_level = "L2";   // --apex-level: apex vertebra (T2..L4); ends = apex-3, apex+2
  std::string convexity = "left";  // --convexity: left | right
  double slip_percent = 18.0;      // --slip-percent: anterolisthesis (Meyerding %), 0 = none
  std::string slip_level = "L4";   // --slip-level: slipped vertebra (on the one below)
  int mr_sagittal_slices = 15;     // --mr-sagittal-slices (per sagittal series)
  int mr_axial_slices = 20;        // --mr-axial-slices (spread over L1-L2 .. L5-S1)
  bool mr_axial_angled = true;     // --mr-axial-angled: blocks parallel to each disc
  int ct_slices = 120;             // --ct-slices (T12 .. S2)
  int matrix = 256;                // --matrix: MR and CT rows = columns
  int xray_rows = 1024;            // --xray-rows
  int xray_cols = 512;             // --xray-cols
  std::string patient_name = "Demo^Taro=デモ^太郎=でも^たろう";  // --patient-name (PN)
  std::string patient_id;                       // --patient-id: empty = "DEMO-<seed, 6 digits>"
  std::string patient_birth_date = "19580310";  // --patient-birth-date (DA)
  std::string patient_sex = "M";                // --patient-sex: M | F | O
  std::string study_date = "20250115";          // --study-date (DA) of all studies
  std::string lang = "ja";                      // --lang: ja | en (descriptions, institution)
  std::string tenant_hint;    // --tenant-hint: InstitutionName and truth.json "tenant_hint"
  bool bench_set = false;     // --bench: write the benchmark set instead
  int bench_mr_slices = 300;  // --bench-mr-slices: SAG T1/T2/STIR 1/5 each, AX T2 the rest
  int bench_ct_slices = 500;  // --bench-ct-slices
  int bench_matrix = 512;     // --bench-matrix
  int threads = 0;            // --threads: 0 = number of cores
};

struct GenerateSummary {
  int files = 0;                        // DICOM files written
  uint64_t bytes = 0;                   // their total size
  std::vector<std::string> study_uids;  // in the order of the studies above
  std::string truth_path;               // <out_dir>/truth.json
};

base::Result<GenerateSummary> Generate(const GenerateOptions& options,
                                       base::Env& env = base::PosixEnv());

// The option table for --help: flag name (without "--"), default value as text, help text.
struct OptionDoc {
  std::string name;
  std::string default_value;
  std::string help;
};
std::vector<OptionDoc> DescribeOptions();

// Sets one option from its flag name and text value ("true"/"false" for booleans).
// kInvalidArgument names the flag for an unknown name or a malformed value.
base::Status SetOption(GenerateOptions& options, std::string_view name, std::string_view value);

}  // namespace dokuei::demo
