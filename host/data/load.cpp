// load_data: a DataSource (an IDX directory, Fashion-MNIST by default, two CSV files, a
// directory of .npy files or an .npz file) to train and test sets, scaled, with the hints a
// user needs when the data is not there.
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>

#include "data/file_bytes.h"
#include "qrsweep/common.h"
#include "qrsweep/dataset.h"

namespace qrsweep {

const char* const kDefaultFashionMnistDir = "/usr/share/datasets/fashion-mnist";

namespace {

namespace fs = std::filesystem;

const char* const kInstallHint =
    "install it with `apt-get install dataset-fashion-mnist` or point `--data` / the space "
    "file's data keys at another directory";

// `<dir>/<stem>.gz` when present (preferred), else `<dir>/<stem>`.
std::string find_idx(const std::string& dir, const std::string& stem, bool is_default) {
  std::error_code ec;
  for (const std::string& name : {stem + ".gz", stem}) {
    fs::path p = fs::path(dir) / name;
    if (fs::exists(p, ec)) return p.string();
  }
  std::string msg = dir + ": missing " + stem + "[.gz]";
  if (is_default) msg += std::string("; ") + kInstallHint;
  throw DataError(msg);
}

DataSplits load_idx(const DataSource& src) {
  const bool is_default = src.dir.empty();
  const std::string dir = is_default ? kDefaultFashionMnistDir : src.dir;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    if (is_default)
      throw DataError("Fashion-MNIST is not installed (no directory " + dir + "): " + kInstallHint);
    throw DataError("data directory " + dir + " does not exist or is not a directory");
  }
  // Found in order, so a missing file is reported in the order a reader would expect.
  const std::string train_images = find_idx(dir, "train-images-idx3-ubyte", is_default);
  const std::string train_labels = find_idx(dir, "train-labels-idx1-ubyte", is_default);
  const std::string test_images = find_idx(dir, "t10k-images-idx3-ubyte", is_default);
  const std::string test_labels = find_idx(dir, "t10k-labels-idx1-ubyte", is_default);
  DataSplits s;
  s.train = read_idx(train_images, train_labels, src.classes);
  s.test = read_idx(test_images, test_labels, s.train.classes);
  return s;
}

DataSplits load_csv(const DataSource& src) {
  if (src.train_csv.empty() || src.test_csv.empty())
    throw ConfigError("csv data needs both a training and a test file");
  DataSplits s;
  s.train = read_csv(src.train_csv, src.classes);
  // The test set uses the training set's classes, so an inferred count agrees.
  s.test = read_csv(src.test_csv, s.train.classes);
  return s;
}

// npy: x_train.npy, y_train.npy, x_test.npy, y_test.npy in a directory; npz: the same
// arrays (without .npy) in one zip.
Dataset load_npy_pair(const std::string& dir, const std::string& part, int classes) {
  const std::string x = (fs::path(dir) / ("x_" + part + ".npy")).string();
  const std::string y = (fs::path(dir) / ("y_" + part + ".npy")).string();
  NpyFeatures features = read_npy_features(data::read_raw_file_bytes(x), x);  // x first
  return npy_dataset(std::move(features), x, read_npy_labels(data::read_raw_file_bytes(y), y), y,
                     classes);
}

Dataset load_npz_pair(const std::vector<uint8_t>& zip, const std::string& path,
                      const std::string& part, int classes) {
  const std::string x = path + ": x_" + part, y = path + ": y_" + part;
  NpyFeatures features = read_npy_features(read_npz_member(zip, path, "x_" + part), x);
  return npy_dataset(std::move(features), x,
                     read_npy_labels(read_npz_member(zip, path, "y_" + part), y), y, classes);
}

DataSplits load_numpy(const DataSource& src) {
  DataSplits s;
  if (src.format == "npy") {
    std::error_code ec;
    if (!fs::is_directory(src.dir, ec))
      throw DataError("data directory " + src.dir + " does not exist or is not a directory");
    s.train = load_npy_pair(src.dir, "train", src.classes);
    s.test = load_npy_pair(src.dir, "test", s.train.classes);
  } else {
    if (src.file.empty()) throw ConfigError("npz data needs a file (data.file)");
    const std::vector<uint8_t> zip = data::read_raw_file_bytes(src.file);
    s.train = load_npz_pair(zip, src.file, "train", src.classes);
    s.test = load_npz_pair(zip, src.file, "test", s.train.classes);
  }
  return s;
}

}  // namespace

DataSplits load_data(const DataSource& src) {
  DataSplits s;
  if (src.format == "idx") {
    s = load_idx(src);
  } else if (src.format == "csv") {
    s = load_csv(src);
  } else if (src.format == "npy" || src.format == "npz") {
    s = load_numpy(src);
  } else {
    throw ConfigError("unknown data format '" + src.format + "' (expected idx, csv, npy or npz)");
  }
  if (s.train.dim != s.test.dim)
    throw DataError("train and test features differ: " + s.train.source + " has " +
                    std::to_string(s.train.dim) + " per row, " + s.test.source + " has " +
                    std::to_string(s.test.dim));
  if (s.train.classes != s.test.classes)
    throw DataError("train and test classes differ: " + s.train.source + " has " +
                    std::to_string(s.train.classes) + ", " + s.test.source + " has " +
                    std::to_string(s.test.classes));
  s.validation = src.validation;
  s.val();  // checks the split now, while the source is at hand
  if (src.split == "stratified") stratify_rows(s.train, s.validation, src.split_seed);
  apply_scale(s, src.scale);  // after the split: standardize learns from the fitting rows
  const std::vector<int> missing = classes_missing_from_validation(s);
  if (!missing.empty()) {
    std::string list;
    for (int c : missing) list += (list.empty() ? "" : ", ") + std::to_string(c);
    std::fprintf(stderr,
                 "qrsweep: warning: the %d validation rows of %s hold no row of class %s; "
                 "validation loss and accuracy ignore %s (split = \"stratified\" in [data] "
                 "validates on every class)\n",
                 s.validation, s.train.source.c_str(), list.c_str(),
                 missing.size() == 1 ? "it" : "them");
  }
  return s;
}

}  // namespace qrsweep
