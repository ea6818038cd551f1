// Tests of the data layer: IDX (raw and gzipped) and CSV readers, their error messages,
// the validation split and load_data, plus the installed Fashion-MNIST when present.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "qrsweep/common.h"
#include "qrsweep/dataset.h"
#include "support/expect_error.h"
#include "support/test_support.h"

namespace qrsweep {
namespace {

using test::expect_data_error;

using test::TempDir;
using test::write_file;

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::vector<uint8_t> pixels(int n, int dim) {
  std::vector<uint8_t> px(static_cast<size_t>(n) * dim);
  for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<uint8_t>((i * 37 + 11) % 256);
  return px;
}

std::vector<uint8_t> labels(int n, int classes) {
  std::vector<uint8_t> y(n);
  for (int i = 0; i < n; ++i) y[i] = static_cast<uint8_t>((i * 7 + 3) % classes);
  return y;
}

std::string idx_images(int n, int rows, int cols, const std::vector<uint8_t>& px) {
  return be32(0x803) + be32(n) + be32(rows) + be32(cols) + std::string(px.begin(), px.end());
}

std::string idx_labels(const std::vector<uint8_t>& y) {
  return be32(0x801) + be32(static_cast<uint32_t>(y.size())) + std::string(y.begin(), y.end());
}

using test::gzip;

class IdxTest : public ::testing::Test {
 protected:
  static constexpr int kN = 50, kRows = 4, kCols = 3, kDim = kRows * kCols;
  TempDir tmp;
  std::vector<uint8_t> px = pixels(kN, kDim);
  std::vector<uint8_t> y = labels(kN, 10);
  std::string images = tmp.file("images-idx3-ubyte");
  std::string labs = tmp.file("labels-idx1-ubyte");

