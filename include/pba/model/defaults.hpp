#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pba/model/model.hpp"

namespace pba {

// The trained models compiled into the library (src/models/*.pba, named by file stem:
// `internet`, `datacenter`, `v1`, `policy`), so pba works with no files at all.

// The embedded model `name`, loaded (with its self-test verified) on first use and then
// shared: every call returns the same instance. Thread-safe. Throws Error(not_found) for an
// unknown name, listing the available ones.
std::shared_ptr<const Model> default_model(std::string_view name);

// The embedded models' names, sorted.
std::vector<std::string> default_model_names();

// The embedded file's bytes (static storage, valid for the program's lifetime). Throws
// Error(not_found) like default_model.
std::span<const std::byte> default_model_bytes(std::string_view name);

}  // namespace pba
