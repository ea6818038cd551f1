// The packed scheduler: trains many trials at once on one Executor. It keeps as many trials
// resident as the memory plan allows, advances them in rounds of grouped launches (one launch
// per op and layer position across every resident trial), runs each trial's epoch end
// (validation, early stopping, the caller's commit) on its own, and refills freed memory
// from the queue until the list is done. Works on CudaExecutor and on the host reference.
#pragma once
#include <memory>
#include <vector>

#include "device/executor.h"
#include "qrsweep/backend.h"

namespace qrsweep::packed {

// Runs `trials` per `opt` (qrsweep/backend.h PackedOptions). Every trial ends in exactly one
// on_finish call, except those never admitted because should_stop ended the run first (they
// stay untouched). Throws Error only when the executor stops working altogether.
PackedStats run_packed(Executor& ex, const std::vector<TrialConfig>& trials,
                       const DatasetView& train, const DatasetView& val, const PackedOptions& opt);

// How many steps trial `steps_per_epoch` takes per round when the round's fastest-epoch
// trial has `min_steps_per_epoch`: proportional, so every resident trial covers about the
// same fraction of an epoch per round (epoch ends line up, validations group, and small
// batches' long step chains overlap with the large trials' compute). At most kMaxRoundSteps.
int balanced_round_steps(int64_t steps_per_epoch, int64_t min_steps_per_epoch);
constexpr int kMaxRoundSteps = 256;

}  // namespace qrsweep::packed
