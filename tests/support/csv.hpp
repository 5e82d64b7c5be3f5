#pragma once

#include <filesystem>
#include <vector>

namespace pba::test {

// Reads a numeric CSV (no header) into rows; throws std::runtime_error when the file is
// missing or empty, so a missing reference fails the test instead of passing vacuously.
std::vector<std::vector<float>> read_csv_rows(const std::filesystem::path& path);

std::filesystem::path data_dir();

}  // namespace pba::test
