package pba

/*
#include <pba.h>

// The handle as void*, so cgo's argument check does not allocate (see predictor.go).
static inline pba_status go_policy_decide(void* p, const pba_policy_state* s, double epsilon, uint64_t seed,
                                          pba_policy_decision* d) {
    return pba_policy_decide((const pba_policy*)p, s, epsilon, seed, d);
}
*/
import "C"

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// Policy is the DDQN allocation policy: a Q-network choosing which share of a link to
// allocate. Immutable: any number of goroutines may use one policy at once.
type Policy struct {
	h *handle[C.pba_policy]
}

// PolicyState is what the policy sees of a link.
type PolicyState struct {
	LatencyMs     float64
	BandwidthMbps float64
	PacketLoss    float64 // ratio 0..1
	Reliability   float64 // ratio 0..1
}

func (s PolicyState) c() C.pba_policy_state {
	return C.pba_policy_state{struct_size: C.sizeof_pba_policy_state, latency_ms: C.double(s.LatencyMs),
		bandwidth_mbps: C.double(s.BandwidthMbps), packet_loss: C.double(s.PacketLoss),
		reliability: C.double(s.Reliability)}
}

// Allocation is the policy's choice for a link.
type Allocation struct {
	Action        int
	AllocationPct int  // (Action + 1) x 10 for the standard ten actions
	Explored      bool // drawn at random by epsilon-greedy
}

// NewPolicy makes a policy from a Q-network model (the policy keeps the model alive).
func NewPolicy(model *Model) (*Policy, error) {
	mh, err := model.acquire()
	if err != nil {
		return nil, err
	}
	defer model.release()
	var h *C.pba_policy
	if err := call(func() C.pba_status { return C.pba_policy_create(mh, &h) }); err != nil {
		return nil, err
	}
	p := &Policy{h: newHandle(h, func(h *C.pba_policy) { C.pba_policy_free(h) })}
	runtime.SetFinalizer(p, (*Policy).Close)
	return p, nil
}

// DefaultPolicy makes a policy from the embedded default model "policy".
func DefaultPolicy() (*Policy, error) {
	m, err := DefaultModel("policy")
	if err != nil {
		return nil, err
	}
	defer m.Close()
	return NewPolicy(m)
}

// Close releases the policy. Idempotent, never blocks; closing a nil policy does nothing.
func (p *Policy) Close() error {
	if p == nil {
		return nil
	}
	p.h.close()
	runtime.SetFinalizer(p, nil)
	return nil
}

// handle is the policy's C handle; nil for a nil policy, whose methods then return ErrClosed.
func (p *Policy) handle() *handle[C.pba_policy] {
	if p == nil {
		return nil
	}
	return p.h
}

// Actions is the number of actions (Q-values per state).
func (p *Policy) Actions() (int, error) {
	h, err := p.handle().acquire()
	if err != nil {
		return 0, err
	}
	defer p.h.release()
	return int(C.pba_policy_action_count(h)), nil
}

// QValues returns the Q-values of the states, len(states) x Actions, row-major.
func (p *Policy) QValues(states []PolicyState) ([]float32, error) {
	if len(states) == 0 {
		return nil, invalid("QValues: no states")
	}
	h, err := p.handle().acquire()
	if err != nil {
		return nil, err
	}
	defer p.h.release()
	cs := make([]C.pba_policy_state, len(states))
	for i, s := range states {
		cs[i] = s.c()
	}
	q := make([]float32, len(states)*int(C.pba_policy_action_count(h)))
	err = call(func() C.pba_status {
		return C.pba_policy_q_values(h, &cs[0], C.size_t(len(cs)), floatPtr(q), C.size_t(len(q)))
	})
	runtime.KeepAlive(cs)
	runtime.KeepAlive(q)
	if err != nil {
		return nil, err
	}
	return q, nil
}

// Allocate returns the greedy action for the state (ties to the smaller allocation).
func (p *Policy) Allocate(s PolicyState) (Allocation, error) {
	return p.AllocateEpsilon(s, 0, 0)
}

// AllocateEpsilon is epsilon-greedy, deterministic in seed: with probability epsilon (in
// [0, 1]) a random action, else the greedy one. It allocates nothing.
func (p *Policy) AllocateEpsilon(s PolicyState, epsilon float64, seed uint64) (Allocation, error) {
	h, err := p.handle().acquire()
	if err != nil {
		return Allocation{}, err
	}
	defer p.h.release()
	sc := getScratch()
	defer putScratch(sc)
	sc.policyState = s.c()
	sc.policyDecision = C.pba_policy_decision{struct_size: C.sizeof_pba_policy_decision}
	err = call(func() C.pba_status {
		return C.go_policy_decide(unsafe.Pointer(h), &sc.policyState, C.double(epsilon), C.uint64_t(seed),
			&sc.policyDecision)
	})
	if err != nil {
		return Allocation{}, err
	}
	d := &sc.policyDecision
	return Allocation{int(d.action), int(d.allocation_pct), d.explored != 0}, nil
}

var defaultPolicy struct {
	once   sync.Once
	policy *Policy
	err    error
}

// Allocate asks the embedded default policy which share of a link to allocate (the greedy
// action). The default policy is loaded on first use and kept; after that Allocate allocates
// nothing.
func Allocate(s PolicyState) (Allocation, error) {
	defaultPolicy.once.Do(func() { defaultPolicy.policy, defaultPolicy.err = DefaultPolicy() })
	if defaultPolicy.err != nil {
		return Allocation{}, defaultPolicy.err
	}
	return defaultPolicy.policy.Allocate(s)
}

// Reward is the reward the policy was trained for: the optimal allocation (%) for the state
// and the reward of allocating allocationPct.
func Reward(s PolicyState, allocationPct float64) (optimalPct, reward float64, err error) {
	cs := s.c()
	var o, r C.double
	err = call(func() C.pba_status { return C.pba_policy_reward(&cs, C.double(allocationPct), &o, &r) })
	return float64(o), float64(r), err
}

// DoubleDQNTargets returns r + gamma * qTargetNext[i][argmax qOnlineNext[i]] per transition (r
// when terminal). The Q slices are len(rewards) x actions, row-major.
func DoubleDQNTargets(rewards []float64, terminal []bool, qOnlineNext, qTargetNext []float32, actions int, gamma float64) ([]float64, error) {
	n := len(rewards)
	if len(terminal) != n || actions < 1 || len(qOnlineNext) != n*actions || len(qTargetNext) != n*actions {
		return nil, &Error{Code: ErrShapeMismatch, Message: fmt.Sprintf(
			"DoubleDQNTargets: %d rewards, %d terminal flags, %d and %d Q-values for %d actions",
			n, len(terminal), len(qOnlineNext), len(qTargetNext), actions)}
	}
	if n == 0 {
		return nil, nil
	}
	term := make([]C.uint8_t, n)
	for i, t := range terminal {
		if t {
			term[i] = 1
		}
	}
	cr := make([]C.double, n)
	for i, r := range rewards {
		cr[i] = C.double(r)
	}
	targets := make([]C.double, n)
	err := call(func() C.pba_status {
		return C.pba_double_dqn_targets(C.size_t(n), C.size_t(actions), &cr[0], &term[0], floatPtr(qOnlineNext),
			floatPtr(qTargetNext), C.double(gamma), &targets[0])
	})
	runtime.KeepAlive(qOnlineNext)
	runtime.KeepAlive(qTargetNext)
	if err != nil {
		return nil, err
	}
	out := make([]float64, n)
	for i, t := range targets {
		out[i] = float64(t)
	}
	return out, nil
}
