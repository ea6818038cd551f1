// Datasets as qrsweep holds them: uint8 labels and, row-major, either uint8 features
// (pixels: scaled by 1/255 when they enter the first layer, on either backend, so the
// data sits in memory and on the GPU once, as bytes) or float32 features (real-valued
// data, and bytes under another [data] scale: held scaled, read as they are).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace qrsweep {

// A non-owning window onto rows of a Dataset.
struct DatasetView {
  const uint8_t* x = nullptr;  // [n, dim] byte features (null when xf holds them)
  const uint8_t* y = nullptr;  // [n]
  int n = 0;
  int dim = 0;
  int classes = 0;
  const float* xf = nullptr;  // [n, dim] float features, as the first layer reads them
  DatasetView rows(int begin, int count) const;
};

struct Dataset {
  std::vector<uint8_t> x;
  std::vector<uint8_t> y;
  int n = 0;
  int dim = 0;
  int classes = 0;
  std::string source;  // where it was read from, for messages and the store
  // Float features (real-valued data): when not empty they are the features and x is
  // empty. Held as the first layer reads them, the [data] scale applied.
  std::vector<float> xf;
  bool float_features() const { return !xf.empty(); }
  DatasetView view() const {
    return DatasetView{float_features() ? nullptr : x.data(), y.data(), n, dim, classes,
                       float_features() ? xf.data() : nullptr};
  }
};

// IDX files (docs/semantics.md#data), gzip-compressed (by magic bytes) or raw. Throws DataError
// naming the file and the fault: bad magic, truncated data, count mismatch, label >= classes,
// broken gzip stream. `classes` 0 means max label + 1 (at least 2), as for read_csv.
Dataset read_idx(const std::string& images_path, const std::string& labels_path, int classes = 10);

// CSV: one row per sample, the label first, then dim features: bytes (x) when every one
// is an integer 0..255, else floats (xf). An optional header row (no field looks like a
// number) is skipped. Throws DataError naming the file, the line and the fault (ragged
// row, not a number, NaN, infinite or beyond float32, bad label).
Dataset read_csv(const std::string& path, int classes = 0 /* 0: max label + 1 */);

// read_idx and read_csv on files already in memory, as stored (raw or gzipped); the
// names stand for the files in messages. The file readers read the files and call these.
Dataset read_idx_bytes(std::vector<uint8_t> images_file, const std::string& images_name,
                       std::vector<uint8_t> labels_file, const std::string& labels_name,
                       int classes = 10);
Dataset read_csv_bytes(std::vector<uint8_t> file, const std::string& name, int classes = 0);

// NumPy arrays (docs/train.md#data): an .npy file's bytes to features or labels. Features:
// float32, float64 or uint8, C order, 2 or more dimensions (rows, then the rest flattened);
// labels: any integer type, 1 dimension, values 0..255. Big-endian arrays are converted.
// Throws DataError naming `name` and the fault (bad magic or header, Fortran order, an
// unsupported type, sizes that disagree with the file, NaN or infinite features).
struct NpyFeatures {
  std::vector<uint8_t> bytes;  // uint8 arrays
  std::vector<float> floats;   // float arrays (bytes empty)
  int64_t rows = 0;
  int dim = 0;
};
NpyFeatures read_npy_features(const std::vector<uint8_t>& file, const std::string& name);
std::vector<uint8_t> read_npy_labels(const std::vector<uint8_t>& file, const std::string& name);
// Features and labels into one Dataset (`classes` as for read_csv), checking that their
// row counts agree; the names are the two arrays' in messages.
Dataset npy_dataset(NpyFeatures x, const std::string& x_name, std::vector<uint8_t> y,
                    const std::string& y_name, int classes);
// An .npz file (a zip of .npy files, as np.savez and np.savez_compressed write): the
// member `<array>.npy`'s bytes. Throws DataError naming the file and the member.
std::vector<uint8_t> read_npz_member(const std::vector<uint8_t>& zip, const std::string& name,
                                     const std::string& array);

// The standard split for a data source.
struct DataSplits {
  Dataset train;  // all training rows (60,000 for Fashion-MNIST)
  Dataset test;
  int validation = 10000;   // the FIRST `validation` training rows validate
                            // (docs/semantics.md#data; with split = "stratified" the rows
                            // were reordered to put a stratified choice first)
  DatasetView fit() const;  // training rows after the validation block
  DatasetView val() const;  // the validation block
  std::string scale;        // the [data] scale applied (apply_scale; "" before)
  std::vector<double> mean, sd;  // standardize: per feature, from the fitting rows
};

// Where data comes from: a directory holding {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz],
// two CSV files, a directory of .npy files or an .npz file. Empty `dir` means Fashion-MNIST from
// Debian's dataset-fashion-mnist.
struct DataSource {
  std::string format = "idx";  // "idx", "csv", "npy" or "npz"
  std::string dir;             // idx: directory; npy: directory of x_train.npy, y_train.npy,
                               // x_test.npy, y_test.npy
  std::string train_csv, test_csv;
  int validation = 10000;
  int classes = 10;
  // Which training rows validate: "first" (the first `validation` rows, the notebook's) or
  // "stratified" (a choice seeded by split_seed holding every class in proportion).
  std::string split = "first";
  uint64_t split_seed = 0;
  std::string file;  // npz: the .npz file (arrays x_train, y_train, x_test, y_test)
  // How features enter the first layer: "divide_by_255", "none" or "standardize" (mean
  // and standard deviation of the fitting rows); empty: divide_by_255 for byte features,
  // none for real-valued ones.
  std::string scale;
};

// Applies `scale` (DataSource::scale) to loaded splits: byte features stay bytes under
// divide_by_255 (the first layer divides), anything else becomes float features, scaled.
// standardize uses the statistics of s.fit() only, and applies them to every row.
void apply_scale(DataSplits& s, const std::string& scale);
// The scale an empty [data] scale stands for: "none" for float features, else
// "divide_by_255"; a named scale stands for itself.
std::string resolved_scale(const std::string& scale, bool float_features);

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
  uint64_t content_hash = 0;  // byte features scaled by 255 hash as bytes; float features
                              // hash as the floats loaded, chained after their scale's name
};
DataIdentity data_identity(const DataSplits& data);
// "training rows: 60000 -> 59000", ... (stored -> now), one line per field that differs;
// empty when the identities are equal.
std::vector<std::string> data_differences(const DataIdentity& stored, const DataIdentity& now);
// The content hash as the store writes it: 16 lowercase hex digits.
std::string content_hash_hex(uint64_t hash);

}  // namespace qrsweep
