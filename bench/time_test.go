package bench

import "time"

// t0 returns the time of the first simulated snapshot.
func t0() time.Time {
	return time.Date(2025, 1, 1, 6, 0, 0, 0, time.FixedZone("AST", -4*3600))
}
