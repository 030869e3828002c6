package core_test

import (
	"os"
	"testing"

	"github.com/jayaya/jayayacrm/core/coretest"
)

// TestMain lowers the password hashing cost for the login tests (not for
// benchmarks): see coretest.CheapPasswordHashing.
func TestMain(m *testing.M) {
	coretest.CheapPasswordHashing()
	os.Exit(m.Run())
}
