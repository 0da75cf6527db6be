#pragma once
// A tiny, fully specified random source. std::shuffle and the std distributions
// are implementation-defined; these are not, so a split or a batch can be
// reproduced bit-for-bit anywhere (the PyTorch peer in bench/ reimplements them).

#include <cstdint>
#include <vector>

namespace grokscope {

// SplitMix64 (Steele, Lea, Flood 2014).
class SplitMix64 {
public:
    explicit SplitMix64(uint64_t seed) : m_state(seed) {}
    uint64_t next()
    {
        uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    // Uniform in [0, bound). The modulo bias is below 2^-40 for the bounds used here.
    uint64_t below(uint64_t bound) { return next() % bound; }

private:
    uint64_t m_state;
};

// A stream keyed by (seed, purpose, index): the batch of step t is drawn from
// streamSeed(modelSeed, kBatchStream, t), so resuming at any step needs no RNG state.
inline uint64_t streamSeed(uint64_t seed, uint64_t purpose, uint64_t index)
{
    SplitMix64 mixer(seed ^ (purpose * 0xD1B54A32D192ED03ULL));
    const uint64_t base = mixer.next();
    SplitMix64 indexed(base + index * 0x9E3779B97F4A7C15ULL);
    return indexed.next();
}

// kEvaluationMixingStream: the mixing plans of the evaluation and probe passes under
// intervention.mixing_at_evaluation (train/evaluation_mixing.h), apart from training's.
enum StreamPurpose : uint64_t {
    kSplitStream = 1,
    kProbeStream = 2,
    kBatchStream = 3,
    kMixingStream = 4,
    kEvaluationMixingStream = 5
};

// Fisher–Yates, from the last element down.
template <typename T>
void seededShuffle(std::vector<T>& values, SplitMix64& random)
{
    for (size_t i = values.size(); i > 1; --i) {
        const size_t j = static_cast<size_t>(random.below(i));
        std::swap(values[i - 1], values[j]);
    }
}

}  // namespace grokscope
