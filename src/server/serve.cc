// dokuei serve: wires the archive (index, blobs, ingest, query, retrieve) to DIMSE and DICOMweb,
// with identity (DICOM peers from its AE titles), TLS on both protocols, the non-loopback rule,
// the audit trail (a record for every access to patient data; optional syslog shipping) and the
// reading workflow (a request per arriving study, the dispatcher on a timer, its JSON API), the
// reports (their routes and the critical-result Tick on the dispatcher thread) and, when
// configured, the HL7 v2 MLLP listener (serve_hl7.cc).
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "config.h"
#include "demo_data.h"
#include "dokuei/api/api.h"
#include "dokuei/api/study_access.h"
#include "dokuei/archive/audit_hook.h"
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
#include "dokuei/delivery/transports.h"
#include "dokuei/publish/publish.h"
#include "dokuei/report/report.h"
#include "dokuei/report/webhooks.h"
#include "serve_parts.h"
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

void Banner(const Config& c, uint16_t dicom_port, uint16_t dicom_tls_port, uint16_t http_port,
            bool https, const DemoSetup* demo, const DemoIdentity* demo_identity) {
  bool en = c.lang == "en";
  std::string host = c.http_listen.substr(0, c.http_listen.rfind(':'));
  std::string url = std::string(https ? "https" : "http") + "://" + host + ":" +
                    std::to_string(http_port) + "/dicom-web";
  std::printf("%s\n", en ? "Dokuei archive is running." : "Dokuei アーカイブが起動しました。");
  std::printf("  DICOM    : AE title %s at %s:%u\n", c.ae_title.c_str(),
              c.dicom_listen.substr(0, c.dicom_listen.rfind(':')).c_str(), dicom_port);
  if (dicom_tls_port != 0) {
    std::printf("  DICOM TLS: %s:%u\n",
                c.dicom_tls_listen.substr(0, c.dicom_tls_listen.rfind(':')).c_str(),
                dicom_tls_port);
  }
  std::printf("  DICOMweb : %s\n", url.c_str());
  std::printf("  %s: %s (%s)\n", en ? "index" : "索引", c.index_backend.c_str(),
              c.index_backend == "sqlite" ? c.sqlite_path.c_str() : "PostgreSQL");
  if (!c.audit_syslog.empty())
    std::printf("  %s: %s\n", en ? "audit shipped to" : "監査記録の転送先", c.audit_syslog.c_str());
  if (demo) {
    std::printf("%s\n", en ? "Demo:" : "デモ:");
    std::printf("  %s %s\n", en ? "calling AE title (accepted):" : "受け付ける発信元 AE タイトル:",
                demo->calling_ae.c_str());
    std::printf("  %s %s\n",
                en ? "bearer token file:" : "トークンファイル:", demo->token_file.c_str());
    std::printf("  echoscu -aet %s -aec %s 127.0.0.1 %u\n", demo->calling_ae.c_str(),
                c.ae_title.c_str(), dicom_port);
    std::printf("  curl %s-H \"Authorization: Bearer $(cat %s)\" %s/studies\n",
                https ? "--cacert <CA> " : "", demo->token_file.c_str(), url.c_str());
  }
  if (demo_identity) {
    std::printf("%s %s\n", en ? "  Demo logins (also in" : "  デモ用ログイン (",
                (demo_identity->credentials_file + (en ? "):" : " にも保存):")).c_str());
    for (const auto& l : demo_identity->logins) {
      std::printf("    %-14s %-22s %s\n", l.login.c_str(),
                  l.password.empty() ? (en ? "(password set earlier)" : "(設定済みのパスワード)")
                                     : l.password.c_str(),
                  (en ? l.role_en : l.role_ja).c_str());
    }
    std::printf("  %s\n", en ? "Readers, administrators and auditors enrol a second factor "
                               "(TOTP) at their first login."
                             : "読影医・管理者・監査担当は初回ログイン時に二要素認証 (TOTP) "
                               "を登録します。");
    std::string api = url.substr(0, url.size() - std::string("/dicom-web").size()) + "/api";
    std::printf("  %s\n", en ? "Sign in to the JSON API (README: Signing in and API tokens):"
                             : "JSON API へのログイン (README「Signing in and API tokens」参照):");
    std::printf(
        "  curl -c cookies.txt -H 'Content-Type: application/json' -d "
        "'{\"login\":\"demo-tech\",\"password\":\"…\"}' %s/auth/login\n",
        api.c_str());
    std::printf("  %s %s/openapi.json\n", en ? "API description:" : "API 定義:", api.c_str());
  }
  std::printf("%s\n", en ? "Stop with Ctrl-C." : "Ctrl-C で停止します。");
  std::fflush(stdout);
}

