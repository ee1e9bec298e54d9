// The demo hospital of `dokuei serve --demo`: one tenant, one accepted calling AE title, a bearer
// token kept in <data_dir>/demo-token (mode 0600), and synthetic spine studies generated into
// <data_dir>/demo-studies and stored through the normal ingest path at first start.
#pragma once

#include <cstdint>
#include <string>

#include "config.h"
#include "dokuei/archive/ingest.h"
#include "dokuei/index/index.h"

namespace dokuei::server {

struct DemoSetup {
  std::string tenant_code = "demo-hospital";
  std::string tenant_name = "デモ病院 (Demo Hospital)";
  std::string calling_ae = "DOKUEI_DEMO";
  uint16_t move_port = 11112;  // C-MOVE destination DOKUEI_DEMO: run `storescp 11112`
  std::string token;
  std::string token_file;
  std::string studies_dir;
};

// Reads or creates the demo token.
base::Result<DemoSetup> PrepareDemo(const Config& config);
// Generates (once) and stores the demo studies when the demo tenant holds no instance yet.
base::Status LoadDemoStudies(const DemoSetup& demo, index::Index& index, archive::Ingest& ingest,
                             index::TenantId tenant);

}  // namespace dokuei::server
