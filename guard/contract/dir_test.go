package contract_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/contract"
)

// A contract path that is a directory is refused, reading and writing, with
// a hint naming the file it probably meant.
func TestContractPathThatIsADirectoryHasAHint(t *testing.T) {
	dir := t.TempDir()
	_, loadErr := contract.Load(dir)
	saveErr := contract.New().Save(dir)
	for _, err := range []error{loadErr, saveErr} {
		var fe *contract.FileError
		assert.True(t, errors.As(err, &fe), "got %v", err)
		assert.True(t, errors.Is(err, contract.ErrIsDirectory), "got %v", err)
		assert.Contains(t, err.Error(), dir)
		assert.Contains(t, fe.Hint(), filepath.Join(dir, contract.DefaultPath))
	}
}
