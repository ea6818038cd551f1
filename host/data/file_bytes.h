// Reads a whole data file into memory, gunzipping it when it starts with the gzip magic
// bytes (1f 8b); shared by the IDX and CSV readers.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace qrsweep::data {

// The file's bytes, decompressed when gzipped. Throws DataError "<path>: <fault>" when
// the file is not a regular file (input_file.h), cannot be opened or read, its gzip
// stream is truncated, corrupt or followed by bytes that are not another gzip member,
// or there is no memory for what it inflates to.
std::vector<uint8_t> read_file_bytes(const std::string& path);

// The same, but a gzip stream is inflated only up to `limit` bytes: when it holds more,
// those `limit` bytes come back and `*more` is set (a reader stops at what a header
// promises, however far the stream would inflate). An uncompressed file comes back whole
// (it is no larger than the file on disk) and `*more` is cleared.
std::vector<uint8_t> read_file_bytes(const std::string& path, uint64_t limit, bool* more);

// The two halves of read_file_bytes, for callers that hold a file's bytes in memory:
// the file as stored, and those bytes gunzipped (up to `limit`) when they start with the
// gzip magic (`path` names the file in messages).
std::vector<uint8_t> read_raw_file_bytes(const std::string& path);
std::vector<uint8_t> decode_file_bytes(std::vector<uint8_t> raw, const std::string& path,
                                       uint64_t limit, bool* more);

}  // namespace qrsweep::data
