#include "throttle.h"

#include <arpa/inet.h>

#include <cstring>

#include "util.h"

namespace dokuei::identity::internal {

std::string ThrottleKey(std::string_view address) {
  if (address.empty()) return {};
  std::string a(address.substr(0, 100));
  if (!a.empty() && a.front() == '[') {  // "[v6]" or "[v6]:port"
    const size_t close = a.find(']');
    a = a.substr(1, close == std::string::npos ? std::string::npos : close - 1);
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, a.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
      char buf[INET_ADDRSTRLEN];
      if (inet_ntop(AF_INET, &v6.s6_addr[12], buf, sizeof buf)) return buf;
    }
    std::memset(&v6.s6_addr[8], 0, 8);
    char buf[INET6_ADDRSTRLEN];
    if (inet_ntop(AF_INET6, &v6, buf, sizeof buf)) return std::string(buf) + "/64";
  }
  in_addr v4{};
  if (inet_pton(AF_INET, a.c_str(), &v4) == 1) return a;
  return a;  // not an IP address (a unix socket peer, a proxy's label): used as given
}

base::Result<bool> AddressBlocked(db::Conn& c, const std::string& key, base::Timestamp now) {
  if (key.empty()) return false;
  int64_t blocked_until = 0;
  bool found = false;
  const Value p[] = {key};
  DOKUEI_RETURN_IF_ERROR(QueryRow(
      c, "SELECT blocked_until_us FROM login_throttle WHERE address = ?", p,
      [&](const Row& r) { blocked_until = r.Int(0); }, &found));
  return found && blocked_until > Us(now);
}

base::Status RecordAddressFailure(db::Conn& c, const std::string& key, base::Timestamp now,
                                  const IdentityOptions& o) {
  if (key.empty()) return base::Status::Ok();
  const int64_t n = Us(now);
  const int64_t window_start = n - base::Duration(o.address_window).count();
  const int64_t block_until = n + base::Duration(o.address_block).count();
  const Value p[] = {key,
                     I(n),
                     I(window_start),
                     I(window_start),
                     I(n),
                     I(window_start),
                     I(o.address_failures),
                     I(block_until)};
  return c.Exec(
      "INSERT INTO login_throttle (address, failures, window_start_us, blocked_until_us)"
      " VALUES (?, 1, ?, 0) ON CONFLICT (address) DO UPDATE SET"
      " failures = CASE WHEN login_throttle.window_start_us > ?"
      "   THEN login_throttle.failures + 1 ELSE 1 END,"
      " window_start_us = CASE WHEN login_throttle.window_start_us > ?"
      "   THEN login_throttle.window_start_us ELSE ? END,"
      " blocked_until_us = CASE WHEN login_throttle.window_start_us > ?"
      "   AND login_throttle.failures + 1 >= ? THEN ? ELSE login_throttle.blocked_until_us END",
      p);
}

}  // namespace dokuei::identity::internal
