#pragma once
// The full operation table of a task: every pair (a, b) with its answer.
// Z/p tasks use operands 0..p-1 (division: b in 1..p-1); S_n uses the n!
// permutations in lexicographic order of their one-line notation.

#include "config/train_config.h"

#include <string>
#include <vector>

namespace grokscope {

struct GroupTable {
    TaskKind kind = TaskKind::Add;
    int numOperands = 0;   // distinct values of a (and b): tokens 0..numOperands-1
    int numClasses = 0;    // distinct answers: the output width
    std::vector<int> left, right, answer;  // one entry per pair
    std::vector<std::string> labels;        // label of each operand / class value

    int size() const { return static_cast<int>(answer.size()); }
};

bool isPrime(int n);
// Throw std::invalid_argument naming the key: p a prime <= 257, n in 2..6.
void requireValidModulus(int modulus);
void requireValidPermutationDegree(int degree);
// Lexicographic list of all permutations of {0..n-1}.
std::vector<std::vector<int>> allPermutations(int degree);
// (σ₁∘σ₂)(x) = σ₁(σ₂(x)): apply σ₂ first.
std::vector<int> compose(const std::vector<int>& first, const std::vector<int>& second);
// One-line notation, 1-based: the identity of S5 is "12345".
std::string oneLineNotation(const std::vector<int>& permutation);

// Throws std::invalid_argument with the offending config key on an impossible task.
GroupTable buildGroupTable(const TaskConfig& task);

std::string taskSymbol(TaskKind kind);  // "+", "-", "*", "/", "∘"

}  // namespace grokscope
