#include "decimation.h"

#include <algorithm>
#include <cmath>

namespace grokscope::ui {

DecimatedSeries decimateMinMax(const QVector<double>& keys, const QVector<double>& values, double keyLow,
                               double keyHigh, int buckets)
{
    DecimatedSeries out;
    const int n = static_cast<int>(std::min(keys.size(), values.size()));
    if (n == 0 || buckets <= 0)
        return out;
    int first = static_cast<int>(std::lower_bound(keys.begin(), keys.begin() + n, keyLow) - keys.begin());
    int last = static_cast<int>(std::upper_bound(keys.begin(), keys.begin() + n, keyHigh) - keys.begin());
    first = std::max(0, first - 1);
    last = std::min(n, last + 1);
    if (last - first <= 2 * buckets || keyHigh <= keyLow) {
        out.keys = keys.mid(first, last - first);
        out.values = values.mid(first, last - first);
        return out;
    }
    out.keys.reserve(2 * buckets + 2);
    out.values.reserve(2 * buckets + 2);
    const double width = (keyHigh - keyLow) / buckets;
    int i = first;
    while (i < last) {
        const double bucketIndex = std::floor((keys[i] - keyLow) / width);
        const double bucketEnd = keyLow + (bucketIndex + 1) * width;
        int minAt = i, maxAt = i;
        int j = i;
        for (; j < last && (keys[j] < bucketEnd || j == i); ++j) {
            if (std::isnan(values[j]))
                continue;
            if (values[j] < values[minAt] || std::isnan(values[minAt]))
                minAt = j;
            if (values[j] > values[maxAt] || std::isnan(values[maxAt]))
                maxAt = j;
        }
        const int a = std::min(minAt, maxAt), b = std::max(minAt, maxAt);
        out.keys.append(keys[a]);
        out.values.append(values[a]);
        if (b != a) {
            out.keys.append(keys[b]);
            out.values.append(values[b]);
        }
        i = j;
    }
    return out;
}

}  // namespace grokscope::ui
