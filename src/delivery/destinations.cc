// Destinations: a hospital's DICOM, HL7 and FHIR receivers of released reports.
#include <algorithm>
#include <cctype>

#include "dokuei/base/strings.h"
#include "dokuei/delivery/delivery.h"
#include "sql.h"

namespace dokuei::delivery {

using base::Result;
using base::Status;
using internal::I;
using internal::S;
using internal::Us;

namespace {

constexpr const char* kCols =
    "SELECT id, tenant_id, kind, name, enabled, ae_title, host, port, tls, url, bearer_token,"
    " created_us, updated_us FROM delivery_destinations";

Destination FromRow(const db::Row& r) {
  Destination d;
  d.id = r.Int(0);
  d.tenant_id = r.Int(1);
  d.kind = DestinationKindFromName(r.Str(2)).value_or(DestinationKind::kDicom);
  d.name = std::string(r.Str(3));
  d.enabled = r.Int(4) != 0;
  d.ae_title = std::string(r.Str(5));
  d.host = std::string(r.Str(6));
  d.port = static_cast<uint16_t>(r.Int(7));
  d.tls = r.Int(8) != 0;
  d.url = std::string(r.Str(9));
  d.bearer_token = std::string(r.Str(10));
  d.created_at = base::FromUnixMicros(r.Int(11));
  d.updated_at = base::FromUnixMicros(r.Int(12));
  return d;
}

bool IsLoopbackUrl(std::string_view url) {
  if (!base::StartsWith(url, "http://")) return false;
  url.remove_prefix(7);
  return base::StartsWith(url, "127.") || base::StartsWith(url, "localhost:") ||
         base::StartsWith(url, "localhost/") || url == "localhost" ||
         base::StartsWith(url, "[::1]");
}

bool Printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f; });
}

Status Validate(const Destination& d) {
  if (d.name.empty() || d.name.size() > 200 || !Printable(d.name)) {
    return base::InvalidArgument("the name must have 1 to 200 characters", "name");
  }
  const auto host_ok = [](std::string_view h) {
    return !h.empty() && h.size() <= 253 && std::all_of(h.begin(), h.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
             c == '_';
    });
  };
  switch (d.kind) {
    case DestinationKind::kDicom: {
      const std::string_view ae = base::Trim(d.ae_title);
      if (ae.empty() || d.ae_title.size() > 16 || !Printable(d.ae_title) ||
          d.ae_title.find('\\') != std::string::npos) {
        return base::InvalidArgument("the AE title must have 1 to 16 characters, without backslash",
                                     "ae_title");
      }
      if (!host_ok(d.host)) return base::InvalidArgument("a host name or address", "host");
      if (d.port == 0) return base::InvalidArgument("a port from 1 to 65535", "port");
      if (!d.url.empty() || !d.bearer_token.empty()) {
        return base::InvalidArgument("a DICOM destination has no URL", "url");
      }
      return Status::Ok();
    }
    case DestinationKind::kHl7:
      if (!host_ok(d.host)) return base::InvalidArgument("a host name or address", "host");
      if (d.port == 0) return base::InvalidArgument("a port from 1 to 65535", "port");
      if (!d.ae_title.empty())
        return base::InvalidArgument("an HL7 destination has no AE title", "ae_title");
      if (!d.url.empty() || !d.bearer_token.empty()) {
        return base::InvalidArgument("an HL7 destination has no URL", "url");
      }
      if (d.tls) return base::InvalidArgument("MLLP is sent over TCP (use a VPN or tunnel)", "tls");
      return Status::Ok();
    case DestinationKind::kFhir:
      if (d.url.size() > 2000 || !Printable(d.url) || d.url.find(' ') != std::string::npos ||
          !(base::StartsWith(d.url, "https://") || IsLoopbackUrl(d.url)) ||
          d.url.size() <= std::string_view("https://").size()) {
        return base::InvalidArgument(
            "the FHIR base URL must start with https:// (http:// only to a loopback address)",
            "url");
      }
      if (d.bearer_token.size() > 4096 || !Printable(d.bearer_token) ||
          d.bearer_token.find(' ') != std::string::npos) {
        return base::InvalidArgument("the bearer token must be at most 4096 printable characters",
                                     "bearer_token");
      }
      if (!d.ae_title.empty() || !d.host.empty() || d.port != 0) {
        return base::InvalidArgument("a FHIR destination is named by its URL only", "host");
      }
      if (d.tls) return base::InvalidArgument("https in the URL chooses TLS", "tls");
      return Status::Ok();
  }
  return base::InvalidArgument("unknown destination kind", "kind");
}

}  // namespace

