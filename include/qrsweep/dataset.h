// Datasets as qrsweep holds them: uint8 features (pixels) and uint8 labels, row-major.
// Features are scaled by 1/255 when they enter the first layer, on either backend, so
// the data sits in memory (and on the GPU) once, as bytes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace qrsweep {

// A non-owning window onto rows of a Dataset.
struct DatasetView {
  const uint8_t* x = nullptr;  // [n, dim]
  const uint8_t* y = nullptr;  // [n]
  int n = 0;
  int dim = 0;
  int classes = 0;
  DatasetView rows(int begin, int count) const;
};

struct Dataset {
  std::vector<uint8_t> x;
  std::vector<uint8_t> y;
  int n = 0;
  int dim = 0;
  int classes = 0;
  std::string source;  // where it was read from, for messages and the store
  DatasetView view() const { return DatasetView{x.data(), y.data(), n, dim, classes}; }
};

// IDX files (docs/semantics.md#data), gzip-compressed (by magic bytes) or raw. Throws DataError
// naming the file and the fault: bad magic, truncated data, count mismatch, label >= classes,
// broken gzip stream. `classes` 0 means max label + 1 (at least 2), as for read_csv.
Dataset read_idx(const std::string& images_path, const std::string& labels_path, int classes = 10);

// CSV: one row per sample, the label first, then dim integer features in 0..255. An
// optional header row (non-numeric first field) is skipped. Throws DataError naming the
// file, the line and the fault (ragged row, bad number, value out of range, bad label).
Dataset read_csv(const std::string& path, int classes = 0 /* 0: max label + 1 */);

// read_idx and read_csv on files already in memory, as stored (raw or gzipped); the
// names stand for the files in messages. The file readers read the files and call these.
Dataset read_idx_bytes(std::vector<uint8_t> images_file, const std::string& images_name,
                       std::vector<uint8_t> labels_file, const std::string& labels_name,
                       int classes = 10);
Dataset read_csv_bytes(std::vector<uint8_t> file, const std::string& name, int classes = 0);

// The standard split for a data source.
struct DataSplits {
  Dataset train;  // all training rows (60,000 for Fashion-MNIST)
  Dataset test;
  int validation = 10000;   // the FIRST `validation` training rows validate
                            // (docs/semantics.md#data; with split = "stratified" the rows
                            // were reordered to put a stratified choice first)
  DatasetView fit() const;  // training rows after the validation block
  DatasetView val() const;  // the validation block
};

// Where data comes from: a directory holding {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz],
// or two CSV files. Empty `dir` means Fashion-MNIST from Debian's dataset-fashion-mnist.
struct DataSource {
  std::string format = "idx";  // "idx" or "csv"
  std::string dir;             // idx: directory
  std::string train_csv, test_csv;
  int validation = 10000;
  int classes = 10;
  // Which training rows validate: "first" (the first `validation` rows, the notebook's) or
  // "stratified" (a choice seeded by split_seed holding every class in proportion).
  std::string split = "first";
  uint64_t split_seed = 0;
};

// split = "stratified": reorders `train` so that its first `validation` rows are a seeded
// choice holding each class in proportion to its count (largest remainders, ties to the
// lower class), the other rows after them; both groups keep the file's order.
void stratify_rows(Dataset& train, int validation, uint64_t seed);

// The classes that have training rows but none among the validation rows, ascending.
std::vector<int> classes_missing_from_validation(const DataSplits& s);

extern const char* const kDefaultFashionMnistDir;
// Throws DataError with install hints. Applies src.split; warns on stderr when the
// validation rows miss a class the training rows hold.
DataSplits load_data(const DataSource& src);

// What a sweep ran on, as loaded: the sizes and one 64-bit content hash (XXH64, chained
// over the training images, training labels, test images and test labels). The store
// records it so that a resume or a merge on other data is refused (docs/sweep.md).
struct DataIdentity {
  int64_t train_rows = 0;
  int64_t test_rows = 0;
  int features = 0;
  int classes = 0;
  uint64_t content_hash = 0;
};
DataIdentity data_identity(const DataSplits& data);
// "training rows: 60000 -> 59000", ... (stored -> now), one line per field that differs;
// empty when the identities are equal.
std::vector<std::string> data_differences(const DataIdentity& stored, const DataIdentity& now);
// The content hash as the store writes it: 16 lowercase hex digits.
std::string content_hash_hex(uint64_t hash);

}  // namespace qrsweep
