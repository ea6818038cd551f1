// The input and output rules of every command: only regular files are inputs; no output
// replaces a store or an input; integers are range-checked, never wrapped or clamped;
// --init weights, safetensors layouts, gzip bombs, CSV headers, NUL bytes in paths and the
// lock file in a directory others can write. Each case is one a careless or hostile user
// once got a crash, a hang, a silent wrong result or a lost file from.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>

#include "qrsweep/common.h"
#include "qrsweep/dataset.h"
#include "qrsweep/weights.h"
#include "support/test_support.h"
#include "sweep/store_lock.h"

namespace qrsweep {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;  // sanitizers reserve terabytes: no ulimit -v
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

using test::gzip;

std::string be32(uint32_t v) {
  return {char(v >> 24), char((v >> 16) & 0xff), char((v >> 8) & 0xff), char(v & 0xff)};
}

// A safetensors file from its header text and data section.
std::string safetensors(std::string header, const std::string& data) {
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(char((uint64_t{header.size()} >> (8 * i)) & 0xff));
  return out + header + data;
}

class CliInputs : public ::testing::Test {
 protected:
  void SetUp() override {
    Dataset d = test::synthetic_dataset(60, 6, 3, 4);
    std::ostringstream csv;
    for (int i = 0; i < d.n; ++i) {
      csv << int(d.y[i]);
      for (int k = 0; k < d.dim; ++k) csv << ',' << int(d.x[size_t(i) * d.dim + k]);
      csv << '\n';
    }
    test::write_file(dir_.file("train.csv"), csv.str());
    data_ = "[data]\nformat = \"csv\"\ntrain_csv = \"" + dir_.file("train.csv") +
            "\"\ntest_csv = \"" + dir_.file("train.csv") + "\"\nvalidation = 20\nclasses = 3\n";
  }
  std::string config(const std::string& body, const std::string& name = "c.toml") {
    test::write_file(dir_.file(name), body + data_);
    return dir_.file(name);
  }
  test::RunResult train(const std::string& body, const std::string& extra = "") {
    return test::run_qrsweep("train --backend cpu --threads 1 --config " + config(body) + " " +
                             extra);
  }
  std::string model(int sizes_1 = 8) {
    return "sizes = [" + std::to_string(sizes_1) +
           "]\nactivation = \"relu\"\nlearning_rate = 0.01\nbatch_size = 8\nmax_epochs = 1\n";
  }
  std::string space() {
    return "trials = 2\nmax_epochs = 1\nlayer_size = { low = 4, high = 8 }\n"
           "batch_size = { low = 8, high = 16 }\n" +
           data_;
  }
  test::TempDir dir_;
  std::string data_;
};

TEST_F(CliInputs, OnlyRegularFilesAreInputs) {
  fs::create_directories(dir_.file("d"));
  const std::string d = dir_.file("d");
  auto r = test::run_qrsweep("plan --space " + d + " --out " + dir_.file("p.csv"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr(d + ": cannot read the search-space file: it is a directory"));
  EXPECT_FALSE(fs::exists(dir_.file("p.csv")));

  // (Before the rule, this ran the default 300-trial sweep: bounded here by timeout.)
  r = test::run_command("timeout 60 '" + std::string(QRSWEEP_BINARY) + "' sweep --space " + d +
                        " --out " + dir_.file("s") + " 2>&1");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_FALSE(fs::exists(dir_.file("s/store.sqlite"))) << "no default sweep ran";

  r = test::run_qrsweep("train --config " + d);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("it is a directory"));

  r = train(model(), "--init " + d);
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr(d + ": cannot read the weights file: it is a directory"));

  ASSERT_EQ(::mkfifo(dir_.file("fifo").c_str(), 0600), 0);
  r = test::run_command("timeout 20 " + std::string("'") + QRSWEEP_BINARY + "' plan --space " +
                        dir_.file("fifo") + " --out " + dir_.file("p.csv") + " 2>&1");
  EXPECT_EQ(r.status, 2) << "a FIFO must not block: " << r.output;
  EXPECT_THAT(r.output, HasSubstr("FIFO"));

