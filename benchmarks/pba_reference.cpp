#include "pba_reference.hpp"

#include "pba/model/model.hpp"
#include "pba/nn/network.hpp"

namespace pba::bench {

PbaReference pba_reference(const std::filesystem::path& model_file, std::span<const float> window) {
    const auto model = Model::from_file(model_file);
    auto workspace = model->make_workspace(1);
    PbaReference result;
    result.output.resize(model->output_size());
    model->forward(window, result.output, workspace);
    result.flops_per_window = model->network().flops_per_window();
    return result;
}

}  // namespace pba::bench
