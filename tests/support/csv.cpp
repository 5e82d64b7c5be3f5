#include "support/csv.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace pba::test {

std::vector<std::vector<float>> read_csv_rows(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("reference file missing: " + path.string());
    std::vector<std::vector<float>> rows;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::vector<float> row;
        std::stringstream ss(line);
        std::string cell;
        while (std::getline(ss, cell, ',')) row.push_back(std::strtof(cell.c_str(), nullptr));
        rows.push_back(std::move(row));
    }
    if (rows.empty()) throw std::runtime_error("reference file empty: " + path.string());
    return rows;
}

std::filesystem::path data_dir() { return PBA_TEST_DATA_DIR; }

}  // namespace pba::test
