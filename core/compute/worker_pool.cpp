#include "compute/worker_pool.h"

#include <chrono>

namespace grokscope {

namespace {
// How long an idle worker polls before it blocks. Regions in a training step are
// ~0.1-1 ms apart; a futex wake costs tens of microseconds each time.
constexpr auto kSpin = std::chrono::microseconds(200);
}  // namespace

WorkerPool::WorkerPool(int threads)
{
    for (int i = 1; i < threads; ++i)
        m_workers.emplace_back([this, i] { workerLoop(i); });
}

WorkerPool::~WorkerPool()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stopping = true;
        m_generation.fetch_add(1, std::memory_order_release);
    }
    m_wake.notify_all();
    for (std::thread& worker : m_workers)
        worker.join();
}

void WorkerPool::run(int count, const std::function<void(int)>& task)
{
    if (m_workers.empty() || count <= 1) {
        for (int i = 0; i < count; ++i)
            task(i);
        return;
    }
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_task = &task;
        m_count = count;
        m_pending.store(static_cast<int>(m_workers.size()), std::memory_order_relaxed);
        m_generation.fetch_add(1, std::memory_order_release);
    }
    m_wake.notify_all();
    const int stride = threads();
    for (int i = 0; i < count; i += stride)
        task(i);
    // The workers' share is usually done by now; poll before sleeping.
    const auto spinUntil = std::chrono::steady_clock::now() + kSpin;
    while (m_pending.load(std::memory_order_acquire) > 0 && std::chrono::steady_clock::now() < spinUntil)
        std::this_thread::yield();
    if (m_pending.load(std::memory_order_acquire) > 0) {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_done.wait(lock, [this] { return m_pending.load(std::memory_order_acquire) == 0; });
    }
}

void WorkerPool::runDynamic(int count, const std::function<void(int, int)>& task)
{
    std::atomic<int> next{0};
    run(threads(), [&](int thread) {
        for (int i = next.fetch_add(1); i < count; i = next.fetch_add(1))
            task(i, thread);
    });
}

void WorkerPool::workerLoop(int index)
{
    unsigned long seen = 0;
    for (;;) {
        const auto spinUntil = std::chrono::steady_clock::now() + kSpin;
        while (m_generation.load(std::memory_order_acquire) == seen && std::chrono::steady_clock::now() < spinUntil)
            std::this_thread::yield();
        const std::function<void(int)>* task = nullptr;
        int count = 0;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_wake.wait(lock, [&] { return m_generation.load(std::memory_order_acquire) != seen; });
            seen = m_generation.load(std::memory_order_acquire);
            if (m_stopping)
                return;
            task = m_task;
            count = m_count;
        }
        const int stride = threads();
        for (int i = index; i < count; i += stride)
            (*task)(i);
        if (m_pending.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_done.notify_one();
        }
    }
}

}  // namespace grokscope
