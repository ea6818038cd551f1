// The one way qrsweep reads a file it is given (a space file, a train config, data, an
// --init weights file): only a regular file, or a symlink to one, is an input. A
// directory, a FIFO or a device is refused by name before anything is read, so a
// directory never reads as an empty file and a FIFO never blocks. In the command-line
// program every file read here is remembered, so that no output of the same command may
// replace it (atomic_file.h).
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace qrsweep {

// Which error a fault is: ConfigError (exit 2) for files that configure a command,
// DataError (exit 3) for data and weights.
enum class InputKind { kConfig, kData };

// The most bytes a config or space file may hold, and the bound on data and weights
// (far above any real file; memory runs out first, and that is reported by name too).
constexpr uint64_t kConfigFileLimit = uint64_t{16} << 20;
constexpr uint64_t kDataFileLimit = uint64_t{1} << 48;

// The whole file. `what` names it in messages ("the search-space file"); `limit` is the
// most bytes accepted. Throws "<path>: cannot open|read <what>: <fault>" (not a regular
// file, cannot open, read error, larger than the limit, no memory for it).
std::string read_input_file(const std::string& path, InputKind kind, const std::string& what,
                            uint64_t limit);
// The same as bytes, for data files.
std::vector<uint8_t> read_input_bytes(const std::string& path, InputKind kind,
                                      const std::string& what, uint64_t limit);

// From now on, remember each file read_input_file reads. main() calls it: one run of the
// program is one command, and its inputs are what it has read. (A library user that
// reads a file and later replaces it on purpose does not call it.)
void remember_inputs();
// True when remember_inputs() is on and this process has read the file with this device
// and inode number through read_input_file.
bool is_input_file(dev_t dev, ino_t ino);

// `path` as it can be shown in one line of a message: control characters (a NUL, a
// newline, an escape) are written as \xNN, a backslash as \\.
std::string printable_path(const std::string& path);

}  // namespace qrsweep
