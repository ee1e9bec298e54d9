#include "dokuei/demo/phantom.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "anatomy.h"
#include "dokuei/base/executor.h"
#include "dokuei/base/strings.h"
#include "plan.h"
#include "scene.h"

namespace dokuei::demo {
namespace {

struct Field {
  const char* name;
  const char* help;
  std::function<std::string(const GenerateOptions&)> get;
  std::function<bool(GenerateOptions&, std::string_view)> set;
};

template <typename T>
Field Text(const char* name, T GenerateOptions::*member, const char* help) {
  return {name, help, [member](const GenerateOptions& o) { return o.*member; },
          [member](GenerateOptions& o, std::string_view v) {
            o.*member = std::string(v);
            return true;
          }};
}

template <typename T>
Field Number(const char* name, T GenerateOptions::*member, const char* help) {
  return {name, help,
          [member](const GenerateOptions& o) {
            if constexpr (std::is_floating_point_v<T>) {
              char buf[32];
              std::snprintf(buf, sizeof(buf), "%g", o.*member);
              return std::string(buf);
            } else {
              return std::to_string(o.*member);
            }
          },
          [member](GenerateOptions& o, std::string_view v) {
            T value{};
            const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
            if (ec != std::errc() || ptr != v.data() + v.size()) return false;
            if constexpr (std::is_floating_point_v<T>) {
              if (!std::isfinite(value)) return false;
            }
            o.*member = value;
            return true;
          }};
}

Field Flag(const char* name, bool GenerateOptions::*member, const char* help) {
  return {name, help,
          [member](const GenerateOptions& o) { return std::string(o.*member ? "true" : "false"); },
          [member](GenerateOptions& o, std::string_view v) {
            if (v == "true" || v == "1" || v == "yes") return o.*member = true, true;
            if (v == "false" || v == "0" || v == "no") return o.*member = false, true;
            return false;
          }};
}

const std::vector<Field>& Fields() {
  static const std::vector<Field> kFields = {
      Text("out", &GenerateOptions::out_dir, "output directory (created if missing)"),
      Number("seed", &GenerateOptions::seed, "seed for UIDs, noise and accession numbers"),
      Number("cobb-deg", &GenerateOptions::cobb_deg,
             "coronal scoliosis Cobb angle in degrees, exact by construction (0 = straight)"),
      Text("apex-level", &GenerateOptions::apex_level,
           "apex vertebra of the curve, T2..L4; end vertebrae are apex-3 and apex+2"),
      Text("convexity", &GenerateOptions::convexity, "side of the curve's convexity: left|right"),
      Number("slip-percent", &GenerateOptions::slip_percent,
             "anterolisthesis in percent (Meyerding), exact by construction (0 = none)"),
      Text("slip-level", &GenerateOptions::slip_level,
           "slipped vertebra, T1..L5 (slips on the one below; its disc is degenerated)"),
      Number("mr-sagittal-slices", &GenerateOptions::mr_sagittal_slices,
             "slices of each sagittal MR series (T1, T2)"),
      Number("mr-axial-slices", &GenerateOptions::mr_axial_slices,
             "slices of the axial T2 series, spread over the discs L1-L2..L5-S1"),
      Flag("mr-axial-angled", &GenerateOptions::mr_axial_angled,
           "axial T2 in blocks parallel to each disc (false: one straight axial stack)"),
      Number("ct-slices", &GenerateOptions::ct_slices, "axial CT slices from T12 to S2"),
      Number("matrix", &GenerateOptions::matrix, "MR and CT image size (rows = columns)"),
      Number("xray-rows", &GenerateOptions::xray_rows, "radiograph rows (whole spine fits)"),
      Number("xray-cols", &GenerateOptions::xray_cols, "radiograph columns"),
      Text("patient-name", &GenerateOptions::patient_name,
           "PatientName (PN, UTF-8, e.g. Alphabetic=Ideographic=Phonetic)"),
      Text("patient-id", &GenerateOptions::patient_id, "PatientID (empty: DEMO-<seed>)"),
      Text("patient-birth-date", &GenerateOptions::patient_birth_date,
           "PatientBirthDate (YYYYMMDD)"),
      Text("patient-sex", &GenerateOptions::patient_sex, "PatientSex: M|F|O"),
      Text("study-date", &GenerateOptions::study_date, "StudyDate of every study (YYYYMMDD)"),
      Text("lang", &GenerateOptions::lang, "language of descriptions and institution: ja|en"),
      Text("tenant-hint", &GenerateOptions::tenant_hint,
           "InstitutionName to write (and echoed in truth.json), e.g. the target hospital"),
      Flag("bench", &GenerateOptions::bench_set,
           "write the benchmark set instead (MR 4 series + CT, 512x512, ~420 MB)"),
      Number("bench-mr-slices", &GenerateOptions::bench_mr_slices,
             "benchmark MR slices: SAG T1/T2/STIR one fifth each, AX T2 the rest"),
      Number("bench-ct-slices", &GenerateOptions::bench_ct_slices, "benchmark CT slices"),
      Number("bench-matrix", &GenerateOptions::bench_matrix, "benchmark image size"),
      Number("threads", &GenerateOptions::threads, "worker threads (0 = number of cores)"),
  };
  return kFields;
}

bool IsDate(const std::string& s) {
  if (s.size() != 8) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

base::Status Validate(const GenerateOptions& o, SpineParams* params) {
  auto bad = [](const std::string& msg, const char* field) {
    return base::InvalidArgument(msg, field);
  };
  if (o.out_dir.empty()) return bad("an output directory is required", "out");
  auto range = [&](int v, int lo, int hi, const char* field) -> base::Status {
    if (v < lo || v > hi) {
      return bad(
          std::string(field) + " must be within " + std::to_string(lo) + ".." + std::to_string(hi),
          field);
    }
    return base::Status::Ok();
  };
  DOKUEI_RETURN_IF_ERROR(range(o.mr_sagittal_slices, 1, 200, "mr-sagittal-slices"));
  DOKUEI_RETURN_IF_ERROR(range(o.mr_axial_slices, 1, 500, "mr-axial-slices"));
  DOKUEI_RETURN_IF_ERROR(range(o.ct_slices, 1, 2000, "ct-slices"));
  DOKUEI_RETURN_IF_ERROR(range(o.matrix, 16, 2048, "matrix"));
  DOKUEI_RETURN_IF_ERROR(range(o.xray_rows, 32, 4096, "xray-rows"));
  DOKUEI_RETURN_IF_ERROR(range(o.xray_cols, 32, 4096, "xray-cols"));
  DOKUEI_RETURN_IF_ERROR(range(o.bench_mr_slices, 5, 5000, "bench-mr-slices"));
  DOKUEI_RETURN_IF_ERROR(range(o.bench_ct_slices, 1, 5000, "bench-ct-slices"));
  DOKUEI_RETURN_IF_ERROR(range(o.bench_matrix, 16, 2048, "bench-matrix"));
  DOKUEI_RETURN_IF_ERROR(range(o.threads, 0, 256, "threads"));
  if (o.lang != "ja" && o.lang != "en") return bad("lang must be ja or en", "lang");
  if (o.convexity != "left" && o.convexity != "right") {
    return bad("convexity must be left or right", "convexity");
  }
  if (o.patient_sex != "M" && o.patient_sex != "F" && o.patient_sex != "O") {
    return bad("patient-sex must be M, F or O", "patient-sex");
  }
  if (!IsDate(o.study_date)) return bad("study-date must be YYYYMMDD", "study-date");
  if (!IsDate(o.patient_birth_date)) {
    return bad("patient-birth-date must be YYYYMMDD", "patient-birth-date");
  }
  if (o.patient_name.empty() || o.patient_name.size() > 3 * 64) {
    return bad("patient-name must be 1..192 bytes", "patient-name");
  }
  if (o.patient_id.size() > 64 || o.patient_id.find('\\') != std::string::npos) {
    return bad("patient-id must be at most 64 characters without '\\'", "patient-id");
  }
  if (o.tenant_hint.size() > 64 || o.tenant_hint.find('\\') != std::string::npos) {
    return bad("tenant-hint must be at most 64 characters without '\\'", "tenant-hint");
  }
  const auto apex = ParseLevel(o.apex_level);
  if (!apex) return bad("unknown apex level " + o.apex_level, "apex-level");
  const auto slip = ParseLevel(o.slip_level);
  if (!slip) return bad("unknown slip level " + o.slip_level, "slip-level");
  params->cobb_deg = o.cobb_deg;
  params->apex = *apex;
  params->convex_left = o.convexity == "left";
  params->slip_percent = o.slip_percent;
  params->slip_level = *slip;
  return base::Status::Ok();
}

base::Status WriteText(base::Env& env, const std::string& path, const std::string& text) {
  DOKUEI_ASSIGN_OR_RETURN(std::unique_ptr<base::WritableFile> f, env.NewWritableFile(path));
  DOKUEI_RETURN_IF_ERROR(f->Append(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
  return f->Close();
}

}  // namespace

std::vector<OptionDoc> DescribeOptions() {
  const GenerateOptions defaults;
  std::vector<OptionDoc> docs;
  for (const Field& f : Fields()) docs.push_back({f.name, f.get(defaults), f.help});
  return docs;
}

base::Status SetOption(GenerateOptions& options, std::string_view name, std::string_view value) {
  for (const Field& f : Fields()) {
    if (name == f.name) {
      if (!f.set(options, value)) {
        return base::InvalidArgument(
            "invalid value '" + std::string(value) + "' for --" + std::string(name),
            std::string(name));
      }
      return base::Status::Ok();
    }
  }
  return base::InvalidArgument("unknown option --" + std::string(name), std::string(name));
}

base::Result<GenerateSummary> Generate(const GenerateOptions& options, base::Env& env) {
  SpineParams params;
  DOKUEI_RETURN_IF_ERROR(Validate(options, &params));
  DOKUEI_ASSIGN_OR_RETURN(SpineModel model, SpineModel::Build(params));
  const Scene scene = BuildScene(model);
  DOKUEI_ASSIGN_OR_RETURN(Plan plan, MakePlan(options, model));

  DOKUEI_RETURN_IF_ERROR(base::CreateDirs(env, options.out_dir));
  struct Job {
    size_t study, series, instance;
  };
  std::vector<Job> jobs;
  std::set<std::string> dirs;
  for (size_t st = 0; st < plan.studies.size(); ++st) {
    for (size_t se = 0; se < plan.studies[st].series.size(); ++se) {
      const SeriesPlan& s = plan.studies[st].series[se];
      const std::string study_dir = options.out_dir + "/" + s.dir.substr(0, s.dir.find('/'));
      if (dirs.insert(study_dir).second) DOKUEI_RETURN_IF_ERROR(env.CreateDir(study_dir));
      DOKUEI_RETURN_IF_ERROR(env.CreateDir(options.out_dir + "/" + s.dir));
      for (size_t i = 0; i < s.size(); ++i) jobs.push_back({st, se, i});
    }
  }
  // Radiographs take longest: start them first.
  std::stable_partition(jobs.begin(), jobs.end(), [&](const Job& j) {
    return plan.studies[j.study].modality == Modality::kDx;
  });

  std::vector<base::Status> errors(jobs.size());
  std::atomic<uint64_t> bytes{0};
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  const size_t threads = options.threads > 0
                             ? static_cast<size_t>(options.threads)
                             : std::max<size_t>(1, std::thread::hardware_concurrency());
  {
    base::ThreadPool pool(threads);
    for (size_t t = 0; t < threads; ++t) {
      pool.Post([&] {
        for (size_t k = next++; k < jobs.size() && !failed; k = next++) {
          auto written = WriteInstance(options, plan, scene, jobs[k].study, jobs[k].series,
                                       jobs[k].instance, env);
          if (written.ok()) {
            bytes += *written;
          } else {
            errors[k] = written.status();
            failed = true;
          }
        }
      });
    }
  }  // joins
  for (const base::Status& st : errors) {
    if (!st.ok()) return st.WithContext("demo generate");
  }

  GenerateSummary summary;
  summary.files = static_cast<int>(jobs.size());
  summary.bytes = bytes;
  for (const StudyPlan& st : plan.studies) summary.study_uids.push_back(st.uid);
  summary.truth_path = options.out_dir + "/truth.json";
  DOKUEI_RETURN_IF_ERROR(WriteText(env, summary.truth_path, TruthJson(options, plan, model)));
  return summary;
}

}  // namespace dokuei::demo
