// The tasks' tables are groups with the advertised sizes (Z/p, S_n).

#include "tasks/group_table.h"

#include <QtTest>
#include <set>

using namespace grokscope;

namespace {

// Composition as a lookup: op[a * n + b] = a ∘ b.
std::vector<int> operationTable(const GroupTable& table)
{
    std::vector<int> op(static_cast<size_t>(table.numOperands) * table.numOperands, -1);
    for (int i = 0; i < table.size(); ++i)
        op[table.left[i] * table.numOperands + table.right[i]] = table.answer[i];
    return op;
}

// Closure, a two-sided identity, two-sided inverses and associativity, checked exhaustively.
void verifyGroupAxioms(const GroupTable& table)
{
    const int n = table.numOperands;
    const std::vector<int> op = operationTable(table);
    for (int v : op)
        QVERIFY2(v >= 0 && v < n, "closure: every product is an element");
    int identity = -1;
    for (int e = 0; e < n && identity < 0; ++e) {
        bool isIdentity = true;
        for (int a = 0; a < n && isIdentity; ++a)
            isIdentity = op[e * n + a] == a && op[a * n + e] == a;
        if (isIdentity)
            identity = e;
    }
    QVERIFY2(identity >= 0, "an identity element exists");
    for (int a = 0; a < n; ++a) {
        bool hasInverse = false;
        for (int b = 0; b < n && !hasInverse; ++b)
            hasInverse = op[a * n + b] == identity && op[b * n + a] == identity;
        QVERIFY2(hasInverse, "every element has an inverse");
    }
    for (int a = 0; a < n; ++a)
        for (int b = 0; b < n; ++b)
            for (int c = 0; c < n; ++c)
                if (op[op[a * n + b] * n + c] != op[a * n + op[b * n + c]])
                    QFAIL("associativity fails");
}

}  // namespace

class TestGroupTable : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void primes()
    {
        QVERIFY(isPrime(2) && isPrime(23) && isPrime(97) && isPrime(257));
        QVERIFY(!isPrime(1) && !isPrime(91) && !isPrime(256));
        // Near INT_MAX the trial divisor's square must not overflow (UBSan caught d * d).
        QVERIFY(isPrime(2147483647) && !isPrime(2147483646) && !isPrime(46337 * 46337));
    }

    void additionModPIsAGroup()
    {
        TaskConfig task;
        task.kind = TaskKind::Add;
        task.modulus = 23;
        const GroupTable table = buildGroupTable(task);
        QCOMPARE(table.size(), 23 * 23);
        verifyGroupAxioms(table);
    }

    void subtractionAndMultiplicationAnswers()
    {
        TaskConfig task;
        task.modulus = 97;
        task.kind = TaskKind::Sub;
        const GroupTable sub = buildGroupTable(task);
        task.kind = TaskKind::Mul;
        const GroupTable mul = buildGroupTable(task);
        for (int i = 0; i < sub.size(); ++i) {
            QCOMPARE(sub.answer[i], ((sub.left[i] - sub.right[i]) % 97 + 97) % 97);
            QCOMPARE(mul.answer[i], mul.left[i] * mul.right[i] % 97);
        }
        QCOMPARE(sub.size(), 97 * 97);
    }

    void divisionInvertsMultiplication()
    {
        TaskConfig task;
        task.kind = TaskKind::Div;
        task.modulus = 97;
        const GroupTable div = buildGroupTable(task);
        QCOMPARE(div.size(), 97 * 96);  // b = 0 is excluded
        for (int i = 0; i < div.size(); ++i) {
            QVERIFY(div.right[i] != 0);
            QCOMPARE(div.answer[i] * div.right[i] % 97, div.left[i]);  // (a / b) · b = a
        }
    }

    void symmetricGroupsAreGroups_data()
    {
        QTest::addColumn<int>("degree");
        QTest::addColumn<int>("order");
        QTest::newRow("S3") << 3 << 6;
        QTest::newRow("S4") << 4 << 24;
        QTest::newRow("S5") << 5 << 120;
    }

    void symmetricGroupsAreGroups()
    {
        QFETCH(int, degree);
        QFETCH(int, order);
        TaskConfig task;
        task.kind = TaskKind::Permutation;
        task.permutationDegree = degree;
        const GroupTable table = buildGroupTable(task);
        QCOMPARE(table.numOperands, order);
        QCOMPARE(table.size(), order * order);
        verifyGroupAxioms(table);
        QCOMPARE(std::set<std::string>(table.labels.begin(), table.labels.end()).size(), size_t(order));
    }

    void s5IsNonAbelianAsThePaperSays()
    {
        TaskConfig task;
        task.kind = TaskKind::Permutation;
        task.permutationDegree = 5;
        const GroupTable table = buildGroupTable(task);
        const std::vector<int> op = operationTable(table);
        int nonCommuting = 0;
        for (int a = 0; a < 120; ++a)
            for (int b = 0; b < 120; ++b)
                nonCommuting += op[a * 120 + b] != op[b * 120 + a];
        // 14,400 pairs; commuting pairs = |G| · (number of conjugacy classes) = 120 · 7 = 840.
        QCOMPARE(nonCommuting, 14400 - 840);
        QVERIFY(nonCommuting / 14400.0 > 0.94);
    }

    void compositionAppliesTheRightFactorFirst()
    {
        // σ₁ = (1 2) = "21345", σ₂ = (2 3) = "13245"; (σ₁∘σ₂)(x) = σ₁(σ₂(x)) = "23145".
        const std::vector<int> swap12{1, 0, 2, 3, 4}, swap23{0, 2, 1, 3, 4};
        QCOMPARE(oneLineNotation(compose(swap12, swap23)), std::string("23145"));
        QCOMPARE(oneLineNotation(compose(swap23, swap12)), std::string("31245"));
        QCOMPARE(oneLineNotation(allPermutations(5).front()), std::string("12345"));
    }

    void impossibleTasksNameTheirKey()
    {
        TaskConfig task;
        task.modulus = 91;
        try {
            buildGroupTable(task);
            QFAIL("a composite modulus must be rejected");
        } catch (const std::invalid_argument& error) {
            QVERIFY(std::string(error.what()).find("task.modulus") != std::string::npos);
        }
        task.kind = TaskKind::Permutation;
        task.permutationDegree = 7;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, buildGroupTable(task));
    }
};

QTEST_APPLESS_MAIN(TestGroupTable)
#include "tst_group_table.moc"
