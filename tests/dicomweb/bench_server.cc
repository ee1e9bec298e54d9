// A DICOMweb server for benchmarks (until `dokuei serve` wires the routes): SQLite index and
// FsBlobStore under <data_dir>, listening on 127.0.0.1:<port> (0 = any; the bound port is written
// to <port_file>), one tenant with bearer token "bench". Stops on SIGINT/SIGTERM.
//   dicomweb_bench_server <data_dir> <port_file> [port]
// With DOKUEI_SYNTHETIC_INSTANCES=N the index is first filled with N synthetic instances
// (100 per study in 2 series, no blobs: for QIDO at scale only).
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <vector>

#include "dokuei/archive/ingest.h"
#include "dokuei/archive/query.h"
#include "dokuei/archive/retrieve.h"
#include "dokuei/base/clock.h"
#include "dokuei/base/env.h"
#include "dokuei/dicomweb/dicomweb.h"
#include "dokuei/http/auth.h"
#include "dokuei/http/server.h"

using namespace dokuei;

namespace {

base::Status FillSynthetic(index::Index& idx, index::TenantId tenant, uint64_t n) {
  static const char* kFamily[] = {"YAMADA", "SUZUKI", "TANAKA", "SATO", "ITO", "WATANABE",
                                  "NAKAMURA", "KOBAYASHI", "KATO", "YOSHIDA"};
  static const char* kFamilyJa[] = {"山田", "鈴木", "田中", "佐藤", "伊藤", "渡辺",
                                    "中村", "小林", "加藤", "吉田"};
  std::vector<index::InstanceRecord> batch;
  const uint64_t per_study = 100;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t study = i / per_study, series = (i % per_study) / 50, inst = i % 50;
    index::InstanceRecord r;
    uint64_t patient = study / 3;
    r.patient.patient_id = "SYN" + std::to_string(patient);
    r.patient.patient_name = std::string(kFamily[patient % 10]) + "^P" + std::to_string(patient) +
                             "=" + kFamilyJa[patient % 10] + "^" + std::to_string(patient);
    r.patient.patient_birth_date = "19600101";
    r.patient.patient_sex = patient % 2 ? "M" : "F";
    r.study.study_instance_uid = "1.2.826.0.1.3680043.10.1." + std::to_string(study);
    int day = static_cast<int>(study % 1826);
    char date[16];
    std::snprintf(date, sizeof date, "%04d%02d%02d", 2020 + day / 365, 1 + (day % 365) / 31 % 12,
                  1 + day % 28);
    r.study.study_date = date;
    r.study.study_time = "101500";
    r.study.accession_number = "ACC" + std::to_string(study);
    r.study.study_description = "CT LUMBAR SPINE";
    r.series.series_instance_uid = r.study.study_instance_uid + "." + std::to_string(series + 1);
    r.series.modality = series ? "CT" : "MR";
    r.series.series_number = static_cast<int32_t>(series + 1);
    r.instance.sop_class_uid = "1.2.840.10008.5.1.4.1.1.2";
    r.instance.sop_instance_uid = r.series.series_instance_uid + "." + std::to_string(inst + 1);
    r.instance.transfer_syntax_uid = "1.2.840.10008.1.2.1";
    r.instance.instance_number = static_cast<int32_t>(inst + 1);
    r.instance.rows = r.instance.columns = 512;
    r.instance.number_of_frames = 1;
    r.storage.blob_key = "2026/01/01/" + std::string(32, 'a');
    r.storage.size_bytes = 525000;
    r.storage.sha256 = std::string(64, '0');
    r.storage.source = "synthetic";
    r.metadata_json = "{\"00080018\":{\"vr\":\"UI\",\"Value\":[\"" +
                      r.instance.sop_instance_uid + "\"]}}";
    batch.push_back(std::move(r));
    if (batch.size() == 2000 || i + 1 == n) {
      auto out = idx.PutInstances(tenant, batch);
      if (!out.ok()) return out.status();
      batch.clear();
      if ((i + 1) % 100000 == 0) std::cerr << "synthetic: " << (i + 1) << " instances\n";
    }
  }
  return base::Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: dicomweb_bench_server <data_dir> <port_file> [port]\n";
    return 2;
  }
  // Block the stop signals before any thread starts, so that only sigwait below sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::string dir = argv[1];
  std::filesystem::create_directories(dir);
  auto idx = index::OpenSqliteIndex({dir + "/index.sqlite", 4});
  if (!idx.ok()) return std::cerr << idx.status().ToString() << "\n", 1;
  auto blobs = blob::NewFsBlobStore(base::PosixEnv(), base::SystemClock(), dir + "/blobs");
  if (!blobs.ok()) return std::cerr << blobs.status().ToString() << "\n", 1;
  auto tenant = (*idx)->EnsureTenant("bench", "Bench");
  if (!tenant.ok()) return std::cerr << tenant.status().ToString() << "\n", 1;
  if (const char* n = std::getenv("DOKUEI_SYNTHETIC_INSTANCES")) {
    base::Status fill = FillSynthetic(**idx, *tenant, std::strtoull(n, nullptr, 10));
    if (!fill.ok()) return std::cerr << fill.ToString() << "\n", 1;
  }
  archive::Ingest ingest(**idx, **blobs, base::SystemClock(), archive::IngestOptions{});
  archive::QueryService query(**idx);
  archive::RetrieveService retrieve(**idx, **blobs, query);
  http::RouteTable routes;
  dicomweb::Options dw;
  if (const char* p = std::getenv("DOKUEI_STOW_PARALLEL")) dw.stow_parallel_finishes = std::atoi(p);
  base::Status st = dicomweb::RegisterRoutes(routes, {ingest, query, retrieve}, dw);
  if (!st.ok()) return std::cerr << st.ToString() << "\n", 1;
  http::StaticTokenAuthenticator auth(
      {{http::StaticTokenAuthenticator::HashToken("bench"), tenant->value, "bench", {"*"}}});
  http::ServerOptions options;
  options.listen = std::string("127.0.0.1:") + (argc > 3 ? argv[3] : "0");
  options.worker_threads = 8;
  http::Server server(options, routes, &auth);
  st = server.Start();
  if (!st.ok()) return std::cerr << st.ToString() << "\n", 1;
  std::ofstream(argv[2]) << server.port() << "\n";
  int sig = 0;
  sigwait(&set, &sig);
  server.Stop();
  return 0;
}
