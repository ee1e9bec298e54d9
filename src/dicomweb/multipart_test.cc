#include "multipart.h"

#include <gtest/gtest.h>

#include "dokuei/base/random.h"

namespace dokuei::dicomweb {
namespace {

struct Collector : MultipartParser::Handler {
  std::vector<std::string> parts;
  std::vector<std::string> types;
  int begins = 0, ends = 0;
  base::Status OnPartBegin(const http::Headers& h) override {
    ++begins;
    parts.emplace_back();
    types.emplace_back(h.Get("Content-Type"));
    return base::Status::Ok();
  }
  base::Status OnPartData(std::string_view d) override {
    EXPECT_FALSE(d.empty());
    parts.back().append(d);
    return base::Status::Ok();
  }
  base::Status OnPartEnd() override {
    ++ends;
    return base::Status::Ok();
  }
};

std::string Body(const std::string& b, const std::vector<std::string>& parts,
                 bool preamble = false) {
  std::string out = preamble ? "This is the preamble.\r\n" : "";
  for (const auto& p : parts) {
    out += "--" + b + "\r\nContent-Type: application/dicom\r\n\r\n" + p + "\r\n";
  }
  out += "--" + b + "--\r\nepilogue ignored";
  return out;
}

// Feeds `body` in pieces of `step` bytes.
base::Status FeedAll(MultipartParser& p, std::string_view body, size_t step) {
  for (size_t i = 0; i < body.size(); i += step) {
    DOKUEI_RETURN_IF_ERROR(p.Feed(body.substr(i, step)));
  }
  return p.Finish();
}

TEST(Multipart, ParsesIncrementallyAtEveryChunkSize) {
  std::string bin(5000, '\0');
  base::RandomBytes(bin.data(), bin.size());
  // Content that contains near-misses of the delimiter.
  std::string tricky = "a\r\n--bound\r\n--boundar\r\n-boundary";
  const std::string b = "boundary";
  std::string body = Body(b, {bin, "", tricky}, true);
  for (size_t step : {1, 2, 3, 7, 64, 1000, 100000}) {
    Collector c;
    MultipartParser p(b, {}, c);
    ASSERT_TRUE(FeedAll(p, body, step).ok()) << step;
    ASSERT_EQ(c.parts.size(), 3u);
    EXPECT_TRUE(c.parts[0] == bin) << step;
    EXPECT_EQ(c.parts[1], "");
    EXPECT_EQ(c.parts[2], tricky);
    EXPECT_EQ(c.types[0], "application/dicom");
    EXPECT_EQ(c.ends, 3);
    EXPECT_EQ(p.parts(), 3u);
  }
}

TEST(Multipart, TransportPaddingAndEmptyHeaders) {
  Collector c;
  MultipartParser p("xyz", {}, c);
  std::string body = "--xyz  \t\r\n\r\nhello\r\n--xyz\r\nA: b\r\n\r\nworld\r\n--xyz--";
  ASSERT_TRUE(FeedAll(p, body, 5).ok());
  ASSERT_EQ(c.parts.size(), 2u);
  EXPECT_EQ(c.parts[0], "hello");
  EXPECT_EQ(c.parts[1], "world");
}

TEST(Multipart, BoundaryNeverClosed) {
  Collector c;
  MultipartParser p("b", {}, c);
  std::string body = "--b\r\nContent-Type: application/dicom\r\n\r\nDATA...";
  ASSERT_TRUE(p.Feed(body).ok());
  base::Status st = p.Finish();
  EXPECT_EQ(st.code(), base::Code::kInvalidArgument);
  EXPECT_EQ(st.field(), "boundary");
  EXPECT_EQ(c.ends, 0);  // the unfinished part never completes
}

TEST(Multipart, NoDelimiterAtAll) {
  Collector c;
  MultipartParser p("b", {}, c);
  std::string junk(200000, 'x');
  base::Status st = p.Feed(junk);  // fails early: the preamble is bounded
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.field(), "boundary");
  EXPECT_EQ(c.begins, 0);
  Collector c2;
  MultipartParser p2("b", {}, c2);
  ASSERT_TRUE(p2.Feed("short").ok());
  EXPECT_EQ(p2.Finish().field(), "boundary");
}

TEST(Multipart, PartHeadersTooLong) {
  Collector c;
  MultipartParser::Limits limits;
  limits.max_header_bytes = 1024;
  MultipartParser p("b", limits, c);
  std::string body = "--b\r\nX-Long: " + std::string(5000, 'a');
  base::Status st = p.Feed(body);
  EXPECT_EQ(st.code(), base::Code::kPayloadTooLarge);
  // Stays failed.
  EXPECT_FALSE(p.Feed("\r\n\r\n").ok());
}

TEST(Multipart, PartTooLargeAndTooManyParts) {
  {
    Collector c;
    MultipartParser::Limits limits;
    limits.max_part_bytes = 100;
    MultipartParser p("b", limits, c);
    EXPECT_EQ(FeedAll(p, Body("b", {std::string(101, 'z')}), 10).code(),
              base::Code::kPayloadTooLarge);
  }
  {
    Collector c;
    MultipartParser::Limits limits;
    limits.max_parts = 2;
    MultipartParser p("b", limits, c);
    EXPECT_EQ(FeedAll(p, Body("b", {"1", "2", "3"}), 4).code(), base::Code::kPayloadTooLarge);
  }
}

TEST(Multipart, MalformedHeaderLine) {
  Collector c;
  MultipartParser p("b", {}, c);
  EXPECT_FALSE(FeedAll(p, "--b\r\nno colon here\r\n\r\nx\r\n--b--", 3).ok());
}

TEST(Multipart, HandlerErrorStopsParsing) {
  struct Refuser : Collector {
    base::Status OnPartBegin(const http::Headers&) override {
      return base::Unsupported("no", "Content-Type");
    }
  } c;
  MultipartParser p("b", {}, c);
  EXPECT_EQ(FeedAll(p, Body("b", {"x"}), 100).code(), base::Code::kUnsupported);
}

TEST(Multipart, ValidateBoundary) {
  EXPECT_TRUE(MultipartParser::ValidateBoundary("abc-123_'()+,./:=?").ok());
  EXPECT_EQ(MultipartParser::ValidateBoundary("").field(), "boundary");
  EXPECT_FALSE(MultipartParser::ValidateBoundary(std::string(71, 'a')).ok());
  EXPECT_FALSE(MultipartParser::ValidateBoundary("a\"b").ok());
  EXPECT_FALSE(MultipartParser::ValidateBoundary("ab ").ok());
}

TEST(Multipart, WriterRoundTrip) {
  std::string b = NewBoundary();
  EXPECT_TRUE(MultipartParser::ValidateBoundary(b).ok());
  std::string body = PartPrologue(b, 0, "application/dicom", 3) + "abc" +
                     PartPrologue(b, 1, "application/dicom", -1) + "de" +
                     MultipartEpilogue(b, 2);
  Collector c;
  MultipartParser p(b, {}, c);
  ASSERT_TRUE(FeedAll(p, body, 2).ok());
  ASSERT_EQ(c.parts.size(), 2u);
  EXPECT_EQ(c.parts[0], "abc");
  EXPECT_EQ(c.parts[1], "de");
  EXPECT_EQ(MultipartEpilogue(b, 0), "--" + b + "--\r\n");
}

}  // namespace
}  // namespace dokuei::dicomweb