// /health (public liveness) and /api/openapi.json (the API description, public).
base::Status AddOperationsRoutes(http::RouteTable& routes, const Config& config) {
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
  DOKUEI_RETURN_IF_ERROR(routes.Add(std::move(health)));
  http::Route openapi;
  openapi.method = "GET";
  openapi.pattern = "/api/openapi.json";
  openapi.authenticate = false;
  openapi.summary_ja = "API 定義 (OpenAPI 3)";
  openapi.summary_en = "API description (OpenAPI 3)";
  openapi.tag = "Operations";
  openapi.produces = {"application/json"};
  const std::string lang = config.lang;
  openapi.handler = [&routes, lang](http::Request&) -> base::Result<http::Response> {
    http::OpenApiInfo info;
    info.lang = lang;
    return http::Response::Bytes(200, "application/json", http::OpenApiDocument(routes, info));
  };
  return routes.Add(std::move(openapi));
}

// app.start / app.stop in the audit trail (a failure is logged: the archive still starts/stops).
void RecordLifecycle(audit::AuditLog& log, const char* action, const Config& config) {
  audit::Event e;
  e.action = action;
  e.actor = "system";
  e.protocol = "system";
  e.object_detail = "dokuei serve " + config.ae_title;
  if (auto r = log.Append(std::move(e)); !r.ok())
    spdlog::error("audit {}: {}", action, r.status().ToString());
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

  auto listeners = MakeListeners(config);
  if (!listeners.ok()) return Fail("TLS", listeners.status());

  auto storage = OpenStorage(config);
  if (!storage.ok()) return Fail("opening storage", storage.status());
  if (auto st = storage->blobs->RemoveTemporaries(); !st.ok())
    return Fail("cleaning temporary files", st);
  index::Index& index = *storage->index;
  base::Clock& clock = base::SystemClock();

  // Identity (tenants, AE titles, users) and the audit log share the index's database.
  auto key = LoadIdentityKey(config);
  if (!key.ok()) return Fail("identity key", key.status());
  auto opened_identity =
      identity::OpenIdentity(storage->database, clock, *key, IdentityOptionsFrom(config));
  if (!opened_identity.ok()) return Fail("opening identity", opened_identity.status());
  identity::Identity& identity = **opened_identity;
  auto opened_audit = audit::OpenAuditLog(storage->database, clock);
  if (!opened_audit.ok()) return Fail("opening the audit log", opened_audit.status());
  audit::AuditLog& audit_log = **opened_audit;

  std::unique_ptr<DemoSetup> demo;
  std::unique_ptr<DemoIdentity> demo_identity;
  if (config.demo) {
    auto d = PrepareDemo(config);
    if (!d.ok()) return Fail("preparing the demo", d.status());
    demo = std::make_unique<DemoSetup>(std::move(*d));
    auto di = PrepareDemoIdentity(config, identity, demo->tenant_code, demo->tenant_name,
                                  demo->calling_ae, demo->move_port);
    if (!di.ok()) return Fail("preparing the demo logins", di.status());
    demo_identity = std::make_unique<DemoIdentity>(std::move(*di));
  }

  // Never on the network without TLS and an administrator with a second factor (checked after
  // the demo, whose administrator has not enrolled yet: the demo stays on loopback).
  if (auto st = CheckExposure(config, *listeners, identity, config.lang); !st.ok())
    return Fail("configuration", st);

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

  // DICOM peers: the configuration file's, then identity's AE titles (looked up per association).
  std::vector<archive::DicomPeer> peers;
  for (const auto& p : config.peers) peers.push_back(ToPeer(p, tenants[p.tenant]));
  std::vector<http::StaticToken> tokens;
  for (const auto& t : config.tokens)
    tokens.push_back({t.sha256, tenants[t.tenant].value, t.subject, {"*"}});
  if (demo) {
    if (auto st = ensure(demo->tenant_code, demo->tenant_name); !st.ok())
      return Fail("creating the demo tenant", st);
    tokens.push_back({http::StaticTokenAuthenticator::HashToken(demo->token),
                      tenants[demo->tenant_code].value,
                      "demo",
                      {"*"}});
  }
  IdentityPeerSource peer_source(identity, clock, std::chrono::seconds(2));
  archive::PeerDirectory peer_directory(std::move(peers), &peer_source);

  // The reading workflow on the same database, after identity (readers are identity's
  // published profiles); every change appends its audit record in its own transaction.
  std::unique_ptr<workflow::ReaderDirectory> reader_directory =
      workflow::IdentityReaderDirectory(identity);
  workflow::WorkflowOptions workflow_options;
  workflow_options.completeness.quiet_period = std::chrono::seconds(config.workflow_quiet_seconds);
  workflow_options.audit = [&audit_log](db::Conn& c, const audit::Event& e) {
    return audit_log.AppendIn(c, e).status();
  };
  auto opened_workflow =
      workflow::OpenWorkflow(storage->database, clock, *reader_directory, workflow_options);
  if (!opened_workflow.ok()) return Fail("opening the workflow", opened_workflow.status());
  workflow::Workflow& workflow = **opened_workflow;
  if (demo) {
    if (auto st = PrepareDemoWorkflow(identity, workflow, demo->tenant_code, clock); !st.ok())
      return Fail("preparing the demo workflow", st);
  }
  // Instances stored before the last stop that the workflow did not count yet, then the feed.
  if (auto r = RecoverArrivals(*storage->database, workflow); !r.ok())
    return Fail("recovering workflow arrivals", r.status());
  // Reports over the workflow's requests. Critical-result notifications: in the app always, by
  // e-mail (notify.smtp_host) and by each hospital's webhook when configured; delivered and
  // escalated by the report Tick on the dispatcher's thread (stopped with the feed).
  std::unique_ptr<report::RequestSource> report_source =
      report::WorkflowRequestSource(workflow.requests());
  // Each hospital's webhook (set through the API, secret sealed with identity's key); the
  // configured notify.webhook_url serves hospitals without their own.
  auto opened_webhooks =
      report::OpenHospitalWebhooks(storage->database, clock, identity, workflow_options.audit);
  if (!opened_webhooks.ok()) return Fail("opening the webhooks", opened_webhooks.status());
  report::HospitalWebhooks& hospital_webhooks = **opened_webhooks;
  std::optional<report::Webhook> fallback_webhook;
  if (!config.notify_webhook_url.empty()) {
    if (auto st = report::ValidateWebhookUrl(config.notify_webhook_url); !st.ok())
      return Fail("notify.webhook_url", st);
    fallback_webhook = report::Webhook{config.notify_webhook_url, config.notify_webhook_secret};
  }
  std::unique_ptr<report::ContactDirectory> report_contacts =
      report::HospitalContactDirectory(identity, hospital_webhooks, fallback_webhook);
  std::unique_ptr<report::MailSender> mail;
  if (!config.notify_smtp_host.empty()) {
    report::SmtpOptions smtp;
    smtp.host = config.notify_smtp_host;
    smtp.port = static_cast<uint16_t>(config.notify_smtp_port);
    smtp.from = config.notify_smtp_from;
    smtp.starttls = config.notify_smtp_starttls == "never"        ? report::StartTls::kNever
                    : config.notify_smtp_starttls == "if_offered" ? report::StartTls::kIfOffered
                                                                  : report::StartTls::kRequired;
    smtp.username = config.notify_smtp_username;
    smtp.password = config.notify_smtp_password;
    if (!smtp.username.empty() && smtp.starttls == report::StartTls::kNever)
      return Fail("notify.smtp_username",
                  base::InvalidArgument("SMTP AUTH needs STARTTLS (notify.smtp_starttls)",
                                        "notify.smtp_starttls"));
    mail = report::SmtpMailSender(smtp, clock);
  }
  std::unique_ptr<report::WebhookSender> webhook_sender = report::BeastWebhookSender({});
  auto ack_windows = report::ParseAckWindows(config.notify_ack_windows, "notify.ack_windows");
  if (!ack_windows.ok()) return Fail("notify.ack_windows", ack_windows.status());
  report::ReportOptions report_options;
  report_options.audit = workflow_options.audit;
  report_options.contacts = report_contacts.get();
  report_options.mail = mail.get();
  report_options.webhooks = webhook_sender.get();
  report_options.ack_windows = *ack_windows;
  report_options.lang = config.lang;
  auto opened_reports =
      report::OpenReports(storage->database, clock, *report_source, report_options);
  if (!opened_reports.ok()) return Fail("opening the reports", opened_reports.status());
  report::ReportService& reports = **opened_reports;
  WorkflowFeed workflow_feed(workflow, std::chrono::seconds(config.workflow_tick_seconds),
                             [&reports] {
                               auto r = reports.critical().Tick();
                               if (!r.ok()) {
                                 spdlog::warn("reports: tick failed: {}", r.status().ToString());
                               } else if (r->sent + r->failed + r->escalated > 0) {
                                 spdlog::info(
                                     "reports: {} notifications sent, {} failed, {} "
                                     "escalated",
                                     r->sent, r->failed, r->escalated);
                               }
                             });
  workflow_feed.Start();
  // HL7 v2 orders over MLLP, when configured (stopped before the workflow feed).
  Hl7Service hl7;
  if (!config.hl7_listen.empty()) {
    if (auto st = hl7.Start(config.hl7_listen, config.hl7_senders_file, storage->database,
                            workflow.requests(), clock);
        !st.ok())
      return Fail("hl7.listen", st);
    spdlog::info("listening: HL7 MLLP {} port {}", config.hl7_listen, hl7.port());
  }

  std::unique_ptr<archive::AuditHook> audit_hook = archive::NewAuditLogHook(audit_log);
  archive::IngestOptions ingest_options;
  ingest_options.limits.max_object_bytes = config.max_object_mb << 20;
  ingest_options.max_inflight_bytes = config.max_inflight_mb << 20;
  ingest_options.audit = audit_hook.get();
  ingest_options.database = storage->database.get();
  ingest_options.on_stored = [&workflow_feed](index::TenantId t, const index::InstanceRecord& r) {
    workflow_feed.Enqueue({t.value, r.study.study_instance_uid, r.series.series_instance_uid,
                           r.series.modality, r.study.accession_number});
  };
  archive::Ingest ingest(index, *storage->blobs, clock, ingest_options);
  archive::QueryService query(index);
  archive::RetrieveService retrieve(index, *storage->blobs, query);

  if (demo) {
    auto st = LoadDemoStudies(*demo, index, ingest, tenants[demo->tenant_code]);
    if (!st.ok()) return Fail("loading the demo studies", st);
  }

  base::ThreadPool workers(static_cast<size_t>(config.workers));

  // HTTP: DICOMweb plus public health and API description.
  http::RouteTable routes;
  dicomweb::Options web;
  web.base_url = config.base_url;
  web.scheme = listeners->https ? "https" : "http";
  web.max_stow_body_bytes = config.max_request_mb << 20;
  web.max_part_bytes = config.max_object_mb << 20;
  // Readers (and coordinators) read the hospitals' studies of their reading assignments.
  std::unique_ptr<dicomweb::StudyAccess> study_access =
      api::AssignedStudyAccess(workflow.requests(), clock);
  if (auto st = dicomweb::RegisterRoutes(
          routes, {ingest, query, retrieve, audit_hook.get(), study_access.get()}, web);
      !st.ok())
    return Fail("registering DICOMweb routes", st);
  if (auto st = AddOperationsRoutes(routes, config); !st.ok()) return Fail("routes", st);

  // The JSON API (sign-in, administration, audit search) and who is calling: a session cookie,
  // an identity API token, or a configured (or demo) static bearer token.
  api::Options api_options;
  api_options.secure_cookies = listeners->https != nullptr;
  // Publishing: a released report becomes its PDF, DICOM SR and Encapsulated PDF, HL7 ORU and
  // FHIR Bundle, queued for the hospital's destinations; the release step and the delivery queue
  // run on their own thread (started with the listeners). Outgoing DICOM associations call as
  // our AE title, with our DICOM TLS files for destinations marked TLS.
  publish::Publisher publisher({&reports, &workflow, &query, &retrieve, &identity, nullptr,
                                config.ae_title});
  PublishedArtifacts artifact_source(publisher);
  dicom::DimseOptions outgoing;
  outgoing.ae_title = config.ae_title;
  outgoing.max_pdu_bytes = config.max_pdu;
  outgoing.acse_timeout = std::chrono::seconds(config.dicom_acse_timeout_s);
  outgoing.dimse_timeout = std::chrono::seconds(config.dicom_idle_timeout_s);
  outgoing.tls = listeners->dicom_tls;
  std::unique_ptr<delivery::Transport> dicom_out = delivery::DicomTransport(outgoing);
  std::unique_ptr<delivery::Transport> hl7_out = delivery::MllpTransport();
  std::unique_ptr<delivery::Transport> fhir_out = delivery::FhirTransport();
  delivery::DeliveryOptions delivery_options;
  delivery_options.source = &artifact_source;
  delivery_options.audit = workflow_options.audit;
  auto opened_delivery =
      delivery::OpenDelivery(storage->database, clock,
                             {dicom_out.get(), hl7_out.get(), fhir_out.get()}, delivery_options);
  if (!opened_delivery.ok()) return Fail("opening report delivery", opened_delivery.status());
  delivery::Delivery& delivery = **opened_delivery;
  publish::Releaser releaser(reports, workflow, [&delivery](const report::Report& r) {
    return delivery::ReleaseReport(delivery.queue(), r).status();
  });
  PublishService publish_service(releaser, delivery,
                                 std::chrono::seconds(config.workflow_tick_seconds));

  api::Services api_services{identity,   audit_log, clock,  api_options, &workflow,
                             &reports,   &retrieve, &query, &publisher,  &delivery,
                             &hospital_webhooks};
  if (auto st = api::RegisterRoutes(routes, api_services); !st.ok())
    return Fail("registering the JSON API routes", st);
  std::unique_ptr<http::Authenticator> authenticator =
      api::MakeAuthenticator(api_services, std::move(tokens));

  http::ServerOptions http_options;
  http_options.listen = config.http_listen;
  http_options.io_threads = config.http_threads;
  http_options.executor = &workers;
  http_options.tls_context = listeners->https;
  for (auto o : base::Split(config.cors_origins, ','))
    if (!base::Trim(o).empty()) http_options.cors_allowed_origins.emplace_back(base::Trim(o));
  http::Server http_server(http_options, routes, authenticator.get());

  archive::DimseHandlerOptions handler_options;
  handler_options.audit = audit_hook.get();
  archive::ArchiveDimseHandlers handlers(peer_directory, ingest, query, retrieve, handler_options);
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
  dimse_options.tls = listeners->dicom_tls;
  dicom::DimseServer dimse_server(dimse_options, handlers);

  auto shipper = StartAuditShipper(config, storage->database, audit_log);
  if (!shipper.ok()) return Fail("audit.syslog", shipper.status());

  if (auto st = dimse_server.Start(); !st.ok()) return Fail("starting DICOM", st);
  if (auto st = http_server.Start(); !st.ok()) return Fail("starting HTTP", st);
  publish_service.Start();
  spdlog::info("listening: DICOM {} port {} (TLS port {}), HTTP{} port {}", config.ae_title,
               dimse_server.port(), dimse_server.tls_port(), listeners->https ? "S" : "",
               http_server.port());
  RecordLifecycle(audit_log, "app.start", config);
  // The banner (flushed) before the ports file: whoever waits for the ports file may read it.
  Banner(config, dimse_server.port(), dimse_server.tls_port(), http_server.port(),
         listeners->https != nullptr, demo.get(), demo_identity.get());
  if (!config.ports_file.empty()) {
    nlohmann::json ports = {{"http", http_server.port()},
                            {"dicom", dimse_server.port()},
                            {"dicom_tls", dimse_server.tls_port()}};
    if (auto st = base::WriteFileAtomically(base::PosixEnv(), config.ports_file, ports.dump());
        !st.ok())
      return Fail("writing the ports file", st);
  }

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("signal {}: stopping", sig);
  http_server.Stop();
  dimse_server.Stop();
  hl7.Stop();
  publish_service.Stop();
  workflow_feed.Stop();  // records what ingest queued last
  RecordLifecycle(audit_log, "app.stop", config);
  if (*shipper) (*shipper)->Stop();  // after app.stop: the collector gets it when reachable
  return 0;
}

}  // namespace dokuei::server
