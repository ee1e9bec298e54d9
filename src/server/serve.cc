// dokuei serve: wires the archive (index, blobs, ingest, query, retrieve) to DIMSE and DICOMweb.
#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <map>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "commands.h"
#include "config.h"
#include "demo_data.h"
#include "dokuei/archive/dimse_handlers.h"
#include "dokuei/archive/ingest.h"
#include "dokuei/archive/peers.h"
#include "dokuei/archive/query.h"
#include "dokuei/archive/retrieve.h"
#include "dokuei/base/executor.h"
#include "dokuei/base/strings.h"
#include "dokuei/dicom/dimse.h"
#include "dokuei/dicomweb/dicomweb.h"
#include "dokuei/http/auth.h"
#include "dokuei/http/router.h"
#include "dokuei/http/server.h"
#include "storage.h"

namespace dokuei::server {
namespace {

int Fail(const std::string& what, const base::Status& st) {
  spdlog::critical("{}: {}", what, st.ToString());
  std::fprintf(stderr, "dokuei serve: %s: %s\n", what.c_str(), st.ToString().c_str());
  return 1;
}

archive::DicomPeer ToPeer(const PeerConfig& p, index::TenantId tenant) {
  archive::DicomPeer d;
  d.ae_title = p.ae_title;
  d.host = p.host;
  d.port = p.port;
  d.tenant_code = p.tenant;
  d.tenant = tenant;
  d.check_host = p.check_host;
  d.max_associations = p.max_associations;
  auto allowed = [&](const char* what) {
    return std::find(p.allow.begin(), p.allow.end(), what) != p.allow.end();
  };
  d.allow_store = allowed("store");
  d.allow_find = allowed("find");
  d.allow_get = allowed("get");
  d.allow_move = allowed("move");
  d.allow_commitment = allowed("commitment");
  return d;
}

base::Status CheckLoopback(const std::string& listen, const char* what) {
  std::string host;
  uint16_t port = 0;
  DOKUEI_RETURN_IF_ERROR(ParseHostPort(listen, &host, &port));
  if (!IsLoopback(host)) {
    return base::FailedPrecondition(
        std::string(what) + " " + listen +
        ": refusing to listen on a non-loopback address without TLS and an administrator with "
        "two-factor authentication (not available in this version)");
  }
  return base::Status::Ok();
}

void Banner(const Config& c, uint16_t dicom_port, uint16_t http_port, const DemoSetup* demo) {
  bool en = c.lang == "en";
  std::string host = c.http_listen.substr(0, c.http_listen.rfind(':'));
  std::string url = "http://" + host + ":" + std::to_string(http_port) + "/dicom-web";
  std::printf("%s\n", en ? "Dokuei archive is running." : "Dokuei アーカイブが起動しました。");
  std::printf("  DICOM    : AE title %s at %s:%u\n", c.ae_title.c_str(),
              c.dicom_listen.substr(0, c.dicom_listen.rfind(':')).c_str(), dicom_port);
  std::printf("  DICOMweb : %s\n", url.c_str());
  std::printf("  %s: %s (%s)\n", en ? "index" : "索引", c.index_backend.c_str(),
              c.index_backend == "sqlite" ? c.sqlite_path.c_str() : "PostgreSQL");
  if (demo) {
    std::printf("%s\n", en ? "Demo:" : "デモ:");
    std::printf("  %s %s\n", en ? "calling AE title (accepted):" : "受け付ける発信元 AE タイトル:",
                demo->calling_ae.c_str());
    std::printf("  %s %s\n", en ? "bearer token file:" : "トークンファイル:",
                demo->token_file.c_str());
    std::printf("  echoscu -aet %s -aec %s 127.0.0.1 %u\n", demo->calling_ae.c_str(),
                c.ae_title.c_str(), dicom_port);
    std::printf("  curl -H \"Authorization: Bearer $(cat %s)\" %s/studies\n",
                demo->token_file.c_str(), url.c_str());
  }
  std::printf("%s\n", en ? "Stop with Ctrl-C." : "Ctrl-C で停止します。");
  std::fflush(stdout);
}

}  // namespace

int RunServe(const std::vector<std::string>& args) {
  bool help = false;
  auto loaded = LoadConfig(args, &help);
  if (help) {
    std::printf("%s", ServeHelp(CliLanguage()).c_str());
    return 0;
  }
  if (!loaded.ok()) {
    std::fprintf(stderr, "dokuei serve: %s\n", loaded.status().ToString().c_str());
    return 2;
  }
  Config config = std::move(*loaded);
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v", spdlog::pattern_time_type::utc);

  // Block the stop signals in every thread; the main thread waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  if (auto st = CheckLoopback(config.http_listen, "http.listen"); !st.ok())
    return Fail("configuration", st);
  if (auto st = CheckLoopback(config.dicom_listen, "dicom.listen"); !st.ok())
    return Fail("configuration", st);

  auto storage = OpenStorage(config);
  if (!storage.ok()) return Fail("opening storage", storage.status());
  if (auto st = storage->blobs->RemoveTemporaries(); !st.ok())
    return Fail("cleaning temporary files", st);
  index::Index& index = *storage->index;

  std::unique_ptr<DemoSetup> demo;
  if (config.demo) {
    auto d = PrepareDemo(config);
    if (!d.ok()) return Fail("preparing the demo", d.status());
    demo = std::make_unique<DemoSetup>(std::move(*d));
  }

  // Tenants: configured ones, then any named by a peer or token.
  std::map<std::string, index::TenantId> tenants;
  auto ensure = [&](const std::string& code, const std::string& name) -> base::Status {
    if (tenants.count(code)) return base::Status::Ok();
    DOKUEI_ASSIGN_OR_RETURN(index::TenantId id, index.EnsureTenant(code, name));
    tenants[code] = id;
    return base::Status::Ok();
  };
  for (const auto& t : config.tenants)
    if (auto st = ensure(t.code, t.name); !st.ok()) return Fail("creating tenants", st);
  for (const auto& p : config.peers)
    if (auto st = ensure(p.tenant, p.tenant); !st.ok()) return Fail("creating tenants", st);
  for (const auto& t : config.tokens)
    if (auto st = ensure(t.tenant, t.tenant); !st.ok()) return Fail("creating tenants", st);

  std::vector<archive::DicomPeer> peers;
  for (const auto& p : config.peers) peers.push_back(ToPeer(p, tenants[p.tenant]));
  std::vector<http::StaticToken> tokens;
  for (const auto& t : config.tokens)
    tokens.push_back({t.sha256, tenants[t.tenant].value, t.subject, {"*"}});
  if (demo) {
    if (auto st = ensure(demo->tenant_code, demo->tenant_name); !st.ok())
      return Fail("creating the demo tenant", st);
    PeerConfig p;
    p.ae_title = demo->calling_ae;
    p.tenant = demo->tenant_code;
    p.port = demo->move_port;
    peers.push_back(ToPeer(p, tenants[demo->tenant_code]));
    tokens.push_back({http::StaticTokenAuthenticator::HashToken(demo->token),
                      tenants[demo->tenant_code].value, "demo", {"*"}});
  }

  archive::IngestOptions ingest_options;
  ingest_options.limits.max_object_bytes = config.max_object_mb << 20;
  ingest_options.max_inflight_bytes = config.max_inflight_mb << 20;
  archive::Ingest ingest(index, *storage->blobs, base::SystemClock(), ingest_options);
  archive::QueryService query(index);
  archive::RetrieveService retrieve(index, *storage->blobs, query);
  archive::PeerDirectory peer_directory(std::move(peers));

  if (demo) {
    auto st = LoadDemoStudies(*demo, index, ingest, tenants[demo->tenant_code]);
    if (!st.ok()) return Fail("loading the demo studies", st);
  }

  base::ThreadPool workers(static_cast<size_t>(config.workers));

  // HTTP: DICOMweb plus public health and API description.
  http::RouteTable routes;
  dicomweb::Options web;
  web.base_url = config.base_url;
  web.max_stow_body_bytes = config.max_request_mb << 20;
  web.max_part_bytes = config.max_object_mb << 20;
  if (auto st = dicomweb::RegisterRoutes(routes, {ingest, query, retrieve}, web); !st.ok())
    return Fail("registering DICOMweb routes", st);
  http::Route health;
  health.method = "GET";
  health.pattern = "/health";
  health.authenticate = false;
  health.summary_ja = "稼働確認";
  health.summary_en = "Liveness check";
  health.tag = "Operations";
  health.produces = {"application/json"};
  health.handler = [](http::Request&) -> base::Result<http::Response> {
    return http::Response::Bytes(200, "application/json", R"({"status":"ok"})");
  };
  if (auto st = routes.Add(std::move(health)); !st.ok()) return Fail("routes", st);
  http::Route openapi;
  openapi.method = "GET";
  openapi.pattern = "/api/openapi.json";
  openapi.authenticate = false;
  openapi.summary_ja = "API 定義 (OpenAPI 3)";
  openapi.summary_en = "API description (OpenAPI 3)";
  openapi.tag = "Operations";
  openapi.produces = {"application/json"};
  openapi.handler = [&routes, &config](http::Request&) -> base::Result<http::Response> {
    http::OpenApiInfo info;
    info.lang = config.lang;
    return http::Response::Bytes(200, "application/json", http::OpenApiDocument(routes, info));
  };
  if (auto st = routes.Add(std::move(openapi)); !st.ok()) return Fail("routes", st);

  http::StaticTokenAuthenticator authenticator(std::move(tokens));
  http::ServerOptions http_options;
  http_options.listen = config.http_listen;
  http_options.io_threads = config.http_threads;
  http_options.executor = &workers;
  for (auto o : base::Split(config.cors_origins, ','))
    if (!base::Trim(o).empty()) http_options.cors_allowed_origins.emplace_back(base::Trim(o));
  http::Server http_server(http_options, routes, &authenticator);

  archive::ArchiveDimseHandlers handlers(peer_directory, ingest, query, retrieve);
  dicom::DimseOptions dimse_options;
  {
    std::string host;
    uint16_t port = 0;
    if (auto st = ParseHostPort(config.dicom_listen, &host, &port); !st.ok())
      return Fail("dicom.listen", st);
    dimse_options.bind_address = host == "localhost" ? "127.0.0.1" : host;
    dimse_options.port = port;
  }
  dimse_options.ae_title = config.ae_title;
  dimse_options.max_pdu_bytes = config.max_pdu;
  dimse_options.acse_timeout = std::chrono::seconds(config.dicom_acse_timeout_s);
  dimse_options.dimse_timeout = std::chrono::seconds(config.dicom_idle_timeout_s);
  dimse_options.max_associations = static_cast<uint32_t>(config.max_associations);
  dicom::DimseServer dimse_server(dimse_options, handlers);

  if (auto st = dimse_server.Start(); !st.ok()) return Fail("starting DICOM", st);
  if (auto st = http_server.Start(); !st.ok()) return Fail("starting HTTP", st);
  spdlog::info("listening: DICOM {} port {}, HTTP port {}", config.ae_title, dimse_server.port(),
               http_server.port());
  if (!config.ports_file.empty()) {
    nlohmann::json ports = {{"http", http_server.port()}, {"dicom", dimse_server.port()}};
    if (auto st = base::WriteFileAtomically(base::PosixEnv(), config.ports_file, ports.dump());
        !st.ok())
      return Fail("writing the ports file", st);
  }
  Banner(config, dimse_server.port(), http_server.port(), demo.get());

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("signal {}: stopping", sig);
  http_server.Stop();
  dimse_server.Stop();
  return 0;
}

}  // namespace dokuei::server
