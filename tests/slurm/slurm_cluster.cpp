#include "slurm_cluster.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QHostInfo>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTextStream>
#include <QThread>

#include <csignal>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <unistd.h>

namespace {

// docs/design/slurm-test-cluster.md: idle within ~1 s; 30 s means something is wrong.
constexpr int kStartTimeoutMs = 30000;

QString currentUser()
{
    const passwd* entry = getpwuid(getuid());
    return entry ? QString::fromLocal8Bit(entry->pw_name) : QString::number(getuid());
}

// The first IPv4 address the host name resolves to, or empty.
QString hostAddress()
{
    const QHostInfo info = QHostInfo::fromName(QHostInfo::localHostName());
    for (const QHostAddress& address : info.addresses())
        if (address.protocol() == QAbstractSocket::IPv4Protocol)
            return address.toString();
    return QString();
}

// Two ports nothing listens on right now, picked by the kernel. Racy (someone may take
// one before slurmctld binds it): start() retries on "Address already in use".
std::pair<quint16, quint16> freePorts(const QString& address)
{
    const QHostAddress bindTo = address.isEmpty() ? QHostAddress(QHostAddress::AnyIPv4) : QHostAddress(address);
    QTcpServer first, second;  // both open at once, so the two differ
    if (!first.listen(bindTo, 0) || !second.listen(bindTo, 0))
        return {0, 0};
    return {first.serverPort(), second.serverPort()};
}

QString readFile(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

bool isRunning(QProcess* process)
{
    if (!process || process->state() == QProcess::NotRunning)
        return false;
    // Without an event loop QProcess notices an exit only when asked to wait.
    return !process->waitForFinished(0) && process->state() != QProcess::NotRunning;
}

// Session id of a process from /proc/PID/stat ("pid (comm) state ppid pgrp session ..."),
// or -1.
pid_t sessionOf(pid_t pid)
{
    const QString stat = readFile(QString("/proc/%1/stat").arg(pid));
    const int close = stat.lastIndexOf(')');
    if (close < 0)
        return -1;
    const QStringList fields = stat.mid(close + 2).split(' ');
    return fields.size() > 3 ? static_cast<pid_t>(fields[3].toLongLong()) : -1;
}

QList<pid_t> processIds()
{
    QList<pid_t> ids;
    for (const QString& name : QDir("/proc").entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        bool number = false;
        const pid_t pid = static_cast<pid_t>(name.toLongLong(&number));
        if (number)
            ids.push_back(pid);
    }
    return ids;
}

}  // namespace

QString slurmProgram(const QString& name)
{
    const QString onPath = QStandardPaths::findExecutable(name);
    if (!onPath.isEmpty())
        return onPath;
    return QStandardPaths::findExecutable(name, {"/usr/sbin", "/usr/local/sbin", "/sbin"});
}

SlurmCluster::SlurmCluster() = default;

SlurmCluster::~SlurmCluster() { stop(); }

bool SlurmCluster::skipRequested() { return qEnvironmentVariable("GROKSCOPE_SKIP_SLURM_TESTS") == "1"; }

QString SlurmCluster::missingPrograms()
{
    QStringList missing;
    for (const char* name : {"slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel", "sinfo"})
        if (slurmProgram(name).isEmpty())
            missing << name;
    if (missing.isEmpty())
        return QString();
    return missing.join(", ") + " not found (on PATH or in /usr/sbin): run scripts/setup.sh, which installs "
           "slurmctld, slurmd and slurm-client, or set GROKSCOPE_SKIP_SLURM_TESTS=1 to skip the Slurm tests";
}

QProcessEnvironment SlurmCluster::environment() const
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const QString& key : environment.keys())
        if (key.startsWith("SLURM_") || key.startsWith("SBATCH_") || key.startsWith("SQUEUE_"))
            environment.remove(key);
    environment.insert("SLURM_CONF", confPath());
    return environment;
}

bool SlurmCluster::waitUntilGone(const QString& job, int timeoutMs) const
{
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < timeoutMs) {
        const SlurmCommandResult queued = run("squeue", {"-h", "-j", job, "-o", "%i"});
        if (queued.exitCode == 0 && queued.output.trimmed().isEmpty())
            return true;
        QThread::msleep(100);
    }
    return false;
}

