// One trial's executor buffers and the descriptors of its operations, shared by the single-trial
// DeviceSession (device_backend.cpp) and the packed scheduler's ResidentTrial: the parameter
// layout, the optimizer state, the activation and dZ buffers, and the forward, cross-entropy,
// backward and RMSprop problems (with their dropout coordinates) exist only here, so both paths
// run the CPU reference session's operations (host/cpu/cpu_backend.cpp) the same way.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

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

class TrialBuffers {
 public:
  // Validates `cfg`, allocates on `ex` for activations of `rows` rows and initialises the
  // parameters (glorot, docs/semantics.md#init: init_weights, or `init` when the caller computed it
  // already); throws Error when the config is invalid or allocation fails. `ex` must outlive the
  // buffers.
  TrialBuffers(Executor* ex, const TrialConfig& cfg, int dim, int classes, int rows,
               const Weights* init = nullptr);
  ~TrialBuffers();  // waits for queued work that may still read the buffers
  TrialBuffers(const TrialBuffers&) = delete;
  TrialBuffers& operator=(const TrialBuffers&) = delete;

  // Floats of the parameter vector for `widths`: W then b per layer, each layer starting on a
  // 16-byte boundary (cuBLAS TF32 and vector loads); the padding stays zero.
  static size_t param_count(const std::vector<int>& widths);
  // Hidden layer k of `cfg` has dropout (and so an h buffer).
  static bool has_dropout(const TrialConfig& cfg, int layers, int k);

  const std::vector<int>& widths() const { return widths_; }
  int layers() const { return layers_; }
  void set_weights(const Weights& w);
  Weights weights() const;
  // Grows the activation buffers to `rows` rows (waiting for queued work that reads the old).
  void reserve_rows(int rows);

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
  bool drops(int k, bool dropout) const { return dropout && has_dropout(cfg_, layers_, k); }
  // The input of layer k >= 1: the previous layer's output after dropout, if any.
  const float* input_of(int k, bool dropout) const;
  // Dropout of hidden layer `layer` at `step` (nothing when it does not drop).
  void set_dropout(GemmProblem* p, int layer, uint32_t step, bool dropout) const;

  Executor* ex_;
  TrialConfig cfg_;
  std::vector<int> widths_;
  int layers_ = 0;
  std::vector<size_t> w_off_, b_off_;
  size_t total_ = 0;
  DeviceArray<float> params_, grads_, ms_, mom_;
  int capacity_ = 0;
  std::vector<DeviceArray<float>> y_, h_;
  DeviceArray<float> dz_[2];
};

}  // namespace qrsweep
