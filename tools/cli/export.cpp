#include <fmt/format.h>
#include <fstream>

#include "args.hpp"
#include "commands.hpp"
#include "pba/error.hpp"
#include "pba/model/defaults.hpp"

namespace pba::cli {

// Writes an embedded model's file, byte for byte as compiled in (src/models/NAME.pba), so it
// can be inspected, converted or shipped like any other model file.
int export_model(const Argv& argv) {
    Argv spelled = argv;
    for (auto& a : spelled)
        if (a == "-o") a = "--output";
    const Args args(spelled, {"output"});
    if (args.positional().size() != 1) throw UsageError{"expected exactly one embedded model name"};
    const std::string& name = args.positional()[0];
    const std::string out_path = args.require("output");
    const auto bytes = default_model_bytes(name);  // unknown name: not_found listing the names

    std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(Errc::io_error, fmt::format("cannot create '{}'", out_path));
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) throw Error(Errc::io_error, fmt::format("cannot write '{}'", out_path));
    return 0;
}

}  // namespace pba::cli
