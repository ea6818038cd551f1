// XXH64 (Yann Collet's xxHash, 64-bit variant): a fast, well-mixed, non-cryptographic
// hash of a byte range, for recognising the data a sweep ran on (data_identity).
#pragma once
#include <cstddef>
#include <cstdint>

namespace qrsweep::data_detail {

// XXH64 of `size` bytes at `bytes` with `seed`, equal to the reference implementation's
// XXH64(bytes, size, seed) on every platform (little-endian reads, whatever the host).
uint64_t xxh64(const void* bytes, size_t size, uint64_t seed);

}  // namespace qrsweep::data_detail
