// C enum parameters holding values outside their enumerators, passed as a C caller (or cgo)
// can: through c_caller.c, compiled as C. Each call must refuse the value with its status and
// a message naming the parameter and the value, before touching anything; under UBSan
// (tools/ci/30-sanitizers.sh) the library must not load the value as a C++ enum.

#include <catch2/catch.hpp>

#include <climits>
#include <cstring>
#include <string>

#include "c_caller.h"
#include "pba.h"

namespace {

std::string last_error() { return pba_last_error(); }

// Values no pba_role names: 3 is inside the C++ enum's range (0..3), the others outside it.
constexpr int kBadRoles[] = {3, 7, -1, 0x7fffffff, INT_MIN};

struct Model {
    pba_model* m = nullptr;
    explicit Model(const char* name) { REQUIRE(pba_model_load_default(name, &m) == PBA_OK); }
    ~Model() { pba_model_free(m); }
};

struct Predictor {
    pba_predictor* p = nullptr;
    explicit Predictor(const pba_predictor_config& config) { REQUIRE(pba_predictor_create(&config, &p) == PBA_OK); }
    ~Predictor() { pba_predictor_free(p); }
};

void require_role_refused(pba_status status, const char* function, int role) {
    CHECK(status == PBA_ERR_INVALID_ARGUMENT);
    CHECK(last_error() == std::string(function) + ": role " + std::to_string(role) + " is not a pba_role (0..2)");
}

// Every call taking a pba_role, with `role`; outputs must stay as they were.
void check_every_role_call(pba_predictor* p, const pba_model* challenger, int role) {
    INFO("role " << role);
    const unsigned char junk[] = {'n', 'o', 't', ' ', 'a', ' ', 'm', 'o', 'd', 'e', 'l'};
    uint64_t generation = 99;
    // A valid role would get PBA_ERR_IO and PBA_ERR_MALFORMED_MODEL here: the role is checked first.
    require_role_refused(c_predictor_reload_file(p, role, "/nonexistent/model.pba", &generation),
                         "pba_predictor_reload_file", role);
    require_role_refused(c_predictor_reload_memory(p, role, junk, sizeof junk, &generation),
                         "pba_predictor_reload_memory", role);
    CHECK(generation == 99);

    pba_slot* slot = nullptr;
    require_role_refused(c_predictor_slot(p, role, &slot), "pba_predictor_slot", role);
    CHECK(slot == nullptr);

    require_role_refused(c_predictor_set_challenger(p, role, challenger, 1), "pba_predictor_set_challenger", role);
    require_role_refused(c_predictor_clear_challenger(p, role), "pba_predictor_clear_challenger", role);

    pba_challenger_report report;
    std::memset(&report, 0, sizeof report);
    report.struct_size = sizeof report;
    report.min_matched = 42;
    require_role_refused(c_predictor_challenger_report(p, role, &report), "pba_predictor_challenger_report", role);
    CHECK(report.min_matched == 42);

    char text[8] = "kept";
    size_t required = 7;
    require_role_refused(c_predictor_challenger_text(p, role, text, sizeof text, &required),
                         "pba_predictor_challenger_text", role);
    CHECK(std::string(text) == "kept");
    CHECK(required == 7);

    require_role_refused(c_predictor_promote_challenger(p, role, &generation), "pba_predictor_promote_challenger",
                         role);
    CHECK(generation == 99);
}

uint64_t reloads_refused(const pba_predictor* p) {
    pba_predictor_stats s;
    std::memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;
    REQUIRE(pba_predictor_get_stats(p, &s) == PBA_OK);
    return s.reloads_refused;
}

}  // namespace

TEST_CASE("a single-model predictor refuses every int that is not a pba_role, naming it", "[capi]") {
    Model internet("internet");
    pba_predictor_config config = pba_predictor_config_default();
    config.model = internet.m;
    Predictor p(config);
    for (int role : kBadRoles) check_every_role_call(p.p, internet.m, role);

    // Nothing was loaded, counted or set: the predictor still has no challenger, its slot is unchanged.
    CHECK(reloads_refused(p.p) == 0);
    pba_slot* slot = nullptr;
    REQUIRE(c_predictor_slot(p.p, PBA_ROLE_MAIN, &slot) == PBA_OK);
    CHECK(pba_slot_generation(slot) == 1);
    pba_slot_free(slot);
    CHECK(c_predictor_promote_challenger(p.p, PBA_ROLE_MAIN, nullptr) == PBA_ERR_NOT_READY);
    // A role of the other kind is a pba_role, refused for this predictor as before.
    CHECK(c_predictor_slot(p.p, PBA_ROLE_INTERNET, &slot) == PBA_ERR_INVALID_ARGUMENT);
    CHECK_THAT(last_error(), Catch::Contains("role 2 (PBA_ROLE_INTERNET) given to a single-model predictor"));
}

TEST_CASE("a mode-aware predictor refuses every int that is not a pba_role, naming it", "[capi]") {
    Model datacenter("datacenter"), internet("internet");
    pba_predictor_config config = pba_predictor_config_default();
    config.datacenter_model = datacenter.m;
    config.internet_model = internet.m;
    Predictor p(config);
    for (int role : kBadRoles) check_every_role_call(p.p, internet.m, role);

    CHECK(reloads_refused(p.p) == 0);
    for (int role : {PBA_ROLE_DATACENTER, PBA_ROLE_INTERNET}) {
        pba_slot* slot = nullptr;
        REQUIRE(c_predictor_slot(p.p, role, &slot) == PBA_OK);
        CHECK(pba_slot_generation(slot) == 1);
        pba_slot_free(slot);
        CHECK(c_predictor_promote_challenger(p.p, role, nullptr) == PBA_ERR_NOT_READY);
    }
    pba_slot* slot = nullptr;
    CHECK(c_predictor_slot(p.p, PBA_ROLE_MAIN, &slot) == PBA_ERR_INVALID_ARGUMENT);
    CHECK_THAT(last_error(), Catch::Contains("role 0 (PBA_ROLE_MAIN) given to a mode-aware predictor"));
}
