// StepScope: an Executor step (begin_step / end_step, executor.h) that an exception cannot
// leave open.
#pragma once
#include "device/executor.h"

namespace qrsweep {

// Opens a step; close() ends it. Unwinding ends it too, silently: the first error is the one
// being reported.
class StepScope {
 public:
  explicit StepScope(Executor& ex) : ex_(ex) { ex_.begin_step(); }
  ~StepScope() {
    if (!open_) return;
    try {
      ex_.end_step();
    } catch (...) {  // already unwinding from the first error
    }
  }
  StepScope(const StepScope&) = delete;
  StepScope& operator=(const StepScope&) = delete;
  void close() {
    open_ = false;
    ex_.end_step();
  }

 private:
  Executor& ex_;
  bool open_ = true;
};

}  // namespace qrsweep
