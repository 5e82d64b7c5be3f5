#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "pba/trace/replay.hpp"

// What `pba replay` writes besides its summary: the per-forecast CSV, the plot, the progress bar.
namespace pba::cli {

// One row per forecast (header: see docs/replay.md); unknown values are empty cells.
// Throws Error(io_error) when the file cannot be written.
void write_replay_csv(const std::string& path, const trace::Replay& replay);

// Runs tools/plot_replay.py (found through $PBA_PLOT_SCRIPT, else next to this executable)
// with /usr/bin/python3 (or $PBA_PYTHON) on a CSV from write_replay_csv. Throws Error naming
// what is missing when python3, matplotlib or the script is not there.
void plot_replay(const std::string& csv_path, const std::string& png_path, const std::string& title);

// A one-line bar on stderr, redrawn at most every 1%; erased by done().
class ProgressBar {
public:
    void update(std::size_t done, std::size_t total);
    void done();

private:
    int shown_ = -1;
};

}  // namespace pba::cli
