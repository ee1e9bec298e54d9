// Realistic spine reports for the renderer tests: a lumbar MRI read in Japanese (with key images,
// measurements, coded findings, a critical result) and helpers to run the command-line readers
// (poppler-utils, DCMTK, dicom3tools) on the outputs.
#pragma once

#include <string>
#include <vector>

#include "dokuei/spine/document.h"

namespace dokuei::render::testing {

// A 256x192 grayscale-ish PNG (a gradient with a bright disc), made with cairo.
std::string MakePng(int seed);
spine::Document LumbarMri(const std::string& lang = "ja");
// The same report as a signed addendum (version 2).
spine::Document LumbarMriAddendum();
std::vector<spine::CodedFinding> LumbarFindings();
std::vector<spine::Measurement> LumbarMeasurements();

// Runs a shell command, returns its exit status and combined stdout/stderr.
struct Run {
  int status = -1;
  std::string output;
};
Run Shell(const std::string& command);
// A fresh temporary directory (removed by the OS tmp cleaner; tests remove their files).
std::string TempDir();
void WriteFile(const std::string& path, const std::string& bytes);
std::string ReadFile(const std::string& path);

}  // namespace dokuei::render::testing

namespace dokuei::render::testing {
// RFC 4648 base64 decoding (tests only); "" on a malformed input.
std::string Base64Decode(const std::string& text);
}  // namespace dokuei::render::testing
