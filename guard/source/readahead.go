package source

import (
	"bytes"
	"io/fs"
	"time"
)

// ReadAhead returns a copy of the source whose up files are read into
// memory now: reads of them (guard's and golang-migrate's alike) no longer
// touch the file system and see the files as they were now. A file it
// cannot read is left to the file system: reading it again says why, where
// it is needed.
func (s *Source) ReadAhead() *Source {
	files := make(map[string][]byte, len(s.Migrations))
	for _, m := range s.Migrations {
		if b, err := fs.ReadFile(s.FS, m.Up); err == nil {
			files[m.Up] = b
		}
	}
	out := *s
	out.FS = readAhead{FS: s.FS, files: files}
	return &out
}

// readAhead serves the files read ahead from memory, and any other from FS.
type readAhead struct {
	fs.FS
	files map[string][]byte
}

// ReadFile implements fs.ReadFileFS: a copy, which the caller may modify.
func (f readAhead) ReadFile(name string) ([]byte, error) {
	if b, ok := f.files[name]; ok {
		return bytes.Clone(b), nil
	}
	return fs.ReadFile(f.FS, name)
}

// Open implements fs.FS.
func (f readAhead) Open(name string) (fs.File, error) {
	if b, ok := f.files[name]; ok {
		return &memFile{Reader: bytes.NewReader(b), name: name}, nil
	}
	return f.FS.Open(name)
}

// memFile is a file read ahead, opened; it is its own fs.FileInfo.
type memFile struct {
	*bytes.Reader
	name string
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f, nil }
func (f *memFile) Close() error               { return nil }
func (f *memFile) Name() string               { return f.name }
func (f *memFile) Mode() fs.FileMode          { return 0o444 }
func (f *memFile) ModTime() time.Time         { return time.Time{} }
func (f *memFile) IsDir() bool                { return false }
func (f *memFile) Sys() any                   { return nil }
