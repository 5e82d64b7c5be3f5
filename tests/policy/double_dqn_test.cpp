#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <string>

#include "pba/error.hpp"
#include "pba/policy/double_dqn.hpp"
#include "support/expect.hpp"

using namespace pba;

namespace {

using pba::test::require_error;

// Three transitions, three actions.
constexpr std::array<double, 3> kRewards{1.0, 0.5, 2.0};
constexpr std::array<std::uint8_t, 3> kTerminal{0, 0, 1};
constexpr std::array<float, 9> kOnline{1, 3, 2,   // argmax 1
                                       5, 5, 1,   // tie: action 0
                                       0, 0, 9};  // terminal: ignored
constexpr std::array<float, 9> kTarget{10, 20, 30, 7, 8, 9, 4, 5, 6};
}  // namespace

TEST_CASE("double DQN: the online network chooses, the target network values") {
    std::array<double, 3> y{};
    policy::double_dqn_targets(kRewards, kTerminal, kOnline, kTarget, 0.9, y);
    CHECK(y[0] == Approx(1.0 + 0.9 * 20).epsilon(0).margin(1e-12));  // 19; vanilla DQN's max would give 28
    CHECK(y[1] == Approx(0.5 + 0.9 * 7).epsilon(0).margin(1e-12));   // 6.8
    CHECK(y[2] == 2.0);                                              // terminal: the reward alone
}

TEST_CASE("double DQN: gamma 0 leaves the rewards, gamma 1 adds the chosen value") {
    std::array<double, 3> y{};
    policy::double_dqn_targets(kRewards, kTerminal, kOnline, kTarget, 0.0, y);
    CHECK(y == std::array<double, 3>{1.0, 0.5, 2.0});
    policy::double_dqn_targets(kRewards, kTerminal, kOnline, kTarget, 1.0, y);
    CHECK(y == std::array<double, 3>{21.0, 7.5, 2.0});
    const std::array<std::uint8_t, 3> none{0, 0, 0};
    policy::double_dqn_targets(kRewards, none, kOnline, kTarget, 0.5, y);
    CHECK(y[2] == Approx(2.0 + 0.5 * 6).epsilon(0).margin(1e-12));
}

TEST_CASE("double DQN: mismatched sizes and bad values are errors, nothing is written") {
    std::array<double, 3> y{-1, -1, -1};
    const std::array<double, 3> untouched = y;
    require_error(
        [&] {
            policy::double_dqn_targets(kRewards, std::array<std::uint8_t, 2>{0, 0}, kOnline, kTarget, 0.9, y);
        },
        Errc::shape_mismatch, "terminal");
    require_error(
        [&] { policy::double_dqn_targets(kRewards, kTerminal, std::span(kOnline).first(8), kTarget, 0.9, y); },
        Errc::shape_mismatch, "Q-values");
    require_error(
        [&] { policy::double_dqn_targets(kRewards, kTerminal, kOnline, std::span(kTarget).first(6), 0.9, y); },
        Errc::shape_mismatch, "Q-values");
    require_error(
        [&] {
            policy::double_dqn_targets(kRewards, kTerminal, std::span(kOnline).first(2), std::span(kTarget).first(2),
                                       0.9, y);
        },
        Errc::shape_mismatch, "Q-values");
    for (double gamma : {-0.1, 1.1, std::nan("")})
        require_error([&] { policy::double_dqn_targets(kRewards, kTerminal, kOnline, kTarget, gamma, y); },
                      Errc::invalid_argument, "gamma");
    require_error(
        [&] {
            policy::double_dqn_targets(std::array<double, 3>{1, std::nan(""), 0}, kTerminal, kOnline, kTarget, 0.9, y);
        },
        Errc::invalid_argument, "reward 1");
    std::array<float, 9> bad = kTarget;
    bad[7] = std::nanf("");
    require_error([&] { policy::double_dqn_targets(kRewards, kTerminal, kOnline, bad, 0.9, y); },
                  Errc::invalid_argument, "transition 2, action 1");
    CHECK(y == untouched);
    // An empty batch is valid and writes nothing.
    CHECK_NOTHROW(policy::double_dqn_targets({}, {}, {}, {}, 0.9, {}));
}
