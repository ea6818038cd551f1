// The CUDA backend's startup self-check (backends/self_check.h) on the host reference executor:
// the device code path agrees with the CPU, session and packed; a backend whose numbers are
// off is refused with a message naming the trial, the path, the quantity and both values.
#include <gtest/gtest.h>

#include <chrono>

#include "backends/self_check.h"
#include "device/device_backend.h"
#include "qrsweep/common.h"

namespace qrsweep {
namespace {

TEST(SelfCheck, TheDeviceCodeAgreesWithTheCpuSessionAndPacked) {
  auto backend = make_device_backend(make_reference_executor(), "host reference executor");
  ASSERT_NE(backend->packed(), nullptr);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_NO_THROW(self_check_against_cpu(*backend, kSelfCheckFp32));
  // The reference executor rounds like the FP32 kernel: far inside the tolerance.
  EXPECT_NO_THROW(self_check_against_cpu(*backend, 1e-5));
  RecordProperty("ms", static_cast<int>(std::chrono::duration<double, std::milli>(
                                            std::chrono::steady_clock::now() - t0)
                                            .count()));
}

// A backend that trains correctly but reports one quantity scaled by `factor`.
class SkewedSession final : public TrialSession {
 public:
  SkewedSession(std::unique_ptr<TrialSession> in, double train, double eval)
      : in_(std::move(in)), train_(train), eval_(eval) {}
  void set_weights(const Weights& w) override { in_->set_weights(w); }
  Weights weights() const override { return in_->weights(); }
  PassStats train_epoch(const EpochRequest& req) override {
    PassStats s = in_->train_epoch(req);
    s.loss_sum *= train_;
    return s;
  }
  PassStats evaluate(const DatasetView& data) override {
    PassStats s = in_->evaluate(data);
    s.loss_sum *= eval_;
    return s;
  }

 private:
  std::unique_ptr<TrialSession> in_;
  double train_, eval_;
};

class SkewedBackend final : public Backend {
 public:
  SkewedBackend(double train, double eval)
      : in_(make_device_backend(make_reference_executor(), "a skewed GPU")),
        train_(train),
        eval_(eval) {}
  std::string name() const override { return "cuda"; }
  std::string device() const override { return "a skewed GPU"; }
  std::unique_ptr<TrialSession> open(const TrialConfig& cfg, const DatasetView& train) override {
    return std::make_unique<SkewedSession>(in_->open(cfg, train), train_, eval_);
  }

 private:
  std::unique_ptr<Backend> in_;
  double train_, eval_;
};

std::string refusal(Backend& b) {
  try {
    self_check_against_cpu(b, kSelfCheckFp32);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(SelfCheck, ABackendThatDisagreesIsRefusedByName) {
  SkewedBackend train_off(1.01, 1.0);
  const std::string a = refusal(train_off);
  EXPECT_NE(a.find("cuda backend self-check failed: trial 0 (relu, one session): training loss"),
            std::string::npos)
      << a;
  EXPECT_NE(a.find("on a skewed GPU but"), std::string::npos) << a;
  EXPECT_NE(a.find("use --backend cpu"), std::string::npos) << a;
  SkewedBackend val_off(1.0, 0.995);
  const std::string b = refusal(val_off);
  EXPECT_NE(b.find("validation loss"), std::string::npos) << b;
  // Within the tolerance passes: 1e-4 is rounding, not a fault.
  SkewedBackend close(1.0001, 1.0);
  EXPECT_EQ(refusal(close), "");
}

}  // namespace
}  // namespace qrsweep
