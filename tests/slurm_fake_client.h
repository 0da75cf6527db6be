#pragma once
// A SlurmClient that records what it is asked and answers from a script, for the
// in-process tests of the Slurm backend (tst_slurm_submission, tst_slurm_status).

#include "slurm_client.h"

#include <string>
#include <vector>

class FakeSlurmClient : public grokscope::experiment::SlurmClient {
public:
    std::vector<std::vector<std::string>> submitted;  // every sbatch argv, in order
    std::vector<grokscope::experiment::QueueTask> tasks;  // what squeue knows
    std::vector<std::string> cancelled;
    int nextJob = 100;

    std::string submit(const std::vector<std::string>& argv) override
    {
        submitted.push_back(argv);
        return std::to_string(nextJob++);
    }
    std::vector<grokscope::experiment::QueueTask> queue(const std::vector<std::string>& arrays) override
    {
        std::vector<grokscope::experiment::QueueTask> known;
        for (const auto& task : tasks)
            for (const std::string& array : arrays)
                if (task.arrayJob == array)
                    known.push_back(task);
        return known;
    }
    void cancel(const std::vector<std::string>& jobs) override
    {
        cancelled.insert(cancelled.end(), jobs.begin(), jobs.end());
    }
};

inline grokscope::experiment::QueueTask queueTask(const std::string& array, std::size_t task, const std::string& state)
{
    grokscope::experiment::QueueTask t;
    t.arrayJob = array;
    t.task = task;
    t.state = state;
    t.kind = grokscope::experiment::queueStateKind(state);
    return t;
}
