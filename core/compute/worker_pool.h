#pragma once
// A fixed set of threads that run the numbered tasks of one parallel region and
// return when all are done. With run(), task i always runs on thread i % threads, and
// callers reduce partial results in task order, so a result does not depend on how
// many threads ran it. No torch, no Qt.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace grokscope {

class WorkerPool {
public:
    // `threads` counts the calling thread: 1 runs every task inline.
    explicit WorkerPool(int threads);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    int threads() const { return static_cast<int>(m_workers.size()) + 1; }
    // Runs task(0) … task(count − 1); returns when all have finished. Not re-entrant.
    void run(int count, const std::function<void(int)>& task);
    // The same, but each thread takes the next task in index order as it becomes free,
    // for tasks of uneven cost. task(index, thread): thread < threads() picks per-thread
    // scratch; which thread runs a task varies, so results must depend on the index only.
    void runDynamic(int count, const std::function<void(int, int)>& task);

private:
    void workerLoop(int index);

    std::vector<std::thread> m_workers;
    std::mutex m_mutex;
    std::condition_variable m_wake, m_done;
    const std::function<void(int)>* m_task = nullptr;
    int m_count = 0;
    // Bumped once per region; a worker that has seen it spins on it briefly before
    // sleeping, because regions follow each other within microseconds in a step.
    std::atomic<unsigned long> m_generation{0};
    std::atomic<int> m_pending{0};
    bool m_stopping = false;
};

}  // namespace grokscope
