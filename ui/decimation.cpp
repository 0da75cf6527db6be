#include "decimation.h"

#include <algorithm>
#include <cmath>

namespace grokscope::ui {

void IndexedValues::assign(const QVector<double>& values)
{
    clear();
    m_values.reserve(values.size());
    for (double v : values)
        append(v);
}

void IndexedValues::append(double value)
{
    const int index = size();
    m_values.append(value);
    if (index % kBlock == 0)
        m_blocks.emplace_back();
    include(m_blocks.back(), index);
}

void IndexedValues::clear()
{
    m_values.clear();
    m_blocks.clear();
}

// Strict comparisons in index order keep first occurrences, as a plain scan would.
void IndexedValues::include(Extremes& e, int index) const
{
    const double v = m_values[index];
    if (!std::isfinite(v))
        return;
    if (e.minAt < 0 || v < m_values[e.minAt])
        e.minAt = index;
    if (e.maxAt < 0 || v > m_values[e.maxAt])
        e.maxAt = index;
    if (v > 0.0 && (e.minPositiveAt < 0 || v < m_values[e.minPositiveAt]))
        e.minPositiveAt = index;
}

void IndexedValues::merge(Extremes& into, const Extremes& block) const
{
    if (block.minAt >= 0 && (into.minAt < 0 || m_values[block.minAt] < m_values[into.minAt]))
        into.minAt = block.minAt;
    if (block.maxAt >= 0 && (into.maxAt < 0 || m_values[block.maxAt] > m_values[into.maxAt]))
        into.maxAt = block.maxAt;
    if (block.minPositiveAt >= 0
        && (into.minPositiveAt < 0 || m_values[block.minPositiveAt] < m_values[into.minPositiveAt]))
        into.minPositiveAt = block.minPositiveAt;
}

IndexedValues::Extremes IndexedValues::find(int first, int last) const
{
    Extremes e;
    int i = first;
    // Head up to a block boundary, whole blocks from their summaries, then the tail.
    for (; i < last && i % kBlock != 0; ++i)
        include(e, i);
    for (; i + kBlock <= last; i += kBlock)
        merge(e, m_blocks[static_cast<size_t>(i / kBlock)]);
    for (; i < last; ++i)
        include(e, i);
    return e;
}

DecimatedSeries decimateMinMax(const QVector<double>& keys, const IndexedValues& values, double keyLow,
                               double keyHigh, int buckets)
{
    DecimatedSeries out;
    const int n = std::min(static_cast<int>(keys.size()), values.size());
    if (n == 0 || buckets <= 0)
        return out;
    const auto keysEnd = keys.begin() + n;
    int first = static_cast<int>(std::lower_bound(keys.begin(), keysEnd, keyLow) - keys.begin());
    int last = static_cast<int>(std::upper_bound(keys.begin(), keysEnd, keyHigh) - keys.begin());
    first = std::max(0, first - 1);
    last = std::min(n, last + 1);
    if (last - first <= 2 * buckets || keyHigh <= keyLow) {
        out.keys = keys.mid(first, last - first);
        out.values = values.values().mid(first, last - first);
        return out;
    }
    out.keys.reserve(2 * buckets + 2);
    out.values.reserve(2 * buckets + 2);
    auto keep = [&](int index) {
        out.keys.append(keys[index]);
        out.values.append(values[index]);
    };
    const double width = (keyHigh - keyLow) / buckets;
    int i = first;
    while (i < last) {
        const double bucketEnd = keyLow + (std::floor((keys[i] - keyLow) / width) + 1.0) * width;
        // The bucket is [i, j): every point before the first key at or past its end.
        // Galloping from i costs O(log bucket size) rather than O(log window).
        int below = i, step = 1;
        while (below + step < last && keys[below + step] < bucketEnd) {
            below += step;
            step *= 2;
        }
        const auto bracketEnd = keys.begin() + std::min(last, below + step);
        const int j = static_cast<int>(std::lower_bound(keys.begin() + below + 1, bracketEnd, bucketEnd) - keys.begin());
        const IndexedValues::Extremes e = values.find(i, j);
        if (e.minAt < 0) {
            keep(i);
        } else {
            keep(std::min(e.minAt, e.maxAt));
            if (e.minAt != e.maxAt)
                keep(std::max(e.minAt, e.maxAt));
        }
        i = j;
    }
    return out;
}

}  // namespace grokscope::ui
