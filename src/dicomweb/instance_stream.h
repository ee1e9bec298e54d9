// Private: the body of a WADO-RS instance/series/study retrieval. Each instance is streamed from
// its blob (a sendfile piece when the blob is a file and the connection is plain TCP, else 1 MiB
// reads), so a whole series never sits in memory; the Content-Length is precomputed from the
// index's sizes unless instances are transcoded on the way.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dokuei/archive/retrieve.h"
#include "dokuei/http/message.h"

namespace dokuei::dicomweb {

class InstanceStream final : public http::BodySource {
 public:
  // multipart: multipart/related with `boundary`; else exactly one instance, bare.
  InstanceStream(archive::RetrieveService& retrieve, std::vector<index::InstanceLocation> locs,
                 bool multipart, bool to_explicit_le, std::string boundary);
  std::optional<uint64_t> ContentLength() const override;
  base::Result<bool> Next(http::Piece& piece, bool allow_file) override;

  // Content-Type of the whole response.
  std::string ContentType() const;

 private:
  bool NeedsTranscode(const index::InstanceLocation& loc) const;
  std::string PartType(const index::InstanceLocation& loc) const;

  archive::RetrieveService& retrieve_;
  std::vector<index::InstanceLocation> locs_;
  bool multipart_;
  bool to_explicit_le_;
  std::string boundary_;
  size_t index_ = 0;
  bool in_body_ = false;
  bool done_ = false;
  std::unique_ptr<blob::BlobReader> reader_;
  uint64_t offset_ = 0;
  std::string transcoded_;
  bool have_transcoded_ = false;
};

}  // namespace dokuei::dicomweb
