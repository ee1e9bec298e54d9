// Private to `dokuei serve`: the pieces serve.cc composes (one file each, along their seams).
//   serve_identity.cc  identity-backed DICOM peers (AE titles managed while the server runs)
//   serve_tls.cc       HTTPS and DICOM TLS from the configuration; the non-loopback rule
//   serve_audit.cc     the background audit shipper (syslog)
//   serve_demo.cc      --demo: tenants, AE title and users in identity
//   serve_workflow.cc  the reading workflow: ingest feed, recovery at start, dispatcher thread
// Thread safety: see each declaration.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

#include "config.h"
#include "dokuei/archive/peers.h"
#include "dokuei/audit/audit.h"
#include "dokuei/audit/export.h"
#include "dokuei/delivery/delivery.h"
#include "dokuei/publish/publish.h"
#include "dokuei/base/clock.h"
#include "dokuei/dicom/dimse.h"
#include "dokuei/identity/identity.h"
#include "dokuei/intake/intake.h"
#include "dokuei/intake/mllp.h"
#include "dokuei/workflow/workflow.h"

namespace boost::asio::ssl {
class context;
}

namespace dokuei::server {

// -- serve_identity.cc ---------------------------------------------------------------------------

identity::IdentityOptions IdentityOptionsFrom(const Config& config);

// An identity AE title of an enabled tenant as a DICOM peer: tenant, allow flags, certificate pin;
// the tenant's client-certificate policy makes the AE TLS-only with a required client
// certificate (a pinned certificate, too, can only be presented over TLS).
archive::DicomPeer PeerFromAe(const identity::AeTitle& ae, const identity::Tenant& tenant);

// Looks AE titles up in identity at association time, with a short cache (answers, including
// "unknown", are reused for `ttl`), so titles added by `dokuei admin` or the API are accepted
// without a restart. Thread-safe.
class IdentityPeerSource final : public archive::PeerSource {
 public:
  IdentityPeerSource(identity::Identity& identity, base::Clock& clock, base::Duration ttl)
      : identity_(identity), clock_(clock), ttl_(ttl) {}
  base::Result<std::optional<archive::DicomPeer>> Lookup(std::string_view ae_title) override;

 private:
  struct Entry {
    std::optional<archive::DicomPeer> peer;
    std::chrono::steady_clock::time_point expires;
  };
  identity::Identity& identity_;
  base::Clock& clock_;
  const base::Duration ttl_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;  // guarded by mu_
};

// Whether the reading centre has an enabled administrator with a second factor enrolled.
base::Result<bool> HasAdministratorWithTwoFactor(identity::Identity& identity);

// -- serve_tls.cc --------------------------------------------------------------------------------

struct Listeners {
  std::shared_ptr<boost::asio::ssl::context> https;  // null: plain HTTP
  std::optional<dicom::DimseTlsOptions> dicom_tls;   // unset: no DICOM TLS listener
};

// Loads the TLS files the configuration names (errors name the file).
base::Result<Listeners> MakeListeners(const Config& config);

// The non-loopback rule (security.md): a listener may bind a non-loopback address only if it has
// TLS and the reading centre has an administrator with two-factor authentication. The plain
// DICOM listener has no TLS, so it is always loopback. kFailedPrecondition with a message in
// `lang` naming the listener and what is missing.
base::Status CheckExposure(const Config& config, const Listeners& listeners,
                           identity::Identity& identity, const std::string& lang);

// -- serve_audit.cc ------------------------------------------------------------------------------

// The shipper of audit.syslog (with audit.syslog_ca), started; nullptr when audit.syslog is
// empty. Stop it (or destroy it) before the audit log.
base::Result<std::unique_ptr<audit::AuditShipper>> StartAuditShipper(
    const Config& config, std::shared_ptr<db::Database> database, audit::AuditLog& log);

// -- serve_demo.cc -------------------------------------------------------------------------------

struct DemoLogin {
  std::string login, role_ja, role_en, password;
};
struct DemoIdentity {
  std::string credentials_file;  // <data_dir>/demo-logins.txt (0600)
  std::vector<DemoLogin> logins;
};

// The demo hospital (with `calling_ae` as its identity AE title, C-MOVE port `move_port`), the
// reading centre and demo users with generated passwords, written to the credentials file.
// Existing ones are kept (their passwords were written the first time).
base::Result<DemoIdentity> PrepareDemoIdentity(const Config& config, identity::Identity& identity,
                                               const std::string& hospital_code,
                                               const std::string& hospital_name,
                                               const std::string& calling_ae, uint16_t move_port);

// -- serve_workflow.cc ---------------------------------------------------------------------------

// Arrivals from ingest to the workflow, and the dispatcher. Ingest's on_stored pushes to a queue
// (no transaction, no I/O on the C-STORE path); a worker records them in batches (one
// transaction for up to 256); a second thread runs Dispatcher::Tick every `tick_interval`. Stop
// (or the destructor) records what is still queued, then joins both threads. Arrivals lost to a
// crash are recovered from the index at the next start (RecoverArrivals). Thread-safe.
class WorkflowFeed {
 public:
  // `also_tick` (may be empty) runs on the ticker thread after each dispatcher tick (the
  // reports' notifications and escalations).
  WorkflowFeed(workflow::Workflow& wf, base::Duration tick_interval,
               std::function<void()> also_tick = {});
  ~WorkflowFeed();
  void Enqueue(workflow::Arrival a);
  void Start();
  void Stop();
  size_t Pending();

