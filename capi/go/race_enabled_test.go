//go:build race

package pba_test

const raceEnabled = true
