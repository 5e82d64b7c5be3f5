// Model loading, inspection and raw forward passes.

#include <limits>
#include <span>
#include <variant>

#include "handles.hpp"
#include "pba/model/defaults.hpp"
#include "pba/nn/network.hpp"

pba_model::pba_model(std::shared_ptr<const pba::Model> loaded)
    : model(std::move(loaded)),
      name(model->name()),
      version(model->version()),
      mode(model->metadata().string_or("model.mode", "generic")) {
    keys.reserve(model->metadata().size());
    for (const auto& [key, value] : model->metadata().entries()) keys.push_back(key.c_str());
}

namespace pba::capi {

pba_status load_options(const char* function, const pba_load_options* options, LoadOptions& out) noexcept {
    if (options == nullptr) return PBA_OK;
    if (auto s = check_struct(function, "options", options)) return s;
    if (auto s = check_reserved(function, "options", options->reserved)) return s;
    switch (options->recurrent_weights) {
        case PBA_WEIGHTS_FP32: out.recurrent_weights = nn::WeightStorage::fp32; break;
        case PBA_WEIGHTS_FP16: out.recurrent_weights = nn::WeightStorage::fp16; break;
        case PBA_WEIGHTS_BF16: out.recurrent_weights = nn::WeightStorage::bf16; break;
        default:
            return fail(PBA_ERR_INVALID_ARGUMENT, "{}: options.recurrent_weights is {}, not a pba_weight_storage (0..2)",
                        function, options->recurrent_weights);
    }
    if (options->reload_flags & ~PBA_RELOAD_ALLOW_KIND_CHANGE)
        return fail(PBA_ERR_INVALID_ARGUMENT, "{}: options.reload_flags is 0x{:x}, unknown bits beyond PBA_RELOAD_*",
                    function, options->reload_flags);
    out.verify_self_test = options->verify_self_test != 0;
    return PBA_OK;
}

namespace {

void append_json_string(std::string& out, const std::string& s) {
    out += '"';
    for (char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20)
                    out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
                else
                    out += c;
        }
    }
    out += '"';
}

std::string render(const format::MetaValue& value) {
    return std::visit(
        [](const auto& v) -> std::string {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, std::string>) {
                return v;
            } else if constexpr (std::is_same_v<V, std::int64_t> || std::is_same_v<V, double>) {
                return fmt::format("{}", v);
            } else {
                std::string out = "[";
                for (std::size_t i = 0; i < v.size(); ++i) {
                    if (i) out += ", ";
                    if constexpr (std::is_same_v<V, std::vector<std::string>>)
                        append_json_string(out, v[i]);
                    else
                        out += fmt::format("{}", v[i]);
                }
                return out + "]";
            }
        },
        value);
}

// Grows this thread's scratch to fit every model it has run, so only a thread's first (or
// first larger) forward allocates.
nn::Workspace& thread_workspace(const Model& model, std::size_t batch) {
    thread_local nn::Workspace workspace;
    model.network().reserve(workspace, batch);
    return workspace;
}

pba_status forward(const char* function, const pba_model* handle, std::size_t batch, const float* input,
                   std::size_t input_count, float* output, std::size_t output_count) {
    const Model& m = *handle->model;
    const std::size_t in = m.input_size();
    const std::size_t out = m.output_size();
    if (batch == 0) return fail(PBA_ERR_INVALID_ARGUMENT, "{}: batch is 0, at least one window is needed", function);
    if (batch > std::numeric_limits<std::size_t>::max() / std::max(in, out))
        return fail(PBA_ERR_INVALID_ARGUMENT, "{}: batch of {} windows overflows the buffer sizes", function, batch);
    if (input_count != batch * in)
        return fail(PBA_ERR_SHAPE_MISMATCH, "{}: input_count is {}, model '{}' takes {} ({} window(s) x {} floats)",
                    function, input_count, handle->name, batch * in, batch, in);
    if (output_count != batch * out)
        return fail(PBA_ERR_SHAPE_MISMATCH, "{}: output_count is {}, model '{}' gives {} ({} window(s) x {} floats)",
                    function, output_count, handle->name, batch * out, batch, out);
    m.forward(std::span(input, input_count), std::span(output, output_count), thread_workspace(m, batch));
    return ok();
}

// Sorted once; the strings live as long as the program, so their pointers can be handed out.
const std::vector<std::string>& default_names() {
    static const std::vector<std::string> names = default_model_names();
    return names;
}

}  // namespace
}  // namespace pba::capi

using namespace pba::capi;

