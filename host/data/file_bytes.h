// Reads a whole data file into memory, gunzipping it when it starts with the gzip magic
// bytes (1f 8b); shared by the IDX and CSV readers.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace qrsweep::data {

// The file's bytes, decompressed when gzipped. Throws DataError "<path>: <fault>" when
// the file cannot be opened or read, or its gzip stream is truncated, corrupt or
// followed by bytes that are not another gzip member.
std::vector<uint8_t> read_file_bytes(const std::string& path);

// The two halves of read_file_bytes, for callers that hold a file's bytes in memory:
// the file as stored, and those bytes gunzipped when they start with the gzip magic
// (`path` names the file in messages).
std::vector<uint8_t> read_raw_file_bytes(const std::string& path);
std::vector<uint8_t> decode_file_bytes(std::vector<uint8_t> raw, const std::string& path);

}  // namespace qrsweep::data