  data_ = "[data]\nformat = \"csv\"\ntrain_csv = \"" + d + "\"\ntest_csv = \"" + d + "\"\n";
  r = train(model());
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr(d + ": cannot read: it is a directory"));
}

TEST_F(CliInputs, NoOutputReplacesAStoreOrAnInput) {
  const std::string s = dir_.file("sweep");
  test::write_file(dir_.file("space.toml"), space());
  auto r = test::run_qrsweep("sweep --backend cpu --quiet --space " + dir_.file("space.toml") +
                             " --out " + s);
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string store = test::read_file(s + "/store.sqlite");

  r = test::run_qrsweep("report " + s + " --out " + s + "/store.sqlite");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr(s + "/store.sqlite: it is a qrsweep store"));
  r = train(model(), "--save " + s + "/store.sqlite");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_THAT(r.output, Not(HasSubstr("epoch"))) << "refused before training";
  EXPECT_EQ(test::read_file(s + "/store.sqlite"), store);

  // A space file named like a table, written over by its own plan; a config file by
  // the training log.
  test::write_file(dir_.file("space.csv"), space());
  r = test::run_qrsweep("plan --space " + dir_.file("space.csv") + " --out " +
                        dir_.file("space.csv"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("it is also an input of this command"));
  EXPECT_EQ(test::read_file(dir_.file("space.csv")), space());
  r = train(model(), "--log-steps " + dir_.file("c.toml"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_EQ(test::read_file(dir_.file("c.toml")), model() + data_);
}

TEST(StoreLockFile, NeverFollowsASymlinkNorBlocksOnAFifo) {
  test::TempDir dir;
  test::write_file(dir.file("mine.txt"), "precious\n");
  fs::create_symlink(dir.file("mine.txt"), dir.file("store.sqlite.lock"));
  try {
    sweep_detail::StoreLock lock(dir.file("store.sqlite"));
    ADD_FAILURE() << "a symlinked lock file was used";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("symbolic link"));
  }
  EXPECT_EQ(test::read_file(dir.file("mine.txt")), "precious\n");

  ASSERT_EQ(::mkfifo(dir.file("other.sqlite.lock").c_str(), 0600), 0);
  EXPECT_THROW(sweep_detail::StoreLock(dir.file("other.sqlite")), Error);

  // SQLite's own files beside the store: a planted write-ahead log would be truncated.
  fs::create_symlink(dir.file("mine.txt"), dir.file("third.sqlite-wal"));
  try {
    sweep_detail::StoreLock lock(dir.file("third.sqlite"));
    ADD_FAILURE() << "a symlinked -wal file was accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("third.sqlite-wal is a symbolic link"));
  }
  EXPECT_EQ(test::read_file(dir.file("mine.txt")), "precious\n");
}

TEST_F(CliInputs, ReadersRefuseASymlinkedSharedMemoryFile) {
  // A reader opens a store whose -wal holds commits through its -shm, which SQLite may
  // truncate: a symlink planted there must not reach the file it points at.
  test::write_file(dir_.file("space.toml"), space());
  const std::string s = dir_.file("sweep");
  auto r = test::run_qrsweep("sweep --backend cpu --quiet --space " + dir_.file("space.toml") +
                             " --out " + s);
  ASSERT_EQ(r.status, 0) << r.output;
  test::write_file(dir_.file("mine.txt"), "precious\n");
  fs::remove(s + "/store.sqlite-shm");
  fs::create_symlink(dir_.file("mine.txt"), s + "/store.sqlite-shm");
  r = test::run_qrsweep("report " + s + " --out " + dir_.file("r.html"));
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr(s + "/store.sqlite-shm is a symbolic link"));
  EXPECT_EQ(test::read_file(dir_.file("mine.txt")), "precious\n");
}

