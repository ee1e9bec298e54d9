#include "fixture.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "dokuei/base/clock.h"
#include "dokuei/base/env.h"
#include "dokuei/base/random.h"
#include "dokuei/base/strings.h"
#include "dokuei/dicomweb/dicomweb.h"

namespace dokuei::dicomweb::e2e {

std::string Token(int tenant) { return "token-" + std::to_string(tenant); }

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::string TestData(const std::string& rel) {
  const char* root = std::getenv("DOKUEI_TESTDATA");
  return std::string(root ? root : "../shared/testdata") + "/" + rel;
}

std::string RunCommand(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '*' || c == ',') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::vector<std::string> CurlResult::Headers(std::string_view name) const {
  std::vector<std::string> out;
  for (std::string_view line : base::Split(head, '\n')) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    if (base::EqualsIgnoreCase(base::Trim(line.substr(0, colon)), name)) {
      out.emplace_back(base::Trim(line.substr(colon + 1)));
    }
  }
  return out;
}

std::string CurlResult::Header(std::string_view name) const {
  auto all = Headers(name);
  return all.empty() ? "" : all.back();
}

std::vector<Part> SplitMultipart(const std::string& content_type, const std::string& body) {
  std::vector<Part> parts;
  size_t b = content_type.find("boundary=");
  if (b == std::string::npos) return parts;
  std::string boundary = content_type.substr(b + 9);
  boundary = boundary.substr(0, boundary.find(';'));
  if (!boundary.empty() && boundary.front() == '"') boundary = boundary.substr(1, boundary.size() - 2);
  const std::string delim = "--" + boundary;
  size_t pos = body.find(delim);
  while (pos != std::string::npos) {
    pos += delim.size();
    if (body.compare(pos, 2, "--") == 0) break;
    size_t head_end = body.find("\r\n\r\n", pos);
    if (head_end == std::string::npos) break;
    Part p;
    std::string head = body.substr(pos, head_end - pos);
    for (std::string_view line : base::Split(head, '\n')) {
      if (base::StartsWith(base::ToLowerAscii(base::Trim(line)), "content-type:")) {
        p.content_type = std::string(base::Trim(base::Trim(line).substr(13)));
      }
    }
    size_t next = body.find("\r\n" + delim, head_end + 4);
    if (next == std::string::npos) break;
    p.body = body.substr(head_end + 4, next - head_end - 4);
    parts.push_back(std::move(p));
    pos = next + 2;
  }
  return parts;
}

std::string JsonString(const nlohmann::json& obj, const std::string& tag_hex) {
  if (!obj.is_object() || !obj.contains(tag_hex)) return "";
  const auto& a = obj[tag_hex];
  if (!a.contains("Value") || a["Value"].empty()) return "";
  const auto& v = a["Value"][0];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return v.dump();
}

namespace {
Env* g_env = nullptr;

// Stops the shared server after the last test.
class EnvCleanup : public ::testing::Environment {
 public:
  void TearDown() override { Env::Shutdown(); }
};
[[maybe_unused]] ::testing::Environment* const g_cleanup =
    ::testing::AddGlobalTestEnvironment(new EnvCleanup);
}  // namespace

base::Status RecordingAuditHook::Record(audit::Event event) {
  if (fail) return base::Unavailable("audit store down");
  std::lock_guard l(mu_);
  events_.push_back(std::move(event));
  return base::Status::Ok();
}

std::vector<audit::Event> RecordingAuditHook::EventsOf(int64_t tenant) {
  std::lock_guard l(mu_);
  std::vector<audit::Event> out;
  for (const auto& e : events_)
    if (e.tenant_id == tenant) out.push_back(e);
  return out;
}

Env& Env::Get() {
  if (!g_env) g_env = new Env();
  return *g_env;
}

void Env::Shutdown() {
  if (!g_env) return;
  std::string tmp = g_env->tmp_;
  delete g_env;
  g_env = nullptr;
  std::filesystem::remove_all(tmp);
}

