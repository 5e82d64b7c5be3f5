#include "replay_output.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <memory>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pba/error.hpp"
#include "replay_allocation.hpp"

extern char** environ;

namespace pba::cli {
namespace {

// Exit status of tools/plot_replay.py when matplotlib cannot be imported.
constexpr int kPlotMissingMatplotlib = 3;

// Shortest round-trip text of a finite value; empty for NaN (unknown).
std::string cell(double v) { return std::isfinite(v) ? fmt::format("{}", v) : std::string(); }

std::string plot_script() {
    if (const char* env = std::getenv("PBA_PLOT_SCRIPT"); env && *env) return env;
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) throw Error(Errc::io_error, "--plot: cannot locate this executable to find plot_replay.py (set PBA_PLOT_SCRIPT)");
    return (exe.parent_path() / "plot_replay.py").string();
}

}  // namespace

void write_replay_csv(const std::string& path, const trace::Replay& replay) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(path.c_str(), "w"), std::fclose);
    if (!out) throw Error(Errc::io_error, fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
    using M = trace::Method;
    fmt::print(out.get(),
               "t_s,target_t_s,predicted_mbps,low_mbps,high_mbps,confidence,mode,fallback,actual_mbps,"
               "interval_coverage,fallback_reason,target,persistence_mbps,moving_average_mbps,ewma_mbps,latency_us");
    AllocationColumns allocation(replay.summary.allocation);
    fmt::print(out.get(), "{},aggregated,leading_member,network_mbps", allocation.header());
    for (std::size_t m = 0; m < predict::kAggregationMemberCount; ++m)
        fmt::print(out.get(), ",member_{}_mbps", predict::to_string(static_cast<predict::AggregationMember>(m)));
    fmt::print(out.get(), "\n");
    for (const trace::ReplayPoint& p : replay.points) {
        fmt::print(out.get(), "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}{}", cell(p.t_s), cell(p.target_t_s),
                   cell(p.predicted_mbps), cell(p.low_mbps), cell(p.high_mbps), cell(p.confidence),
                   predict::to_string(p.mode), p.fallback ? 1 : 0, cell(p.actual_mbps), cell(p.interval_coverage),
                   predict::to_string(p.fallback_reason), predict::to_string(p.target),
                   cell(p.baseline_mbps[static_cast<std::size_t>(M::persistence)]),
                   cell(p.baseline_mbps[static_cast<std::size_t>(M::moving_average)]),
                   cell(p.baseline_mbps[static_cast<std::size_t>(M::ewma)]), cell(p.latency_us), allocation.row(p));
        fmt::print(out.get(), ",{},{},{}", p.aggregated ? 1 : 0,
                   p.aggregated ? predict::to_string(p.leading_member) : "", cell(p.network_mbps));
        for (double v : p.member_mbps) fmt::print(out.get(), ",{}", p.aggregated ? cell(v) : std::string());
        fmt::print(out.get(), "\n");
    }
    if (std::ferror(out.get()) || std::fclose(out.release()) != 0)
        throw Error(Errc::io_error, fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
}

void plot_replay(const std::string& csv_path, const std::string& png_path, const std::string& title) {
    const std::string script = plot_script();
    if (!std::filesystem::exists(script))
        throw Error(Errc::not_found, fmt::format("--plot: the plotting script '{}' is missing", script));
    const char* env_python = std::getenv("PBA_PYTHON");
    const std::string python = env_python && *env_python ? env_python : "/usr/bin/python3";
    std::vector<std::string> args = {python, script, csv_path, png_path, "--title", title};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    std::fflush(stdout);
    pid_t pid = 0;
    if (const int rc = posix_spawn(&pid, python.c_str(), nullptr, nullptr, argv.data(), environ); rc != 0)
        throw Error(Errc::not_found, fmt::format("--plot needs {} with matplotlib (Debian: apt-get install python3 "
                                                 "python3-matplotlib): cannot run it: {}",
                                                 python, std::strerror(rc)));
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) throw Error(Errc::io_error, fmt::format("--plot: waiting for {}: {}", python, std::strerror(errno)));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
    if (WIFEXITED(status) && WEXITSTATUS(status) == kPlotMissingMatplotlib)
        throw Error(Errc::not_found,
                    fmt::format("--plot needs matplotlib for {} (Debian: apt-get install python3-matplotlib)", python));
    throw Error(Errc::io_error, fmt::format("--plot: {} failed ({} {})", script,
                                            WIFEXITED(status) ? "exit status" : "signal",
                                            WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status)));
}

void ProgressBar::update(std::size_t done, std::size_t total) {
    const int percent = total ? static_cast<int>(100 * done / total) : 100;
    if (percent == shown_) return;
    shown_ = percent;
    constexpr int width = 40;
    const int filled = percent * width / 100;
    fmt::print(stderr, "\rreplay [{:#<{}}{:<{}}] {:3}% {}/{} rows", "", filled, "", width - filled, percent, done, total);
    std::fflush(stderr);
}

void ProgressBar::done() {
    if (shown_ < 0) return;
    fmt::print(stderr, "\r\033[K");
    std::fflush(stderr);
    shown_ = -1;
}

}  // namespace pba::cli
