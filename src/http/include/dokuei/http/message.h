// HTTP messages as handlers see them: a parsed Request (path parameters, decoded query, the
// authenticated Principal), a Response whose body is either in memory or streamed piece by piece
// (BodySource), and BodyConsumer for routes that take their request body incrementally.
// Handlers, BodySources and BodyConsumers run on the server's Executor (blocking work allowed),
// never on an I/O thread, except BodySources that declare themselves NonBlocking.
// Thread safety: value types; a BodySource/BodyConsumer is called by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dokuei/base/status.h"

namespace dokuei::http {

// Header fields in arrival order; names compare case-insensitively.
class Headers {
 public:
  void Add(std::string name, std::string value);
  // Replaces every field of that name.
  void Set(std::string name, std::string value);
  void Remove(std::string_view name);
  // The first value, or "" when absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& all() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// Who is calling: produced by an Authenticator, checked against the route's permission.
// The http module knows nothing of identity's tables: the api module's Authenticator fills this
// from a session, an API token or a configured static token.
struct Principal {
  int64_t tenant_id = 0;
  std::string subject;                   // login, "token:<name>", or a static token's subject
  std::vector<std::string> permissions;  // granted on the own tenant; "*" grants every permission
  // The subset of `permissions` whose scope reaches every tenant (reading-centre administration
  // and auditing). Routes that name a tenant in their path or body check Reaches().
  std::vector<std::string> any_tenant_permissions;
  int64_t user_id = 0;                   // 0 for tokens
  std::string tenant_kind;               // "hospital", "reading_centre" ("" for static tokens)
  std::vector<std::string> roles;        // role names ("reader", ...)
  // How the caller authenticated. Cookie-authenticated (kSession) state changes must carry
  // X-CSRF-Token equal to csrf_token; the server refuses them with 403 otherwise.
  enum class Via : uint8_t { kNone, kBearer, kSession };
  Via via = Via::kNone;
  std::string csrf_token;
  std::string session_id;  // identity's session id (for logout), empty for bearer tokens
  bool HasPermission(std::string_view permission) const;
  // Whether `permission` reaches data of `target_tenant` (own tenant, or an any-tenant grant).
  bool Reaches(std::string_view permission, int64_t target_tenant) const;
};

using Pairs = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;          // "GET"
  std::string target;          // as received, e.g. "/dicom-web/studies?PatientName=A*"
  std::string path;            // percent-decoded, without the query
  Pairs query;                 // decoded name/value pairs in order ('+' is a space)
  Pairs params;                // path parameters from the route pattern
  Headers headers;
  std::string body;            // the whole body (routes without a streaming handler)
  std::string remote_address;  // "127.0.0.1:53422"
  std::string lang = "ja";     // "ja" or "en", from Accept-Language
  Principal principal;         // set when the route requires authentication

  std::string_view Param(std::string_view name) const;
  std::string_view Header(std::string_view name) const { return headers.Get(name); }
  // The first query value of that name, if present.
  std::optional<std::string_view> Query(std::string_view name) const;
};

// A piece of a streamed body: bytes, or a byte range of an open file (sent with sendfile(2)).
struct Piece {
  std::string bytes;
  int fd = -1;  // when >= 0, `bytes` is ignored and [offset, offset+length) of fd is sent
  uint64_t offset = 0;
  uint64_t length = 0;
};

// A response body produced piece by piece, so a whole series never sits in memory.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // Exact total length if known up front (sent as Content-Length), else the body is chunked.
  virtual std::optional<uint64_t> ContentLength() const { return std::nullopt; }
  // Fills `piece` with the next piece; returns false at the end. File pieces are allowed only
  // when `allow_file` (plain TCP); their fd must stay open until the next call or destruction.
  // An error after the first piece aborts the connection (the status line is already sent).
  virtual base::Result<bool> Next(Piece& piece, bool allow_file) = 0;
  // True when Next(piece, allow_file) never blocks (its pieces are in memory or ranges of files
  // already open): the server then calls it on the I/O thread instead of the Executor (no thread
  // hand-off per piece) and sends the header and consecutive byte pieces with one write.
  virtual bool NonBlocking(bool allow_file) const { return false; }
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  std::unique_ptr<BodySource> stream;  // when set, `body` is ignored

  static Response Bytes(int status, std::string content_type, std::string body);
};

// Receives a request body incrementally (routes with a streaming handler). Destroyed without
// Finish() when the request is aborted (client gone, limit exceeded): discard everything.
class BodyConsumer {
 public:
  virtual ~BodyConsumer() = default;
  // The next bytes of the body (never empty). An error ends the request with that problem.
  virtual base::Status Consume(std::string_view data) = 0;
  // The body is complete.
  virtual base::Result<Response> Finish() = 0;
};

// RFC 3986 percent-decoding; `plus_is_space` for query components. nullopt on a bad escape.
std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space);
// Percent-encodes everything except unreserved characters.
std::string PercentEncode(std::string_view s);
// Splits "a=1&b=2" into decoded pairs. InvalidArgument naming the parameter on a bad escape.
base::Result<Pairs> ParseQuery(std::string_view query);

}  // namespace dokuei::http