Env::Env() {
  tmp_ = "/tmp/dokuei-dicomweb-e2e-" + base::RandomHex(6);
  std::filesystem::create_directories(tmp_);
  auto idx = index::OpenSqliteIndex({tmp_ + "/index.sqlite", 4});
  if (!idx.ok()) throw std::runtime_error("index: " + idx.status().ToString());
  index_ = std::move(idx).value();
  auto blobs = blob::NewFsBlobStore(base::PosixEnv(), base::SystemClock(), tmp_ + "/blobs");
  if (!blobs.ok()) throw std::runtime_error("blobs: " + blobs.status().ToString());
  blobs_ = std::move(blobs).value();
  ingest_ = std::make_unique<archive::Ingest>(*index_, *blobs_, base::SystemClock(),
                                              archive::IngestOptions{});
  query_ = std::make_unique<archive::QueryService>(*index_);
  retrieve_ = std::make_unique<archive::RetrieveService>(*index_, *blobs_, *query_);
  routes_ = std::make_unique<http::RouteTable>();
  Options options;
  base::Status st =
      RegisterRoutes(*routes_, Services{*ingest_, *query_, *retrieve_, &audit_}, options);
  if (!st.ok()) throw std::runtime_error("routes: " + st.ToString());
  std::vector<http::StaticToken> tokens;
  for (int n = 1; n <= kTenants; ++n) {
    auto t = index_->EnsureTenant("tenant-" + std::to_string(n), "Tenant " + std::to_string(n));
    if (!t.ok()) throw std::runtime_error("tenant: " + t.status().ToString());
    tenant_ids_[n] = *t;
    tokens.push_back({http::StaticTokenAuthenticator::HashToken(Token(n)), t->value,
                      "user-" + std::to_string(n), {"dicomweb.read", "dicomweb.write"}});
  }
  tokens.push_back({http::StaticTokenAuthenticator::HashToken("token-ro"), tenant_ids_[1].value,
                    "reader", {"dicomweb.read"}});
  auth_ = std::make_unique<http::StaticTokenAuthenticator>(std::move(tokens));
  http::ServerOptions so;
  so.listen = "127.0.0.1:0";
  so.worker_threads = 4;
  so.default_body_limit = 1 << 20;
  server_ = std::make_unique<http::Server>(so, *routes_, auth_.get());
  st = server_->Start();
  if (!st.ok()) throw std::runtime_error("server: " + st.ToString());
}

Env::~Env() {
  if (server_) server_->Stop();
}

size_t Env::BlobCount() {
  size_t n = 0;
  blobs_->ForEach([&](const blob::BlobKey&) {
          ++n;
          return base::Status::Ok();
        })
      .ok();
  return n;
}

std::string Env::Url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
}

CurlResult Env::Curl(const std::string& args) {
  std::string id = base::RandomHex(8);
  std::string h = tmp_ + "/h-" + id, b = tmp_ + "/b-" + id;
  std::string code =
      RunCommand("curl -s -g -D " + h + " -o " + b + " -w '%{http_code}' " + args + " 2>/dev/null");
  CurlResult r;
  r.status = std::atoi(code.c_str());
  r.head = ReadFile(h);
  r.body = ReadFile(b);
  std::filesystem::remove(h);
  std::filesystem::remove(b);
  return r;
}

CurlResult Env::Get(std::string_view path, const std::string& token, const std::string& accept) {
  std::string args;
  if (!token.empty()) args += "-H 'Authorization: Bearer " + token + "' ";
  if (!accept.empty()) args += "-H 'Accept: " + accept + "' ";
  return Curl(args + "'" + Url(path) + "'");
}

CurlResult Env::PostRaw(std::string_view path, const std::string& body,
                        const std::string& content_type, const std::string& token,
                        const std::string& extra_args) {
  std::string file = tmp_ + "/post-" + base::RandomHex(8);
  std::ofstream(file, std::ios::binary) << body;
  std::string args = "-X POST --data-binary @" + file + " ";
  if (!content_type.empty()) args += "-H 'Content-Type: " + content_type + "' ";
  if (!token.empty()) args += "-H 'Authorization: Bearer " + token + "' ";
  CurlResult r = Curl(args + extra_args + " '" + Url(path) + "'");
  std::filesystem::remove(file);
  return r;
}

CurlResult Env::Stow(const std::vector<std::string>& files, const std::string& token,
                     const std::string& study) {
  const std::string boundary = "e2e-" + base::RandomHex(8);
  std::string body;
  for (const auto& f : files) {
    body += "--" + boundary + "\r\nContent-Type: application/dicom\r\n\r\n";
    body += f;
    body += "\r\n";
  }
  body += "--" + boundary + "--\r\n";
  return PostRaw("/dicom-web/studies" + (study.empty() ? "" : "/" + study), body,
                 "multipart/related; type=\"application/dicom\"; boundary=" + boundary, token);
}

}  // namespace dokuei::dicomweb::e2e
