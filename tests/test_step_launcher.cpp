// StepLauncher (host/device/step_launcher.h), the CUDA executor's launch policy, on a
// recording fake device: graphs off launches at once; graphs on holds a step's launches to
// its end, issues a new step directly, captures it on its second sighting and replays it
// from then on; copies inside a step drain what is held first; a device that cannot capture
// turns graphs off without launching anything twice; a launcher's error during capture
// reaches the caller.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "device/step_launcher.h"

namespace qrsweep {
namespace {

struct FakeGraph {
  int id;
  std::vector<HeldLaunch> launches;
};

// Records what reaches the "device" as a log of words: P (prepare), I<op> (issue),
// C (capture), R<id> (replay).
class FakeDevice final : public LaunchDevice<FakeGraph> {
 public:
  bool can_capture = true;
  int throw_on_op = -1;  // issue() of this op throws
  std::vector<std::string> log;
  int captured = 0;

  void prepare() override { log.push_back("P"); }
  void issue(const HeldLaunch& l) override {
    if (static_cast<int>(l.op) == throw_on_op) throw std::runtime_error("refused");
    log.push_back("I" + std::to_string(l.op));
  }
  std::optional<FakeGraph> capture(const std::vector<HeldLaunch>& launches) override {
    log.push_back("C");
    if (!can_capture) return std::nullopt;
    for (const HeldLaunch& l : launches)
      if (static_cast<int>(l.op) == throw_on_op) throw std::runtime_error("refused");
    return FakeGraph{++captured, launches};
  }
  void replay(const FakeGraph& g) override { log.push_back("R" + std::to_string(g.id)); }
  std::string take() {
    std::string s;
    for (const std::string& w : log) s += (s.empty() ? "" : " ") + w;
    log.clear();
    return s;
  }
};

// The launches of one training step: two GEMMs, a cross-entropy, an RMSprop.
const int kOffsets[4] = {0, 0, 0, 0};
void step(StepLauncher<FakeGraph>& l, const void* descriptors, int rows_tiles) {
  l.launch({0, descriptors, kOffsets, 2, rows_tiles});
  l.launch({0, descriptors, kOffsets, 2, rows_tiles});
  l.launch({1, descriptors, nullptr, 2, 2});
  l.launch({2, descriptors, kOffsets, 2, 9});
  l.end_step();
}

TEST(StepLauncher, GraphsOffLaunchesEveryOpAtOnce) {
  FakeDevice dev;
  StepLauncher<FakeGraph> l(dev, false);
  int d = 0;
  l.launch({0, &d, kOffsets, 1, 1});
  EXPECT_EQ(dev.take(), "P I0");
  l.end_step();
  EXPECT_EQ(dev.take(), "P");
  for (int i = 0; i < 5; ++i) step(l, &d, 4);
  EXPECT_EQ(dev.log.size(), 5u * 9u);  // prepare + issue per op, then the end's prepare
  EXPECT_EQ(l.stats().steps, 6);
  EXPECT_EQ(l.stats().graph_replays, 0);
}

TEST(StepLauncher, RecurringStepsAreCapturedOnceAndReplayed) {
  FakeDevice dev;
  StepLauncher<FakeGraph> l(dev, true);
  int d = 0;
  l.launch({0, &d, kOffsets, 2, 4});
  EXPECT_EQ(dev.take(), "") << "held until the step ends";
  l.launch({0, &d, kOffsets, 2, 4});
  l.launch({1, &d, nullptr, 2, 2});
  l.launch({2, &d, kOffsets, 2, 9});
  l.end_step();
  EXPECT_EQ(dev.take(), "P I0 I0 I1 I2") << "first sighting: launched directly";
  step(l, &d, 4);
  EXPECT_EQ(dev.take(), "P C R1") << "second sighting: captured, then replayed";
  for (int i = 0; i < 3; ++i) step(l, &d, 4);
  EXPECT_EQ(dev.take(), "P R1 P R1 P R1");
  step(l, &d, 3);  // a shorter last batch: fewer tiles, another signature
  EXPECT_EQ(dev.take(), "P I0 I0 I1 I2");
  int other = 0;
  step(l, &other, 4);  // other descriptors (another ring slot)
  step(l, &other, 4);
  EXPECT_EQ(dev.take(), "P I0 I0 I1 I2 P C R2");
  step(l, &d, 4);
  EXPECT_EQ(dev.take(), "P R1");
  EXPECT_EQ(l.stats().steps, 9);
  EXPECT_EQ(l.stats().graph_captures, 2);
  EXPECT_EQ(l.stats().graph_replays, 6);  // R1 x 5, R2
}

TEST(StepLauncher, ACopyInsideAStepLaunchesWhatIsHeldFirst) {
  FakeDevice dev;
  StepLauncher<FakeGraph> l(dev, true);
  int d = 0;
  l.launch({0, &d, kOffsets, 1, 1});
  l.launch({1, &d, nullptr, 1, 1});
  l.drain();  // the executor does this before a copy, memset or wait
  EXPECT_EQ(dev.take(), "P I0 I1");
  l.launch({2, &d, kOffsets, 1, 1});
  l.end_step();
  EXPECT_EQ(dev.take(), "P I2");
  l.drain();
  EXPECT_EQ(dev.take(), "") << "nothing held";
  l.end_step();
  EXPECT_EQ(l.stats().steps, 1) << "an empty step is not counted";
}

TEST(StepLauncher, ADeviceThatCannotCaptureLaunchesDirectlyFromThenOn) {
  FakeDevice dev;
  dev.can_capture = false;
  StepLauncher<FakeGraph> l(dev, true);
  int d = 0;
  step(l, &d, 4);
  EXPECT_EQ(dev.take(), "P I0 I0 I1 I2");
  step(l, &d, 4);
  EXPECT_EQ(dev.take(), "P C I0 I0 I1 I2") << "the failed capture ran nothing: each op once";
  EXPECT_FALSE(l.graphs());
  l.launch({0, &d, kOffsets, 2, 4});
  EXPECT_EQ(dev.take(), "P I0") << "graphs off: launched at once";
  EXPECT_EQ(l.stats().graph_captures, 0);
}

TEST(StepLauncher, ALaunchersErrorReachesTheCallerAndTheNextStepStartsClean) {
  FakeDevice dev;
  StepLauncher<FakeGraph> l(dev, true);
  int d = 0;
  step(l, &d, 4);
  dev.throw_on_op = 1;
  l.launch({0, &d, kOffsets, 2, 4});
  l.launch({0, &d, kOffsets, 2, 4});
  l.launch({1, &d, nullptr, 2, 2});
  l.launch({2, &d, kOffsets, 2, 9});
  EXPECT_THROW(l.end_step(), std::runtime_error);  // second sighting: thrown in capture
  dev.throw_on_op = -1;
  dev.take();
  int e = 0;
  l.launch({2, &e, kOffsets, 1, 1});
  l.end_step();
  EXPECT_EQ(dev.take(), "P I2") << "nothing of the failed step is left held";
  EXPECT_EQ(l.stats().graph_captures, 0);
}

}  // namespace
}  // namespace qrsweep
