package migrator_test

import (
	"testing"

	"github.com/schemaguard/guard/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }
