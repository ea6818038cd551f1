// The reference executor's softmax cross-entropy against a closed form written out here
// in double: d(mean loss)/dz = (softmax(z) - onehot(label)) / rows, the loss
// log(sum exp z) - z[label]. An oracle independent of the CPU twin it is compared with
// elsewhere (gpu_reference_test.cpp) and of the shared xent helpers in math.h.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "device/executor.h"
#include "qrsweep/philox.h"

namespace qrsweep {
namespace {

template <typename T>
DeviceArray<T> upload(Executor& ex, const std::vector<T>& host) {
  DeviceArray<T> d(&ex, host.size());
  ex.copy_to_device(d.get(), host.data(), host.size() * sizeof(T));
  return d;
}

template <typename T>
std::vector<T> download(Executor& ex, const DeviceArray<T>& d) {
  std::vector<T> h(d.size());
  ex.copy_to_host(h.data(), d.get(), h.size() * sizeof(T));
  return h;
}

TEST(ReferenceExecutorXent, GradientAndLossEqualTheClosedForm) {
  const int rows = 9, classes = 7, data_rows = 20;
  std::shared_ptr<Executor> ex = make_reference_executor();
  PhiloxStream s{99, 1, 2};
  std::vector<float> z(static_cast<size_t>(rows) * classes);
  for (size_t i = 0; i < z.size(); ++i) z[i] = 8.0f * uniform01(s.word(i)) - 4.0f;
  std::vector<uint8_t> labels(data_rows);
  for (int i = 0; i < data_rows; ++i)
    labels[i] = static_cast<uint8_t>(below(s.word(100 + i), classes));
  std::vector<uint32_t> idx(rows);  // rows are labelled through the permutation
  for (int r = 0; r < rows; ++r) idx[r] = static_cast<uint32_t>((r * 7 + 3) % data_rows);

  DeviceArray<float> d_z = upload(*ex, z);
  DeviceArray<float> d_dz = upload(*ex, std::vector<float>(z.size(), std::nanf("")));
  DeviceArray<uint8_t> d_labels = upload(*ex, labels);
  DeviceArray<uint32_t> d_idx = upload(*ex, idx);
  DeviceArray<double> d_loss = upload(*ex, std::vector<double>{std::nan("")});
  DeviceArray<int64_t> d_correct = upload(*ex, std::vector<int64_t>{-1});
  XentProblem p{d_z.get(),    d_labels.get(),  d_idx.get(), d_dz.get(),
                d_loss.get(), d_correct.get(), rows,        classes};
  ex->begin_step();
  Staged<XentProblem> staged = ex->stage_xent({p});
  ex->softmax_xent(staged);
  ex->end_step();
  ex->synchronize();
  const std::vector<float> dz = download(*ex, d_dz);
  const double loss = download(*ex, d_loss)[0];
  const int64_t correct = download(*ex, d_correct)[0];

  double want_loss = 0;
  int64_t want_correct = 0;
  for (int r = 0; r < rows; ++r) {
    const float* zr = &z[static_cast<size_t>(r) * classes];
    const int label = labels[idx[r]];
    double sum_exp = 0;
    int argmax = 0;
    for (int j = 0; j < classes; ++j) {
      sum_exp += std::exp(static_cast<double>(zr[j]));
      if (zr[j] > zr[argmax]) argmax = j;
    }
    want_loss += std::log(sum_exp) - zr[label];
    want_correct += argmax == label;
    double row_sum = 0;
    for (int j = 0; j < classes; ++j) {
      const double want = (std::exp(static_cast<double>(zr[j])) / sum_exp - (j == label)) / rows;
      const float got = dz[static_cast<size_t>(r) * classes + j];
      EXPECT_NEAR(got, want, 2e-7 / rows + 1e-6 * std::abs(want)) << "row " << r << " class " << j;
      row_sum += got;
    }
    EXPECT_NEAR(row_sum, 0.0, 1e-6 / rows) << "softmax minus one-hot sums to zero, row " << r;
  }
  EXPECT_NEAR(loss, want_loss, 1e-5 * want_loss);
  EXPECT_EQ(correct, want_correct);
}

}  // namespace
}  // namespace qrsweep
