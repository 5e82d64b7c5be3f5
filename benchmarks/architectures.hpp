#pragma once

#include <string>
#include <vector>

#include "pba/format/model_file.hpp"

namespace pba::bench {

// The six architectures users train today (issue 2), with seeded random weights and
// non-trivial BatchNorm statistics, built in code through the format API.
const std::vector<std::string>& architecture_names();
format::ModelDescription architecture(const std::string& name);

}  // namespace pba::bench