TEST_F(CliInputs, IntegersOutsideTheirRangeAreRefusedNotWrapped) {
  const std::string base = model();
  struct Case {
    std::string line, named;
  };
  for (const Case& c : {Case{"max_epochs = 4294967298", "key 'max_epochs' = 4294967298"},
                        Case{"patience = 4294967297", "key 'patience' = 4294967297"},
                        Case{"seed = -1", "key 'seed' = -1: expected an integer in [0, "},
                        Case{"trial = 4294967295", "key 'trial' = 4294967295"}}) {
    std::string body = base;
    body.replace(body.find("max_epochs = 1"), 14, c.line);
    const auto r = train(body);
    EXPECT_EQ(r.status, 2) << c.line << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr(c.named)) << c.line;
  }
  for (const Case& c :
       {Case{"--steps 99999999999999999999", "--steps = \"99999999999999999999\""},
        Case{"--threads -5", "--threads = \"-5\": expected an integer in [0, 4096]"},
        Case{"--threads 4294967297", "--threads = \"4294967297\""}}) {
    const auto r = test::run_qrsweep("train --backend cpu --config " + config(base) + " " + c.line);
    EXPECT_EQ(r.status, 2) << c.line << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr(c.named)) << c.line;
  }
  test::write_file(dir_.file("space.toml"), space());
  for (const std::string opt : {"--seed -1", "--seed 99999999999999999999", "--jobs 5000"}) {
    const auto r = test::run_qrsweep("sweep --backend cpu --space " + dir_.file("space.toml") +
                                     " --out " + dir_.file("s") + " " + opt);
    EXPECT_EQ(r.status, 2) << opt << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr(opt.substr(0, opt.find(' ')) + " = \"")) << opt;
    EXPECT_FALSE(fs::exists(dir_.file("s"))) << opt;
  }
}

TEST_F(CliInputs, InitWeightsAreCheckedByFileTensorAndShape) {
  const std::string w = dir_.file("w.safetensors");
  auto r = train(model(8), "--steps 1 --save " + w);
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string good = test::read_file(w);
  uint64_t header = 0;
  for (int i = 7; i >= 0; --i) header = (header << 8) | uint8_t(good[i]);

  // A NaN, then an infinity, in the first layer's kernel.
  for (uint32_t bits : {0x7fc00000u, 0x7f800000u}) {
    std::string bad = good;
    std::memcpy(&bad[8 + header + 4 * 7], &bits, 4);  // element (1, 1) of [6, 8]
    test::write_file(w, bad);
    r = train(model(8), "--init " + w);
    EXPECT_EQ(r.status, 3) << r.output;
    EXPECT_THAT(r.output, HasSubstr(w + ": tensor dense_1.weight [6, 8]: element (0, 7) is " +
                                    std::string(bits == 0x7fc00000u ? "NaN" : "infinite")));
    EXPECT_THAT(r.output, Not(HasSubstr("epoch")));
  }

  test::write_file(w, good);
  r = train("sizes = [8, 4]\nactivation = \"relu\"\nlearning_rate = 0.01\nbatch_size = 8\n",
            "--init " + w);
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr(w + ": the weights do not fit the model: they have 2 layers "
                                      "(dense_1.weight [6, 8], dense_2.weight [8, 3]"));
  EXPECT_THAT(r.output, HasSubstr("widths 6 -> 8 -> 4 -> 3"));

  // 100,000 nested arrays, in the header and in a shape: a short message, no crash.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');  // valid JSON
  for (const std::string& h : {"{\"dense_1.weight\":" + deep + "}",
                               "{\"dense_1.weight\":{\"dtype\":\"F32\",\"shape\":" + deep + "}}"}) {
    test::write_file(w, safetensors(h, ""));
    r = train(model(8), "--init " + w);
    EXPECT_EQ(r.status, 3) << r.output.substr(0, 400);
    EXPECT_THAT(r.output, HasSubstr("nested deeper than 3 levels"));
    EXPECT_LT(r.output.size(), 1000u) << "the input is not echoed back";
  }
}

