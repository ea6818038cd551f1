// StagingRing (see staging_ring.h).
#include "cuda/staging_ring.h"

#include <algorithm>
#include <cstring>

namespace qrsweep {
namespace {

constexpr size_t kStageAlign = 16;
constexpr size_t kFirstChunk = 64 << 10;

size_t align_up(size_t x, size_t a) { return (x + a - 1) / a * a; }

}  // namespace

StagingRing::StagingRing() : slots_(kSlots) {}

void StagingRing::begin_step() {
  cur_ = (cur_ + 1) % kSlots;
  Slot& s = slots_[cur_];
  if (s.recorded) CUDA_CHECK(cudaEventSynchronize(s.done.get()));  // its last step has run
  if (s.chunks.size() > 1) {  // the arena overflowed last time: one chunk of the total
    size_t total = 0;
    for (auto& c : s.chunks) total += c->host.bytes();
    s.chunks.clear();
    s.chunks.push_back(std::make_unique<Chunk>(total));
  }
  for (auto& c : s.chunks) c->used = c->flushed = 0;
}

const void* StagingRing::stage(const void* src, size_t bytes) {
  Slot& s = slots_[cur_];
  if (s.chunks.empty()) s.chunks.push_back(std::make_unique<Chunk>(std::max(kFirstChunk, bytes)));
  Chunk* c = s.chunks.back().get();
  size_t off = align_up(c->used, kStageAlign);
  if (off + bytes > c->host.bytes()) {
    // A new chunk: earlier addresses of this step stay valid.
    s.chunks.push_back(std::make_unique<Chunk>(std::max(2 * c->host.bytes(), bytes)));
    c = s.chunks.back().get();
    off = 0;
  }
  std::memcpy(c->host.get<unsigned char>() + off, src, bytes);
  c->used = off + bytes;
  return c->dev.get<unsigned char>() + off;
}

void StagingRing::flush(cudaStream_t stream) {
  for (auto& c : slots_[cur_].chunks) {
    if (c->used > c->flushed) {
      CUDA_CHECK(cudaMemcpyAsync(c->dev.get<unsigned char>() + c->flushed,
                                 c->host.get<unsigned char>() + c->flushed, c->used - c->flushed,
                                 cudaMemcpyHostToDevice, stream));
      c->flushed = c->used;
    }
  }
}

void StagingRing::end_step(cudaStream_t stream, bool check) {
  Slot& s = slots_[cur_];
  if (check) {
    CUDA_CHECK(cudaEventRecord(s.done.get(), stream));
    s.recorded = true;
  } else {
    s.recorded = cudaEventRecord(s.done.get(), stream) == cudaSuccess;
  }
}

}  // namespace qrsweep
