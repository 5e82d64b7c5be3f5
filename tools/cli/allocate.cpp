#include <fmt/format.h>
#include <string>

#include "args.hpp"
#include "commands.hpp"
#include "model_option.hpp"
#include "pba/error.hpp"
#include "pba/model/model.hpp"
#include "pba/policy/allocation_policy.hpp"

namespace pba::cli {

// One line: the greedy action, its allocation and every action's Q-value (%.6g, in action
// order), from --model, --default or the embedded `policy` model.
int allocate(const Argv& argv) {
    const Args args(argv, {"latency-ms", "bandwidth-mbps", "loss", "reliability", "model", "default"});
    if (!args.positional().empty()) throw UsageError{"unexpected argument '" + args.positional()[0] + "'"};
    const policy::State state{args.number("latency-ms"), args.number("bandwidth-mbps"), args.number("loss"),
                              args.number("reliability")};
    std::shared_ptr<const Model> model;
    try {
        model = choose_model(args, "policy").model;
    } catch (const Error& e) {
        if (e.code() != Errc::not_found || args.has("default")) throw;
        throw Error(Errc::not_found, fmt::format("{}; pass --model FILE", e.what()));
    }
    const policy::AllocationPolicy policy(model);
    auto ws = policy.make_workspace();
    const policy::Decision d = policy.greedy(state, ws);
    std::string q;
    for (const float v : ws.q()) q += fmt::format("{}{:.6g}", q.empty() ? "" : ",", v);
    fmt::print("action={} allocation_pct={} q=[{}]\n", d.action, d.allocation_pct, q);
    return 0;
}

}  // namespace pba::cli
