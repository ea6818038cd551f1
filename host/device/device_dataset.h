// A dataset's rows and labels in executor memory, and the label check every device path
// makes before it uploads them (the single-trial DeviceSession and the packed scheduler).
#pragma once
#include <cstdint>

#include "device/executor.h"
#include "qrsweep/backend.h"

namespace qrsweep {

struct DeviceDataset {
  DeviceArray<uint8_t> x;  // n * dim bytes, row-major (at least one byte)
  DeviceArray<uint8_t> y;  // n labels (at least one byte)
  DeviceArray<float> xf;   // float features: n * dim floats (x then holds one byte); else none
};

// Throws DataError naming the first row of `v` whose label is not below `classes`.
void check_labels(const DatasetView& v, int classes);

// Copies `v`'s rows and labels into memory of `ex`. An empty view gets one-byte arrays, so
// every pointer is valid.
DeviceDataset upload_dataset(Executor* ex, const DatasetView& v);

}  // namespace qrsweep