SlurmCommandResult SlurmCluster::run(const QString& program, const QStringList& arguments, int timeoutMs) const
{
    QProcess process;
    process.setProcessEnvironment(environment());
    process.start(slurmProgram(program).isEmpty() ? program : slurmProgram(program), arguments);
    SlurmCommandResult result;
    if (!process.waitForStarted(timeoutMs)) {
        result.errors = program + ": " + process.errorString();
        return result;
    }
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        result.errors = program + ": still running after " + QString::number(timeoutMs) + " ms, killed";
        return result;
    }
    result.output = QString::fromUtf8(process.readAllStandardOutput());
    result.errors = QString::fromUtf8(process.readAllStandardError());
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    return result;
}

QString SlurmCluster::logTail(int lines) const
{
    QString tail;
    for (const QString daemon : {"slurmctld", "slurmd"}) {
        // The log file once the daemon opened it (with times); before that, what it printed.
        QString name = daemon + ".log";
        if (QFileInfo(directory_ + "/log/" + name).size() == 0)
            name = daemon + ".out";
        QStringList kept;
        // "can not load PMIx library" is harmless (docs/design/slurm-test-cluster.md)
        for (const QString& line : readFile(directory_ + "/log/" + name).split('\n', Qt::SkipEmptyParts))
            if (!line.contains("pmix", Qt::CaseInsensitive))
                kept << line;
        if (kept.isEmpty())
            continue;
        tail += QString("--- %1 (last %2 lines)\n").arg(name).arg(std::min<int>(lines, kept.size()));
        tail += kept.mid(std::max<int>(0, kept.size() - lines)).join('\n') + "\n";
    }
    return tail;
}

void SlurmCluster::writeConf(quint16 controllerPort, quint16 nodePort) const
{
    const QString d = directory_;
    QFile file(confPath());
    file.open(QIODevice::WriteOnly | QIODevice::Truncate);
    QTextStream out(&file);
    out << "# private loopback test cluster, generated by tests/slurm/slurm_cluster.cpp\n"
        << "ClusterName=gs" << (getpid() % 100000) << "\n"
        << "SlurmctldHost=localhost(" << address_ << ")\n"
        << "SlurmctldPort=" << controllerPort << "\n"
        << "SlurmdPort=" << nodePort << "\n"
        << "SlurmUser=" << currentUser() << "\n"
        << "SlurmdUser=" << currentUser() << "\n"
        // No munge: only loopback reaches the daemons (see communicationParameters_).
        << "AuthType=auth/none\nCredType=cred/none\n"
        // No cgroups: jobs are tracked through /proc and run in the daemon's own limits.
        << "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
        << "JobAcctGatherType=jobacct_gather/none\nAccountingStorageType=accounting_storage/none\n"
        // Per-task exit codes survive here; sacct would need slurmdbd.
        << "JobCompType=jobcomp/filetxt\nJobCompLoc=" << jobCompletionLog() << "\n";
    if (!communicationParameters_.isEmpty())
        out << "CommunicationParameters=" << communicationParameters_ << "\n";
    out << "MpiDefault=none\nMailProg=/bin/true\n"
        << "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\n"
        // The defaults (3 s, 60 s) make allocation and dependency release slow.
        << "SchedulerType=sched/builtin\nSchedulerParameters=batch_sched_delay=0,sched_interval=2\n"
        << "ReturnToService=2\nSlurmdParameters=config_overrides\n"
        << "StateSaveLocation=" << d << "/state\nSlurmdSpoolDir=" << d << "/spool\n"
        << "SlurmctldPidFile=" << d << "/slurmctld.pid\nSlurmdPidFile=" << d << "/slurmd.pid\n"
        << "SlurmctldLogFile=" << d << "/log/slurmctld.log\nSlurmdLogFile=" << d << "/log/slurmd.log\n"
        << "SlurmctldDebug=info\nSlurmdDebug=info\nTmpFS=" << d << "/tmp\n"
        // Ended jobs stay visible to scontrol and squeue for the whole test.
        << "MinJobAge=86400\nKillWait=5\nMessageTimeout=5\n"
        << "NodeName=" << nodeName_ << " NodeAddr=" << address_ << " CPUs=2 RealMemory=1000 State=UNKNOWN\n"
        << "PartitionName=gs Nodes=" << nodeName_ << " Default=YES MaxTime=INFINITE State=UP\n";
}

