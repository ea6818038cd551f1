// IDX reader (docs/semantics.md#data): uint8 image and label files, big-endian headers, raw or
// gzipped. Every fault is a DataError naming the file; nothing is ever read short.
#include <algorithm>
#include <cinttypes>
#include <climits>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "data/file_bytes.h"
#include "qrsweep/common.h"
#include "qrsweep/dataset.h"

namespace qrsweep {

namespace {

constexpr uint32_t kImagesMagic = 0x00000803;  // uint8, 3 dims: n, rows, cols
constexpr uint32_t kLabelsMagic = 0x00000801;  // uint8, 1 dim: n

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08" PRIx32, v);
  return buf;
}

uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// One IDX file: its dims and its payload (the bytes after the header).
struct IdxFile {
  std::vector<uint32_t> dims;
  std::vector<uint8_t> data;
};

IdxFile parse_idx_file(std::vector<uint8_t> stored, const std::string& path, uint32_t magic,
                       const char* what) {
  const size_t ndims = magic & 0xff;
  const size_t header = 4 + 4 * ndims;
  // A gzipped file is inflated up to its header first, then up to what the header
  // promises: a stream that inflates further is never held in memory whole.
  bool more = false;
  std::vector<uint8_t> bytes = data::decode_file_bytes(stored, path, header, &more);
  const std::string kind = std::string("IDX ") + what + " file";
  if (bytes.size() < 4)
    throw DataError(path + ": truncated header: expected " + std::to_string(header) +
                    " bytes for an " + kind + ", got " + std::to_string(bytes.size()));
  uint32_t found = be32(bytes.data());
  if (found != magic) {
    std::string msg =
        path + ": bad magic: expected " + hex32(magic) + " (" + kind + "), found " + hex32(found);
    if (found == kImagesMagic) msg += " (an IDX images file)";
    if (found == kLabelsMagic) msg += " (an IDX labels file)";
    throw DataError(msg);
  }
  if (bytes.size() < header)
    throw DataError(path + ": truncated header: expected " + std::to_string(header) +
                    " bytes, got " + std::to_string(bytes.size()));
  IdxFile f;
  uint64_t expected = 1;
  std::string shape;
  for (size_t i = 0; i < ndims; ++i) {
    uint32_t d = be32(bytes.data() + 4 + 4 * i);
    f.dims.push_back(d);
    shape += (i ? " x " : "") + std::to_string(d);
    if (d != 0 && expected > UINT64_MAX / d)
      throw DataError(path + ": implausible dimensions " + shape + " in the header");
    expected *= d;
  }
  if (more)
    bytes = data::decode_file_bytes(std::move(stored), path,
                                    header + std::min(expected, UINT64_MAX / 2), &more);
  if (more)
    throw DataError(path + ": trailing data: the header promises " + shape + " = " +
                    std::to_string(expected) + " bytes, but the gzip stream inflates to more");
  const uint64_t got = bytes.size() - header;
  if (got < expected)
    throw DataError(path + ": truncated data: the header promises " + shape + " = " +
                    std::to_string(expected) + " bytes, got " + std::to_string(got));
  if (got > expected)
    throw DataError(path + ": trailing data: the header promises " + shape + " = " +
                    std::to_string(expected) + " bytes, got " + std::to_string(got));
  if (f.dims[0] == 0) throw DataError(path + ": no " + what + " (the header says 0 rows)");
  if (f.dims[0] > INT_MAX) throw DataError(path + ": too many rows: " + std::to_string(f.dims[0]));
  bytes.erase(bytes.begin(), bytes.begin() + header);  // keep the buffer, drop the header
  f.data = std::move(bytes);
  return f;
}

}  // namespace

Dataset read_idx(const std::string& images_path, const std::string& labels_path, int classes) {
  return read_idx_bytes(data::read_raw_file_bytes(images_path), images_path,
                        data::read_raw_file_bytes(labels_path), labels_path, classes);
}

Dataset read_idx_bytes(std::vector<uint8_t> images_file, const std::string& images_path,
                       std::vector<uint8_t> labels_file, const std::string& labels_path,
                       int classes) {
  if (classes > 256 || classes == 1)
    throw ConfigError("classes must be 2..256 (labels are bytes), or 0 to infer; got " +
                      std::to_string(classes));
  IdxFile images = parse_idx_file(std::move(images_file), images_path, kImagesMagic, "images");
  const uint64_t dim = uint64_t{images.dims[1]} * images.dims[2];
  if (dim == 0)
    throw DataError(images_path + ": empty images: " + std::to_string(images.dims[1]) + " x " +
                    std::to_string(images.dims[2]) + " pixels");
  if (dim > INT_MAX) throw DataError(images_path + ": images too large: " + std::to_string(dim));
  IdxFile labels = parse_idx_file(std::move(labels_file), labels_path, kLabelsMagic, "labels");
  if (images.dims[0] != labels.dims[0])
    throw DataError("image/label count mismatch: " + images_path + " holds " +
                    std::to_string(images.dims[0]) + " images but " + labels_path + " holds " +
                    std::to_string(labels.dims[0]) + " labels");

  Dataset d;
  d.n = static_cast<int>(images.dims[0]);
  d.dim = static_cast<int>(dim);
  d.x = std::move(images.data);
  d.y = std::move(labels.data);
  d.source = images_path;
  if (classes <= 0) {
    int top = 0;
    for (uint8_t v : d.y) top = std::max<int>(top, v);
    d.classes = std::max(2, top + 1);
    return d;
  }
  d.classes = classes;
  for (int i = 0; i < d.n; ++i)
    if (d.y[i] >= classes)
      throw DataError(labels_path + ": label " + std::to_string(d.y[i]) + " at row " +
                      std::to_string(i) + " (0-based) is out of range: expected 0.." +
                      std::to_string(classes - 1) + " for " + std::to_string(classes) + " classes");
  return d;
}

}  // namespace qrsweep
