// The training step and the evaluation pass of a group of trials, listed once: every device
// path (the single-trial session is a group of one, the packed scheduler a group of the
// resident trials) builds its launches here, and every Executor (CudaExecutor, the host
// ReferenceExecutor, the tests' EmulatedExecutor) runs them. run_step reads top to bottom as
// the CPU reference session's train_step (host/cpu/cpu_backend.cpp): forward per layer,
// softmax cross-entropy, backward per layer from the top, RMSprop.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "device/executor.h"
#include "device/trial_buffers.h"
#include "qrsweep/backend.h"

namespace qrsweep {

// One trial's part of a step: its buffers, the rows it reads, its step number (the dropout
// stream's coordinate) and the slot its loss goes to.
struct StepMember {
  const TrialBuffers* net;
  Source src;
  int rows;
  uint32_t step;
  bool dropout;  // training with dropout (ignored when evaluating)
  double* loss_sum;
  int64_t* correct;
};

enum class Pass { kTrain, kEvaluate };

// Stages and launches one step of `group` (one Executor step): per layer position one grouped
// forward GEMM (gather, bias, activation, dropout fused), one softmax cross-entropy, and when
// training per layer position from the top one backward GEMM (dW|db and dX) and one RMSprop
// update. Trials of different depths share a position's launch. Returns the launches made.
int run_step(Executor& ex, Pass pass, const std::vector<StepMember>& group);

// Rows of a dataset in executor memory (consecutive rows, no index).
struct DeviceRows {
  const uint8_t* x;  // byte features (unused when xf is set)
  const uint8_t* y;
  int n, dim;
  const float* xf;  // float features (dataset.h), or null
};

// One trial of an evaluation pass: its buffers and the slots of its chunks.
struct EvalMember {
  const TrialBuffers* net;
  Slots slots;
};

// The evaluation pass over chunks [first, first + count) (eval_chunks, core/trial_layout.h) of
// `data`, one run_step each; chunk c
// of a member lands in its slot c - first. Returns the launches made.
int run_evaluation(Executor& ex, const std::vector<EvalMember>& group, const DeviceRows& data,
                   int first, int count);

// Reads back slots [0, count) and adds them to `st`'s loss sum and correct count, one slot
// at a time in slot order (the caller counts the samples). `each`, when given, receives every
// slot's loss sum.
void add_slots(Executor& ex, const Slots& s, int64_t count, PassStats* st,
               std::vector<double>* each = nullptr);

}  // namespace qrsweep
