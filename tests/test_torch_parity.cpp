// Parity with a real framework (issue 2): Debian's python3-torch trains the same network
// from the same initial weights on the same batches, with docs/semantics.md#rmsprop written out;
// per-step losses must agree within 1e-4 relative over 220 steps, for every activation,
// with and without momentum. Skips with the reason where torch is not installed.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "support/test_support.h"

namespace qrsweep {
namespace {

const char* kPython = "/usr/bin/python3";

std::vector<double> read_losses(const std::string& path) {
  std::ifstream f(path);
  std::vector<double> v;
  long step;
  double loss;
  while (f >> step >> loss) v.push_back(loss);
  return v;
}

struct Case {
  const char* act;
  double momentum;
};

class TorchParity : public ::testing::TestWithParam<Case> {};

TEST_P(TorchParity, PerStepLossesAgree) {
  auto probe = test::run_command(std::string(kPython) + " -c 'import torch, numpy'");
  if (probe.status != 0) GTEST_SKIP() << "python3-torch is not installed: " << probe.output;
  const Case c = GetParam();
  test::TempDir dir;
  const int validation = 100, steps = 220, batch = 48;
  // Noisy labels (every third row relabelled) keep the loss well away from zero, so
  // the relative comparison stays meaningful over all the steps.
  Dataset d = test::synthetic_dataset(1100, 64, 10, 17);
  for (int i = 0; i < d.n; i += 3) d.y[i] = static_cast<uint8_t>((d.y[i] + 1 + i % 7) % 10);
  std::ostringstream csv;
  for (int i = 0; i < d.n; ++i) {
    csv << int(d.y[i]);
    for (int k = 0; k < d.dim; ++k) csv << ',' << int(d.x[size_t(i) * d.dim + k]);
    csv << '\n';
  }
  test::write_file(dir.file("train.csv"), csv.str());
  test::write_file(dir.file("test.csv"), csv.str());
  std::string script = std::string(QRSWEEP_SOURCE_DIR) + "/tests/parity/torch_parity.py";
  auto init = test::run_command(std::string(kPython) + " " + script +
                                " init --widths 64,24,16,10 --out " + dir.file("init.safetensors"));
  ASSERT_EQ(init.status, 0) << init.output;

  std::ostringstream cfg;
  cfg << "sizes = [24, 16]\nactivation = \"" << c.act << "\"\nlearning_rate = 0.002\n"
      << "momentum = " << c.momentum << "\nbatch_size = " << batch << "\nmax_epochs = 100\n"
      << "[data]\nformat = \"csv\"\ntrain_csv = \"" << dir.file("train.csv") << "\"\n"
      << "test_csv = \"" << dir.file("test.csv") << "\"\nvalidation = " << validation
      << "\nclasses = 10\n";
  test::write_file(dir.file("trial.toml"), cfg.str());
  auto ours = test::run_qrsweep("train --backend cpu --threads 1 --config " + dir.file("trial.toml") +
                                " --init " + dir.file("init.safetensors") +
                                " --no-shuffle --no-dropout --steps " + std::to_string(steps) +
                                " --log-steps " + dir.file("ours.txt"));
  ASSERT_EQ(ours.status, 0) << ours.output;
  std::ostringstream mom;
  mom << c.momentum;
  auto theirs = test::run_command(
      std::string(kPython) + " " + script + " train --csv " + dir.file("train.csv") +
      " --validation " + std::to_string(validation) + " --init " + dir.file("init.safetensors") +
      " --act " + c.act + " --lr 0.002 --momentum " + mom.str() + " --batch " +
      std::to_string(batch) + " --steps " + std::to_string(steps) + " --out " +
      dir.file("torch.txt"));
  ASSERT_EQ(theirs.status, 0) << theirs.output;

  auto a = read_losses(dir.file("ours.txt")), b = read_losses(dir.file("torch.txt"));
  ASSERT_EQ(a.size(), size_t(steps));
  ASSERT_EQ(b.size(), size_t(steps));
  double worst = 0;
  for (int i = 0; i < steps; ++i) {
    ASSERT_TRUE(std::isfinite(a[i])) << "step " << i + 1;
    double rel = std::abs(a[i] - b[i]) / std::abs(b[i]);
    worst = std::max(worst, rel);
    EXPECT_LE(rel, 1e-4) << "step " << i + 1 << ": qrsweep " << a[i] << " torch " << b[i];
  }
  EXPECT_LT(a.back(), a.front()) << "the network should learn";
  std::printf("worst relative difference over %d steps: %.3g\n", steps, worst);
}

INSTANTIATE_TEST_SUITE_P(Activations, TorchParity,
                         ::testing::Values(Case{"relu", 0.0}, Case{"relu", 0.5},
                                           Case{"tanh", 0.0}, Case{"tanh", 0.5},
                                           Case{"sigmoid", 0.0}, Case{"sigmoid", 0.5}),
                         [](const auto& info) {
                           return std::string(info.param.act) +
                                  (info.param.momentum > 0 ? "_momentum" : "_plain");
                         });

}  // namespace
}  // namespace qrsweep
