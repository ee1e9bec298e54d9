// A DICOMweb server for benchmarks (until `dokuei serve` wires the routes): SQLite index and
// FsBlobStore under <data_dir>, listening on 127.0.0.1:<port> (0 = any; the bound port is written
// to <port_file>), one tenant with bearer token "bench". Stops on SIGINT/SIGTERM.
//   dicomweb_bench_server <data_dir> <port_file> [port]
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "dokuei/archive/ingest.h"
#include "dokuei/archive/query.h"
#include "dokuei/archive/retrieve.h"
#include "dokuei/base/clock.h"
#include "dokuei/base/env.h"
#include "dokuei/dicomweb/dicomweb.h"
#include "dokuei/http/auth.h"
#include "dokuei/http/server.h"

using namespace dokuei;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: dicomweb_bench_server <data_dir> <port_file> [port]\n";
    return 2;
  }
  // Block the stop signals before any thread starts, so that only sigwait below sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::string dir = argv[1];
  std::filesystem::create_directories(dir);
  auto idx = index::OpenSqliteIndex({dir + "/index.sqlite", 4});
  if (!idx.ok()) return std::cerr << idx.status().ToString() << "\n", 1;
  auto blobs = blob::NewFsBlobStore(base::PosixEnv(), base::SystemClock(), dir + "/blobs");
  if (!blobs.ok()) return std::cerr << blobs.status().ToString() << "\n", 1;
  auto tenant = (*idx)->EnsureTenant("bench", "Bench");
  if (!tenant.ok()) return std::cerr << tenant.status().ToString() << "\n", 1;
  archive::Ingest ingest(**idx, **blobs, base::SystemClock(), archive::IngestOptions{});
  archive::QueryService query(**idx);
  archive::RetrieveService retrieve(**idx, **blobs, query);
  http::RouteTable routes;
  dicomweb::Options dw;
  if (const char* p = std::getenv("DOKUEI_STOW_PARALLEL")) dw.stow_parallel_finishes = std::atoi(p);
  base::Status st = dicomweb::RegisterRoutes(routes, {ingest, query, retrieve}, dw);
  if (!st.ok()) return std::cerr << st.ToString() << "\n", 1;
  http::StaticTokenAuthenticator auth(
      {{http::StaticTokenAuthenticator::HashToken("bench"), tenant->value, "bench", {"*"}}});
  http::ServerOptions options;
  options.listen = std::string("127.0.0.1:") + (argc > 3 ? argv[3] : "0");
  options.worker_threads = 8;
  http::Server server(options, routes, &auth);
  st = server.Start();
  if (!st.ok()) return std::cerr << st.ToString() << "\n", 1;
  std::ofstream(argv[2]) << server.port() << "\n";
  int sig = 0;
  sigwait(&set, &sig);
  server.Stop();
  return 0;
}
