#pragma once

#include <memory>
#include <optional>
#include <string>

#include "args.hpp"
#include "pba/model/model.hpp"

namespace pba::cli {

// The model a subcommand runs: `--model FILE`, or `--default NAME` for one compiled into the
// library (the names `pba export` lists). Giving both is a usage error; giving neither
// selects `fallback` (an embedded model's name), or is a usage error when there is none.
struct ModelChoice {
    std::shared_ptr<const Model> model;
    std::string label;  // "FILE" or "embedded 'NAME'", for messages
};
ModelChoice choose_model(const Args& args, const std::optional<std::string>& fallback = std::nullopt);

}  // namespace pba::cli
