#include "train/run.h"

#include "io/config_json.h"
#include "io/run_log.h"
#include "io/run_log_writer.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

namespace fs = std::filesystem;

namespace grokscope {

namespace {

std::vector<std::pair<long, fs::path>> checkpointsIn(const std::string& directory)
{
    std::vector<std::pair<long, fs::path>> found;
    const fs::path dir = fs::path(directory) / runlog::kCheckpoints;
    if (!fs::is_directory(dir))
        return found;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("step_", 0) == 0 && entry.path().extension() == ".pt") {
            try {
                found.emplace_back(std::stol(name.substr(5)), entry.path());
            } catch (...) {
            }
        }
    }
    std::sort(found.begin(), found.end());
    return found;
}

}  // namespace

Run::Run(std::unique_ptr<Trainer> trainer, std::string directory)
    : m_trainer(std::move(trainer)), m_directory(std::move(directory))
{
    if (!m_directory.empty()) {
        m_writer = std::make_unique<RunLogWriter>(m_directory, m_trainer->parameterNames());
        m_trainer->addObserver(m_writer.get());
    }
}

Run::~Run() = default;

std::unique_ptr<Run> Run::start(const TrainConfig& config, const std::string& directory)
{
    validateConfig(config);
    if (!directory.empty() && fs::exists(fs::path(directory) / runlog::kConfig))
        throw std::runtime_error(directory + " already holds a run; resume it, or choose another --out");
    auto trainer = std::make_unique<Trainer>(config);
    if (!directory.empty())
        RunLogWriter::writeConfig(directory, config);
    std::unique_ptr<Run> run(new Run(std::move(trainer), directory));
    if (!config.intervention.normReferenceRun.empty())
        run->followNormOf(config.intervention.normReferenceRun);
    return run;
}

std::string Run::latestCheckpoint(const std::string& directory)
{
    const auto found = checkpointsIn(directory);
    return found.empty() ? std::string() : found.back().second.string();
}

std::unique_ptr<Run> Run::resume(const std::string& directory, long extraSteps)
{
    RunLog log = readRunLog(directory);
    const std::string checkpointPath = latestCheckpoint(directory);
    if (checkpointPath.empty())
        throw RunLogError(directory + ": no checkpoint to resume from");
    TrainConfig config = log.config;
    if (extraSteps > 0) {
        config.run.steps += extraSteps;
        RunLogWriter::writeConfig(directory, config);
    }
    auto trainer = std::make_unique<Trainer>(config);
    trainer->loadCheckpoint(checkpointPath);
    RunLogWriter::truncateAfter(directory, trainer->step());
    std::unique_ptr<Run> run(new Run(std::move(trainer), directory));
    run->m_lastCheckpointStep = run->m_trainer->step();
    RunEvent event;
    event.step = run->m_trainer->step();
    event.type = "resumed";
    event.message = "resumed from " + fs::path(checkpointPath).filename().string();
    event.labels["checkpoint"] = fs::path(checkpointPath).filename().string();
    run->m_writer->onEvent(event);
    return run;
}

std::unique_ptr<Run> Run::branch(const std::string& sourceDirectory, long checkpointStep, const std::string& directory)
{
    const RunLog source = readRunLog(sourceDirectory);
    const fs::path checkpoint = fs::path(sourceDirectory) / runlog::kCheckpoints
                                / runlog::stepFileName(checkpointStep, "pt");
    if (!fs::exists(checkpoint))
        throw RunLogError(checkpoint.string() + ": no such checkpoint to branch from");
    if (fs::exists(fs::path(directory) / runlog::kConfig))
        throw std::runtime_error(directory + " already holds a run");
    // The branch starts with the source's history up to the checkpoint, so its
    // charts and events read as one continuous run.
    fs::create_directories(fs::path(directory) / runlog::kCheckpoints);
    for (const char* file : {runlog::kMetrics, runlog::kSpectra, runlog::kParameterNorms, runlog::kEvents})
        if (fs::exists(fs::path(sourceDirectory) / file))
            fs::copy_file(fs::path(sourceDirectory) / file, fs::path(directory) / file,
                          fs::copy_options::overwrite_existing);
    fs::copy_file(checkpoint, fs::path(directory) / runlog::kCheckpoints / checkpoint.filename(),
                  fs::copy_options::overwrite_existing);
    TrainConfig config = source.config;
    config.name = source.config.name + " (branch at " + std::to_string(checkpointStep) + ")";
    RunLogWriter::writeConfig(directory, config);
    auto run = resume(directory);
    RunEvent event;
    event.step = checkpointStep;
    event.type = "branched";
    event.message = "branched from " + sourceDirectory + " at step " + std::to_string(checkpointStep);
    event.labels["source"] = sourceDirectory;
    run->m_writer->onEvent(event);
    return run;
}

