// fsync_floor: the latency floor of a durable write on this disk, i.e. what one instance costs at
// minimum when it is acknowledged only after it is on stable storage (bench/run.sh reports it next
// to the C-STORE figures).
//
//   fsync_floor DIR [--size 525000] [--count 200] [--threads 4]
//
// For each of `count` iterations, measured separately (microseconds, p50/p90/p99/mean):
//   blob    : write `size` bytes to DIR/tmp/<n>, fdatasync, close, rename into DIR/d/, fsync(DIR/d)
//             (the blob store's commit sequence: fdatasync -> rename -> directory fsync)
//   write   : the write(2) of those bytes only (page cache copy)
//   fdatasync, rename, dirfsync : the three steps of `blob` separately
//   wal     : append 4 KiB to one file and fdatasync it (an SQLite WAL commit: the index's
//             synchronous=FULL transaction costs at least this)
// and then `blob+wal` = the sum of means, the floor for one durable instance with one sender
// (no overlap); 1e6 / that = the ceiling in instances/s for one association.
// Then the same `blob` sequence from `threads` threads at once (shared tmp and target directories,
// as the blob store does): the aggregate durable blobs/s the disk and file system allow with that
// many concurrent writers (does fsync scale with parallel associations?).
// Everything it creates is removed at the end.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

double NowUs() {
  return std::chrono::duration<double, std::micro>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void Die(const char* what, const std::string& path) {
  std::fprintf(stderr, "fsync_floor: %s %s: %s\n", what, path.c_str(), std::strerror(errno));
  std::exit(1);
}

struct Stats {
  const char* name;
  std::vector<double> v;
  double Pct(double p) const {
    std::vector<double> s = v;
    std::sort(s.begin(), s.end());
    return s[std::min(s.size() - 1, static_cast<size_t>(p * (s.size() - 1) + 0.5))];
  }
  double Mean() const {
    double t = 0;
    for (double x : v) t += x;
    return t / v.size();
  }
  void Print() const {
    std::printf("%-10s p50 %9.0f us  p90 %9.0f us  p99 %9.0f us  mean %9.0f us\n", name, Pct(0.5),
                Pct(0.9), Pct(0.99), Mean());
  }
};

void SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) Die("open", dir);
  if (::fsync(fd) != 0) Die("fsync", dir);
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: fsync_floor DIR [--size BYTES] [--count N] [--threads N]\n");
    return 2;
  }
  std::string dir = argv[1];
  size_t size = 525000;
  int count = 200, threads = 4;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--size")) size = std::strtoul(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--count")) count = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
  }
  const std::string root = dir + "/fsync-floor." + std::to_string(::getpid());
  const std::string tmp = root + "/tmp", dst = root + "/d";
  for (const auto& d : {root, tmp, dst})
    if (::mkdir(d.c_str(), 0755) != 0) Die("mkdir", d);
  SyncDir(dir);
  std::vector<char> buf(size);
  for (size_t i = 0; i < size; ++i) buf[i] = static_cast<char>(i * 131 + 7);

  Stats blob{"blob", {}}, wr{"write", {}}, fds{"fdatasync", {}}, ren{"rename", {}},
      dfs{"dirfsync", {}}, wal{"wal", {}};
  const std::string wal_path = root + "/wal";
  int wal_fd = ::open(wal_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (wal_fd < 0) Die("open", wal_path);
  std::vector<char> page(4096, 'w');
  for (int i = 0; i < count; ++i) {
    const std::string name = std::to_string(i);
    const std::string t = tmp + "/" + name, f = dst + "/" + name;
    const double a = NowUs();
    int fd = ::open(t.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) Die("open", t);
    size_t off = 0;
    while (off < size) {
      ssize_t n = ::write(fd, buf.data() + off, size - off);
      if (n <= 0) Die("write", t);
      off += static_cast<size_t>(n);
    }
    const double b = NowUs();
    if (::fdatasync(fd) != 0) Die("fdatasync", t);
    ::close(fd);
    const double c = NowUs();
    if (::rename(t.c_str(), f.c_str()) != 0) Die("rename", t);
    const double d = NowUs();
    SyncDir(dst);
    const double e = NowUs();
    wr.v.push_back(b - a);
    fds.v.push_back(c - b);
    ren.v.push_back(d - c);
    dfs.v.push_back(e - d);
    blob.v.push_back(e - a);
    const double w0 = NowUs();
    if (::write(wal_fd, page.data(), page.size()) != static_cast<ssize_t>(page.size()))
      Die("write", wal_path);
    if (::fdatasync(wal_fd) != 0) Die("fdatasync", wal_path);
    wal.v.push_back(NowUs() - w0);
  }
  ::close(wal_fd);
  std::printf("fsync_floor: %s, %d iterations, %zu-byte files\n", dir.c_str(), count, size);
  for (const Stats* s : {&blob, &wr, &fds, &ren, &dfs, &wal}) s->Print();
  const double floor_us = blob.Pct(0.5) + wal.Pct(0.5);
  std::printf("floor     blob+wal p50 %.0f us per durable instance -> at most %.0f inst/s with one "
              "sender (no overlap); sync part only (fdatasync+dir fsync+wal) p50 %.0f us\n",
              floor_us, 1e6 / floor_us, fds.Pct(0.5) + dfs.Pct(0.5) + wal.Pct(0.5));
  for (int i = 0; i < count; ++i) ::unlink((dst + "/" + std::to_string(i)).c_str());
  SyncDir(dst);

  // Parallel writers: the blob sequence from `threads` threads into the same directories.
  for (int mode = 0; threads > 1 && mode < 2; ++mode) {
    const bool dir_sync = mode == 0;  // 1: fdatasync only (what sharing the dir fsync could reach)
    std::vector<Stats> per(threads, Stats{"par-blob", {}});
    const double t0 = NowUs();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (int i = 0; i < count; ++i) {
          const std::string name = std::to_string(t) + "-" + std::to_string(i);
          const std::string tp = tmp + "/" + name, f = dst + "/" + name;
          const double a = NowUs();
          int fd = ::open(tp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
          if (fd < 0) Die("open", tp);
          size_t off = 0;
          while (off < size) {
            ssize_t n = ::write(fd, buf.data() + off, size - off);
            if (n <= 0) Die("write", tp);
            off += static_cast<size_t>(n);
          }
          if (::fdatasync(fd) != 0) Die("fdatasync", tp);
          ::close(fd);
          if (::rename(tp.c_str(), f.c_str()) != 0) Die("rename", tp);
          if (dir_sync) SyncDir(dst);
          per[t].v.push_back(NowUs() - a);
        }
      });
    }
    for (auto& th : pool) th.join();
    const double secs = (NowUs() - t0) / 1e6;
    Stats all{dir_sync ? "par-blob" : "par-nodir", {}};
    for (const auto& p : per) all.v.insert(all.v.end(), p.v.begin(), p.v.end());
    all.Print();
    std::printf("parallel  %d threads%s: %.0f blobs/s aggregate (%.2fx one thread's blob rate)\n",
                threads, dir_sync ? "" : ", no directory fsync", threads * count / secs,
                (threads * count / secs) / (1e6 / blob.Mean()));
    for (int t = 0; t < threads; ++t)
      for (int i = 0; i < count; ++i)
        ::unlink((dst + "/" + std::to_string(t) + "-" + std::to_string(i)).c_str());
    SyncDir(dst);
  }
  // Clean up.
  ::unlink(wal_path.c_str());
  ::rmdir(tmp.c_str());
  ::rmdir(dst.c_str());
  ::rmdir(root.c_str());
  return 0;
}