 private:
  void FeedLoop();
  void TickLoop();
  workflow::Workflow& wf_;
  const base::Duration tick_interval_;
  std::function<void()> also_tick_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<workflow::Arrival> queue_;  // guarded by mu_
  bool running_ = false;                 // guarded by mu_
  std::thread feeder_, ticker_;
};

// The MLLP listener of the HL7 intake (serve_hl7.cc). Start refuses a non-loopback address
// (MLLP has no TLS) and an unreadable or empty sender list; Stop (or the destructor) stops
// accepting and waits for running handlers.
class Hl7Service {
 public:
  ~Hl7Service();
  base::Status Start(const std::string& listen, const std::string& senders_file,
                     std::shared_ptr<db::Database> database, workflow::Requests& requests,
                     base::Clock& clock);
  uint16_t port() const;
  void Stop();

 private:
  std::unique_ptr<intake::ConfigSenderDirectory> directory_;
  std::unique_ptr<intake::Hl7Intake> intake_;
  std::unique_ptr<intake::MllpListener> listener_;
};

// Records the instances the index holds that the workflow has not counted (stored before a crash
// or a stop that lost the queue). Call before ingest starts. Returns how many were recorded.
base::Result<int64_t> RecoverArrivals(db::Database& database, workflow::Workflow& wf);

// --demo: the demo hospital's contract (flat demo prices), the demo reader's published profile and
// a 30-day shift from now, so the dispatcher assigns the demo reader. Existing ones are kept.
base::Status PrepareDemoWorkflow(identity::Identity& id, workflow::Workflow& wf,
                                 const std::string& hospital_code, base::Clock& clock);

}  // namespace dokuei::server

namespace dokuei::publish {
class Releaser;
}  // namespace dokuei::publish

namespace dokuei::server {

// -- serve_publish.cc ----------------------------------------------------------------------------

// The artefacts delivery asks for, rendered by the publisher.
class PublishedArtifacts final : public delivery::ArtifactSource {
 public:
  explicit PublishedArtifacts(publish::Publisher& publisher) : publisher_(publisher) {}
  base::Result<std::vector<delivery::Artifact>> For(int64_t report_id,
                                                    int64_t version_id) override;

 private:
  publish::Publisher& publisher_;
};

// Released reports to the hospitals (serve_publish.cc): on its own thread, every `interval`, the
// release step (final requests -> artefacts -> delivery queue -> delivered) and then the
// delivery queue (C-STORE of the SR and Encapsulated PDF, HL7 ORU over MLLP, FHIR Bundle), so
// that a slow PACS never holds up the dispatcher. Start/Stop from one thread.
class PublishService {
 public:
  PublishService(publish::Releaser& releaser, delivery::Delivery& delivery, base::Duration interval);
  ~PublishService();
  void Start();
  void Stop();
  void TickOnce();  // one release step and one delivery pass (the thread's body; tests)

 private:
  void Loop();
  publish::Releaser& releaser_;
  delivery::Delivery& delivery_;
  const base::Duration interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool running_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace dokuei::server
