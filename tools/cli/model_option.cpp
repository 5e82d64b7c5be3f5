#include "model_option.hpp"

#include "pba/model/defaults.hpp"

namespace pba::cli {

ModelChoice choose_model(const Args& args, const std::optional<std::string>& fallback) {
    if (args.has("default") && args.has("model")) throw UsageError{"give either --default NAME or --model FILE, not both"};
    if (const auto path = args.get("model")) return {Model::from_file(*path), *path};
    const auto name = args.has("default") ? args.get("default") : fallback;
    if (!name) throw UsageError{"give --model FILE or --default NAME"};
    return {default_model(*name), "embedded '" + *name + "'"};
}

}  // namespace pba::cli
