// Replacing a file whole and durably: a reader sees the old file or the new one, never a
// part, and once the call returns the new one survives a crash or a power cut.
#pragma once
#include <string>

namespace qrsweep {

// Writes `content` to a temporary file beside `path` (`path`.tmp.<pid>.<n>), fsyncs it,
// renames it over `path`, then fsyncs the directory so that the rename itself is on
// disk. On any failure the temporary file is removed, `path` is left as it was (unless
// only the directory's fsync failed: then it already holds the new content), and Error
// names `path`, the step that failed and the reason. First check_output_path(path).
void write_file_atomic(const std::string& path, const std::string& content);

// The rule for every output qrsweep writes: it may not replace a directory, a file this
// process has read as an input (input_file.h), or a qrsweep store (an SQLite database,
// its write-ahead log or its journal). Throws ConfigError naming `path` and the reason.
void check_output_path(const std::string& path);

}  // namespace qrsweep
