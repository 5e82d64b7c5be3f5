#include <catch2/catch.hpp>

#include "pba/model/model.hpp"
#include "support/alloc_counter.hpp"
#include "support/model_builder.hpp"

using namespace pba;
using format::ActivationCode;

TEST_CASE("a forward pass allocates no heap memory after the model is loaded") {
    for (auto storage : {nn::WeightStorage::fp32, nn::WeightStorage::fp16, nn::WeightStorage::bf16}) {
        LoadOptions options;
        options.recurrent_weights = storage;
        const auto model = Model::from_description(test::ModelBuilder({10, 6})
                                                       .lstm(32, true)
                                                       .batch_norm()
                                                       .lstm(17, false)  // odd: bf16's half-empty last word row
                                                       .dense(8, ActivationCode::relu)
                                                       .batch_norm()
                                                       .dense(4)
                                                       .activation(ActivationCode::sigmoid)
                                                       .build(),
                                                   options);
        auto ws = model->make_workspace(8);
        std::vector<float> input(8 * model->input_size(), 0.3f);
        std::vector<float> output(8 * model->output_size());
        for (std::size_t batch : {1u, 3u, 8u}) {
            std::span<const float> in(input.data(), batch * model->input_size());
            std::span<float> out(output.data(), batch * model->output_size());
            INFO("storage " << static_cast<int>(storage) << " batch " << batch);  // allocates: before the counter
            test::AllocationCounter counter;
            for (int i = 0; i < 5; ++i) model->forward(in, out, ws);
            CHECK(counter.allocations() == 0);
        }
    }
}

TEST_CASE("the allocation counter does see allocations") {
    static void* volatile sink;  // volatile: the compiler may not elide the allocation
    test::AllocationCounter counter;
    sink = ::operator new(16);
    ::operator delete(sink);
    CHECK(counter.allocations() == 1);
}
