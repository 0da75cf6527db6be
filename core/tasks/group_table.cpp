#include "tasks/group_table.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace grokscope {

bool isPrime(int n)
{
    if (n < 2)
        return false;
    for (int d = 2; d <= n / d; ++d)  // d * d would overflow for n near INT_MAX
        if (n % d == 0)
            return false;
    return true;
}

std::vector<std::vector<int>> allPermutations(int degree)
{
    std::vector<int> current(degree);
    std::iota(current.begin(), current.end(), 0);
    std::vector<std::vector<int>> result;
    do {
        result.push_back(current);
    } while (std::next_permutation(current.begin(), current.end()));
    return result;
}

std::vector<int> compose(const std::vector<int>& first, const std::vector<int>& second)
{
    std::vector<int> result(second.size());
    for (size_t x = 0; x < second.size(); ++x)
        result[x] = first[second[x]];
    return result;
}

std::string oneLineNotation(const std::vector<int>& permutation)
{
    std::string text;
    for (int image : permutation)
        text += std::to_string(image + 1);
    return text;
}

std::string taskSymbol(TaskKind kind)
{
    switch (kind) {
    case TaskKind::Add: return "+";
    case TaskKind::Sub: return "-";
    case TaskKind::Mul: return "*";
    case TaskKind::Div: return "/";
    case TaskKind::Permutation: return "∘";
    }
    return "?";
}

void requireValidModulus(int modulus)
{
    if (!isPrime(modulus) || modulus > 257)
        throw std::invalid_argument("task.modulus: must be a prime between 2 and 257, got "
                                    + std::to_string(modulus));
}

void requireValidPermutationDegree(int degree)
{
    if (degree < 2 || degree > 6)
        throw std::invalid_argument("task.permutation_degree: must be between 2 and 6, got "
                                    + std::to_string(degree));
}

namespace {

int modularInverse(int b, int p)
{
    // Fermat: b^(p-2) mod p, valid because p is prime.
    long long result = 1, base = b % p;
    for (int e = p - 2; e > 0; e >>= 1) {
        if (e & 1)
            result = result * base % p;
        base = base * base % p;
    }
    return static_cast<int>(result);
}

GroupTable cyclicTable(const TaskConfig& task)
{
    const int p = task.modulus;
    requireValidModulus(p);
    GroupTable table;
    table.kind = task.kind;
    table.numOperands = p;
    table.numClasses = p;
    for (int v = 0; v < p; ++v)
        table.labels.push_back(std::to_string(v));
    for (int a = 0; a < p; ++a) {
        for (int b = 0; b < p; ++b) {
            int c = 0;
            switch (task.kind) {
            case TaskKind::Add: c = (a + b) % p; break;
            case TaskKind::Sub: c = ((a - b) % p + p) % p; break;
            case TaskKind::Mul: c = static_cast<int>(1LL * a * b % p); break;
            case TaskKind::Div:
                if (b == 0)
                    continue;  // division by zero is undefined
                c = static_cast<int>(1LL * a * modularInverse(b, p) % p);
                break;
            case TaskKind::Permutation: break;
            }
            table.left.push_back(a);
            table.right.push_back(b);
            table.answer.push_back(c);
        }
    }
    return table;
}

GroupTable permutationTable(const TaskConfig& task)
{
    const int n = task.permutationDegree;
    requireValidPermutationDegree(n);
    const auto elements = allPermutations(n);
    GroupTable table;
    table.kind = TaskKind::Permutation;
    table.numOperands = static_cast<int>(elements.size());
    table.numClasses = table.numOperands;
    for (const auto& e : elements)
        table.labels.push_back(oneLineNotation(e));
    // Lexicographic rank of a permutation, so the answer is an index into `elements`.
    auto rankOf = [&](const std::vector<int>& perm) {
        auto it = std::lower_bound(elements.begin(), elements.end(), perm);
        return static_cast<int>(it - elements.begin());
    };
    for (int a = 0; a < table.numOperands; ++a) {
        for (int b = 0; b < table.numOperands; ++b) {
            table.left.push_back(a);
            table.right.push_back(b);
            table.answer.push_back(rankOf(compose(elements[a], elements[b])));
        }
    }
    return table;
}

}  // namespace

GroupTable buildGroupTable(const TaskConfig& task)
{
    return task.kind == TaskKind::Permutation ? permutationTable(task) : cyclicTable(task);
}

}  // namespace grokscope
