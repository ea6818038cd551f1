// `qrsweep train` end to end: epoch lines and the stop reason on a small CSV dataset,
// --save/--init round trip, and config errors that name the key (exit status 2).
#include <gtest/gtest.h>

#include <sstream>

#include "support/test_support.h"

namespace qrsweep {
namespace {

class CliTrain : public ::testing::Test {
 protected:
  void SetUp() override {
    Dataset d = test::synthetic_dataset(400, 12, 3, 8);
    std::ostringstream csv;
    for (int i = 0; i < d.n; ++i) {
      csv << int(d.y[i]);
      for (int k = 0; k < d.dim; ++k) csv << ',' << int(d.x[size_t(i) * d.dim + k]);
      csv << '\n';
    }
    test::write_file(dir_.file("train.csv"), csv.str());
    test::write_file(dir_.file("test.csv"), csv.str());
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

}  // namespace
}  // namespace qrsweep
