package supervisor

import "time"

// t0 is the tests' "now"; pkg/run's decide tests use the same instant.
var t0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func fp(v float64) *float64 { return &v }
