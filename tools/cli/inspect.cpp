#include <fmt/format.h>
#include <fmt/ranges.h>
#include <variant>

#include "args.hpp"
#include "commands.hpp"
#include "pba/error.hpp"
#include "pba/format/model_file.hpp"
#include "pba/model/defaults.hpp"
#include "pba/model/model.hpp"
#include "pba/nn/network.hpp"

namespace pba::cli {
namespace {

std::string shape_string(const format::ValueShape& s) {
    return s.is_sequence() ? fmt::format("[{}, {}]", s.timesteps, s.channels) : fmt::format("[{}]", s.channels);
}

std::string value_string(const format::MetaValue& value) {
    return std::visit(
        [](const auto& v) -> std::string {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, std::string>) return fmt::format("\"{}\"", v);
            else if constexpr (std::is_same_v<V, std::vector<std::string>>) return fmt::format("{}", v);
            else if constexpr (std::is_same_v<V, double>) return fmt::format("{:.9g}", v);
            else if constexpr (std::is_same_v<V, std::vector<double>>) return fmt::format("[{:.9g}]", fmt::join(v, ", "));
            else return fmt::format("{}", v);
        },
        value);
}

}  // namespace

// A model file, or with --default NAME one of the embedded models, exactly as stored.
int inspect(const Argv& argv) {
    const Args args(argv, {"default"});
    if (args.positional().size() != (args.has("default") ? 0u : 1u))
        throw UsageError{"expected exactly one model file, or --default NAME"};
    std::vector<std::byte> file;
    std::span<const std::byte> bytes;
    std::string path;
    if (const auto name = args.get("default")) {
        bytes = default_model_bytes(*name);
        path = "embedded '" + *name + "'";
    } else {
        path = args.positional()[0];
        file = format::read_file_bytes(path);
        bytes = file;
    }
    format::ModelDescription d;
    std::shared_ptr<const Model> model;
    try {
        d = format::read_model(bytes);
        model = Model::from_description(d);
    } catch (const Error& e) {
        throw Error(e.code(), fmt::format("{}: {}", path, e.what()));
    }

    fmt::print("file:        {} ({} bytes)\n", path, bytes.size());
    fmt::print("format:      {}.{}\n", format::kVersionMajor, d.version_minor);
    fmt::print("checksum:    CRC-32C 0x{:08x} ok\n", d.checksum);
    if (d.self_test)
        fmt::print("self-test:   verified ({} outputs within abs {:g} + rel {:g})\n",
                   d.tensors[d.self_test->output_tensor].values.size(), d.self_test->abs_tolerance,
                   d.self_test->rel_tolerance);
    else
        fmt::print("self-test:   none\n");
    fmt::print("name:        {} {}\n", model->name(), model->version());
    fmt::print("input:       {}\n", shape_string(d.input_shape()));
    fmt::print("output:      {}\n", shape_string(d.output_shape()));
    fmt::print("parameters:  {}\n", model->parameter_count());
    fmt::print("flops:       {} per window\n", model->network().flops_per_window());
    fmt::print("layers:\n");
    for (std::size_t i = 0; i < d.layers.size(); ++i) {
        const auto& l = d.layers[i];
        std::size_t params = 0;
        for (auto t : l.tensors) params += d.tensors[t].values.size();
        std::string extra;
        if (l.type == format::LayerType::lstm) extra = l.return_sequences ? "sequence" : "last step";
        if (l.type == format::LayerType::dense || l.type == format::LayerType::activation)
            extra = format::to_string(l.activation);
        if (l.type == format::LayerType::batch_norm) extra = fmt::format("eps {:g}", l.epsilon);
        fmt::print("  {:>3}  {:<10} {:>5} -> {:<5} {:<10} {:>9} params\n", i, format::to_string(l.type), l.input_size,
                   l.output_size, extra, params);
    }
    fmt::print("metadata:\n");
    for (const auto& [key, value] : d.metadata.entries()) fmt::print("  {} = {}\n", key, value_string(value));
    return 0;
}

}  // namespace pba::cli
