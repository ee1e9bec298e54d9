// Query/path parameters of WADO-RS frames and rendered resources and of WADO-URI (PS3.18 8.3.5,
// 9.1), parsed strictly: anything malformed or unknown is InvalidArgument naming the parameter.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/http/message.h"

namespace dokuei::dicomweb {

// "1,3,5": 1-based frame numbers, at most `max_frames` of them.
base::Result<std::vector<uint32_t>> ParseFrameList(std::string_view text, size_t max_frames);

struct RenderParams {
  std::optional<double> window_center, window_width;
  uint32_t viewport_width = 0, viewport_height = 0;  // 0: natural size
  int quality = 0;                                    // 0: default
};
// window=center,width[,linear|linear-exact|sigmoid], viewport=vw,vh[,sx,sy,sw,sh], quality=1..100;
// annotation, charset and iccprofile are accepted and ignored.
base::Result<RenderParams> ParseRenderParams(const http::Pairs& query);

struct WadoUriParams {
  std::string study_uid, series_uid, object_uid;
  std::vector<std::string> content_types;  // in preference order; default image/jpeg
  std::string transfer_syntax;             // for application/dicom; empty: as stored
  uint32_t frame_number = 1;
  RenderParams render;
};
base::Result<WadoUriParams> ParseWadoUriParams(const http::Pairs& query);

}  // namespace dokuei::dicomweb
