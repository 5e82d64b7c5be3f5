#include <cerrno>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <sstream>
#include <system_error>

#include "args.hpp"
#include "commands.hpp"
#include "model_option.hpp"
#include "pba/error.hpp"
#include "pba/model/model.hpp"

namespace pba::cli {

// Each input line is one window (T x F values, time-major) or one feature vector; each
// output line is the model's outputs for it, comma-separated, %.9g.
int forward(const Argv& argv) {
    const Args args(argv, {"model", "default", "input"});
    if (!args.positional().empty()) throw UsageError{"unexpected argument '" + args.positional()[0] + "'"};
    const auto model = choose_model(args).model;
    const std::string input_path = args.require("input");

    std::ifstream file;
    std::istream* in = &std::cin;
    if (input_path != "-") {
        file.open(input_path);
        if (!file)
            throw Error(Errc::io_error,
                        fmt::format("cannot open '{}': {}", input_path, std::generic_category().message(errno)));
        in = &file;
    }

    auto ws = model->make_workspace(1);
    std::vector<float> window(model->input_size());
    std::vector<float> output(model->output_size());
    std::string line;
    std::size_t line_number = 0;
    while (std::getline(*in, line)) {
        ++line_number;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        std::stringstream cells(line);
        std::string cell;
        std::size_t n = 0;
        while (std::getline(cells, cell, ',')) {
            if (n == window.size())
                throw Error(Errc::shape_mismatch, fmt::format("{} line {}: more than the model's {} input values",
                                                              input_path, line_number, window.size()));
            const auto first = cell.find_first_not_of(" \t\r");
            const auto last = cell.find_last_not_of(" \t\r");
            const std::string trimmed = first == std::string::npos ? "" : cell.substr(first, last - first + 1);
            try {
                window[n++] = static_cast<float>(parse_number(trimmed, "value"));
            } catch (const UsageError& e) {
                throw Error(Errc::invalid_argument, fmt::format("{} line {}: {}", input_path, line_number, e.message));
            }
        }
        if (n != window.size())
            throw Error(Errc::shape_mismatch, fmt::format("{} line {}: {} values, the model takes {}", input_path,
                                                          line_number, n, window.size()));
        try {
            model->forward(window, output, ws);
        } catch (const Error& e) {
            throw Error(e.code(), fmt::format("{} line {}: {}", input_path, line_number, e.what()));
        }
        std::string text;
        for (std::size_t i = 0; i < output.size(); ++i) text += fmt::format("{}{:.9g}", i ? "," : "", output[i]);
        fmt::print("{}\n", text);
    }
    if (in->bad()) throw Error(Errc::io_error, fmt::format("cannot read '{}'", input_path));
    return 0;
}

}  // namespace pba::cli
