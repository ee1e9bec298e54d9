// The identity module's user-facing messages (English and Japanese). Services build Statuses
// with these texts so that LocalizedMessage can translate them; see messages.h.
#pragma once

#include "dokuei/identity/messages.h"

namespace dokuei::identity::msg {

#define DOKUEI_MSG(name, en, ja) inline constexpr Message name = {en, ja};
#include "msg_table.inc"
#undef DOKUEI_MSG

inline base::Status Invalid(const Message& m, std::string field) {
  return base::InvalidArgument(std::string(m.en), std::move(field));
}
inline base::Status Status(base::Code code, const Message& m, std::string field = {}) {
  return base::Status(code, std::string(m.en), std::move(field));
}

}  // namespace dokuei::identity::msg
