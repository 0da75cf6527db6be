#include "verdict.h"

#include <algorithm>
#include <iomanip>
#include <ostream>
#include <sstream>

namespace grokscope::fuzz {

namespace {

std::string trimmed(const std::string& line)
{
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos)
        return {};
    return line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
}

bool isPlatformNoise(const std::string& line)
{
    // Qt's offscreen platform plugin and QStandardPaths warn by themselves.
    return line.rfind("This plugin does not support", 0) == 0 || line.rfind("QStandardPaths:", 0) == 0;
}

bool hasSanitizerReport(const std::string& text)
{
    for (const char* mark : {"AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:"})
        if (text.find(mark) != std::string::npos)
            return true;
    return false;
}

std::string shortened(std::string text, std::size_t limit)
{
    return printable(std::move(text), limit);
}

}  // namespace

std::string printable(std::string text, std::size_t limit)
{
    if (text.size() > limit)
        text = text.substr(0, limit) + "...";
    for (char& c : text)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            c = '?';
    return text;
}

std::string describeResult(const ChildResult& result)
{
    std::ostringstream text;
    switch (result.stoppedBy) {
    case Stop::Timeout: text << "killed after " << std::fixed << std::setprecision(0) << result.seconds << " s"; break;
    case Stop::Idle: text << "killed: blocked, no CPU used for seconds"; break;
    case Stop::Memory: text << "killed: resident memory above the ceiling"; break;
    case Stop::Marker: text << "killed: it started working (\"" << shortened(result.marker, 60) << "\")"; break;
    case Stop::None:
        if (result.exited)
            text << "exit " << result.exitCode;
        else
            text << signalName(result.signal);
    }
    text << ", " << std::fixed << std::setprecision(2) << result.seconds << " s";
    return text.str();
}

Verdict judge(const StepReport& report, Expect expect, const std::string& names, bool noiseFilter)
{
    const ChildResult& r = report.result;
    Verdict v;
    // The result itself (describeResult) says how a hang, a signal or exit 0 ended;
    // `reason` adds only what it does not show.
    if (r.stoppedBy == Stop::Timeout || r.stoppedBy == Stop::Idle || r.stoppedBy == Stop::Memory) {
        v.outcome = Outcome::Hang;
    } else if (r.stoppedBy == Stop::Marker) {
        v.outcome = Outcome::Accepted;
    } else if (!r.exited || hasSanitizerReport(report.stderrText)) {
        v.outcome = Outcome::Crash;
        v.reason = r.exited ? "sanitizer report" : "";
    } else if (r.exitCode == 0) {
        v.outcome = Outcome::Accepted;
    } else {
        std::vector<std::string> lines;
        std::istringstream in(report.stderrText);
        std::string line;
        while (std::getline(in, line)) {
            line = trimmed(line);
            if (!line.empty() && !(noiseFilter && isPlatformNoise(line)))
                lines.push_back(line);
        }
        v.outcome = Outcome::Other;
        if (r.exitCode != 2 && r.exitCode != 3)
            v.reason = "exit " + std::to_string(r.exitCode) + " (2 or 3 expected)";
        else if (lines.empty())
            v.reason = "no message on stderr";
        else if (lines.size() > 1)
            v.reason = std::to_string(lines.size()) + " lines on stderr (one expected)";
        else if (lines[0].rfind("error: ", 0) != 0)
            v.reason = "the message does not start with \"error: \"";
        else if (lines[0].find(names) == std::string::npos)
            v.reason = "the message does not name " + names;
        else
            v.outcome = Outcome::Clean;
    }
    if (!report.fileProblems.empty()) {
        if (v.outcome == Outcome::Clean)
            v.outcome = Outcome::Other;
        v.reason += (v.reason.empty() ? "" : "; ") + report.fileProblems;
    }
    switch (expect) {
    case Expect::Refuse: v.passed = v.outcome == Outcome::Clean; break;
    case Expect::Succeed:
        v.passed = v.outcome == Outcome::Accepted && r.stoppedBy == Stop::None && report.fileProblems.empty();
        break;
    case Expect::RefuseOrSucceed:
        v.passed = (v.outcome == Outcome::Clean)
                   || (v.outcome == Outcome::Accepted && r.stoppedBy == Stop::None && report.fileProblems.empty());
        break;
    }
    return v;
}

void Summary::add(Family family, const std::string& label, const Verdict& verdict, const FailureNote& note)
{
    Tally& tally = m_families[family];
    ++tally.tried;
    ++tally.counts[static_cast<size_t>(verdict.outcome)];
    Tally& labelTally = m_labels[family][label];
    ++labelTally.tried;
    ++labelTally.counts[static_cast<size_t>(verdict.outcome)];
    if (!verdict.passed)
        m_failures[family][label].push_back(note);
}

bool Summary::allClean() const
{
    for (const auto& [family, tally] : m_families)
        if (tally.counts[static_cast<size_t>(Outcome::Clean)] != tally.tried)
            return false;
    return true;
}

int Summary::tried() const
{
    int total = 0;
    for (const auto& [family, tally] : m_families)
        total += tally.tried;
    return total;
}

void Summary::print(std::ostream& out, std::size_t examples) const
{
    auto row = [&](const std::string& name, const Tally& t) {
        out << "  " << std::left << std::setw(12) << name << std::right << std::setw(7) << t.tried;
        for (const int count : t.counts)
            out << std::setw(13) << count;
        out << "\n";
    };
    out << "  " << std::left << std::setw(12) << "family" << std::right << std::setw(7) << "tried";
    for (const char* name : kOutcomeNames)
        out << std::setw(13) << name;
    out << "\n";
    Tally total;
    for (const auto& [family, tally] : m_families) {
        row(familyName(family), tally);
        total.tried += tally.tried;
        for (size_t i = 0; i < total.counts.size(); ++i)
            total.counts[i] += tally.counts[i];
    }
    row("total", total);

    for (const auto& [family, labels] : m_failures) {
        out << "\n" << familyName(family) << ": categories with failures (tried: crash, hang, accepted, other)\n";
        for (const auto& [label, notes] : labels) {
            const Tally& t = m_labels.at(family).at(label);
            out << "  " << label << " (" << t.tried << ": " << t.counts[1] << ", " << t.counts[2] << ", " << t.counts[3]
                << ", " << t.counts[4] << ")\n";
            for (size_t i = 0; i < notes.size() && i < examples; ++i) {
                const FailureNote& n = notes[i];
                out << "    " << shortened(n.detail, 100) << "\n      $ " << shortened(n.command, 300) << "\n      -> "
                    << n.result << "\n";
                if (!n.stderrText.empty())
                    out << "      stderr: " << shortened(n.stderrText, 300) << "\n";
            }
        }
    }
}

}  // namespace grokscope::fuzz