TEST(SafetensorsOffsets, TensorsMustTileTheDataSectionWithoutOverlapOrGap) {
  test::TempDir dir;
  const std::string path = dir.file("m.safetensors");
  const std::string eight(8, '\0'), twelve(12, '\0');
  auto entry = [](const char* name, const char* shape, int b, int e) {
    return std::string("\"") + name + "\":{\"dtype\":\"F32\",\"shape\":" + shape +
           ",\"data_offsets\":[" + std::to_string(b) + "," + std::to_string(e) + "]}";
  };
  auto load_error = [&](const std::string& header, const std::string& data) {
    test::write_file(path, safetensors(header, data));
    try {
      load_safetensors(path);
    } catch (const DataError& e) {
      return std::string(e.what());
    }
    return std::string("(loaded)");
  };
  const std::string w = entry("dense_1.weight", "[1,1]", 0, 4);
  EXPECT_EQ(load_error("{" + w + "," + entry("dense_1.bias", "[1]", 4, 8) + "}", eight),
            "(loaded)");
  EXPECT_THAT(load_error("{" + w + "," + entry("dense_1.bias", "[1]", 0, 4) + "}", eight),
              HasSubstr(path + ": tensor dense_1"));
  EXPECT_THAT(load_error("{" + w + "," + entry("dense_1.bias", "[1]", 0, 4) + "}", eight),
              HasSubstr("overlap"));
  EXPECT_THAT(load_error("{" + w + "," + entry("dense_1.bias", "[1]", 8, 12) + "}", twelve),
              HasSubstr("tensor dense_1.bias: data_offsets [8, 12] leave a gap: bytes 4..8"));
  EXPECT_THAT(load_error("{" + w + "," + entry("dense_1.bias", "[1]", 4, 8) + "}", twelve),
              HasSubstr("bytes after the last tensor"));
}

TEST_F(CliInputs, BatchBuffersAreSizedByTheRowsNotTheBatchSize) {
  if (kSanitized) GTEST_SKIP() << "ulimit -v does not mix with sanitizers";
  // batch_size 1,000,000 on 40 training rows: buffers of 10^6 rows would need gigabytes.
  std::string body = model(1000);
  body.replace(body.find("batch_size = 8"), 14, "batch_size = 1000000");
  test::write_file(dir_.file("c.toml"), body + data_);
  const auto r = test::run_command("ulimit -v 1500000; '" + std::string(QRSWEEP_BINARY) +
                                   "' train --backend cpu --threads 1 --config " +
                                   dir_.file("c.toml") + " 2>&1");
  EXPECT_EQ(r.status, 0) << r.output;
}

TEST_F(CliInputs, AGzipInflatingPastItsIdxHeaderStopsAtTheHeadersPromise) {
  if (kSanitized) GTEST_SKIP() << "ulimit -v does not mix with sanitizers";
  const std::string d = dir_.file("idx");
  fs::create_directories(d);
  // Images: the header promises 4 images of 2 x 2; the stream inflates to about 2 GB.
  const std::string zeros(32 << 20, '\0');
  std::string images = gzip(be32(0x803) + be32(4) + be32(2) + be32(2) + std::string(16, 'x'));
  const std::string member = gzip(zeros);
  for (int i = 0; i < 64; ++i) images += member;
  test::write_file(d + "/train-images-idx3-ubyte.gz", images);
  const std::string labels = be32(0x801) + be32(4) + std::string{0, 1, 2, 0};
  test::write_file(d + "/train-labels-idx1-ubyte", labels);
  test::write_file(d + "/t10k-images-idx3-ubyte",
                   be32(0x803) + be32(4) + be32(2) + be32(2) + std::string(16, 'x'));
  test::write_file(d + "/t10k-labels-idx1-ubyte", labels);
  test::write_file(dir_.file("c.toml"),
                   model() + "[data]\ndir = \"" + d + "\"\nvalidation = 1\nclasses = 3\n");
  const auto r = test::run_command("ulimit -v 1500000; '" + std::string(QRSWEEP_BINARY) +
                                   "' train --backend cpu --threads 1 --config " +
                                   dir_.file("c.toml") + " 2>&1");
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr(d + "/train-images-idx3-ubyte.gz: trailing data: the header "
                                      "promises 4 x 2 x 2 = 16 bytes, but the gzip stream "
                                      "inflates to more"));
}

