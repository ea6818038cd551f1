// `qrsweep train` end to end: epoch lines and the stop reason on a small CSV dataset,
// --save/--init round trip, and config errors that name the key (exit status 2).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "qrsweep/weights.h"
#include "support/test_support.h"

namespace qrsweep {
namespace {

class CliTrain : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string csv = test::csv_text(test::synthetic_dataset(400, 12, 3, 8));
    test::write_file(dir_.file("train.csv"), csv);
    test::write_file(dir_.file("test.csv"), csv);
    data_ = "[data]\nformat = \"csv\"\ntrain_csv = \"" + dir_.file("train.csv") +
            "\"\ntest_csv = \"" + dir_.file("test.csv") + "\"\nvalidation = 100\nclasses = 3\n";
  }
  test::RunResult train(const std::string& body, const std::string& extra = "") {
    test::write_file(dir_.file("c.toml"), body + data_);
    return test::run_qrsweep("train --backend cpu --threads 1 --config " + dir_.file("c.toml") +
                             " " + extra);
  }
  const std::string ok_ =
      "sizes = [8, 6]\nactivation = \"relu\"\ndropout_rates = [0.2, 0.0]\n"
      "learning_rate = 0.003\nmomentum = 0.5\nbatch_size = 16\nmax_epochs = 3\n";
  test::TempDir dir_;
  std::string data_;
};

TEST_F(CliTrain, PrintsOneLinePerEpochAndWhyItStopped) {
  auto r = train(ok_);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("epoch   1/3  loss "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("epoch   3/3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("stopped: max epochs after 3 epochs"), std::string::npos) << r.output;
}

TEST_F(CliTrain, SaveThenInitReproducesTheSameStart) {
  auto a = train(ok_, "--steps 5 --save " + dir_.file("w.safetensors"));
  ASSERT_EQ(a.status, 0) << a.output;
  auto b = train(ok_, "--steps 3 --no-shuffle --no-dropout --init " + dir_.file("w.safetensors") +
                          " --log-steps " + dir_.file("s1.txt"));
  auto c = train(ok_, "--steps 3 --no-shuffle --no-dropout --init " + dir_.file("w.safetensors") +
                          " --log-steps " + dir_.file("s2.txt"));
  ASSERT_EQ(b.status, 0) << b.output;
  ASSERT_EQ(c.status, 0) << c.output;
  std::string s1 = test::read_file(dir_.file("s1.txt"));
  EXPECT_EQ(s1, test::read_file(dir_.file("s2.txt")));
  EXPECT_EQ(std::count(s1.begin(), s1.end(), '\n'), 3);
  EXPECT_NE(b.output.find("stopped: step limit"), std::string::npos) << b.output;
}

struct BadCase {
  std::string body;
  std::string key;  // the message must name it
};

TEST_F(CliTrain, ConfigErrorsNameTheKeyAndExitWith2) {
  const std::vector<BadCase> cases = {
      {"activation = \"relu\"\nlearning_rate = 0.1\nbatch_size = 4\n", "sizes"},
      {"sizes = [8]\nactivation = \"swish\"\nlearning_rate = 0.1\nbatch_size = 4\n", "swish"},
      {"sizes = [8]\nactivation = \"relu\"\nlearning_rate = -1\nbatch_size = 4\n", "learning_rate"},
      {"sizes = [8]\nactivation = \"relu\"\nlearning_rate = 0.1\nbatch_size = 0\n", "batch_size"},
      {"sizes = [8, 0]\nactivation = \"relu\"\nlearning_rate = 0.1\nbatch_size = 4\n", "sizes"},
      {"sizes = [1,2,3,4,5,6]\nactivation = \"relu\"\nlearning_rate = 0.1\nbatch_size = 4\n",
       "sizes"},
      {"sizes = [8]\nactivation = \"relu\"\nlearning_rate = \"fast\"\nbatch_size = 4\n",
       "learning_rate"},
      {"sizes = [8]\nactivation = \"relu\"\nlearning_rate = 0.1\nbatch_size = 4\nbogus = 1\n",
       "bogus"},
      {"sizes = [8]\nactivation = \"relu\"\nlearning_rate = 0.1\nbatch_size = 4\n"
       "dropout_rates = [0.5, 0.1]\n",
       "dropout_rates"},
      {"sizes = [8]\nactivation = \"relu\"\nlearning_rate = 0.1\nbatch_size = 4\nmomentum = 2\n",
       "momentum"},
      {"sizes = [8]\nactivation = \"relu\"\nlearning_rate = 0.1\nbatch_size = 4\n"
       "dropout_rates = [1.0]\n",
       "dropout_rates"},
      {"sizes = [8\n", "c.toml"},
  };
  for (const auto& c : cases) {
    auto r = train(c.body);
    EXPECT_EQ(r.status, 2) << c.body << "\n" << r.output;
    EXPECT_NE(r.output.find(c.key), std::string::npos) << "message should name " << c.key << ":\n"
                                                       << r.output;
  }
}

TEST_F(CliTrain, AnUnknownGemmEngineIsAConfigError) {
  auto r = train(ok_, "--cuda-gemm mkl");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("--cuda-gemm"), std::string::npos) << r.output;
}

TEST_F(CliTrain, CudaModesOnTheCpuAreAConfigError) {
  for (const char* mode : {"--cuda-gemm cublas", "--cuda-sync", "--no-cuda-graphs"}) {
    auto r = train(ok_, mode);
    EXPECT_EQ(r.status, 2) << mode << "\n" << r.output;
    EXPECT_NE(r.output.find("the CPU backend has no such modes"), std::string::npos) << r.output;
  }
}

TEST_F(CliTrain, Tf32OnTheCpuIsAConfigError) {
  auto r = train(ok_, "--tf32");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("--tf32: TF32 is a GPU mode"), std::string::npos) << r.output;
}