bool SlurmCluster::start(QString* error)
{
    stop();
    temporary_ = std::make_unique<QTemporaryDir>(QDir::tempPath() + "/gs-slurm-XXXXXX");
    if (!temporary_->isValid()) {
        *error = "cannot create a temporary directory in " + QDir::tempPath();
        return false;
    }
    // The real path: leftover job steps are found by their open files under it.
    directory_ = QFileInfo(temporary_->path()).canonicalFilePath();
    // Listen on loopback only if we can: with NoCtldInAddrAny,NoInAddrAny the daemons bind
    // the address the host name resolves to, not the configured one; so this works only
    // when that address is a loopback one. Otherwise they listen on all interfaces and are
    // reached through 127.0.0.1.
    const QString resolved = hostAddress();
    if (resolved.startsWith("127.")) {
        address_ = resolved;
        communicationParameters_ = "NoCtldInAddrAny,NoInAddrAny";
    } else {
        address_ = "127.0.0.1";
        communicationParameters_.clear();
    }
    // The node's name in slurm.conf; slurmd is told it with -N, so it need not be the host
    // name. Unique per start, so that a readiness query that reached another cluster (one
    // that took our port first) finds no such node instead of an idle one.
    static int starts = 0;
    nodeName_ = QString("gs%1n%2").arg(getpid()).arg(++starts);
    for (int attempt = 1; attempt <= 5; ++attempt) {
        // A fresh start sees no old state (slurmctld -c refuses a state dir of another
        // ClusterName; slurmd scans its spool for old steps).
        for (const char* sub : {"state", "spool"})
            QDir(directory_ + "/" + sub).removeRecursively();
        for (const char* sub : {"state", "spool", "log", "tmp"})
            QDir().mkpath(directory_ + "/" + sub);
        const auto [controllerPort, nodePort] =
            freePorts(communicationParameters_.isEmpty() ? QString() : address_);
        if (!controllerPort) {
            *error = "no free port on " + address_;
            return false;
        }
        writeConf(controllerPort, nodePort);
        switch (launch(error)) {
        case Launch::Up: return true;
        case Launch::PortTaken: continue;
        case Launch::Failed: return false;
        }
    }
    *error = "ports were taken five times in a row:\n" + logTail();
    return false;
}

SlurmCluster::Launch SlurmCluster::launch(QString* error)
{
    QElapsedTimer clock;
    clock.start();
    auto daemon = [&](const QString& program, const QStringList& arguments, const QString& outputName) {
        auto process = std::make_unique<QProcess>();
        process->setProcessEnvironment(environment());
        process->setWorkingDirectory(directory_);
        process->setProcessChannelMode(QProcess::MergedChannels);
        process->setStandardOutputFile(directory_ + "/log/" + outputName, QIODevice::Truncate);
        // A test that aborts (an uncaught exception, a crash, ctest's kill on timeout)
        // runs no destructor: the kernel then kills the daemons with it.
        process->setChildProcessModifier([] { prctl(PR_SET_PDEATHSIG, SIGKILL); });
        // -D: in the foreground, so the daemon is our child and dies with a kill of its pid.
        process->start(slurmProgram(program), arguments);
        return process;
    };
    controller_ = daemon("slurmctld", {"-D", "-c", "-f", confPath()}, "slurmctld.out");
    node_ = daemon("slurmd", {"-D", "-N", nodeName_, "-f", confPath()}, "slurmd.out");

    QString state;
    while (clock.elapsed() < kStartTimeoutMs) {
        for (auto* process : {controller_.get(), node_.get()}) {
            if (isRunning(process))
                continue;
            const QString name = process == controller_.get() ? "slurmctld" : "slurmd";
            const bool portTaken = readFile(directory_ + "/log/" + name + ".out").contains("Address already in use")
                                   || readFile(directory_ + "/log/" + name + ".log").contains("Address already in use");
            *error = name + " exited during startup (" + process->errorString() + "):\n" + logTail();
            shutDown();
            return portTaken ? Launch::PortTaken : Launch::Failed;
        }
        const SlurmCommandResult node = run("sinfo", {"-h", "-N", "-n", nodeName_, "-o", "%T"}, 5000);
        state = node.output.trimmed();
        if (state == "idle" && isRunning(controller_.get()) && isRunning(node_.get())) {
            startupMs_ = clock.elapsed();
            return Launch::Up;
        }
        QThread::msleep(100);
    }
    *error = QString("node %1 not idle %2 s after starting the daemons (state \"%3\"):\n")
                 .arg(nodeName_)
                 .arg(kStartTimeoutMs / 1000)
                 .arg(state)
             + logTail();
    shutDown();
    return Launch::Failed;
}

