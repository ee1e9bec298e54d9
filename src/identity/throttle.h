// Per-source-address throttling of failed logins (private to the module).
#pragma once

#include <string>
#include <string_view>

#include "dokuei/base/clock.h"
#include "dokuei/base/status.h"
#include "dokuei/db/db.h"
#include "dokuei/identity/options.h"

namespace dokuei::identity::internal {

// The throttling key of a source address: IPv4 as is, IPv6 per /64 (one host usually has a whole
// /64), IPv4-mapped IPv6 as IPv4; "" for no address (command line, tests).
std::string ThrottleKey(std::string_view address);

// Whether the address is currently blocked.
base::Result<bool> AddressBlocked(db::Conn& c, const std::string& key, base::Timestamp now);
// Counts one failure from the address; blocks it when the limit is reached within the window.
base::Status RecordAddressFailure(db::Conn& c, const std::string& key, base::Timestamp now,
                                  const IdentityOptions& o);

}  // namespace dokuei::identity::internal
