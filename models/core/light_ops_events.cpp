// The events of Light_Operations' children (intel/perfmon {SKX,ICX,SPR,LNL} metrics files: FP_Arith,
// Int_Operations, Fused_Instructions, Non_Fused_Branches, Branch_Instructions, Other_Light_Ops and
// their Level-4 children). Each kind is a share of the retired uops, spread evenly over light and
// heavy operations, which is how Intel's formulas weight them (Light_Operations x count / retired
// uops, or count / retired uops for the FP and integer nodes, whose CountDomain is uops): the
// assumption docs/workloads.md "Level-3 events" states, with the truth of each node.
#include <cstdint>

#include "models/core/phase_model.h"
#include "models/core/workload.h"
#include "models/cpu/cpu_config.h"

namespace pmusim {

namespace {
uint64_t num(double per_cycle) { return per_cycle <= 0 ? 0 : rate_numerator(per_cycle); }
}  // namespace

void derive_light_ops(const PhaseParams& p, const CpuConfig& cpu, uint64_t retired, Phase& out) {
    auto set = [&](Event e, double per_cycle) { out.rate[idx(e)] = num(per_cycle); };
    const double ret = double(retired) / kRateDen, issued = double(out.rate[idx(Event::UopsIssued)]) / kRateDen;
    const TmaFamily fam = cpu.tma_family;
    // x87 uops among the executed ones (UOPS_EXECUTED.THREAD counts the issued uops).
    set(Event::X87Uops, p.x87_share * issued);
    // FP arithmetic: Sapphire Rapids counts half precision in FP_ARITH_INST_RETIRED2.*, the others
    // (no FP16 event in their lists) in the one event.
    const double half = fam == TmaFamily::SapphireRapids ? p.fp16_share : 0.0;
    set(Event::FpScalar, (1 - half) * p.fp_scalar * ret);
    set(Event::FpScalarHalf, half * p.fp_scalar * ret);
    set(Event::FpVector, (1 - half) * p.fp_vector * ret);
    set(Event::FpVectorHalf, half * p.fp_vector * ret);
    // Macro-fused uops: Skylake's count is the one its Heavy_Operations reads (instructions beyond
    // the light-op slots, derive_rates); from Ice Lake on, fused_share of the retired uops.
    if (fam == TmaFamily::Skylake) out.rate[idx(Event::FusedRetired)] = out.rate[idx(Event::MacroFused)];
    else set(Event::FusedRetired, p.fused_share * ret);
    set(Event::NopRetired, p.nop_share * ret);
    // Integer vector uops, where the family counts them (INT_VEC_RETIRED.*, SPR and LNL; elsewhere
    // they are in no event and Other_Light_Ops holds them). Assumption: 128-bit ones are 3/4
    // ADD/SUB/SAD, 1/4 VNNI; 256-bit ones 1/2 ADD/SUB/SAD, 1/4 MUL, 1/4 VNNI (the formulas add them).
    const double iv = fam >= TmaFamily::SapphireRapids ? 1.0 : 0.0;
    set(Event::IntVecAdd128, iv * 0.75 * p.int_vec_128 * ret);
    set(Event::IntVecVnni128, iv * 0.25 * p.int_vec_128 * ret);
    set(Event::IntVecAdd256, iv * 0.5 * p.int_vec_256 * ret);
    set(Event::IntVecMul256, iv * 0.25 * p.int_vec_256 * ret);
    set(Event::IntVecVnni256, iv * 0.25 * p.int_vec_256 * ret);
    set(Event::IntVecShuffles, iv * p.shuffles_256 * ret);
}

}  // namespace pmusim
