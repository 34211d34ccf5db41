package source

// Step is one migration file to run, or run, in one direction: the up file
// of a migration, or its down file. It marshals to JSON as its version,
// name, file and direction.
type Step struct {
	Version   uint64    `json:"version"` // the migration's
	Name      string    `json:"name"`    // the migration's title
	File      string    `json:"file"`    // "" for a down migration without file
	Direction Direction `json:"direction"`
	// To is the database's version after the step: the migration's going
	// up, the one before it going down.
	To Version `json:"-"`
}

// Label returns the file name without its ".up.sql" or ".down.sql"
// suffix, e.g. "000004_rename_email".
func (s Step) Label() string { return Label(s.File) }

// From returns the database's version before the step.
func (s Step) From(src *Source) Version {
	if s.Direction == Down {
		return V(s.Version)
	}
	return src.Prev(V(s.Version))
}

// UpStep returns the step that runs m's up file.
func UpStep(m Migration) Step {
	return Step{Version: m.Version, Name: m.Name, File: m.Up, Direction: Up, To: V(m.Version)}
}

// UpSteps lists the up steps from version from to version to (inclusive),
// in order: the migrations above from, up to to.
func (s *Source) UpSteps(from, to Version) []Step {
	var out []Step
	for _, m := range s.Upto(from, to) {
		out = append(out, UpStep(m))
	}
	return out
}

// DownSteps lists the down steps from version from down to version to,
// newest first: the migrations up to from reverted, until the version is
// to. A migration without down file has a step with no File (golang-migrate
// then only moves the version).
func (s *Source) DownSteps(from, to Version) []Step {
	var out []Step
	below := s.Upto(to, from)
	for i := len(below) - 1; i >= 0; i-- {
		m := below[i]
		out = append(out, Step{Version: m.Version, Name: m.Name, File: m.Down, Direction: Down, To: s.Prev(V(m.Version))})
	}
	return out
}

// Steps lists the steps that take a database from version from to version
// to: up steps when to is above from, down steps when below, none when they
// are equal.
func (s *Source) Steps(from, to Version) []Step {
	if from.Less(to) {
		return s.UpSteps(from, to)
	}
	return s.DownSteps(from, to)
}
