package test.failing_test

import rego.v1

test_arithmetic_is_broken if {
	1 + 1 == 3
}