  void write_good(bool gz) {
    std::string im = idx_images(kN, kRows, kCols, px), lb = idx_labels(y);
    write_file(images, gz ? gzip(im) : im);
    write_file(labs, gz ? gzip(lb) : lb);
  }
  void expect_good(const Dataset& d) {
    EXPECT_EQ(d.n, kN);
    EXPECT_EQ(d.dim, kDim);
    EXPECT_EQ(d.classes, 10);
    EXPECT_EQ(d.x, px);
    EXPECT_EQ(d.y, y);
    EXPECT_EQ(d.source, images);
  }
};

TEST_F(IdxTest, ReadsRawFiles) {
  write_good(false);
  expect_good(read_idx(images, labs));
}

TEST_F(IdxTest, ReadsGzippedFiles) {
  write_good(true);
  expect_good(read_idx(images, labs));
}

TEST_F(IdxTest, ReadsMixedRawAndGzip) {
  write_file(images, gzip(idx_images(kN, kRows, kCols, px)));
  write_file(labs, idx_labels(y));
  expect_good(read_idx(images, labs));
}

TEST_F(IdxTest, ReadsConcatenatedGzipMembers) {
  std::string im = idx_images(kN, kRows, kCols, px);
  write_file(images, gzip(im.substr(0, 100)) + gzip(im.substr(100)));
  write_file(labs, gzip(idx_labels(y)));
  expect_good(read_idx(images, labs));
}

TEST_F(IdxTest, InfersClassesWhenZero) {
  write_good(false);
  EXPECT_EQ(read_idx(images, labs, 0).classes, 10);
  write_file(labs, idx_labels(std::vector<uint8_t>(kN, 0)));
  EXPECT_EQ(read_idx(images, labs, 0).classes, 2);  // at least two
}

TEST_F(IdxTest, MissingFile) {
  write_good(false);
  expect_data_error([&] { read_idx(tmp.file("nope-idx3"), labs); }, {"nope-idx3", "cannot open"});
  expect_data_error([&] { read_idx(images, tmp.file("nope-idx1")); }, {"nope-idx1", "cannot open"});
  expect_data_error([&] { read_idx(tmp.path(), labs); }, {tmp.path(), "directory"});
}

TEST_F(IdxTest, BadMagic) {
  write_good(false);
  // labels where images belong, and the other way round
  expect_data_error([&] { read_idx(labs, images); },
                    {labs, "bad magic", "0x00000803", "0x00000801"});
  std::string im = idx_images(kN, kRows, kCols, px);
  im[3] = 0x08;  // uint8, 8 dims
  write_file(images, im);
  expect_data_error([&] { read_idx(images, labs); }, {images, "bad magic", "0x00000808"});
}

TEST_F(IdxTest, TruncatedHeader) {
  write_good(false);
  write_file(images, idx_images(kN, kRows, kCols, px).substr(0, 10));
  expect_data_error([&] { read_idx(images, labs); },
                    {images, "truncated header", "expected 16", "got 10"});
  write_file(images, "");
  expect_data_error([&] { read_idx(images, labs); }, {images, "truncated header", "got 0"});
  write_good(false);
  write_file(labs, be32(0x801) + "\x01");
  expect_data_error([&] { read_idx(images, labs); },
                    {labs, "truncated header", "expected 8", "got 5"});
}

TEST_F(IdxTest, TruncatedData) {
  write_good(false);
  std::string im = idx_images(kN, kRows, kCols, px);
  write_file(images, im.substr(0, im.size() - 7));
  expect_data_error([&] { read_idx(images, labs); },
                    {images, "truncated data", "600 bytes", "got 593"});
  std::string lb = idx_labels(y);
  write_good(false);
  write_file(labs, lb.substr(0, lb.size() - 1));
  expect_data_error([&] { read_idx(images, labs); }, {labs, "truncated data", "50", "got 49"});
  write_file(labs, gzip(lb.substr(0, lb.size() - 1)));  // a good stream of short data
  expect_data_error([&] { read_idx(images, labs); }, {labs, "truncated data"});
}

TEST_F(IdxTest, TrailingData) {
  write_good(false);
  write_file(images, idx_images(kN, kRows, kCols, px) + "xyz");
  expect_data_error([&] { read_idx(images, labs); }, {images, "trailing data", "got 603"});
}

TEST_F(IdxTest, NoRows) {
  write_file(images, idx_images(0, kRows, kCols, {}));
  write_file(labs, idx_labels({}));
  expect_data_error([&] { read_idx(images, labs); }, {images, "no images"});
  write_file(images, idx_images(kN, 0, kCols, {}));
  expect_data_error([&] { read_idx(images, labs); }, {images, "empty images"});
}

TEST_F(IdxTest, CountMismatch) {
  write_good(false);
  write_file(labs, idx_labels(labels(kN - 1, 10)));
  expect_data_error([&] { read_idx(images, labs); },
                    {"count mismatch", images, labs, "50 images", "49 labels"});
}

TEST_F(IdxTest, LabelOutOfRange) {
  write_good(false);
  std::vector<uint8_t> bad = y;
  bad[17] = 10;
  write_file(labs, idx_labels(bad));
  expect_data_error([&] { read_idx(images, labs, 10); },
                    {labs, "label 10", "row 17", "out of range"});
  EXPECT_EQ(read_idx(images, labs, 11).classes, 11);
}

TEST_F(IdxTest, TruncatedGzipIsAnErrorNotAShortRead) {
  std::string gz = gzip(idx_images(kN, kRows, kCols, px));
  write_good(true);
  for (size_t cut : {gz.size() / 2, gz.size() - 4, gz.size() - 1, size_t{2}, size_t{12}}) {
    write_file(images, gz.substr(0, cut));
    expect_data_error([&] { read_idx(images, labs); }, {images, "gzip"});
  }
}

TEST_F(IdxTest, CorruptGzip) {
  std::string gz = gzip(idx_images(kN, kRows, kCols, px));
  write_good(true);
  std::string flipped = gz;
  flipped[gz.size() - 6] ^= 0x55;  // in the CRC-32 of the trailer
  write_file(images, flipped);
  expect_data_error([&] { read_idx(images, labs); }, {images, "broken gzip stream"});
  flipped = gz;
  flipped[gz.size() / 2] ^= 0xff;  // in the deflate data
  write_file(images, flipped);
  // Either broken, or inflating past what the header promises (where reading stops).
  expect_data_error([&] { read_idx(images, labs); }, {images, "gzip stream"});
  write_file(images, gz + "garbage");
  expect_data_error([&] { read_idx(images, labs); }, {images, "gzip", "trailing garbage"});
}

TEST(DatasetView, RowsIsAWindowAndBoundsChecked) {
  Dataset d = test::synthetic_dataset(10, 3, 4, 1);
  DatasetView v = d.view().rows(2, 5);
  EXPECT_EQ(v.n, 5);
  EXPECT_EQ(v.dim, 3);
  EXPECT_EQ(v.classes, 4);
  EXPECT_EQ(v.x, d.x.data() + 6);
  EXPECT_EQ(v.y, d.y.data() + 2);
  EXPECT_EQ(v.rows(1, 4).y, d.y.data() + 3);
  EXPECT_EQ(d.view().rows(10, 0).n, 0);
  EXPECT_THROW(d.view().rows(8, 3), Error);
  EXPECT_THROW(d.view().rows(-1, 2), Error);
  EXPECT_THROW(d.view().rows(0, -1), Error);
  EXPECT_THROW(d.view().rows(11, 0), Error);
  EXPECT_THROW(v.rows(1, 5), Error);
  EXPECT_THROW(d.view().rows(5, 2147483647), Error);
}

TEST(DataSplits, FirstRowsValidate) {
  DataSplits s;
  s.train = test::synthetic_dataset(20, 5, 3, 7);
  s.train.source = "synthetic-train";
  s.validation = 6;
  DatasetView val = s.val(), fit = s.fit();
  EXPECT_EQ(val.n, 6);
  EXPECT_EQ(val.x, s.train.x.data());
  EXPECT_EQ(val.y, s.train.y.data());
  EXPECT_EQ(fit.n, 14);
  EXPECT_EQ(fit.x, s.train.x.data() + 6 * 5);
  EXPECT_EQ(fit.y, s.train.y.data() + 6);
  EXPECT_EQ(fit.dim, 5);
  EXPECT_EQ(fit.classes, 3);
  s.validation = 20;
  expect_data_error([&] { s.fit(); }, {"validation", "20", "synthetic-train"});
  expect_data_error([&] { s.val(); }, {"validation"});
  s.validation = -1;
  expect_data_error([&] { s.fit(); }, {"validation"});
  s.validation = 0;
  EXPECT_EQ(s.fit().n, 20);
  EXPECT_EQ(s.val().n, 0);
}

// split = "stratified": the validation rows hold each class in proportion (largest
// remainders), are chosen by the seed alone, and every row stays exactly once, with its
// label, each group in the file's order.
TEST(DataSplits, StratifiedValidationHoldsEveryClassInProportion) {
  Dataset d;
  d.dim = 2;
  d.classes = 3;
  // 60 rows sorted by class: 30 of class 0, 20 of class 1, 10 of class 2.
  for (int i = 0; i < 60; ++i) {
    const uint8_t c = i < 30 ? 0 : i < 50 ? 1 : 2;
    d.y.push_back(c);
    d.x.push_back(static_cast<uint8_t>(i));  // the row's identity
    d.x.push_back(c);
  }
  d.n = 60;
  d.source = "sorted";
  auto split = [&](int validation, uint64_t seed) {
    DataSplits s;
    s.train = d;
    s.validation = validation;
    stratify_rows(s.train, validation, seed);
    return s;
  };
  const DataSplits s = split(13, 1);
  int per_class[3] = {0, 0, 0};
  for (int i = 0; i < 13; ++i) ++per_class[s.train.y[i]];
  // Exact shares 6.5, 4.33, 2.17: floors 6, 4, 2, the one row left to the largest remainder.
  EXPECT_EQ(per_class[0], 7);
  EXPECT_EQ(per_class[1], 4);
  EXPECT_EQ(per_class[2], 2);
  EXPECT_TRUE(classes_missing_from_validation(s).empty());
  std::vector<int> seen(60, 0);
  for (int i = 0; i < 60; ++i) {
    const int id = s.train.x[size_t(i) * 2];
    ++seen[id];
    EXPECT_EQ(s.train.x[size_t(i) * 2 + 1], s.train.y[i]) << "row " << id << " lost its label";
    if (i != 12 && i != 59) {
      EXPECT_LT(id, s.train.x[size_t(i + 1) * 2]) << "the file's order within a group";
    }
  }
  EXPECT_EQ(seen, std::vector<int>(60, 1));
  // Seeded: the same seed the same rows, another seed other rows.
  EXPECT_EQ(split(13, 1).train.x, s.train.x);
  EXPECT_NE(split(13, 2).train.x, s.train.x);
  expect_data_error([&] { split(60, 1); }, {"validation rows (60)", "sorted"});
}

TEST(DataSplits, MissingClassesOfAFirstRowsValidation) {
  DataSplits s;
  s.train.dim = 1;
  s.train.classes = 4;
  s.train.y = {0, 0, 0, 1, 1, 3};
  s.train.x = {0, 0, 0, 0, 0, 0};
  s.train.n = 6;
  s.validation = 3;
  EXPECT_EQ(classes_missing_from_validation(s), (std::vector<int>{1, 3}));  // 2 has no rows
  s.validation = 4;
  EXPECT_EQ(classes_missing_from_validation(s), (std::vector<int>{3}));
}

// ---- CSV -------------------------------------------------------------------

class CsvTest : public ::testing::Test {
 protected:
  TempDir tmp;
  std::string path = tmp.file("data.csv");
  Dataset read(const std::string& text, int classes = 0) {
    write_file(path, text);
    return read_csv(path, classes);
  }
};

TEST_F(CsvTest, ReadsRows) {
  Dataset d = read("3,0,255,7\n1, 10 ,20,30\n");
  EXPECT_EQ(d.n, 2);
  EXPECT_EQ(d.dim, 3);
  EXPECT_EQ(d.classes, 4);
  EXPECT_EQ(d.x, (std::vector<uint8_t>{0, 255, 7, 10, 20, 30}));
  EXPECT_EQ(d.y, (std::vector<uint8_t>{3, 1}));
  EXPECT_EQ(d.source, path);
}

TEST_F(CsvTest, SkipsHeaderAcceptsCrlfAndNoFinalNewline) {
  Dataset d = read("label,p1,p2\r\n2,1,2\r\n0,3,4", 5);
  EXPECT_EQ(d.n, 2);
  EXPECT_EQ(d.dim, 2);
  EXPECT_EQ(d.classes, 5);
  EXPECT_EQ(d.x, (std::vector<uint8_t>{1, 2, 3, 4}));
  EXPECT_EQ(d.y, (std::vector<uint8_t>{2, 0}));
}

TEST_F(CsvTest, InfersAtLeastTwoClasses) {
  EXPECT_EQ(read("0,1\n0,2\n").classes, 2);
  EXPECT_EQ(read("0,1\n9,2\n").classes, 10);
}

TEST_F(CsvTest, ReadsGzipped) {
  write_file(path, gzip("1,2,3\n0,4,5\n"));
  Dataset d = read_csv(path, 0);
  EXPECT_EQ(d.n, 2);
  EXPECT_EQ(d.x, (std::vector<uint8_t>{2, 3, 4, 5}));
}

TEST_F(CsvTest, RaggedRow) {
  expect_data_error([&] { read("h,a,b\n1,2,3\n1,2,3\n1,2\n"); },
                    {path, "line 4", "ragged", "expected 3", "got 2"});
  expect_data_error([&] { read("1,2,3\n1,2,3,4\n"); }, {path, "line 2", "ragged", "got 4"});
}

TEST_F(CsvTest, BadValues) {
  // 2.5, 256 and -1 are real values now (test_data_float.cpp); what is not a number is not.
  expect_data_error([&] { read("1,2,3\n1,2,x7\n"); },
                    {path, "line 2", "column 3", "'x7'", "not a number"});
  expect_data_error([&] { read("1,2,\n"); }, {path, "line 1", "column 3", "not a number"});
  expect_data_error([&] { read("1,2,9e99999999999999999999999\n"); },
                    {path, "line 1", "column 3", "9e99999999999999999999999", "beyond float32"});
  expect_data_error([&] { read("1,2,3\n1.5,2,3\n"); }, {path, "line 2", "label", "not an integer"});
}

TEST_F(CsvTest, BadLabels) {
  expect_data_error([&] { read("1,2,3\n-1,2,3\n"); }, {path, "line 2", "negative label -1"});
  expect_data_error([&] { read("1,2,3\n10,2,3\n", 10); },
                    {path, "line 2", "label 10", "out of range"});
  expect_data_error([&] { read("1,2,3\n300,2,3\n"); },
                    {path, "line 2", "label 300", "out of range"});
}

TEST_F(CsvTest, EmptyFiles) {
  expect_data_error([&] { read(""); }, {path, "empty", "no data rows"});
  expect_data_error([&] { read("label,a,b\n\n"); }, {path, "no data rows"});
  expect_data_error([&] { read("5\n"); }, {path, "line 1", "at least one feature"});
  expect_data_error([&] { read_csv(tmp.file("absent.csv")); }, {"absent.csv", "cannot open"});
}

TEST_F(CsvTest, NumericLookingFirstLineIsNotAHeader) {
  // "1.5" is not an integer, but it is a number: an error, not a silently skipped header.
  expect_data_error([&] { read("1.5,2\n1,2\n"); }, {path, "line 1", "not an integer"});
  const std::string bom = "\xEF\xBB\xBF";
  EXPECT_EQ(read(bom + "1,2\n0,3\n").n, 2);  // a byte-order mark is not a header
}

// ---- load_data ---------------------------------------------------------------

void write_idx_dir(const std::string& dir, int train_n, int test_n, int dim, bool gz) {
  auto put = [&](const std::string& name, const std::string& raw) {
    write_file(dir + "/" + name + (gz ? ".gz" : ""), gz ? gzip(raw) : raw);
  };
  put("train-images-idx3-ubyte", idx_images(train_n, 1, dim, pixels(train_n, dim)));
  put("train-labels-idx1-ubyte", idx_labels(labels(train_n, 10)));
  put("t10k-images-idx3-ubyte", idx_images(test_n, 1, dim, pixels(test_n, dim)));
  put("t10k-labels-idx1-ubyte", idx_labels(labels(test_n, 10)));
}

TEST(LoadData, IdxDirectoryPrefersGzip) {
  TempDir tmp;
  write_idx_dir(tmp.path(), 30, 12, 6, true);
  write_idx_dir(tmp.path(), 31, 13, 6, false);  // raw copies that must not be read
  DataSource src;
  src.dir = tmp.path();
  src.validation = 5;
  DataSplits s = load_data(src);
  EXPECT_EQ(s.train.n, 30);
  EXPECT_EQ(s.test.n, 12);
  EXPECT_EQ(s.train.dim, 6);
  EXPECT_EQ(s.train.classes, 10);
  EXPECT_EQ(s.validation, 5);
  EXPECT_EQ(s.fit().n, 25);
  EXPECT_EQ(s.train.source, tmp.file("train-images-idx3-ubyte.gz"));
  // Without the gzipped test labels the raw ones are used, and they disagree in count.
  std::filesystem::remove(tmp.file("t10k-labels-idx1-ubyte.gz"));
  expect_data_error([&] { load_data(src); },
                    {"count mismatch", tmp.file("t10k-images-idx3-ubyte.gz"),
                     tmp.file("t10k-labels-idx1-ubyte"), "12 images", "13 labels"});
  std::filesystem::remove(tmp.file("t10k-images-idx3-ubyte.gz"));
  EXPECT_EQ(load_data(src).test.n, 13);
}

TEST(LoadData, IdxErrors) {
  TempDir tmp;
  DataSource src;
  src.dir = tmp.file("nowhere");
  expect_data_error([&] { load_data(src); }, {"nowhere", "does not exist"});
  src.dir = tmp.path();
  write_idx_dir(tmp.path(), 30, 12, 6, false);
  std::filesystem::remove(tmp.file("t10k-labels-idx1-ubyte"));
  expect_data_error([&] { load_data(src); }, {tmp.path(), "missing t10k-labels-idx1-ubyte"});
  write_idx_dir(tmp.path(), 30, 12, 6, false);
  src.validation = 30;
  expect_data_error([&] { load_data(src); }, {"validation", "30"});
  src.validation = 5;
  write_file(tmp.file("t10k-images-idx3-ubyte"), idx_images(12, 1, 7, pixels(12, 7)));
  expect_data_error([&] { load_data(src); }, {"features differ", "6", "7"});
  src.format = "parquet";
  EXPECT_THROW(load_data(src), ConfigError);
}

TEST(LoadData, DefaultDirectoryHint) {
  if (std::filesystem::exists(kDefaultFashionMnistDir))
    GTEST_SKIP() << kDefaultFashionMnistDir << " exists, so the install hint cannot show";
  expect_data_error([] { load_data(DataSource{}); },
                    {kDefaultFashionMnistDir, "apt-get install dataset-fashion-mnist", "--data"});
}

TEST(LoadData, Csv) {
  TempDir tmp;
  DataSource src;
  src.format = "csv";
  src.classes = 0;
  src.validation = 1;
  src.train_csv = tmp.file("train.csv");
  src.test_csv = tmp.file("test.csv");
  write_file(src.train_csv, "label,a,b\n0,1,2\n4,3,4\n2,5,6\n");
  write_file(src.test_csv, "1,7,8\n");
  DataSplits s = load_data(src);
  EXPECT_EQ(s.train.n, 3);
  EXPECT_EQ(s.test.n, 1);
  EXPECT_EQ(s.train.classes, 5);
  EXPECT_EQ(s.test.classes, 5);  // from the training set, not inferred again
  EXPECT_EQ(s.val().n, 1);
  EXPECT_EQ(s.fit().y[0], 4);
  write_file(src.test_csv, "1,7,8,9\n");
  expect_data_error([&] { load_data(src); }, {"features differ", src.test_csv});
  write_file(src.test_csv, "5,7,8\n");
  expect_data_error([&] { load_data(src); }, {src.test_csv, "line 1", "label 5", "out of range"});
  src.test_csv.clear();
  EXPECT_THROW(load_data(src), ConfigError);
}

TEST(FashionMnist, LoadsTheInstalledDataset) {
  if (!test::have_fashion_mnist())
    GTEST_SKIP() << "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)";
  DataSplits s = load_data(DataSource{});
  EXPECT_EQ(s.train.n, 60000);
  EXPECT_EQ(s.test.n, 10000);
  EXPECT_EQ(s.train.dim, 784);
  EXPECT_EQ(s.test.dim, 784);
  EXPECT_EQ(s.train.classes, 10);
  EXPECT_EQ(s.fit().n, 50000);
  EXPECT_EQ(s.val().n, 10000);
  // First labels and pixel sums of the first images, checked with python3 gzip + struct.
  EXPECT_EQ(s.train.y[0], 9);
  EXPECT_EQ(s.test.y[0], 9);
  long train_sum = 0, test_sum = 0;
  for (int k = 0; k < 784; ++k) train_sum += s.train.x[k], test_sum += s.test.x[k];
  EXPECT_EQ(train_sum, 76247);
  EXPECT_EQ(test_sum, 33456);
}

}  // namespace
}  // namespace qrsweep