bool SlurmCluster::daemonsRunning() { return isRunning(controller_.get()) || isRunning(node_.get()); }

QList<qint64> SlurmCluster::daemonPids() const
{
    QList<qint64> pids;
    for (auto* process : {controller_.get(), node_.get()})
        if (process && process->processId() > 0)
            pids << process->processId();
    return pids;
}

bool SlurmCluster::waitExited(QProcess& process, int timeoutMs)
{
    return !isRunning(&process) || process.waitForFinished(timeoutMs) || process.state() == QProcess::NotRunning;
}

void SlurmCluster::stop()
{
    if (!temporary_)
        return;
    shutDown();
    if (qEnvironmentVariable("GROKSCOPE_KEEP_SLURM_DIR") == "1") {
        temporary_->setAutoRemove(false);
        qInfo("kept the Slurm cluster's directory %s", qPrintable(directory_));
    }
    temporary_.reset();
}

void SlurmCluster::shutDown()
{
    bool shutdownSent = false;
    if (controller_ && isRunning(controller_.get())) {
        // Jobs first: slurmd's shutdown leaves running job steps (slurmstepd and the job) alive.
        run("scancel", {"--user=" + currentUser()}, 5000);
        QElapsedTimer waited;
        waited.start();
        while (waited.elapsed() < 10000) {  // KillWait (5 s) and a margin
            const SlurmCommandResult active = run("squeue", {"-h", "-t", "R,CG,CF,S", "-o", "%i"}, 2000);
            if (active.exitCode != 0 || active.output.trimmed().isEmpty())
                break;
            QThread::msleep(100);
        }
        shutdownSent = run("scontrol", {"shutdown"}, 5000).exitCode == 0;
    }
    for (auto* process : {controller_.get(), node_.get()}) {
        if (!process)
            continue;
        // Nothing told this daemon to stop (slurmd without a controller would even hang
        // on SIGTERM): kill it.
        if (!shutdownSent && isRunning(process))
            process->kill();
        if (!waitExited(*process, 10000)) {
            qWarning("%s did not stop 10 s after scontrol shutdown: SIGKILL", qPrintable(process->program()));
            process->kill();
            process->waitForFinished(5000);
        }
    }
    controller_.reset();
    node_.reset();
    killLeftoverJobSteps();
}

void SlurmCluster::killLeftoverJobSteps() const
{
    // A slurmstepd of this cluster has DIR/log/slurmd.log open; kill its whole session
    // (slurmstepd and the job's processes), never our own.
    const pid_t ownSession = getsid(0);
    for (const pid_t pid : processIds()) {
        if (readFile(QString("/proc/%1/comm").arg(pid)).trimmed() != "slurmstepd")
            continue;
        bool ours = false;
        const QDir fds(QString("/proc/%1/fd").arg(pid));
        for (const QString& fd : fds.entryList(QDir::Files | QDir::System | QDir::NoDotAndDotDot))
            ours = ours || QFileInfo(fds.filePath(fd)).symLinkTarget().startsWith(directory_ + "/");
        if (!ours)
            continue;
        const pid_t session = sessionOf(pid);
        qWarning("leftover slurmstepd %d (session %d) of %s: SIGKILL", int(pid), int(session),
                 qPrintable(directory_));
        if (session <= 1 || session == ownSession) {
            ::kill(pid, SIGKILL);
            continue;
        }
        for (const pid_t member : processIds())
            if (sessionOf(member) == session)
                ::kill(member, SIGKILL);
    }
}
