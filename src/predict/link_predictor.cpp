#include "pba/predict/link_predictor.hpp"

namespace pba::predict {

// Defined here so the interface's vtable lives in the library, once.
LinkPredictor::~LinkPredictor() = default;

}  // namespace pba::predict
