// Tunables of the identity services, with the defaults the design note promises (MHLW guideline
// 6.0; security.md A5–A7). The server fills them from its configuration.
// Thread safety: plain data.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "dokuei/base/clock.h"
#include "dokuei/identity/passwords.h"

namespace dokuei::identity {

struct IdentityOptions {
  PasswordHashParams password_hash;

  // Sessions: idle and absolute timeouts. last_seen is written at most once per touch interval,
  // so the idle timeout is exact to within that interval.
  base::Duration session_idle = std::chrono::minutes(30);
  base::Duration session_absolute = std::chrono::hours(12);
  base::Duration session_touch_interval = std::chrono::seconds(60);

  // Between a correct password and a session.
  base::Duration second_factor_window = std::chrono::minutes(5);
  base::Duration enrolment_window = std::chrono::minutes(15);
  int max_second_factor_attempts = 5;  // per challenge

  // Account lockout: `lockout_failures` failures within `lockout_window` lock the account for
  // `lockout_duration` (wrong passwords and wrong second-factor codes both count).
  int lockout_failures = 10;
  base::Duration lockout_window = std::chrono::minutes(15);
  base::Duration lockout_duration = std::chrono::minutes(15);
  // Per source address (IPv6: per /64), across accounts, including unknown logins.
  int address_failures = 50;
  base::Duration address_window = std::chrono::minutes(15);
  base::Duration address_block = std::chrono::minutes(15);

  // API tokens: the longest lifetime a token may be given.
  base::Duration token_max_lifetime = std::chrono::hours(24 * 397);

  size_t max_photo_bytes = 512 * 1024;
  std::string totp_issuer = "Dokuei";
};

}  // namespace dokuei::identity
