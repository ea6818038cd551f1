// The backend interface shared by the CPU reference and the CUDA backend: a backend
// opens a session per trial; the trainer (host/core/trainer.cpp) drives epochs, early
// stopping and metrics the same way on either.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
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
  int64_t steps = 0;         // optimizer steps taken (train passes)
  bool interrupted = false;  // the pass stopped early because should_stop said so
};

struct EpochRequest {
  const uint32_t* order = nullptr;             // permutation of the training rows, length data.n
  int64_t first_step = 0;                      // global step index of the epoch's first batch
  int64_t max_steps = -1;                      // stop after this many steps this epoch (-1: all)
  bool dropout = true;                         // false: dropout layers pass through (checks only)
  std::vector<double>* step_losses = nullptr;  // optional: each batch's mean loss
  // Polled between steps: true ends the pass early (PassStats::interrupted), so a signal
  // is honoured within a step even in a 10,000-step epoch. The partial epoch is dropped:
  // an interrupted trial starts over.
  std::function<bool()> should_stop;
};

// Rows an evaluation pass takes at a time, on every backend: evaluate() keeps activations
// for this many rows, not for the whole set. The products' rounding can depend on the rows
// they take at once, so a stored val_loss is reproduced only with the same value.
constexpr int kEvalChunkRows = 1000;

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
  // The optimizer's state beside the weights (RMSprop's mean squares and momentum), flat,
  // for pausing a trial and continuing it exactly (successive halving); empty where the
  // backend cannot. set_optimizer_state takes back what optimizer_state gave and throws
  // Error on any other size.
  virtual std::vector<float> optimizer_state() const { return {}; }
  virtual void set_optimizer_state(const std::vector<float>& state);
};

struct EpochMetrics;  // trainer.h
struct TrialResult;   // trainer.h

// What a packed run (many trials resident at once on one device) is asked to do, and
// where it reports. Each trial's history equals train_trial()'s on a session of the same
// backend, bit for bit, whatever else is packed beside it (docs/cuda.md, the scheduler).
// A piece of one trial's training that a packed run takes from PackedOptions::next_piece
// (successive halving, docs/sweep.md#successive-halving): from its start (`so_far` empty) or
// from a pause (`so_far` its epochs and steps, `weights` and `optimizer` its state then), on
// to epoch `pause_after` (-1: to its end). It continues exactly as train_trial does with
// TrainOptions::resume.
struct PackedPiece {
  TrialConfig config;
  std::shared_ptr<const TrialResult> so_far;  // null: from the start
  Weights weights;                            // with so_far: the weights at the pause
  std::vector<float> optimizer;               // with so_far: TrialSession::optimizer_state()
  int pause_after = -1;
};

struct PackedOptions {
  int max_resident = 0;       // cap on trials resident at once (0: as many as fit)
  size_t memory_budget = 0;   // bytes the resident trials may use (0: the device's free
                              // memory less a safety margin)
  bool balance_steps = true;  // small-batch trials take several steps per round
  bool longest_first = true;  // admit the trials with the most optimizer steps first
  int fixed_epochs = -1;      // > 0: exactly this many epochs, no early stopping
  std::function<void(const TrialConfig&)> on_start;  // a trial became resident
  // After every epoch of a trial; an exception it throws fails that trial.
  std::function<void(const TrialConfig&, const EpochMetrics&)> on_epoch;
  // A trial left: `error` is empty unless it failed; result.reason kInterrupted when
  // should_stop ended it before its end (it should be requeued).
  std::function<void(const TrialConfig&, const TrialResult&, const std::string& error)> on_finish;
  std::function<bool()> should_stop;  // polled at every round boundary
  // More work after the trial list: pulled one piece at a time whenever a trial could be
  // admitted; nullopt while there is none. The run ends when nothing is resident and it
  // returns nullopt. Its pieces report through on_start, on_epoch, on_finish and on_pause.
  std::function<std::optional<PackedPiece>()> next_piece;
  // A piece reached its pause_after epoch: `r` its epochs so far (reason kPaused), then its
  // weights and optimizer state, read back from the device; it has left the resident set.
  std::function<void(const TrialConfig&, const TrialResult& r, const Weights&,
                     const std::vector<float>& optimizer)>
      on_pause;
};

struct PackedStats {
  int64_t rounds = 0;     // scheduler rounds
  int64_t launches = 0;   // grouped op launches (training and evaluation)
  int peak_resident = 0;  // most trials resident at once
  int64_t train_samples = 0, eval_samples = 0;
  int64_t steps = 0;           // executor steps (one per sub-step or validation chunk)
  int64_t graph_replays = 0;   // of those, issued as one CUDA Graph launch
  int64_t graph_captures = 0;  // graphs captured
  double seconds = 0;
};

// Offered by backends that can train many trials at once (the CUDA backend).
class PackedTraining {
 public:
  virtual ~PackedTraining() = default;
  // Trains `trials` on `train`, validating on `val` after every epoch; returns when every
  // trial has finished, failed, or been interrupted. Throws only when the device itself
  // stops working or a callback's exception cannot be attributed to one trial.
  virtual PackedStats run(const std::vector<TrialConfig>& trials, const DatasetView& train,
                          const DatasetView& val, const PackedOptions& opt) = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;    // "cpu" or "cuda"
  virtual std::string device() const = 0;  // e.g. "2 CPU threads (OpenBLAS)" or the GPU's name
  // The session trains on `train` (kept by reference: it must outlive the session).
  virtual std::unique_ptr<TrialSession> open(const TrialConfig& cfg, const DatasetView& train) = 0;
  // The packed scheduler, where the backend has one (nullptr: train trials one per session).
  virtual PackedTraining* packed() { return nullptr; }
};

// The CUDA executor's modes beyond --tf32, each a command-line option of the commands that
// train (docs/cuda.md); the device text the store records names those not at their default.
struct CudaModes {
  bool cublas = false;        // --cuda-gemm cublas: cuBLAS's grouped GEMM for the products
  bool sync_each_op = false;  // --cuda-sync: synchronize after every op (errors name their op)
  bool graphs = true;         // --no-cuda-graphs: launch every op directly, no CUDA Graphs
};
// The options that select `m` on a command line (" --cuda-gemm cublas ..."; empty: defaults).
std::string cuda_mode_arguments(const CudaModes& m);

struct BackendOptions {
  int threads = 0;    // CPU: threads for the products (0: all cores); results do not depend on it
  int device = 0;     // CUDA device ordinal
  bool tf32 = false;  // CUDA: TF32 tensor cores for the products (the CPU computes in FP32)
  CudaModes cuda{};   // CUDA: GEMM engine, sync after each op, graphs
};

// "cpu", "cuda" or "auto" (cuda when a usable GPU is present, else cpu). Throws Error
// with a plain reason when "cuda" is asked for and no GPU or driver is usable.
std::unique_ptr<Backend> make_backend(const std::string& kind, const BackendOptions& opt = {});
bool cuda_available(std::string* why = nullptr);

// Throws ConfigError naming the option when `kind` is not cpu, cuda or auto, or when `tf32`
// is asked of the CPU backend. Commands call it before they touch any file.
void check_backend_options(const std::string& kind, bool tf32, const CudaModes& cuda);
// The backend `kind` runs on: "cuda" or "cpu" ("auto": cuda when a usable GPU is present),
// after check_backend_options.
std::string resolve_backend(const std::string& kind, bool tf32, const CudaModes& cuda);

}  // namespace qrsweep
