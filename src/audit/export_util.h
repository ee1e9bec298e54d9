// Small helpers shared by the DICOM and FHIR exports.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dokuei::audit {

std::string Base64(std::string_view bytes);
// Looks like an IPv4 or IPv6 literal (NetworkAccessPointTypeCode 2) rather than a host name (1).
bool LooksLikeIpAddress(std::string_view s);
// The roles of a comma-separated list, trimmed, empty ones dropped.
std::vector<std::string> SplitRoles(std::string_view roles);

}  // namespace dokuei::audit
