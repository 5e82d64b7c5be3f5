#include "pba/predict/challenger.hpp"

#include <fmt/format.h>

namespace pba::predict {

const char* to_string(ChallengeWinner winner) noexcept {
    switch (winner) {
        case ChallengeWinner::undecided: return "undecided";
        case ChallengeWinner::champion: return "champion";
        case ChallengeWinner::challenger: return "challenger";
    }
    return "unknown";
}

ChallengeWinner judge(const ModelScore& champion, const ModelScore& challenger, std::uint64_t min_matched) noexcept {
    if (champion.target != challenger.target || champion.horizon_s != challenger.horizon_s)
        return ChallengeWinner::undecided;
    const FieldAccuracy& a = champion.accuracy.fields[static_cast<std::size_t>(SampleField::bandwidth_mbps)];
    const FieldAccuracy& b = challenger.accuracy.fields[static_cast<std::size_t>(SampleField::bandwidth_mbps)];
    if (a.count == 0 || b.count == 0 || a.count < min_matched || b.count < min_matched)
        return ChallengeWinner::undecided;
    return b.mae < a.mae ? ChallengeWinner::challenger : ChallengeWinner::champion;
}

std::string format_report(const ChallengerReport& r) {
    auto line = [](const char* role, const ModelScore& s) {
        const FieldAccuracy& bw = s.accuracy.fields[static_cast<std::size_t>(SampleField::bandwidth_mbps)];
        return fmt::format(
            "{:<10} {:<12} forecasts {} (fallback {})  matched {}  bandwidth MAE {:.4g} Mbps  MAPE {:.1f}%  "
            "within ±20% {:.1f}%  horizon {:g} s {}\n",
            role, s.model_version[0] ? s.model_version.data() : "(none)", s.forecasts, s.fallbacks, bw.count, bw.mae,
            100.0 * bw.mape, 100.0 * bw.within_20pct, s.horizon_s, to_string(s.target));
    };
    std::string out = line("champion", r.champion) + line("challenger", r.challenger);
    const double champion_mae = r.champion.accuracy.fields[0].mae;
    const double challenger_mae = r.challenger.accuracy.fields[0].mae;
    switch (r.better) {
        case ChallengeWinner::undecided:
            if (!r.comparable)
                out += "better: undecided (the models forecast different targets or horizons)\n";
            else
                out += fmt::format("better: undecided (each needs {} matched bandwidth forecasts)\n", r.min_matched);
            break;
        case ChallengeWinner::champion:
            out += fmt::format("better: champion (bandwidth MAE {:.4g} vs {:.4g} Mbps)\n", champion_mae, challenger_mae);
            break;
        case ChallengeWinner::challenger:
            out += fmt::format("better: challenger (bandwidth MAE {:.1f}% lower: {:.4g} vs {:.4g} Mbps)\n",
                               champion_mae > 0 ? 100.0 * (champion_mae - challenger_mae) / champion_mae : 0.0,
                               challenger_mae, champion_mae);
            break;
    }
    return out;
}

}  // namespace pba::predict
