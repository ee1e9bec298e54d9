// End-to-end fixture: a real http::Server on port 0 with the DICOMweb routes over a real archive
// (SQLite index and FsBlobStore in a temporary directory), driven with curl (a real client).
// One server per test binary; tenants 1..kTenants each have a bearer token "token-<n>", and
// "token-ro" is read-only in tenant 1. Read requests are audited through a RecordingAuditHook
// (env.audit()), which a test can make fail.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dokuei/archive/audit_hook.h"
#include "dokuei/archive/ingest.h"
#include "dokuei/archive/query.h"
#include "dokuei/archive/retrieve.h"
#include "dokuei/blob/blob_store.h"
#include "dokuei/http/auth.h"
#include "dokuei/http/server.h"
#include "dokuei/index/index.h"

namespace dokuei::dicomweb::e2e {

constexpr int kTenants = 9;  // tenant 9: audit_test.cc

struct CurlResult {
  int status = 0;
  std::string head;  // raw response header block(s)
  std::string body;
  // Last value of a response header (case-insensitive), "" if absent.
  std::string Header(std::string_view name) const;
  std::vector<std::string> Headers(std::string_view name) const;
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

struct Part {
  std::string content_type;
  std::string body;
};

// Keeps the events of audited requests in memory; fails every write while `fail` is set.
class RecordingAuditHook final : public archive::AuditHook {
 public:
  base::Status Record(audit::Event event) override;
  base::Status RecordIn(db::Conn&, audit::Event event) override { return Record(std::move(event)); }
  // Events of `tenant` recorded so far, oldest first.
  std::vector<audit::Event> EventsOf(int64_t tenant);
  std::atomic<bool> fail{false};

 private:
  std::mutex mu_;
  std::vector<audit::Event> events_;
};

class Env {
 public:
  static Env& Get();       // started on first use
  static void Shutdown();  // stops the server and removes the temporary directory
  ~Env();

  uint16_t port() const { return server_->port(); }
  std::string Url(std::string_view path) const;  // "http://127.0.0.1:<port><path>"
  const std::string& tmp() const { return tmp_; }
  index::Index& index() { return *index_; }
  blob::BlobStore& blobs() { return *blobs_; }
  index::TenantId tenant(int n) const { return tenant_ids_.at(n); }
  size_t BlobCount();
  const http::RouteTable& routes() const { return *routes_; }
  RecordingAuditHook& audit() { return audit_; }

  // curl <args>; `args` is a shell fragment (quote URLs).
  CurlResult Curl(const std::string& args);
  // GET with a token ("" for none) and an optional Accept header.
  CurlResult Get(std::string_view path, const std::string& token, const std::string& accept = "");
  // STOW-RS of Part-10 files (bytes) in one multipart request.
  CurlResult Stow(const std::vector<std::string>& files, const std::string& token,
                  const std::string& study = "");
  // POST raw bytes with a Content-Type.
  CurlResult PostRaw(std::string_view path, const std::string& body,
                     const std::string& content_type, const std::string& token,
                     const std::string& extra_args = "");

 private:
  Env();
  std::string tmp_;
  std::unique_ptr<index::Index> index_;
  std::unique_ptr<blob::BlobStore> blobs_;
  std::unique_ptr<archive::Ingest> ingest_;
  std::unique_ptr<archive::QueryService> query_;
  std::unique_ptr<archive::RetrieveService> retrieve_;
  std::unique_ptr<http::RouteTable> routes_;
  std::unique_ptr<http::StaticTokenAuthenticator> auth_;
  std::unique_ptr<http::Server> server_;
  std::map<int, index::TenantId> tenant_ids_;
  RecordingAuditHook audit_;
};

std::string Token(int tenant);
std::string ReadFile(const std::string& path);
std::string TestData(const std::string& rel);
std::string RunCommand(const std::string& cmd);
// Splits a multipart/related body using the boundary of `content_type`.
std::vector<Part> SplitMultipart(const std::string& content_type, const std::string& body);
// The first value of attribute `tag_hex` in a DICOM JSON object, as a string ("" if absent).
std::string JsonString(const nlohmann::json& obj, const std::string& tag_hex);
std::string UrlEncode(std::string_view s);

}  // namespace dokuei::dicomweb::e2e