Result<std::vector<Destination>> Destinations::List(int64_t tenant_id) {
  std::vector<Destination> out;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(db::TxKind::kRead, [&](db::Conn& c) -> Status {
    out.clear();
    const db::Value p[] = {I(tenant_id)};
    return c.Query(std::string(kCols) + " WHERE tenant_id = ? ORDER BY id", p,
                   [&](const db::Row& r) {
                     out.push_back(FromRow(r));
                     return Status::Ok();
                   });
  }));
  return out;
}

Result<Destination> Destinations::Get(int64_t id) {
  std::optional<Destination> out;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(db::TxKind::kRead, [&](db::Conn& c) -> Status {
    out.reset();
    const db::Value p[] = {I(id)};
    return c.Query(std::string(kCols) + " WHERE id = ?", p, [&](const db::Row& r) {
      out = FromRow(r);
      return Status::Ok();
    });
  }));
  if (!out) return base::NotFound("no such delivery destination");
  return *out;
}

Result<Destination> Destinations::Add(int64_t tenant_id, const Destination& in) {
  Destination d = in;
  d.tenant_id = tenant_id;
  d.ae_title = std::string(base::Trim(d.ae_title));
  DOKUEI_RETURN_IF_ERROR(Validate(d));
  const int64_t now = Us(clock_.Now());
  int64_t id = 0;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(db::TxKind::kWrite, [&](db::Conn& c) -> Status {
    const db::Value p[] = {I(tenant_id),  S(DestinationKindName(d.kind)),
                           S(d.name),     I(d.enabled ? 1 : 0),
                           S(d.ae_title), S(d.host),
                           I(d.port),     I(d.tls ? 1 : 0),
                           S(d.url),      S(d.bearer_token),
                           I(now),        I(now)};
    DOKUEI_RETURN_IF_ERROR(c.Exec(
        "INSERT INTO delivery_destinations (tenant_id, kind, name, enabled, ae_title, host, port,"
        " tls, url, bearer_token, created_us, updated_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?)",
        p));
    DOKUEI_ASSIGN_OR_RETURN(id, db::LastInsertId(c));
    return Status::Ok();
  }));
  return Get(id);
}

Result<Destination> Destinations::Update(const Destination& in, bool keep_token) {
  DOKUEI_ASSIGN_OR_RETURN(const Destination old, Get(in.id));
  Destination d = in;
  d.tenant_id = old.tenant_id;
  d.kind = old.kind;
  d.ae_title = std::string(base::Trim(d.ae_title));
  if (keep_token && d.bearer_token.empty()) d.bearer_token = old.bearer_token;
  DOKUEI_RETURN_IF_ERROR(Validate(d));
  const int64_t now = Us(clock_.Now());
  DOKUEI_RETURN_IF_ERROR(db_.Transact(db::TxKind::kWrite, [&](db::Conn& c) -> Status {
    const db::Value p[] = {
        S(d.name), I(d.enabled ? 1 : 0), S(d.ae_title), S(d.host), I(d.port), I(d.tls ? 1 : 0),
        S(d.url),  S(d.bearer_token),    I(now),        I(d.id)};
    return c.Exec(
        "UPDATE delivery_destinations SET name = ?, enabled = ?, ae_title = ?, host = ?,"
        " port = ?, tls = ?, url = ?, bearer_token = ?, updated_us = ? WHERE id = ?",
        p);
  }));
  return Get(d.id);
}

Status Destinations::Remove(int64_t id) {
  DOKUEI_RETURN_IF_ERROR(Get(id).status());
  return db_.Transact(db::TxKind::kWrite, [&](db::Conn& c) -> Status {
    const db::Value p[] = {I(id)};
    return c.Exec("DELETE FROM delivery_destinations WHERE id = ?", p);
  });
}

}  // namespace dokuei::delivery
