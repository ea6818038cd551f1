// The stop-signal handlers (stop_signals.h). The flag is process-wide because a handler
// can reach nothing else; it is a lock-free atomic, the one object a handler may touch.
#include "sweep/stop_signals.h"

#include <signal.h>

#include <atomic>

namespace qrsweep::sweep_detail {

namespace {

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGUSR1, SIGHUP};
constexpr int kCount = sizeof kSignals / sizeof kSignals[0];
std::atomic<int> g_pending{0};
static_assert(std::atomic<int>::is_always_lock_free, "signal flag must be lock-free");
struct sigaction g_previous[kCount];

void on_signal(int signo) {
  int expected = 0;
  if (g_pending.compare_exchange_strong(expected, signo)) return;
  // A second signal: stop now, the way the signal would have without us.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(signo, &dfl, nullptr);
  raise(signo);
}

}  // namespace

StopSignals::StopSignals() {
  g_pending.store(0);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int i = 0; i < kCount; ++i) sigaction(kSignals[i], &sa, &g_previous[i]);
}

StopSignals::~StopSignals() {
  for (int i = 0; i < kCount; ++i) sigaction(kSignals[i], &g_previous[i], nullptr);
}

int StopSignals::pending() { return g_pending.load(std::memory_order_relaxed); }

const char* signal_name(int signo) {
  switch (signo) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGUSR1:
      return "SIGUSR1";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "a signal";
  }
}

}  // namespace qrsweep::sweep_detail
