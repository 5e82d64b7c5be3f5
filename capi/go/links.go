package pba

/*
#include <pba.h>
*/
import "C"

import (
	"fmt"
	"runtime"
)

// acquireAll holds every predictor open and writes its C handle into handles, until
// releaseAll. It fails with ErrClosed (holding nothing) when one is closed.
func acquireAll(ps []*Predictor, handles []*C.pba_predictor) error {
	for i, p := range ps {
		var err error
		if p == nil {
			err = invalid(fmt.Sprintf("predictor %d is nil", i))
		} else {
			handles[i], err = p.h.acquire()
		}
		if err != nil {
			releaseAll(ps[:i])
			return err
		}
	}
	return nil
}

func releaseAll(ps []*Predictor) {
	for _, p := range ps {
		p.h.release()
	}
}

// Links forecasts many links in one library call each way (a transport has thousands per
// node), keeping its buffers between calls. A Links is not safe for concurrent use; the predictors are.
type Links struct {
	handles   []*C.pba_predictor
	samples   []C.pba_sample
	forecasts []C.pba_forecast
	statuses  []C.pba_status
}

func (l *Links) size(n int) {
	if cap(l.handles) < n {
		l.handles = make([]*C.pba_predictor, n)
		l.samples = make([]C.pba_sample, n)
		l.forecasts = make([]C.pba_forecast, n)
		l.statuses = make([]C.pba_status, n)
	}
	l.handles, l.samples, l.forecasts, l.statuses = l.handles[:n], l.samples[:n], l.forecasts[:n], l.statuses[:n]
}

// linkErrors turns per-link statuses into per-link errors; the message of the call names
// the first failed link.
func (l *Links) linkErrors(callErr error, errs []error) {
	for i, s := range l.statuses {
		if s == C.PBA_OK {
			errs[i] = nil
		} else {
			errs[i] = &Error{Code: ErrorCode(s), Message: fmt.Sprintf("link %d failed (%v); the call reported: %v", i,
				ErrorCode(s), callErr)}
		}
	}
}

// Observe gives samples[i] to predictors[i]. errs (len(predictors), may be nil) receives each
// link's error; a failed link does not stop the others. The returned error is the first
// failure's, nil when every link succeeded.
func (l *Links) Observe(predictors []*Predictor, samples []Sample, errs []error) error {
	n := len(predictors)
	if len(samples) != n || (errs != nil && len(errs) != n) {
		return invalid(fmt.Sprintf("Links.Observe: %d predictors, %d samples, %d errors", n, len(samples), len(errs)))
	}
	l.size(n)
	for i := range samples {
		var err error
		if l.samples[i], err = samples[i].c(); err != nil {
			return invalid(fmt.Sprintf("Links.Observe: samples[%d]: %v", i, err))
		}
	}
	if err := acquireAll(predictors, l.handles); err != nil {
		return err
	}
	defer releaseAll(predictors)
	var hp **C.pba_predictor
	var sp *C.pba_sample
	var st *C.pba_status
	if n > 0 {
		hp, sp, st = &l.handles[0], &l.samples[0], &l.statuses[0]
	}
	err := call(func() C.pba_status { return C.pba_observe_links(hp, sp, C.size_t(n), st) })
	runtime.KeepAlive(l)
	if errs != nil {
		l.linkErrors(err, errs)
	}
	return err
}

// Predict forecasts predictors[i] into forecasts[i] (both of the same length). errs as in
// Observe.
func (l *Links) Predict(predictors []*Predictor, forecasts []Forecast, errs []error) error {
	n := len(predictors)
	if len(forecasts) != n || (errs != nil && len(errs) != n) {
		return invalid(fmt.Sprintf("Links.Predict: %d predictors, %d forecasts, %d errors", n, len(forecasts), len(errs)))
	}
	l.size(n)
	for i := range l.forecasts {
		l.forecasts[i].struct_size = C.sizeof_pba_forecast
	}
	if err := acquireAll(predictors, l.handles); err != nil {
		return err
	}
	defer releaseAll(predictors)
	var hp **C.pba_predictor
	var fp *C.pba_forecast
	var st *C.pba_status
	if n > 0 {
		hp, fp, st = &l.handles[0], &l.forecasts[0], &l.statuses[0]
	}
	err := call(func() C.pba_status { return C.pba_predict_links(hp, C.size_t(n), fp, st) })
	runtime.KeepAlive(l)
	for i := range forecasts {
		if l.statuses[i] == C.PBA_OK {
			predictors[i].fill(&forecasts[i], &l.forecasts[i])
		}
	}
	if errs != nil {
		l.linkErrors(err, errs)
	}
	return err
}
