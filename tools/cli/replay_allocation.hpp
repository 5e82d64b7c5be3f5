#pragma once

#include <string>
#include <vector>

#include "pba/trace/allocation_score.hpp"
#include "pba/trace/replay.hpp"

// `pba replay`'s allocation score: the summary table and the --out columns.
namespace pba::cli {

// The table: one row per policy with overshoot, undershoot and how often settings changed.
void print_allocation(const trace::AllocationReport& report);

// The --out columns after the original ones: next_mbps, confidence by rule, and per policy the
// settings it holds after each forecast and that step's overshoot and undershoot.
class AllocationColumns {
public:
    explicit AllocationColumns(const trace::AllocationReport& report);
    std::string header() const;          // starting with a comma
    std::string row(const trace::ReplayPoint& point);  // the next forecast's cells, starting with a comma

private:
    const trace::AllocationReport& report_;
    std::vector<trace::AllocationPolicy> policies_;
    std::vector<trace::PolicyRun> runs_;
};

}  // namespace pba::cli
