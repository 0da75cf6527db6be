#pragma once
// A private one-node Slurm cluster on loopback for the real-cluster tests (CTest label
// "slurm"): slurmctld and slurmd run as this process's children with a generated
// slurm.conf in a temporary directory, exactly as docs/design/slurm-prototype/
// start_cluster.sh and stop_cluster.sh do (docs/design/slurm-test-cluster.md says why
// each setting is there). No root needed: the daemons and the jobs run as the current
// user, root included.
//
// A test hands environment() to every child that talks to Slurm (sbatch, squeue, the
// CLI): SLURM_CONF points at the private slurm.conf, so nothing touches a system
// cluster or /etc/slurm.
//
// Slurm missing is a test failure, not a skip: scripts/setup.sh installs it. A
// developer without Slurm sets GROKSCOPE_SKIP_SLURM_TESTS=1 to skip these tests;
// GROKSCOPE_KEEP_SLURM_DIR=1 keeps the cluster's directory (logs, jobcomp) after a run.

#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

struct SlurmCommandResult {
    int exitCode = -1;  // -1 when the command could not start, crashed or timed out
    QString output;     // stdout
    QString errors;     // stderr
};

class SlurmCluster {
public:
    SlurmCluster();
    ~SlurmCluster();
    SlurmCluster(const SlurmCluster&) = delete;
    SlurmCluster& operator=(const SlurmCluster&) = delete;

    // True when GROKSCOPE_SKIP_SLURM_TESTS=1: the developer opted out of these tests.
    static bool skipRequested();
    // Why Slurm cannot be started here ("slurmctld not found ..., run scripts/setup.sh"),
    // empty when every program the tests need is installed.
    static QString missingPrograms();

    // Starts a fresh cluster and waits until its node is idle; on failure returns false
    // with `error` holding the reason and the daemons' log tail. Ports taken by someone
    // else ("Address already in use") are retried with new ones.
    bool start(QString* error);
    // Cancels every job, waits for them to end, shuts the daemons down (SIGKILL after
    // 10 s) and kills job steps of this cluster still left. Safe to call twice.
    void stop();
    bool daemonsRunning();
    // slurmctld's and slurmd's process ids (for a test that kills them as a crash would).
    QList<qint64> daemonPids() const;

    QString directory() const { return directory_; }
    QString confPath() const { return directory_ + "/slurm.conf"; }
    // One line per ended job or array task (jobcomp/filetxt): JobState, ExitCode, StartTime.
    QString jobCompletionLog() const { return directory_ + "/log/jobcomp.txt"; }
    // The environment for children: this process's, with SLURM_CONF set to the private
    // slurm.conf and every other SLURM_* variable removed (a test started inside a Slurm
    // job must not submit into that job's cluster).
    QProcessEnvironment environment() const;
    // Milliseconds from launching the daemons to the node being idle, in the last start.
    qint64 startupMs() const { return startupMs_; }

    // Runs a Slurm client program (sbatch, squeue, scontrol, scancel, sinfo) with
    // environment(), killed after `timeoutMs`.
    SlurmCommandResult run(const QString& program, const QStringList& arguments, int timeoutMs = 15000) const;
    // The last lines of the daemons' output and logs, for failure messages.
    QString logTail(int lines = 12) const;
    // True once squeue lists no task of `job` (pending, running or completing).
    bool waitUntilGone(const QString& job, int timeoutMs) const;

private:
    enum class Launch { Up, PortTaken, Failed };
    Launch launch(QString* error);
    void writeConf(quint16 controllerPort, quint16 nodePort) const;
    bool waitExited(QProcess& process, int timeoutMs);
    // stop() without removing the directory: between start attempts, and before it.
    void shutDown();
    void killLeftoverJobSteps() const;

    std::unique_ptr<QTemporaryDir> temporary_;
    QString directory_;
    QString nodeName_;
    QString address_;              // the controller's and node's address (loopback)
    QString communicationParameters_;  // NoCtldInAddrAny,NoInAddrAny, or empty
    std::unique_ptr<QProcess> controller_;
    std::unique_ptr<QProcess> node_;
    qint64 startupMs_ = -1;
};

// A Slurm program's absolute path (PATH first, then the sbin directories a normal
// user's PATH may lack), or empty when it is not installed.
QString slurmProgram(const QString& name);
