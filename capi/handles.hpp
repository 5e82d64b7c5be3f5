#pragma once

// The structs behind the C header's opaque handles. Each starts with its Lifetime guard.

#include <memory>
#include <string>
#include <vector>

#include "internal.hpp"
#include "pba/model/model.hpp"

struct pba_model {
    explicit pba_model(std::shared_ptr<const pba::Model> loaded);

    mutable pba::capi::Lifetime lifetime;
    std::shared_ptr<const pba::Model> model;
    // Copies made once so pba_model_get_info can hand out pointers that live as long as
    // the handle.
    std::string name;
    std::string version;
    std::string mode;
    std::vector<const char*> keys;  // into model->metadata(), which is immutable
};