void Run::followNormOf(const std::string& referenceDirectory)
{
    const RunLog reference = readRunLog(referenceDirectory);
    auto curve = reference.weightNormTrajectory();
    if (curve.size() < 2)
        throw RunLogError(referenceDirectory + ": too few evaluations to follow its weight norm");
    m_trainer->setNormTrajectory(std::move(curve), referenceDirectory);
}

long Run::advance(long maxSteps)
{
    const int every = m_trainer->config().run.checkpointEverySteps;
    long done = 0;
    while (done < maxSteps && !m_trainer->finished()) {
        long chunk = maxSteps - done;
        if (every > 0 && !m_directory.empty())
            chunk = std::min(chunk, every - m_trainer->step() % every);
        const long ran = m_trainer->advance(chunk);
        done += ran;
        if (every > 0 && m_trainer->step() % every == 0 && m_trainer->step() != m_lastCheckpointStep)
            checkpoint();
        if (ran == 0)
            break;
    }
    return done;
}

std::string Run::checkpoint()
{
    if (m_directory.empty())
        return {};
    const fs::path dir = fs::path(m_directory) / runlog::kCheckpoints;
    fs::create_directories(dir);
    const fs::path path = dir / runlog::stepFileName(m_trainer->step(), "pt");
    m_trainer->saveCheckpoint(path.string());
    m_lastCheckpointStep = m_trainer->step();
    pruneCheckpoints();
    return path.string();
}

void Run::pruneCheckpoints()
{
    auto found = checkpointsIn(m_directory);
    const int keep = m_trainer->config().run.keepCheckpoints;
    for (size_t i = 0; i + keep < found.size(); ++i) {
        std::error_code ignored;
        fs::remove(found[i].second, ignored);
    }
}

void Run::close(bool stoppedByUser)
{
    if (m_closed)
        return;
    m_closed = true;
    Trainer& t = *m_trainer;
    if (t.failure().empty())
        t.evaluate();  // the final state is always measured
    if (!m_directory.empty() && t.step() != m_lastCheckpointStep)
        checkpoint();
    RunEvent event;
    event.step = t.step();
    event.type = !t.failure().empty() ? "failed" : stoppedByUser ? "stopped" : "finished";
    const EventDetector& detector = t.events();
    std::ostringstream message;
    message << event.type << " at step " << t.step();
    if (detector.grokStep()) {
        event.values["t_grok"] = static_cast<double>(*detector.grokStep());
        message << "; T_grok " << *detector.grokStep();
    } else {
        message << "; did not grok";
    }
    if (detector.memorisedStep())
        event.values["t_memorised"] = static_cast<double>(*detector.memorisedStep());
    if (detector.collapseStep())
        event.values["t_collapse"] = static_cast<double>(*detector.collapseStep());
    if (detector.thresholdCrossingStep())
        event.values["t_threshold_crossing"] = static_cast<double>(*detector.thresholdCrossingStep());
    event.values["training_ms"] = t.trainingMs();
    if (!t.failure().empty())
        event.labels["failure"] = t.failure();
    event.message = message.str();
    if (m_writer)
        m_writer->onEvent(event);
}

}  // namespace grokscope
