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
    if (config.intervention.normMatchSettings().enabled)
        run->setNormMatch(config.intervention.normMatchSettings());
    return run;
}

std::string Run::latestCheckpoint(const std::string& directory)
{
    const auto found = checkpointsIn(directory);
    return found.empty() ? std::string() : found.back().second.string();
}

std::unique_ptr<Run> Run::resume(const std::string& directory, long extraSteps)
{
    // The whole log is read (and its config validated) before anything is written, so a
    // log that cannot be read back is refused rather than appended to.
    RunLog log = readRunLog(directory);
    requireNotDiverged(log);
    removePartialCheckpoints(directory);
    const std::string checkpointPath = latestCheckpoint(directory);
    TrainConfig config = log.config;
    if (extraSteps < 0 || extraSteps > kMaxRunSteps - config.run.steps)
        throw ConfigError("--extra-steps: must be between 0 and " + std::to_string(kMaxRunSteps - config.run.steps)
                          + " for this run");
    config.run.steps += extraSteps;
    auto trainer = std::make_unique<Trainer>(config);
    // A run killed before its first checkpoint starts again from step 0 with its config:
    // batches are a pure function of (seed, step), so the result is the same run.
    if (!checkpointPath.empty())
        trainer->loadCheckpoint(checkpointPath);
    if (extraSteps > 0)
        RunLogWriter::writeConfig(directory, config);
    RunLogWriter::truncateAfter(directory, checkpointPath.empty() ? -1 : trainer->step());
    std::unique_ptr<Run> run(new Run(std::move(trainer), directory));
    RunEvent event;
    event.step = run->m_trainer->step();
    event.type = "resumed";
    if (checkpointPath.empty()) {
        event.message = "restarted from step 0: the run had no checkpoint yet";
        if (config.intervention.normMatchSettings().enabled)
            run->setNormMatch(config.intervention.normMatchSettings());
    } else {
        run->m_lastCheckpointStep = run->m_trainer->step();
        event.message = "resumed from " + fs::path(checkpointPath).filename().string();
        event.labels["checkpoint"] = fs::path(checkpointPath).filename().string();
    }
    run->m_writer->onEvent(event);
    return run;
}

void Run::requireNotDiverged(const RunLog& log)
{
    for (auto e = log.events.rbegin(); e != log.events.rend(); ++e) {
        if (e->type == "resumed" || e->type == "finished" || e->type == "stopped")
            return;
        const auto cause = e->labels.find("cause");
        if (e->type == "failed" && cause != e->labels.end() && cause->second == "diverged")
            throw RunLogError(log.directory + ": the run diverged at step " + std::to_string(e->step)
                              + "; resuming would repeat it. Change the config (e.g. optim.learning_rate) and start a new run");
    }
}

void Run::removePartialCheckpoints(const std::string& directory)
{
    const fs::path dir = fs::path(directory) / runlog::kCheckpoints;
    std::error_code error;
    if (!fs::is_directory(dir, error))
        return;
    for (const auto& entry : fs::directory_iterator(dir, error))
        if (entry.path().extension() == ".partial" && entry.is_regular_file(error))
            fs::remove(entry.path(), error);  // left by a kill or a full disk mid-write
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
    // Cut the source's name so the branch's stays within a name's 200 bytes.
    std::string stem = source.config.name.substr(0, 160);
    while (!stem.empty() && (static_cast<unsigned char>(stem.back()) & 0xC0) == 0x80)
        stem.pop_back();  // never leave half a UTF-8 sequence
    if (!stem.empty() && static_cast<unsigned char>(stem.back()) >= 0xC0)
        stem.pop_back();
    config.name = stem + " (branch at " + std::to_string(checkpointStep) + ")";
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

void Run::setNormMatch(const NormMatchSettings& settings)
{
    if (!settings.enabled) {
        m_trainer->setNormTrajectory({}, std::string());
        return;
    }
    const RunLog reference = readRunLog(settings.referenceRun);
    auto curve = reference.weightNormTrajectory();
    if (curve.size() < 2)
        throw RunLogError(settings.referenceRun + ": too few evaluations to follow its weight norm");
    m_trainer->setNormTrajectory(std::move(curve), settings.referenceRun);
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
    std::error_code error;
    fs::create_directories(dir, error);
    if (error || !fs::is_directory(dir))
        throw RunLogError("cannot write checkpoints in " + dir.string() + ": "
                          + (error ? error.message() : std::string("not a directory")));
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

RunEvent Run::fail(const std::string& reason)
{
    RunEvent event;
    event.step = m_trainer->step();
    event.type = "failed";
    event.message = "failed at step " + std::to_string(event.step) + ": " + reason;
    event.labels["failure"] = reason;
    if (m_writer && !m_closed) {
        try {
            m_writer->onEvent(event);
        } catch (const std::exception&) {
            // the log cannot take it (the same full disk): the caller still has the event
        }
    }
    m_closed = true;
    return event;
}

void Run::close(bool stoppedByUser)
{
    if (m_closed)
        return;
    Trainer& t = *m_trainer;
    // The final state is always measured and checkpointed; when that fails (a full
    // disk), the run ends as failed with the reason, and the error goes on to the caller.
    try {
        if (t.failure().empty())
            t.evaluate();
        // A diverged state is not worth resuming from: the last periodic checkpoint stays the latest.
        if (!m_directory.empty() && t.step() != m_lastCheckpointStep && !t.diverged())
            checkpoint();
    } catch (const std::exception& error) {
        fail(error.what());
        throw;
    }
    m_closed = true;
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
    if (t.diverged())
        event.labels["cause"] = "diverged";
    event.message = message.str();
    if (m_writer)
        m_writer->onEvent(event);
}

}  // namespace grokscope
