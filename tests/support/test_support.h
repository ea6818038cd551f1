// Helpers shared by the tests: scratch directories, running the qrsweep binary,
// small synthetic datasets. Linked into every test binary.
#pragma once
#include <string>
#include <vector>

#include "qrsweep/dataset.h"
#include "qrsweep/trial.h"

namespace qrsweep::test {

// A fresh directory under $TMPDIR, removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct RunResult {
  int status = -1;     // exit status, or 128 + signal
  std::string output;  // stdout and stderr together
};
// Runs a shell command line, capturing its output.
RunResult run_command(const std::string& cmdline);

// A tmpfs mounted on `dir` (created when missing) for the object's life, to make a disk fill
// up or turn read-only under a running sweep. Needs root; mounted() says whether it worked.
class TmpfsMount {
 public:
  TmpfsMount(const std::string& dir, const std::string& options);
  ~TmpfsMount();
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;
  bool mounted() const { return mounted_; }
  const std::string& why() const { return why_; }
  bool remount(const std::string& options);  // "ro", "rw", "size=4m", ...

 private:
  std::string dir_, why_;
  bool mounted_ = false;
};
// Runs the qrsweep binary under test with `args` (already shell-quoted where needed).
RunResult run_qrsweep(const std::string& args);

void write_file(const std::string& path, const std::string& content);
// `raw` as one gzip member (zlib level 6).
std::string gzip(const std::string& raw);
std::string read_file(const std::string& path);

// A learnable synthetic dataset: `n` rows of `dim` bytes, `classes` classes, each class
// a distinct noisy pattern. Deterministic in `seed`.
Dataset synthetic_dataset(int n, int dim, int classes, uint32_t seed);

// A small trial for synthetic_dataset(600, 20, 4, 5): 20 -> 16 (tanh, dropout 0.2) -> 8 -> 4,
// RMSprop lr 0.003 momentum 0.3, batch 37, 4 epochs, patience 5, seed 99, trial 4.
TrialConfig small_trial_config();

// `d` as qrsweep's CSV: one row per sample, the label first, then the features.
std::string csv_text(const Dataset& d);

// Whether the Fashion-MNIST package is installed (tests that need it skip otherwise).
bool have_fashion_mnist();

}  // namespace qrsweep::test
