#include "architectures.hpp"

#include "pba/error.hpp"
#include "support/model_builder.hpp"

namespace pba::bench {

using format::ActivationCode;
using test::ModelBuilder;

const std::vector<std::string>& architecture_names() {
    static const std::vector<std::string> names{"v1", "dc3", "inet3", "ddqn_lstm", "qnet", "torch9"};
    return names;
}

format::ModelDescription architecture(const std::string& name) {
    const auto relu = ActivationCode::relu;
    if (name == "v1") return ModelBuilder({10, 6}).lstm(128, true).lstm(64, false).dense(32, relu).batch_norm().dense(4).build();
    if (name == "dc3")
        return ModelBuilder({30, 5}).lstm(128, true).lstm(64, false).dense(32, relu).dense(16, relu).dense(1).build();
    if (name == "inet3")
        return ModelBuilder({60, 5}).lstm(256, true).lstm(128, false).dense(32, relu).dense(16, relu).dense(1).build();
    if (name == "ddqn_lstm")
        return ModelBuilder({10, 4})
            .lstm(128, true).batch_norm().lstm(64, true).batch_norm().lstm(32, false).batch_norm()
            .dense(16, relu).dense(8, relu).dense(1).build();
    if (name == "qnet")
        return ModelBuilder({4})
            .dense(128, relu).batch_norm().dense(64, relu).batch_norm().dense(32, relu).batch_norm().dense(10).build();
    if (name == "torch9")
        return ModelBuilder({20, 9})
            .lstm(256, true).batch_norm().lstm(128, true).batch_norm().lstm(64, false)
            .dense(128, relu).batch_norm().dense(64, relu).dense(32, relu).dense(4).build();
    throw Error(Errc::not_found, "unknown architecture '" + name + "'");
}

}  // namespace pba::bench
