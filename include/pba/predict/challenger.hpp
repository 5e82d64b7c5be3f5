#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "pba/predict/accuracy.hpp"
#include "pba/predict/forecast.hpp"

namespace pba::predict {

// How one model did since a champion/challenger comparison began.
struct ModelScore {
    std::array<char, kModelVersionCapacity> model_version{};  // "" for none (fallback only)
    std::uint64_t forecasts = 0;  // forecasts made since the comparison began
    std::uint64_t fallbacks = 0;  // of which answered by the fallback rule
    AccuracySummary accuracy;     // over every forecast matched since the comparison began
    double horizon_s = 0.0;
    ForecastTarget target = ForecastTarget::value_at;
};

enum class ChallengeWinner : std::uint8_t { undecided = 0, champion = 1, challenger = 2 };
const char* to_string(ChallengeWinner winner) noexcept;

struct ChallengerReport {
    ModelScore champion;
    ModelScore challenger;
    // Which model forecast bandwidth better: the lower bandwidth MAE once each has at least
    // min_matched scored bandwidth forecasts and both forecast the same thing (same target kind
    // and horizon); the champion on a tie; undecided before that.
    ChallengeWinner better = ChallengeWinner::undecided;
    std::uint64_t min_matched = 0;
    bool comparable = true;  // same target kind and horizon
};

ChallengeWinner judge(const ModelScore& champion, const ModelScore& challenger, std::uint64_t min_matched) noexcept;

// A few lines naming the better model with the numbers, e.g.
//   champion   2026.11.26  matched 412  bandwidth MAE 1.93 Mbps  MAPE 21.4%  within ±20% 61.2%
//   challenger 2026.12.01  matched 412  bandwidth MAE 1.71 Mbps  MAPE 18.9%  within ±20% 66.0%
//   better: challenger (bandwidth MAE 11.4% lower)
std::string format_report(const ChallengerReport& report);

}  // namespace pba::predict
