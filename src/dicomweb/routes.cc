#include "common.h"

namespace dokuei::dicomweb {

base::Status RegisterRoutes(http::RouteTable& routes, Services services, const Options& options) {
  auto ctx = std::make_shared<Context>(services, options);
  if (ctx->options.root.empty() || ctx->options.root.front() != '/') {
    return base::InvalidArgument("DICOMweb root must start with '/'", "root");
  }
  while (ctx->options.root.size() > 1 && ctx->options.root.back() == '/') {
    ctx->options.root.pop_back();
  }
  if (ctx->options.wado_uri_path.empty()) ctx->options.wado_uri_path = ctx->options.root + "/wado";
  ctx->finisher = std::make_unique<base::ThreadPool>(
      std::max<uint32_t>(1, ctx->options.stow_parallel_finishes));
  DOKUEI_RETURN_IF_ERROR(RegisterStow(routes, ctx));
  DOKUEI_RETURN_IF_ERROR(RegisterQido(routes, ctx));
  DOKUEI_RETURN_IF_ERROR(RegisterWado(routes, ctx));
  DOKUEI_RETURN_IF_ERROR(RegisterFrames(routes, ctx));
  DOKUEI_RETURN_IF_ERROR(RegisterRendered(routes, ctx));
  DOKUEI_RETURN_IF_ERROR(RegisterWadoUri(routes, ctx));
  return base::Status::Ok();
}

}  // namespace dokuei::dicomweb
