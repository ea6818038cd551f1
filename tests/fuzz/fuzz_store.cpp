// libFuzzer harness: a store file from elsewhere (a shard copied back from a node, a
// store handed to `report`, `export` or `merge`), read the way those commands read it:
// opened read-only (read_snapshot), then its sweep row, every trial row (trial_row.cpp),
// their epochs, the best row and the counts; none of which may change the file or create
// one beside it. The input is the whole SQLite file; it is written to a private
// temporary directory because SQLite opens stores by path.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "fuzz_support.h"
#include "qrsweep/common.h"
#include "qrsweep/store.h"

namespace {

// A directory of this process's own, removed at exit.
struct ScratchDir {
  std::string path;
  ScratchDir() {
    const char* tmp = std::getenv("TMPDIR");
    path = std::string(tmp && *tmp ? tmp : "/tmp") + "/qrsweep-fuzz-store-XXXXXX";
    if (!mkdtemp(path.data())) qrsweep::fuzz::finding("cannot create " + path);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

void write_store(const std::string& path, const uint8_t* data, size_t size) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    std::filesystem::remove(path + suffix, ec);
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0)
    qrsweep::fuzz::finding("cannot write " + path);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qrsweep;
  static const ScratchDir dir;
  const std::string path = dir.path + "/store.sqlite";
  write_store(path, data, size);
  try {
    Store::exists(path);
    auto store = Store::open(path, /*read_only=*/true);
    store->sweep();
    int rows = 0;
    for (const TrialRecord& r : store->trials()) {
      if (++rows > 64) break;  // enough rows to reach every decoding path
      store->epochs(r.config.index);
      store->trial(r.config.index);
    }
    store->test();
    store->count(TrialStatus::kDone);
  } catch (const Error&) {
  }
  // Reading writes nothing: no byte of the file changed, nothing created beside it.
  for (const auto& e : std::filesystem::directory_iterator(dir.path))
    if (e.path().filename() != "store.sqlite")
      fuzz::finding("reading the store created " + e.path().string());
  FILE* f = std::fopen(path.c_str(), "rb");
  std::string back(size + 1, '\0');
  const size_t got = f ? std::fread(back.data(), 1, back.size(), f) : 0;
  if (f) std::fclose(f);
  if (got != size || back.compare(0, size, reinterpret_cast<const char*>(data), size) != 0)
    fuzz::finding("reading the store changed the file");
  return 0;
}
