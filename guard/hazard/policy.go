package hazard

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// PolicyMode says what a contract does with hazards.
type PolicyMode string

const (
	// Warn reports hazards and blocks none (the default).
	Warn PolicyMode = "warn"
	// Block blocks a plan with a hazard that lasts longer the bigger its
	// table is (Hazard.Scales) on a table at or over the thresholds.
	Block PolicyMode = "block"
)

// Policy is the hazard policy of a contract file, its "hazards" field:
// either a mode alone ("hazards": "block") or an object with thresholds
// ("hazards": {"mode": "block", "min_rows": 1000000, "min_bytes":
// 1073741824}). With no threshold, block mode blocks every hazard that
// scales; with thresholds, those on a table with at least MinRows rows or
// MinBytes bytes on the target (either is enough). Brief locks and
// hazards whose size is unknown are never blocked by a threshold.
type Policy struct {
	Mode     PolicyMode `json:"mode"`
	MinRows  int64      `json:"min_rows,omitempty"`
	MinBytes int64      `json:"min_bytes,omitempty"`
}

// Blocks reports whether the policy blocks h. A nil policy blocks nothing.
func (p *Policy) Blocks(h Hazard) bool {
	if p == nil || p.Mode != Block || !h.Scales {
		return false
	}
	if p.MinRows <= 0 && p.MinBytes <= 0 {
		return true
	}
	return p.MinRows > 0 && h.Rows != nil && *h.Rows >= p.MinRows ||
		p.MinBytes > 0 && h.Bytes != nil && *h.Bytes >= p.MinBytes
}

// String describes the policy: "block (tables of 1 M rows or 1.0 GB and
// over)".
func (p *Policy) String() string {
	if p == nil || p.Mode != Block {
		return string(Warn)
	}
	switch {
	case p.MinRows > 0 && p.MinBytes > 0:
		return fmt.Sprintf("block on tables of %s or %s and over", Rows(p.MinRows), Bytes(p.MinBytes))
	case p.MinRows > 0:
		return fmt.Sprintf("block on tables of %s and over", Rows(p.MinRows))
	case p.MinBytes > 0:
		return fmt.Sprintf("block on tables of %s and over", Bytes(p.MinBytes))
	}
	return "block"
}

// UnmarshalJSON reads a mode alone or an object, and refuses an unknown
// mode or field, or a negative threshold.
func (p *Policy) UnmarshalJSON(b []byte) error {
	var mode string
	if err := json.Unmarshal(b, &mode); err == nil {
		*p = Policy{Mode: PolicyMode(mode)}
		return p.validate()
	}
	type plain Policy
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var v plain
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("hazards: %w", err)
	}
	*p = Policy(v)
	return p.validate()
}

func (p *Policy) validate() error {
	if p.Mode != Warn && p.Mode != Block {
		return fmt.Errorf("hazards: unknown mode %q (want warn or block)", p.Mode)
	}
	if p.MinRows < 0 || p.MinBytes < 0 {
		return fmt.Errorf("hazards: negative threshold")
	}
	return nil
}
