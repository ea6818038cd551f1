// Whole-file reads with transparent gzip (see file_bytes.h). inflate() is driven by hand
// rather than through gzread() so that a truncated or corrupt stream is always an error,
// never a short read.
#include "data/file_bytes.h"

#include <zlib.h>

#include <algorithm>
#include <memory>
#include <new>

#include "io/input_file.h"
#include "qrsweep/common.h"

namespace qrsweep::data {

namespace {

bool is_gzip(const std::vector<uint8_t>& b, size_t at = 0) {
  return b.size() >= at + 2 && b[at] == 0x1f && b[at + 1] == 0x8b;
}

}  // namespace

std::vector<uint8_t> read_raw_file_bytes(const std::string& path) {
  return read_input_bytes(path, InputKind::kData, "", kDataFileLimit);
}

namespace {

std::string zlib_fault(const z_stream& zs, int rc) {
  if (zs.msg) return zs.msg;
  switch (rc) {
    case Z_DATA_ERROR:
      return "invalid compressed data";
    case Z_MEM_ERROR:
      return "out of memory";
    case Z_NEED_DICT:
      return "stream needs a preset dictionary";
    default:
      return "zlib error " + std::to_string(rc);
  }
}

// Decompresses one or more concatenated gzip members, stopping after `limit` bytes of
// output (`*more` set when the stream holds more).
std::vector<uint8_t> gunzip(const std::vector<uint8_t>& in, const std::string& path, uint64_t limit,
                            bool* more) {
  const std::string broken = path + ": broken gzip stream: ";
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw Error(path + ": cannot start zlib");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, &inflateEnd);

  // The last member's ISIZE (uncompressed size mod 2^32) sizes the buffer for the common
  // single-member case; it is only a hint, growth handles the rest.
  size_t hint = 1 << 16;
  if (in.size() >= 18) {
    const uint8_t* t = in.data() + in.size() - 4;
    size_t isize = t[0] | (t[1] << 8) | (t[2] << 16) | (static_cast<size_t>(t[3]) << 24);
    hint = std::max(hint, std::min(isize, in.size() * size_t{1032}));  // deflate's max ratio
  }
  hint = std::min<uint64_t>(hint, limit);
  std::vector<uint8_t> out(hint + 1);  // +1: room to reach Z_STREAM_END without growing
  size_t used = 0;
  size_t pos = 0;  // input handed to zlib so far
  for (;;) {
    if (zs.avail_in == 0 && pos < in.size()) {
      zs.next_in = const_cast<Bytef*>(in.data() + pos);
      zs.avail_in = static_cast<uInt>(std::min<size_t>(in.size() - pos, 1u << 30));
      pos += zs.avail_in;
    }
    if (used == out.size()) {
      if (used > limit) {  // one byte past the limit: there is more
        *more = true;
        used = static_cast<size_t>(limit);
        break;
      }
      out.resize(static_cast<size_t>(std::min<uint64_t>(out.size() * uint64_t{2}, limit + 1)));
    }
    zs.next_out = out.data() + used;
    zs.avail_out = static_cast<uInt>(std::min<size_t>(out.size() - used, 1u << 30));
    const uInt offered = zs.avail_out;
    int rc = inflate(&zs, Z_NO_FLUSH);
    used += offered - zs.avail_out;
    if (rc == Z_STREAM_END) {
      size_t rest = zs.avail_in + (in.size() - pos);
      if (rest == 0) break;
      size_t at = in.size() - rest;
      if (!is_gzip(in, at))
        throw DataError(broken + std::to_string(rest) +
                        " bytes of trailing garbage after the compressed data");
      if (inflateReset(&zs) != Z_OK) throw DataError(broken + zlib_fault(zs, Z_STREAM_ERROR));
      continue;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) throw DataError(broken + zlib_fault(zs, rc));
    // inflate stopped with room left in the output and nothing more to read: it wants input
    // that the file does not have.
    if (zs.avail_out > 0 && zs.avail_in == 0 && pos == in.size())
      throw DataError(broken + "unexpected end of compressed data after " +
                      std::to_string(in.size()) + " bytes (file truncated?)");
  }
  out.resize(used);
  if (out.capacity() > used + used / 8) out.shrink_to_fit();
  return out;
}

}  // namespace

std::vector<uint8_t> decode_file_bytes(std::vector<uint8_t> raw, const std::string& path,
                                       uint64_t limit, bool* more) {
  *more = false;
  if (!is_gzip(raw)) return raw;
  try {
    return gunzip(raw, path, limit, more);
  } catch (const std::bad_alloc&) {
    throw DataError(path + ": broken gzip stream? not enough memory for what it inflates to");
  }
}

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  bool more = false;
  return decode_file_bytes(read_raw_file_bytes(path), path, kDataFileLimit, &more);
}

std::vector<uint8_t> read_file_bytes(const std::string& path, uint64_t limit, bool* more) {
  return decode_file_bytes(read_raw_file_bytes(path), path, limit, more);
}

}  // namespace qrsweep::data
