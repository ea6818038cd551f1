// Real-valued features: CSV with real values, NumPy .npy and .npz files, the [data] scale
// (divide_by_255, none, standardize on the fitting rows only), the data identity's
// feature type and scale, and the faults each reader names (exit 3 through DataError).
#include <gtest/gtest.h>
#include <zip.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
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

// An .npy file as NumPy writes it (format 1.0, header padded to 64 bytes).
std::string npy(const std::string& descr, const std::string& shape, const std::string& data,
                bool fortran = false, int major = 1) {
  std::string h = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
                  ", 'shape': " + shape + ", }";
  const size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + h.size() + 1) % 64 != 0) h += ' ';
  h += '\n';
  std::string out = std::string("\x93NUMPY", 6) + static_cast<char>(major) + '\0';
  const size_t n = h.size();
  out += static_cast<char>(n & 0xff);
  out += static_cast<char>((n >> 8) & 0xff);
  if (major != 1) out += std::string(2, '\0');
  return out + h + data;
}

template <typename T>
std::string raw(const std::vector<T>& v, bool big_endian = false) {
  std::string out(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  if (big_endian)
    for (size_t e = 0; e < v.size(); ++e)
      for (size_t b = 0; b < sizeof(T) / 2; ++b)
        std::swap(out[e * sizeof(T) + b], out[e * sizeof(T) + sizeof(T) - 1 - b]);
  return out;
}

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

// ---- CSV with real values ----------------------------------------------------

TEST(CsvReal, RealValuesMakeEveryFeatureAFloat) {
  TempDir tmp;
  const std::string path = tmp.file("r.csv");
  write_file(path, "a,b,c\n1,3,-0.5\n0,2.5e2,1e-3\n2, 300 ,+7\n");
  const Dataset d = read_csv(path, 0);
  EXPECT_EQ(d.n, 3);
  EXPECT_EQ(d.dim, 2);
  EXPECT_EQ(d.classes, 3);
  EXPECT_TRUE(d.x.empty());
  EXPECT_EQ(d.xf, (std::vector<float>{3.0f, -0.5f, 250.0f, 1e-3f, 300.0f, 7.0f}));
  // Integers 0..255 alone stay bytes, as before.
  write_file(path, "1,3,255\n0,0,7\n");
  const Dataset b = read_csv(path, 0);
  EXPECT_TRUE(b.xf.empty());
  EXPECT_EQ(b.x, (std::vector<uint8_t>{3, 255, 0, 7}));
}

TEST(CsvReal, NonFiniteAndNonNumbersNameFileLineAndColumn) {
  TempDir tmp;
  const std::string path = tmp.file("r.csv");
  auto read = [&](const std::string& text) {
    write_file(path, text);
    return read_csv(path, 0);
  };
  expect_data_error([&] { read("1,0.5,2\n0,nan,1\n"); }, {path, "line 2", "column 2", "NaN"});
  expect_data_error([&] { read("1,0.5,inf\n"); }, {path, "line 1", "column 3", "infinite"});
  expect_data_error([&] { read("1,0.5,-Infinity\n"); }, {path, "column 3", "infinite"});
  expect_data_error([&] { read("1,0.5,1e39\n"); }, {path, "column 3", "beyond float32"});
  expect_data_error([&] { read("1,0.5,x7\n"); }, {path, "column 3", "'x7'", "not a number"});
  expect_data_error([&] { read("1,0.5,\n"); }, {path, "column 3", "not a number"});
  expect_data_error([&] { read("1,0.5,1.5.2\n"); }, {path, "column 3", "not a number"});
}

// ---- .npy --------------------------------------------------------------------

TEST(Npy, ReadsFloat32Float64AndUint8InCOrder) {
  const std::vector<float> f32 = {0.5f, -1.25f, 3.0f, 1e-8f, 7.0f, -0.0f};
  NpyFeatures a = read_npy_features(bytes_of(npy("<f4", "(3, 2)", raw(f32))), "a.npy");
  EXPECT_EQ(a.rows, 3);
  EXPECT_EQ(a.dim, 2);
  EXPECT_EQ(a.floats, f32);
  EXPECT_TRUE(a.bytes.empty());

  const std::vector<double> f64 = {0.1, 2.0, -3.5, 4e10};
  NpyFeatures b = read_npy_features(bytes_of(npy("<f8", "(2, 2)", raw(f64))), "b.npy");
  EXPECT_EQ(b.floats, (std::vector<float>{0.1f, 2.0f, -3.5f, 4e10f}));

  // More than two dimensions flatten after the first (images as rows).
  const std::vector<uint8_t> u8 = {1, 2, 3, 4, 5, 6, 7, 8};
  NpyFeatures c = read_npy_features(bytes_of(npy("|u1", "(2, 2, 2)", raw(u8))), "c.npy");
  EXPECT_EQ(c.rows, 2);
  EXPECT_EQ(c.dim, 4);
  EXPECT_EQ(c.bytes, u8);
  EXPECT_TRUE(c.floats.empty());

  // Format 2.0 (a 4-byte header length) reads the same.
  NpyFeatures v2 = read_npy_features(bytes_of(npy("<f4", "(3, 2)", raw(f32), false, 2)), "v2");
  EXPECT_EQ(v2.floats, f32);
}

TEST(Npy, BigEndianIsConverted) {
  const std::vector<float> f = {1.5f, -2.0f};
  EXPECT_EQ(read_npy_features(bytes_of(npy(">f4", "(1, 2)", raw(f, true))), "be").floats, f);
  const std::vector<double> d = {0.25, 8.0};
  EXPECT_EQ(read_npy_features(bytes_of(npy(">f8", "(2, 1)", raw(d, true))), "be").floats,
            (std::vector<float>{0.25f, 8.0f}));
  const std::vector<int32_t> y = {3, 0, 255};
  EXPECT_EQ(read_npy_labels(bytes_of(npy(">i4", "(3,)", raw(y, true))), "y"),
            (std::vector<uint8_t>{3, 0, 255}));
}

TEST(Npy, LabelsOfAnyIntegerType) {
  EXPECT_EQ(read_npy_labels(bytes_of(npy("<i8", "(2,)", raw(std::vector<int64_t>{4, 9}))), "y"),
            (std::vector<uint8_t>{4, 9}));
  EXPECT_EQ(read_npy_labels(bytes_of(npy("|u1", "(2,)", raw(std::vector<uint8_t>{1, 0}))), "y"),
            (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(read_npy_labels(bytes_of(npy("<u2", "(1,)", raw(std::vector<uint16_t>{7}))), "y"),
            (std::vector<uint8_t>{7}));
  expect_data_error(
      [] {
        read_npy_labels(bytes_of(npy("<i4", "(2,)", raw(std::vector<int32_t>{1, -1}))), "y");
      },
      {"y: label at row 1", "out of range 0..255", "-1"});
  expect_data_error(
      [] { read_npy_labels(bytes_of(npy("<i2", "(1,)", raw(std::vector<int16_t>{256}))), "y"); },
      {"out of range", "256"});
  expect_data_error(
      [] { read_npy_labels(bytes_of(npy("<f4", "(1,)", raw(std::vector<float>{1}))), "y.npy"); },
      {"y.npy", "labels must be integers", "float32"});
  expect_data_error(
      [] { read_npy_labels(bytes_of(npy("|u1", "(1, 1)", raw(std::vector<uint8_t>{1}))), "y"); },
      {"1 dimension", "(1, 1)"});
}

TEST(Npy, BadFilesAreDataErrorsNamingTheFile) {
  const std::string good = npy("<f4", "(2, 2)", raw(std::vector<float>{1, 2, 3, 4}));
  auto features = [](const std::string& file) {
    return [file] { read_npy_features(bytes_of(file), "x.npy"); };
  };
  expect_data_error(features(""), {"x.npy", "not an .npy file"});
  expect_data_error(features("PK\x03\x04 a zip"), {"x.npy", "not an .npy file"});
  expect_data_error(features(good.substr(0, 9)), {"x.npy", "not an .npy file"});
  expect_data_error(features(good.substr(0, 40)), {"x.npy", "truncated .npy header"});
  expect_data_error(features(good.substr(0, good.size() - 1)),
                    {"x.npy", "truncated data", "4 elements of 4 bytes", "(2, 2)", "15 bytes"});
  expect_data_error(features(good + "x"), {"x.npy", "trailing data"});
  std::string v9 = good;
  v9[6] = 9;
  expect_data_error(features(v9), {"x.npy", "version 9.0"});
  expect_data_error(features(npy("<f4", "(2, 2)", raw(std::vector<float>{1, 2, 3, 4}), true)),
                    {"x.npy", "Fortran", "np.ascontiguousarray"});
  expect_data_error(features(npy("<i4", "(1, 1)", raw(std::vector<int32_t>{1}))),
                    {"x.npy", "float32, float64 or uint8", "int32"});
  expect_data_error(features(npy("<c8", "(1, 1)", std::string(8, '\0'))),
                    {"x.npy", "unsupported array type '<c8'"});
  expect_data_error(features(npy("<f4", "(4,)", raw(std::vector<float>{1, 2, 3, 4}))),
                    {"x.npy", "2 or more dimensions", "(4,)"});
  expect_data_error(features(npy("<f4", "(0, 3)", "")), {"x.npy", "no rows"});
  expect_data_error(features(npy("<f4", "(99999999999, 99999999999, 99999999999)", "")),
                    {"x.npy", "implausible shape"});
  // Headers that are not the dict NumPy writes.
  for (const std::string& h : {std::string("{'descr': '<f4', 'shape': (1, 1), }"),
                               std::string("{'descr': '<f4', 'fortran_order': False, "
                                           "'shape': (1, 1), 'extra': 1}"),
                               std::string("{'descr': '<f4', 'fortran_order': maybe, "
                                           "'shape': (1, 1)}"),
                               std::string("{'descr': '<f4', 'fortran_order': False, "
                                           "'shape': (1, x)}"),
                               std::string("[1, 2]"), std::string("{'descr': '<f4'")}) {
    std::string f = std::string("\x93NUMPY\x01\x00", 8);
    f += static_cast<char>(h.size());
    f += '\0';
    expect_data_error(features(f + h + std::string(4, '\0')), {"x.npy", "malformed .npy header"});
  }
}

TEST(Npy, NaNAndInfinityAreRefusedNamingRowAndFeature) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  expect_data_error(
      [&] {
        read_npy_features(bytes_of(npy("<f4", "(2, 2)", raw(std::vector<float>{0, 1, nan, 2}))),
                          "x.npy");
      },
      {"x.npy", "row 1, feature 0", "NaN"});
  expect_data_error(
      [&] {
        read_npy_features(bytes_of(npy("<f8", "(1, 2)", raw(std::vector<double>{0, -inf}))),
                          "x.npy");
      },
      {"x.npy", "row 0, feature 1", "infinite"});
  expect_data_error(
      [&] {
        read_npy_features(bytes_of(npy("<f8", "(1, 1)", raw(std::vector<double>{1e300}))), "x.npy");
      },
      {"x.npy", "beyond float32"});
}

TEST(Npy, FeaturesAndLabelsMustAgreeOnRows) {
  NpyFeatures x =
      read_npy_features(bytes_of(npy("<f4", "(3, 1)", raw(std::vector<float>{1, 2, 3}))), "x");
  expect_data_error(
      [&] {
        npy_dataset(x, "x_train.npy", {0, 1}, "y_train.npy", 0);
      },
      {"x_train.npy holds 3 rows", "y_train.npy holds 2 labels"});
  expect_data_error(
      [&] {
        npy_dataset(x, "x.npy", {0, 1, 5}, "y.npy", 3);
      },
      {"y.npy", "label 5", "expected 0..2"});
  const Dataset d = npy_dataset(x, "x.npy", {0, 1, 4}, "y.npy", 0);
  EXPECT_EQ(d.classes, 5);
  EXPECT_EQ(d.xf, (std::vector<float>{1, 2, 3}));
}

// ---- .npz and load_data ----------------------------------------------------------

// Writes an .npz (a zip, deflated as np.savez_compressed does) of the given members.
void write_npz(const std::string& path, const std::vector<std::pair<std::string, std::string>>& m) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  ASSERT_NE(z, nullptr);
  for (const auto& [name, data] : m) {
    zip_source_t* s = zip_source_buffer(z, data.data(), data.size(), 0);
    ASSERT_NE(s, nullptr);
    ASSERT_GE(zip_file_add(z, name.c_str(), s, ZIP_FL_OVERWRITE), 0);
  }
  ASSERT_EQ(zip_close(z), 0);
}

struct NumpyData {
  std::string x_train, y_train, x_test, y_test;
};

// 8 training rows (3 features; row r holds r, 10 r and -r / 2) and 3 test rows, 2 classes.
NumpyData small_numpy() {
  std::vector<float> xt, xs;
  std::vector<uint8_t> yt, ys;
  for (int r = 0; r < 8; ++r) {
    xt.insert(xt.end(), {float(r), 10.0f * r, -r / 2.0f});
    yt.push_back(static_cast<uint8_t>(r % 2));
  }
  for (int r = 0; r < 3; ++r) {
    xs.insert(xs.end(), {float(r) + 0.5f, 1.0f, 2.0f});
    ys.push_back(static_cast<uint8_t>(r % 2));
  }
  return {npy("<f4", "(8, 3)", raw(xt)), npy("|u1", "(8,)", raw(yt)), npy("<f4", "(3, 3)", raw(xs)),
          npy("<i8", "(3,)", raw(std::vector<int64_t>(ys.begin(), ys.end())))};
}

DataSource numpy_source(const std::string& format, const std::string& where, int validation) {
  DataSource src;
  src.format = format;
  (format == "npy" ? src.dir : src.file) = where;
  src.validation = validation;
  src.classes = 2;
  return src;
}

TEST(LoadNumpy, NpyDirectoryAndNpzFileLoadTheSameSplits) {
  TempDir tmp;
  const NumpyData n = small_numpy();
  write_file(tmp.file("x_train.npy"), n.x_train);
  write_file(tmp.file("y_train.npy"), n.y_train);
  write_file(tmp.file("x_test.npy"), n.x_test);
  write_file(tmp.file("y_test.npy"), n.y_test);
  write_npz(tmp.file("d.npz"), {{"x_train.npy", n.x_train},
                                {"y_train.npy", n.y_train},
                                {"x_test.npy", n.x_test},
                                {"y_test.npy", n.y_test}});
  const DataSplits a = load_data(numpy_source("npy", tmp.path(), 2));
  const DataSplits b = load_data(numpy_source("npz", tmp.file("d.npz"), 2));
  EXPECT_EQ(a.train.n, 8);
  EXPECT_EQ(a.test.n, 3);
  EXPECT_EQ(a.train.dim, 3);
  EXPECT_EQ(a.scale, "none");  // the default for float features
  EXPECT_EQ(a.train.xf[3 * 7 + 1], 70.0f);
  EXPECT_EQ(a.train.xf, b.train.xf);
  EXPECT_EQ(a.test.xf, b.test.xf);
  EXPECT_EQ(a.test.y, (std::vector<uint8_t>{0, 1, 0}));
  EXPECT_EQ(data_identity(a).content_hash, data_identity(b).content_hash);
}

TEST(LoadNumpy, NpzFaultsNameTheFileAndTheMember) {
  TempDir tmp;
  const NumpyData n = small_numpy();
  const std::string path = tmp.file("d.npz");
  write_npz(path, {{"x_train.npy", n.x_train}, {"y_train.npy", n.y_train}});
  expect_data_error([&] { load_data(numpy_source("npz", path, 2)); },
                    {path, "no array 'x_test'", "x_train, y_train, x_test and y_test"});
  write_npz(path, {{"x_train.npy", n.x_train},
                   {"y_train.npy", n.y_train.substr(0, n.y_train.size() - 2)},
                   {"x_test.npy", n.x_test},
                   {"y_test.npy", n.y_test}});
  expect_data_error([&] { load_data(numpy_source("npz", path, 2)); },
                    {path + ": y_train", "truncated data"});
  write_file(path, "not a zip at all");
  expect_data_error([&] { load_data(numpy_source("npz", path, 2)); },
                    {path, "not a readable .npz"});
  // A truncated zip (its central directory cut off).
  write_npz(path, {{"x_train.npy", n.x_train},
                   {"y_train.npy", n.y_train},
                   {"x_test.npy", n.x_test},
                   {"y_test.npy", n.y_test}});
  const std::string whole = test::read_file(path);
  write_file(path, whole.substr(0, whole.size() - 30));
  expect_data_error([&] { load_data(numpy_source("npz", path, 2)); }, {path});
  // A member whose stored bytes are damaged: the CRC check catches it.
  std::string damaged = whole;
  const size_t at = damaged.find("x_test.npy");
  ASSERT_NE(at, std::string::npos);
  damaged[at + 10 + 8] ^= 0x55;  // inside the member's data, after its local header
  write_file(path, damaged);
  expect_data_error([&] { load_data(numpy_source("npz", path, 2)); }, {path});
  expect_data_error([&] { load_data(numpy_source("npz", tmp.file("absent.npz"), 2)); },
                    {"absent.npz"});
}

TEST(LoadNumpy, NpyDirectoryFaultsNameTheFile) {
  TempDir tmp;
  const NumpyData n = small_numpy();
  write_file(tmp.file("x_train.npy"), n.x_train);
  write_file(tmp.file("y_train.npy"), npy("|u1", "(7,)", std::string(7, '\0')));
  expect_data_error([&] { load_data(numpy_source("npy", tmp.path(), 2)); },
                    {"x_train.npy holds 8 rows", "y_train.npy holds 7 labels"});
  write_file(tmp.file("y_train.npy"), n.y_train);
  expect_data_error([&] { load_data(numpy_source("npy", tmp.path(), 2)); }, {"x_test.npy"});
  write_file(tmp.file("x_test.npy"), npy("<f4", "(1, 2)", raw(std::vector<float>{1, 2})));
  write_file(tmp.file("y_test.npy"), npy("|u1", "(1,)", std::string(1, '\0')));
  expect_data_error([&] { load_data(numpy_source("npy", tmp.path(), 2)); },
                    {"features differ", "3 per row", "has 2"});
}

// ---- scale ---------------------------------------------------------------------

DataSplits byte_splits() {
  DataSplits s;
  s.train.dim = 2;
  s.train.n = 4;
  s.train.classes = 2;
  s.train.x = {255, 0, 51, 10, 102, 20, 0, 30};
  s.train.y = {0, 1, 0, 1};
  s.test = s.train;
  s.test.n = 1;
  s.test.x = {51, 40};
  s.test.y = {1};
  s.validation = 1;
  return s;
}

TEST(Scale, DivideBy255KeepsBytesAndNoneOrFloatsConvert) {
  DataSplits a = byte_splits();
  apply_scale(a, "");
  EXPECT_EQ(a.scale, "divide_by_255");
  EXPECT_FALSE(a.train.float_features());  // the first layer divides, as it always has
  EXPECT_EQ(a.train.view().x, a.train.x.data());

  DataSplits b = byte_splits();
  apply_scale(b, "none");
  ASSERT_TRUE(b.train.float_features());
  EXPECT_TRUE(b.train.x.empty());
  EXPECT_EQ(b.train.xf[0], 255.0f);
  EXPECT_EQ(b.test.xf, (std::vector<float>{51.0f, 40.0f}));
  EXPECT_EQ(b.train.view().xf, b.train.xf.data());
  EXPECT_EQ(b.train.view().x, nullptr);

  DataSplits c = byte_splits();
  c.train.xf.assign(c.train.x.begin(), c.train.x.end());
  c.train.x.clear();
  apply_scale(c, "divide_by_255");  // floats divided with the bytes' own expression
  EXPECT_EQ(c.train.xf[2], 51.0f / 255.0f);
  EXPECT_EQ(c.test.xf[0], static_cast<float>(uint8_t{51}) / 255.0f);  // test bytes promoted
  EXPECT_THROW(apply_scale(c, "unit"), ConfigError);
}

TEST(Scale, StandardizeLearnsFromTheFittingRowsOnly) {
  // Training rows 1..3 fit; row 0 validates and holds an outlier that must not move the
  // statistics: feature 0 of the fitting rows is 51, 102, 0 (mean 51), feature 1 is
  // 10, 20, 30 (mean 20).
  DataSplits s = byte_splits();
  apply_scale(s, "standardize");
  ASSERT_TRUE(s.train.float_features());
  const double sd0 = std::sqrt((0.0 + 51.0 * 51 + 51.0 * 51) / 3), sd1 = std::sqrt(200.0 / 3);
  EXPECT_DOUBLE_EQ(s.mean[0], 51.0);
  EXPECT_DOUBLE_EQ(s.mean[1], 20.0);
  EXPECT_DOUBLE_EQ(s.sd[0], sd0);
  EXPECT_DOUBLE_EQ(s.sd[1], sd1);
  // The fitting rows are centred and unit-scaled...
  const DatasetView fit = s.fit();
  for (int k = 0; k < 2; ++k) {
    double m = 0, v = 0;
    for (int r = 0; r < fit.n; ++r) m += fit.xf[r * 2 + k];
    for (int r = 0; r < fit.n; ++r) v += (fit.xf[r * 2 + k] - m / 3) * (fit.xf[r * 2 + k] - m / 3);
    EXPECT_NEAR(m / 3, 0.0, 1e-6);
    EXPECT_NEAR(v / 3, 1.0, 1e-6);
  }
  // ...and the validation and test rows use the same statistics.
  EXPECT_FLOAT_EQ(s.train.xf[0], static_cast<float>((255.0 - 51.0) / sd0));
  EXPECT_FLOAT_EQ(s.test.xf[1], static_cast<float>((40.0 - 20.0) / sd1));

  // A constant feature keeps a divisor of 1 (no division by zero).
  DataSplits k = byte_splits();
  for (int r = 1; r < 4; ++r) k.train.x[r * 2] = 9;
  apply_scale(k, "standardize");
  EXPECT_EQ(k.sd[0], 1.0);
  EXPECT_EQ(k.train.xf[2], 0.0f);
}

TEST(Scale, StandardizeAfterAStratifiedSplitUsesTheRowsThatFit) {
  // Through load_data: the validation rows are chosen first, then the statistics.
  TempDir tmp;
  std::string csv;
  for (int r = 0; r < 40; ++r)
    csv += std::to_string(r % 2) + "," + std::to_string(r < 10 ? 1000.0 + r : 0.25 * r) + "\n";
  write_file(tmp.file("t.csv"), csv);
  DataSource src;
  src.format = "csv";
  src.train_csv = src.test_csv = tmp.file("t.csv");
  src.validation = 10;
  src.classes = 2;
  src.scale = "standardize";
  const DataSplits first = load_data(src);
  // split = "first": the outliers (rows 0..9) validate, so they are out of the mean.
  double m = 0;
  for (int r = 10; r < 40; ++r) m += 0.25 * r;
  EXPECT_DOUBLE_EQ(first.mean[0], m / 30);
  src.split = "stratified";
  const DataSplits strat = load_data(src);
  double fit_mean = 0;
  const DatasetView fit = strat.fit();
  for (int r = 0; r < fit.n; ++r) fit_mean += fit.xf[r];
  EXPECT_NEAR(fit_mean / fit.n, 0.0, 1e-6);
  EXPECT_NE(strat.mean[0], first.mean[0]);
}

TEST(Scale, IdentityHoldsTheFeatureTypeAndTheScale) {
  DataSplits bytes = byte_splits(), none = byte_splits(), std_ = byte_splits();
  const uint64_t before = data_identity(bytes).content_hash;  // never scaled: bytes
  apply_scale(bytes, "");
  apply_scale(none, "none");
  apply_scale(std_, "standardize");
  EXPECT_EQ(data_identity(bytes).content_hash, before);  // stores from before still match
  EXPECT_NE(data_identity(none).content_hash, before);
  EXPECT_NE(data_identity(std_).content_hash, data_identity(none).content_hash);
  // The same float values under another scale's name differ too.
  DataSplits none2 = byte_splits(), by255 = byte_splits();
  none2.train.xf = {1, 2, 3, 4, 5, 6, 7, 8};
  none2.train.x.clear();
  apply_scale(none2, "none");
  by255 = none2;
  by255.scale = "divide_by_255";  // as if scaled: the same floats, another scale
  EXPECT_NE(data_identity(none2).content_hash, data_identity(by255).content_hash);
}

}  // namespace
}  // namespace qrsweep