TEST_F(CliTrain, MissingConfigFileIsAClearError) {
  auto r = test::run_qrsweep("train --config " + dir_.file("nope.toml"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("nope.toml"), std::string::npos) << r.output;
}

TEST_F(CliTrain, UnknownDataKeyIsRejected) {
  test::write_file(dir_.file("c.toml"), ok_ + "[data]\nformatt = \"idx\"\n");
  auto r = test::run_qrsweep("train --config " + dir_.file("c.toml"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("data.formatt"), std::string::npos) << r.output;
}

// --all-rows is the sweep's retraining: every training row (400, validation ones too) for
// retrain_epochs epochs, no validation; --test evaluates on the test rows; --save writes
// the layout, preprocessing and activation into the file's metadata.
TEST_F(CliTrain, AllRowsRetrainsForRetrainEpochsThenTests) {
  auto r = train(ok_ + "retrain_epochs = 2\n",
                 "--all-rows --test --save " + dir_.file("all.safetensors"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("(all 400 training rows, 2 epochs, no validation)"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("epoch   2/2  loss "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("epoch   3/"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("val_loss"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("stopped: max epochs after 2 epochs"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("test accuracy "), std::string::npos) << r.output;
  std::vector<std::pair<std::string, std::string>> meta;
  Weights w = load_safetensors(dir_.file("all.safetensors"), &meta);
  EXPECT_EQ(w.widths(), (std::vector<int>{12, 8, 6, 3}));
  std::map<std::string, std::string> m(meta.begin(), meta.end());
  EXPECT_EQ(m["activation"], "relu");
  EXPECT_EQ(m["retrain_epochs"], "2");
  EXPECT_EQ(m["hidden_sizes"], "8,6");
  EXPECT_NE(m["layout"].find("[in, out]"), std::string::npos) << m["layout"];
  EXPECT_NE(m["preprocessing"].find("/ 255"), std::string::npos) << m["preprocessing"];
  EXPECT_NE(m["outputs"].find("logits"), std::string::npos) << m["outputs"];
  EXPECT_NE(m["dropout"].find("no dropout"), std::string::npos) << m["dropout"];
  const std::string acc = r.output.substr(r.output.find("test accuracy ") + 14, 6);
  EXPECT_NEAR(std::stod(m["test_accuracy"]), std::stod(acc), 1e-4);
  // Without retrain_epochs, --all-rows trains max_epochs epochs.
  auto d = train(ok_, "--all-rows");
  ASSERT_EQ(d.status, 0) << d.output;
  EXPECT_NE(d.output.find("epoch   3/3  loss "), std::string::npos) << d.output;
  EXPECT_EQ(d.output.find("test accuracy"), std::string::npos) << d.output;
}

TEST_F(CliTrain, AllRowsRefusesInitAndRetrainEpochsIsChecked) {
  auto r = train(ok_, "--all-rows --init " + dir_.file("w.safetensors"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("--init cannot be combined with --all-rows"), std::string::npos)
      << r.output;
  auto z = train(ok_ + "retrain_epochs = 0\n");
  EXPECT_EQ(z.status, 2) << z.output;
  EXPECT_NE(z.output.find("retrain_epochs"), std::string::npos) << z.output;
}

// validation = 0 is refused by the one data rule, which names the way to train on every row.
TEST_F(CliTrain, ValidationZeroPointsToAllRows) {
  std::string body = ok_ + data_;
  body.replace(body.find("validation = 100"), 16, "validation = 0");
  test::write_file(dir_.file("c.toml"), body);
  auto r = test::run_qrsweep("train --backend cpu --config " + dir_.file("c.toml"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("data.validation = 0"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--all-rows"), std::string::npos) << r.output;
}

// split: "first" (default) or "stratified"; anything else is refused naming key and value.
// A file sorted by class validates on one class with "first": a warning names the classes
// left out; "stratified" validates on all of them, quietly.
TEST_F(CliTrain, SplitIsCheckedAndAOneClassValidationWarns) {
  test::write_file(dir_.file("c.toml"), ok_ + data_ + "split = \"random\"\n");
  auto bad = test::run_qrsweep("train --backend cpu --config " + dir_.file("c.toml"));
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find("data.split = \"random\""), std::string::npos) << bad.output;

  Dataset d = test::synthetic_dataset(300, 12, 3, 8);
  std::stable_sort(d.y.begin(), d.y.end());  // the features stay: only the labels matter here
  test::write_file(dir_.file("sorted.csv"), test::csv_text(d));
  const std::string data = "[data]\nformat = \"csv\"\ntrain_csv = \"" + dir_.file("sorted.csv") +
                           "\"\ntest_csv = \"" + dir_.file("sorted.csv") +
                           "\"\nvalidation = 60\nclasses = 3\n";
  test::write_file(dir_.file("c.toml"), ok_ + data);
  auto first = test::run_qrsweep("train --backend cpu --steps 1 --config " + dir_.file("c.toml"));
  ASSERT_EQ(first.status, 0) << first.output;
  EXPECT_NE(first.output.find("warning: the 60 validation rows of " + dir_.file("sorted.csv") +
                              " hold no row of class 1, 2"),
            std::string::npos)
      << first.output;
  test::write_file(dir_.file("c.toml"), ok_ + data + "split = \"stratified\"\n");
  auto strat = test::run_qrsweep("train --backend cpu --steps 1 --config " + dir_.file("c.toml"));
  ASSERT_EQ(strat.status, 0) << strat.output;
  EXPECT_EQ(strat.output.find("warning"), std::string::npos) << strat.output;
}

// The products are cut into the same blocks on any thread count (cpu/ops.h), so --threads
// does not change a single bit: `qrsweep train` on every core reproduces a sweep's trial.
TEST(CliTrainThreads, HistoriesAndWeightsAreIdenticalOnOneTwoAndThreeThreads) {
  test::TempDir dir;
  test::write_file(dir.file("train.csv"), test::csv_text(test::synthetic_dataset(1300, 96, 10, 5)));
  test::write_file(dir.file("c.toml"),
                   "sizes = [256, 160]\nactivation = \"sigmoid\"\ndropout_rates = [0.2, 0.0]\n"
                   "learning_rate = 0.002\nmomentum = 0.3\nbatch_size = 300\nmax_epochs = 2\n"
                   "[data]\nformat = \"csv\"\ntrain_csv = \"" +
                       dir.file("train.csv") + "\"\ntest_csv = \"" + dir.file("train.csv") +
                       "\"\nvalidation = 300\nclasses = 10\n");
  auto epochs_of = [](const std::string& out) {  // the epoch lines without their times
    std::string lines;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
      if (line.rfind("epoch ", 0) == 0) lines += line.substr(0, line.rfind("  ")) + "\n";
    return lines;
  };
  std::string ref_epochs;
  for (int threads : {1, 2, 3}) {
    const std::string t = std::to_string(threads);
    auto r =
        test::run_qrsweep("train --backend cpu --threads " + t + " --config " + dir.file("c.toml") +
                          " --log-steps " + dir.file("s" + t) + " --save " + dir.file("w" + t));
    ASSERT_EQ(r.status, 0) << r.output;
    if (threads == 1) {
      ref_epochs = epochs_of(r.output);
      EXPECT_EQ(std::count(ref_epochs.begin(), ref_epochs.end(), '\n'), 2) << r.output;
      continue;
    }
    EXPECT_EQ(epochs_of(r.output), ref_epochs) << threads << " threads";
    EXPECT_TRUE(test::read_file(dir.file("s" + t)) == test::read_file(dir.file("s1")))
        << "step losses differ on " << threads << " threads";
    EXPECT_TRUE(test::read_file(dir.file("w" + t)) == test::read_file(dir.file("w1")))
        << "weights differ on " << threads << " threads";
  }
}

}  // namespace
}  // namespace qrsweep
