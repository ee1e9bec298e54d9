// The canonical byte encoding of an audit record and the chain hash over it. This is the format
// an external verifier must reproduce, so it never changes for existing records (a new encoding
// would get a new tag).
//
//   record_bytes = "DKAUDIT1"                                   8-byte tag (domain + version)
//                  I(seq) I(time_us) S(action) I(outcome) I(tenant_id)
//                  S(actor) I(actor_user_id) I(actor_tenant_id) S(actor_roles)
//                  S(source_address) S(protocol) S(patient_id)
//                  I(n) S(study_uid_1) ... S(study_uid_n)
//                  I(object_count) S(object_detail) S(sop_class_uid) S(message)
//   I(v) = v as 8 bytes, big-endian two's complement
//   S(s) = I(byte length of s) followed by the UTF-8 bytes of s
//   hash_n = SHA-256(raw 32 bytes of hash_{n-1} || record_bytes_n); hash_0 = 32 zero bytes
//
// Hashes are stored as 64 lowercase hex characters. time_us is microseconds since the Unix epoch
// (UTC). Strings are hashed after Normalize(), exactly as stored.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "dokuei/audit/audit.h"

namespace dokuei::audit {

inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// Checks the action name and normalises every string field (UTF-8, NUL, length limits).
base::Status Normalize(Event& event);

std::string CanonicalBytes(int64_t seq, int64_t time_us, const Event& event);
// hex SHA-256(raw(prev_hash_hex) || CanonicalBytes(...)); prev_hash_hex must be 64 hex digits
// (anything else hashes as 32 zero bytes and so never matches a stored value).
std::string ChainHash(std::string_view prev_hash_hex, int64_t seq, int64_t time_us,
                      const Event& event);

bool IsHexHash(std::string_view s);

}  // namespace dokuei::audit