extern "C" {

pba_status pba_model_load_file(const char* path, const pba_load_options* options, pba_model** out_model) {
    constexpr const char* fn = "pba_model_load_file";
    PBA_CHECK_NOT_NULL(fn, out_model);
    *out_model = nullptr;
    PBA_CHECK_NOT_NULL(fn, path);
    return guarded(fn, [&] {
        pba::LoadOptions opts;
        if (auto s = load_options(fn, options, opts)) return s;
        *out_model = new pba_model(pba::Model::from_file(path, opts));
        return ok();
    });
}

pba_status pba_model_load_memory(const void* data, size_t size, const pba_load_options* options,
                                 pba_model** out_model) {
    constexpr const char* fn = "pba_model_load_memory";
    PBA_CHECK_NOT_NULL(fn, out_model);
    *out_model = nullptr;
    if (data == nullptr && size != 0) return fail(PBA_ERR_NULL_POINTER, "{}: data is NULL with size {}", fn, size);
    return guarded(fn, [&] {
        pba::LoadOptions opts;
        if (auto s = load_options(fn, options, opts)) return s;
        const auto* bytes = static_cast<const std::byte*>(data);
        *out_model = new pba_model(pba::Model::from_bytes(std::span(bytes, size), opts));
        return ok();
    });
}

pba_status pba_model_load_default(const char* name, pba_model** out_model) {
    constexpr const char* fn = "pba_model_load_default";
    PBA_CHECK_NOT_NULL(fn, out_model);
    *out_model = nullptr;
    PBA_CHECK_NOT_NULL(fn, name);
    return guarded(fn, [&] {
        *out_model = new pba_model(pba::default_model(name));
        return ok();
    });
}

pba_status pba_default_model_bytes(const char* name, const void** out_data, size_t* out_size) {
    constexpr const char* fn = "pba_default_model_bytes";
    PBA_CHECK_NOT_NULL(fn, out_data);
    *out_data = nullptr;
    PBA_CHECK_NOT_NULL(fn, out_size);
    *out_size = 0;
    PBA_CHECK_NOT_NULL(fn, name);
    return guarded(fn, [&] {
        const auto bytes = pba::default_model_bytes(name);
        *out_data = bytes.data();
        *out_size = bytes.size();
        return ok();
    });
}

size_t pba_default_model_count(void) {
    try {
        return default_names().size();
    } catch (...) {
        return 0;
    }
}

const char* pba_default_model_name(size_t index) {
    try {
        const auto& names = default_names();
        return index < names.size() ? names[index].c_str() : nullptr;
    } catch (...) {
        return nullptr;
    }
}

void pba_model_free(pba_model* model) { release(model); }

pba_status pba_model_get_info(const pba_model* model, pba_model_info* info) {
    constexpr const char* fn = "pba_model_get_info";
    PBA_CHECK_NOT_NULL(fn, model);
    PBA_CHECK_NOT_NULL(fn, info);
    if (auto s = check_struct(fn, "info", info)) return s;
    Use use(model);
    const pba::Model& m = *model->model;
    info->name = model->name.c_str();
    info->version = model->version.c_str();
    info->mode = model->mode.c_str();
    info->window_length = static_cast<uint32_t>(m.window_length());
    info->feature_count = static_cast<uint32_t>(m.feature_count());
    info->input_size = static_cast<uint32_t>(m.input_size());
    info->output_size = static_cast<uint32_t>(m.output_size());
    info->layer_count = static_cast<uint32_t>(m.layer_specs().size());
    info->checksum = m.checksum();
    info->parameter_count = m.parameter_count();
    info->has_self_test = m.has_self_test() ? 1 : 0;
    info->self_test_verified = m.self_test_verified() ? 1 : 0;
    return ok();
}

size_t pba_model_metadata_count(const pba_model* model) {
    if (model == nullptr) return 0;
    Use use(model);
    return model->keys.size();
}

const char* pba_model_metadata_key(const pba_model* model, size_t index) {
    if (model == nullptr) return nullptr;
    Use use(model);
    return index < model->keys.size() ? model->keys[index] : nullptr;
}

pba_status pba_model_metadata(const pba_model* model, const char* key, char* buffer, size_t capacity,
                              size_t* required) {
    constexpr const char* fn = "pba_model_metadata";
    PBA_CHECK_NOT_NULL(fn, model);
    PBA_CHECK_NOT_NULL(fn, key);
    Use use(model);
    return guarded(fn, [&] {
        const pba::format::MetaValue* value = model->model->metadata().find(key);
        if (value == nullptr)
            return fail(PBA_ERR_NOT_FOUND, "{}: model '{}' has no metadata key '{}'", fn, model->name, key);
        return write_text(fn, render(*value), buffer, capacity, required);
    });
}

pba_status pba_model_forward(const pba_model* model, const float* input, size_t input_count, float* output,
                             size_t output_count) {
    constexpr const char* fn = "pba_model_forward";
    PBA_CHECK_NOT_NULL(fn, model);
    PBA_CHECK_NOT_NULL(fn, input);
    PBA_CHECK_NOT_NULL(fn, output);
    Use use(model);
    return guarded(fn, [&] { return forward(fn, model, 1, input, input_count, output, output_count); });
}

pba_status pba_model_forward_batch(const pba_model* model, size_t batch, const float* input, size_t input_count,
                                   float* output, size_t output_count) {
    constexpr const char* fn = "pba_model_forward_batch";
    PBA_CHECK_NOT_NULL(fn, model);
    PBA_CHECK_NOT_NULL(fn, input);
    PBA_CHECK_NOT_NULL(fn, output);
    Use use(model);
    return guarded(fn, [&] { return forward(fn, model, batch, input, input_count, output, output_count); });
}

}  // extern "C"
