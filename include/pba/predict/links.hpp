#pragma once

#include <cstddef>
#include <exception>
#include <span>

#include "pba/predict/forecast.hpp"
#include "pba/predict/link_predictor.hpp"
#include "pba/predict/predictor.hpp"

namespace pba::predict {

// One link's outcome in predict_links.
struct LinkForecast {
    Forecast forecast;
    std::exception_ptr error;  // what that link's predict() threw; forecast is then left unset
};

// Windows one batched forward pass takes: about one tile of LSTM state in L1 for the shipped
// models (nn::kernels::lstm_state_windows), so a larger batch would only hold more buffers. A
// window's output is bit for bit the same in any batch (nn/kernels.hpp), so each link gets what
// its own predict() computes.
inline constexpr std::size_t kLinksBatch = 64;

// Forecasts many links, each exactly as links[i]->predict() would have (the same Forecast, and
// the same counters, pending forecast and accuracy afterwards), into out[i]; out.size() must be
// >= links.size(). Links on the same model (one ForecastModel, so one slot generation) whose
// windows are full have their windows encoded and run through the network together, up to
// kLinksBatch at a time; links the fallback rule answers need no network and are finished at
// once; links with a challenger are predicted one by one. A null link gets Error(invalid_argument)
// and a link without a sample Error(not_ready) in its error; no link's failure stops another.
//
// Thread-safety: as predict(), and the links may be observed, predicted or reloaded from other
// threads meanwhile. A link's mutex is held while its window is encoded and again while its
// forecast is finished, never two links' at once (a mode-aware link's own mutex is held while
// its members' are taken, as in its predict()); a link that changed in between (a sample, a
// match, a reset, another forecast, a new model, or the same link twice in `links`) is
// forecast again on its own, so it still gets what predict() would give at that point.
// Allocation: the calling thread's batch buffers are made on its first call and grown for a
// larger model (up to 4 models open at once); after that nothing is allocated.
void predict_links(std::span<Predictor* const> links, std::span<LinkForecast> out);

// As above for links of any kind. A mode-aware link (HybridPredictor) has the members its mode
// uses encoded into their models' batches, then is served from their forecasts exactly as its
// predict() would (up to kLinksBatch such links wait at once). One that changed between (a
// sample, a match, a reset, another forecast) is forecast again on its own; its members may then
// count one more forecast in their own stats than predict() alone would have made.
void predict_links(std::span<LinkPredictor* const> links, std::span<LinkForecast> out);

}  // namespace pba::predict
