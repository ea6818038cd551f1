// Stopping a sweep at a safe point: SIGINT, SIGTERM, SIGUSR1 (Slurm's warning before a
// time limit or preemption) and SIGHUP (its terminal closed) set a flag that the trainer polls
// between epochs.
#pragma once

namespace qrsweep::sweep_detail {

// Installs the handlers for its lifetime and restores the previous ones afterwards. A
// second signal while one is pending ends the process at once, as the first would have
// without the handler (the store survives that: every commit is atomic).
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // The signal that asked to stop, 0 when none. Async-signal-safe to read from any thread.
  static int pending();
};

const char* signal_name(int signo);  // "SIGINT", ...

}  // namespace qrsweep::sweep_detail
