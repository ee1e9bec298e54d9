// User-facing messages of the identity module in Japanese and English. Every Status the services
// return for bad input carries the English text of one of these entries as its message (and the
// offending field), so the API layer can show the Japanese form: LocalizedMessage(status, "ja").
// Thread safety: immutable data.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "dokuei/base/status.h"

namespace dokuei::identity {

struct Message {
  std::string_view en;
  std::string_view ja;
};

// Every message the identity services put in a Status meant for users.
std::span<const Message> AllMessages();

// The message of `status` in `lang` ("ja" default, "en"): the translation when the status text
// is in the table, else the status message itself (developer text, English).
std::string LocalizedMessage(const base::Status& status, std::string_view lang);

// The single answer to a refused login, whatever the reason (unknown login, wrong password,
// locked or disabled account): the API must not say which.
inline constexpr Message kLoginRefused = {
    "the login or password is incorrect, or the account cannot sign in at the moment",
    "ログイン ID またはパスワードが正しくないか、現在このアカウントではログインできません"};

}  // namespace dokuei::identity
