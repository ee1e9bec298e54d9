// Cryptographically strong random identifiers (getrandom(2)). Storage keys, session ids and new
// DICOM UIDs come from here, never from input.
// Thread safety: all functions are thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace dokuei::base {

// Fills buf with n random bytes.
void RandomBytes(void* buf, size_t n);
// 2*n_bytes lowercase hex characters.
std::string RandomHex(size_t n_bytes);
// A new DICOM UID of the form 2.25.<128-bit decimal> (PS3.5 B.2), at most 44 characters.
std::string NewDicomUid();

}  // namespace dokuei::base
