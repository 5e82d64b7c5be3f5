#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pba/format/model_file.hpp"
#include "pba/model/model.hpp"
#include "support/model_builder.hpp"

namespace pba::test {

// Metadata of a predictor model whose inputs are all `divide`-normalised by 1 (`none` kinds
// make no difference to what these tests check) and whose outputs are `none`, so an output
// y is forecast as y.
inline format::Metadata plain_metadata(const std::vector<std::string>& features, const std::vector<std::string>& targets,
                                       const std::string& version) {
    format::Metadata m;
    m.set("input.features", features);
    m.set("input.norm", std::vector<std::string>(features.size(), "none"));
    m.set("output.targets", targets);
    m.set("output.norm", std::vector<std::string>(targets.size(), "none"));
    m.set("model.version", version);
    m.set("model.name", std::string("test"));
    return m;
}

// A model over windows of `window` x features.size() whose output is always `outputs`:
// an LSTM followed by a Dense layer with zero weights and the outputs as bias.
inline format::ModelDescription constant_description(std::size_t window, const format::Metadata& metadata,
                                                     const std::vector<float>& outputs) {
    const auto features = metadata.strings("input.features");
    ModelBuilder builder({static_cast<std::int64_t>(window), static_cast<std::int64_t>(features.size())});
    builder.lstm(4, false).dense(static_cast<std::uint32_t>(outputs.size()));
    format::ModelDescription d = builder.build();
    for (const auto& [key, value] : metadata.entries()) d.metadata.set(key, value);
    auto& weight = d.tensors[d.tensors.size() - 2].values;
    auto& bias = d.tensors.back().values;
    std::fill(weight.begin(), weight.end(), 0.0f);
    bias = outputs;
    return d;
}

inline std::shared_ptr<const Model> constant_model(std::size_t window, const format::Metadata& metadata,
                                                   const std::vector<float>& outputs) {
    return Model::from_description(constant_description(window, metadata, outputs));
}

}  // namespace pba::test
