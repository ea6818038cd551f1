// The backend interface shared by the CPU reference and the CUDA backend: a backend
// opens a session per trial; the trainer (host/trainer.cpp) drives epochs, early
// stopping and metrics the same way on either.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "qrsweep/dataset.h"
#include "qrsweep/trial.h"
#include "qrsweep/weights.h"

namespace qrsweep {

// Sums over a set of samples; the trainer divides.
struct PassStats {
  double loss_sum = 0.0;  // sum of per-sample cross-entropy
  int64_t correct = 0;    // argmax(p) == label, first max wins
  int64_t samples = 0;
  int64_t steps = 0;      // optimizer steps taken (train passes)
};

struct EpochRequest {
  const uint32_t* order = nullptr;  // permutation of the training rows, length data.n
  int64_t first_step = 0;           // global step index of the epoch's first batch
  int64_t max_steps = -1;           // stop after this many steps this epoch (-1: all)
  bool dropout = true;              // false: dropout layers pass through (checks only)
  std::vector<double>* step_losses = nullptr;  // optional: each batch's mean loss
};

class TrialSession {
 public:
  virtual ~TrialSession() = default;
  virtual void set_weights(const Weights& w) = 0;
  virtual Weights weights() const = 0;
  // One pass over `order` in batches of the trial's batch size, the last partial batch
  // kept; forward with dropout, backward, RMSprop after every batch.
  virtual PassStats train_epoch(const EpochRequest& req) = 0;
  // Forward without dropout over every row of `data`.
  virtual PassStats evaluate(const DatasetView& data) = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;    // "cpu" or "cuda"
  virtual std::string device() const = 0;  // e.g. "2 CPU threads (OpenBLAS)" or the GPU's name
  // The session trains on `train` (kept by reference: it must outlive the session).
  virtual std::unique_ptr<TrialSession> open(const TrialConfig& cfg, const DatasetView& train) = 0;
};

struct BackendOptions {
  int threads = 0;  // CPU: BLAS threads (0: all cores)
  int device = 0;   // CUDA device ordinal
  bool tf32 = false;
};

// "cpu", "cuda" or "auto" (cuda when a usable GPU is present, else cpu). Throws Error
// with a plain reason when "cuda" is asked for and no GPU or driver is usable.
std::unique_ptr<Backend> make_backend(const std::string& kind, const BackendOptions& opt = {});
bool cuda_available(std::string* why = nullptr);

}  // namespace qrsweep
