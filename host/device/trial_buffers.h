// One trial's executor memory and the descriptors of its operations, shared by the single-trial
// DeviceSession (device_backend.cpp) and the packed scheduler's ResidentTrial: one allocation
// carved per the trial's layout (core/trial_layout.h: parameters, gradients, RMSprop state,
// activations, dZ, the row order, readback slots), and the forward, cross-entropy, backward and
// RMSprop problems (with their dropout coordinates) over it, so both paths run the CPU reference
// session's operations (host/cpu/cpu_backend.cpp) the same way.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/trial_layout.h"
#include "device/executor.h"
#include "qrsweep/trainer.h"

namespace qrsweep {

// Where a pass's rows come from: executor bytes and each row's dataset index (null: rows are
// consecutive from x / y).
struct Source {
  const uint8_t* x;
  const uint8_t* y;
  const uint32_t* rows;
  int dim;
  const float* xf;  // float features (x unused): the first layer gathers these instead
};

// A run of readback slots in executor memory: slot i's loss sum at loss + i, its count of
// correct rows at correct + i. One slot per step of an epoch, or per evaluation chunk.
struct Slots {
  double* loss = nullptr;
  int64_t* correct = nullptr;
};

class TrialBuffers {
 public:
  // Validates `cfg`, makes the trial's one allocation on `ex` (its layout for `arena`), zeroes
  // it and initialises the parameters (glorot, docs/semantics.md#init: init_weights, or `init`
  // when the caller computed it already); throws Error when the config is invalid or
  // allocation fails. `ex` must outlive the buffers.
  TrialBuffers(Executor* ex, const TrialConfig& cfg, int dim, int classes, const ArenaShape& arena,
               const Weights* init = nullptr);
  ~TrialBuffers();  // waits for queued work that may still read the buffers
  TrialBuffers(const TrialBuffers&) = delete;
  TrialBuffers& operator=(const TrialBuffers&) = delete;

  const TrialLayout& layout() const { return layout_; }
  const std::vector<int>& widths() const { return layout_.widths(); }
  int layers() const { return layout_.layers(); }
  int rows() const { return layout_.arena().rows; }  // activation rows: the largest pass
  void set_weights(const Weights& w);
  Weights weights() const;
  // RMSprop's mean squares, then its momentum buffer, each param_floats() floats in the
  // parameters' order: the CPU session's optimizer_state() layout. The setter throws Error on
  // any other size.
  std::vector<float> optimizer_state() const;
  void set_optimizer_state(const std::vector<float>& state);
  uint32_t* order() const { return at<uint32_t>(layout_.order()); }  // the epoch's row order
  Slots train_slots() const;
  Slots eval_slots() const;

  // Layer k forward: y_k = act(x W_k + b_k), and h_k = y_k * dropout factor (cpu:
  // dense_forward + dropout_forward). Layer 0 reads the bytes through the row indices.
  GemmProblem forward(int k, const Source& src, int rows, uint32_t step, bool dropout) const;
  // Softmax cross-entropy of the last layer's output; `train` also writes dz into dZ buffer 0.
  XentProblem xent(const Source& src, int rows, bool train, double* loss_sum,
                   int64_t* correct) const;
  // Layer k backward from dZ buffer `cur` (cpu: dense_backward, then activation_backward of
  // layer k-1): dW|db = [X | 1]^T dz into the layer's gradient block, and for k > 0
  // dz_{k-1} = (dz W^T) * dropout factor_{k-1} * act'(y_{k-1}) into the other dZ buffer.
  void backward(int k, const Source& src, int rows, uint32_t step, bool dropout, int cur,
                std::vector<GemmProblem>* out) const;
  RmspropProblem rmsprop() const;

 private:
  template <typename T>
  T* at(size_t offset) const {
    return reinterpret_cast<T*>(arena_.get() + offset);
  }
  float* floats(size_t offset) const { return at<float>(offset); }
  bool drops(int k, bool dropout) const { return dropout && layout_.has_dropout(k); }
  // The input of layer k >= 1: the previous layer's output after dropout, if any.
  const float* input_of(int k, bool dropout) const;
  // A of layer k's products: layer 0 reads the dataset's bytes through the row indices, a later
  // layer the previous one's output; `column` reads it as X^T (the dW product).
  void set_input(GemmProblem* p, int k, const Source& src, bool dropout, bool column) const;
  // Dropout of hidden layer `layer` at `step` (nothing when it does not drop).
  void set_dropout(GemmProblem* p, int layer, uint32_t step, bool dropout) const;

  Executor* ex_;
  TrialConfig cfg_;
  TrialLayout layout_;
  DeviceArray<unsigned char> arena_;
};

}  // namespace qrsweep
