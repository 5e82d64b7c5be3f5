package pba

/*
#include <stdlib.h>
#include <pba.h>
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// Slot is a model shared by many predictors (one per link) that any goroutine may swap: each
// predictor picks up a new model at its next forecast, and no forecast mixes two versions. A
// reload that fails leaves the old model serving. All methods are safe for concurrent use.
type Slot struct {
	h *handle[C.pba_slot]
}

func newSlot(h *C.pba_slot) *Slot {
	s := &Slot{h: newHandle(h, func(h *C.pba_slot) { C.pba_slot_free(h) })}
	runtime.SetFinalizer(s, (*Slot).Close)
	return s
}

// NewSlot creates a slot serving model (nil: empty; predictors on it use the fallback rule).
// ErrMalformedModel when the model's metadata cannot drive a predictor.
func NewSlot(model *Model) (*Slot, error) {
	mh, err := model.acquire()
	if err != nil {
		return nil, err
	}
	defer model.release()
	var h *C.pba_slot
	if err := call(func() C.pba_status { return C.pba_slot_create(mh, &h) }); err != nil {
		return nil, err
	}
	return newSlot(h), nil
}

// Close releases this handle; predictors using the slot keep it. Idempotent, never blocks;
// closing a nil slot does nothing.
func (s *Slot) Close() error {
	if s == nil {
		return nil
	}
	s.h.close()
	runtime.SetFinalizer(s, nil)
	return nil
}

// handle is the slot's C handle; nil for a nil slot, whose methods then return ErrClosed.
func (s *Slot) handle() *handle[C.pba_slot] {
	if s == nil {
		return nil
	}
	return s.h
}

// ReloadOption changes what Reload and ReloadBytes accept.
type ReloadOption uint32

// AllowKindChange lets a reload swap in a model whose input features, window or forecast
// target differ from the serving one's (v1 into a slot serving internet); without it such a
// model is refused with ErrInvalidArgument naming each difference.
const AllowKindChange ReloadOption = C.PBA_RELOAD_ALLOW_KIND_CHANGE

// reloadOptions is nil (the defaults) when no option is given.
func reloadOptions(opts []ReloadOption) *C.pba_load_options {
	if len(opts) == 0 {
		return nil
	}
	o := C.pba_load_options_default()
	for _, opt := range opts {
		o.reload_flags |= C.uint32_t(opt)
	}
	return &o
}

// Reload swaps in the .pba file at path and returns the new generation.
func (s *Slot) Reload(path string, opts ...ReloadOption) (uint64, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	h, err := s.handle().acquire()
	if err != nil {
		return 0, err
	}
	defer s.h.release()
	var g C.uint64_t
	o := reloadOptions(opts)
	err = call(func() C.pba_status { return C.pba_slot_reload_file(h, cpath, o, &g) })
	return uint64(g), err
}

// ReloadBytes swaps in a model from the bytes of a .pba file (copied).
func (s *Slot) ReloadBytes(data []byte, opts ...ReloadOption) (uint64, error) {
	h, err := s.handle().acquire()
	if err != nil {
		return 0, err
	}
	defer s.h.release()
	var ptr unsafe.Pointer
	if len(data) > 0 {
		ptr = unsafe.Pointer(&data[0])
	}
	var g C.uint64_t
	o := reloadOptions(opts)
	err = call(func() C.pba_status { return C.pba_slot_reload_memory(h, ptr, C.size_t(len(data)), o, &g) })
	runtime.KeepAlive(data)
	return uint64(g), err
}

// Replace swaps in an already loaded model, of any kind: unlike Reload it does not compare the
// model's features, window and target with the serving one's (the caller chose the model).
func (s *Slot) Replace(model *Model) (uint64, error) {
	mh, err := model.acquire()
	if err != nil {
		return 0, err
	}
	defer model.release()
	if mh == nil {
		return 0, invalid("Slot.Replace: model is nil")
	}
	h, err := s.handle().acquire()
	if err != nil {
		return 0, err
	}
	defer s.h.release()
	var g C.uint64_t
	err = call(func() C.pba_status { return C.pba_slot_replace(h, mh, &g) })
	return uint64(g), err
}

// Generation is 0 while the slot is empty, 1 for its first model, +1 on every swap.
func (s *Slot) Generation() (uint64, error) {
	h, err := s.handle().acquire()
	if err != nil {
		return 0, err
	}
	defer s.h.release()
	return uint64(C.pba_slot_generation(h)), nil
}

func (s *Slot) acquire() (*C.pba_slot, error) {
	if s == nil {
		return nil, nil
	}
	return s.handle().acquire()
}

func (s *Slot) release() {
	if s != nil {
		s.h.release()
	}
}