TEST(CsvHeader, OnlyALineWithoutNumbersIsAHeaderAndNoRowIsDroppedSilently) {
  test::TempDir dir;
  const std::string path = dir.file("d.csv");
  auto read = [&](const std::string& text) {
    test::write_file(path, text);
    return read_csv(path, 0);
  };
  EXPECT_EQ(read("label,a,b\n0,1,2\n1,3,4\n").n, 2);  // a header: skipped
  try {
    read("cat,1,2\n0,3,4\n1,5,6\n");  // a data row with a bad label, not a header
    ADD_FAILURE() << "the first row was dropped";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr(path + ": line 1, column 1: label 'cat' is not an integer"));
    EXPECT_THAT(e.what(), HasSubstr("a header only when none of its fields is a number"));
  }
  try {
    read("label,a\n0,1,2\n");
    ADD_FAILURE() << "a header naming 2 columns over rows of 3";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("line 2: 3 fields, but the header (the first line) names 2"));
  }
}

TEST_F(CliInputs, MergeOfAMissingDirectoryCreatesNothing) {
  const auto r = test::run_qrsweep("merge " + dir_.file("nowhere"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_FALSE(fs::exists(dir_.file("nowhere")));
}

TEST_F(CliInputs, ANulInAPathIsRefusedAndShown) {
  data_ = "[data]\nformat = \"csv\"\ntrain_csv = \"a\\u0000b.csv\"\ntest_csv = \"t.csv\"\n";
  test::write_file(dir_.file("space.toml"), "trials = 2\n" + data_);
  auto r =
      test::run_qrsweep("plan --space " + dir_.file("space.toml") + " --out " + dir_.file("p.csv"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("data.train_csv = \"a\\u0000b.csv\": holds a NUL character"));
  r = train(model());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("a\\u0000b.csv"));
  // An escape sequence in a file name reaches the terminal as text.
  r = test::run_qrsweep("plan --space '" + dir_.file("a\x1b[2Jb") + "' --out " +
                        dir_.file("p.csv"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("a\\x1b[2Jb: cannot open the search-space file"));
  EXPECT_THAT(r.output, Not(HasSubstr("\x1b")));
}

TEST_F(CliInputs, AMessageEchoesNoMoreThanALineOfTheInput) {
  std::string big = "trials = [0";
  for (int i = 1; i < 100000; ++i) big += ", " + std::to_string(i);
  test::write_file(dir_.file("space.toml"), big + "]\n");
  auto r = test::run_qrsweep("plan --space " + dir_.file("space.toml") + " --out " +
                             dir_.file("p.csv"));
  EXPECT_EQ(r.status, 2) << r.output.substr(0, 400);
  EXPECT_THAT(r.output, HasSubstr("trials = [0, 1, 2, 3"));
  EXPECT_LT(r.output.size(), 400u);
  r = train(model() + "structure = \"" + std::string(1 << 20, 'x') + "\"\n");
  EXPECT_EQ(r.status, 2) << r.output.substr(0, 400);
  EXPECT_LT(r.output.size(), 400u);
}

TEST_F(CliInputs, PlanTrialsAboveTheMaximumAreRefused) {
  test::write_file(dir_.file("space.toml"), space());
  const auto r = test::run_qrsweep("plan --space " + dir_.file("space.toml") +
                                   " --trials 100001 --out " + dir_.file("p.csv"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("must be <= 100000"));
  EXPECT_FALSE(fs::exists(dir_.file("p.csv")));
}

}  // namespace
}  // namespace qrsweep
