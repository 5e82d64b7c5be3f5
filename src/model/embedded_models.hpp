#pragma once

#include <span>

namespace pba::detail {

// One .pba file compiled into the library (see cmake/PbaEmbedModels.cmake).
struct EmbeddedModel {
    const char* name;  // file stem, e.g. "internet"
    const unsigned char* begin;
    const unsigned char* end;
};

// The embedded models, sorted by name. Defined in the generated embedded_models.cpp.
std::span<const EmbeddedModel> embedded_models() noexcept;

}  // namespace pba::detail
