package diff

import (
	"testing"

	"github.com/alecthomas/assert/v2"
)

func TestWidening(t *testing.T) {
	cases := []struct {
		from, to string
		want     bool
	}{
		{"character varying(20)", "character varying(40)", true},
		{"character varying(40)", "character varying(20)", false},
		{"character varying(20)", "character varying", true},
		{"character varying", "character varying(20)", false},
		{"character varying(20)", "text", true},
		{"character varying", "text", true},
		{"text", "character varying", true},
		{"text", "character varying(200)", false},
		{"character(5)", "character varying(5)", true},
		{"character(5)", "character varying(4)", false},
		{"character(5)", "text", true},
		{"character(5)", "character(8)", true},
		{"character varying(5)", "character(8)", false},
		{"text", "integer", false},
		{"smallint", "integer", true},
		{"smallint", "bigint", true},
		{"integer", "bigint", true},
		{"bigint", "integer", false},
		{"integer", "numeric", true},
		{"integer", "numeric(12,2)", true},
		{"integer", "numeric(10,2)", false},
		{"bigint", "double precision", false},
		{"integer", "double precision", true},
		{"smallint", "real", true},
		{"integer", "real", false},
		{"real", "double precision", true},
		{"double precision", "real", false},
		{"numeric(10,2)", "numeric(12,2)", true},
		{"numeric(10,2)", "numeric(12,4)", true},
		{"numeric(10,2)", "numeric(10,4)", false},
		{"numeric(10,2)", "numeric(12,1)", false},
		{"numeric(10,2)", "numeric(8,2)", false},
		{"numeric(10,2)", "numeric", true},
		{"numeric", "numeric(10,2)", false},
		{"numeric(10,2)", "integer", false},
		{"timestamp(3) without time zone", "timestamp without time zone", true},
		{"timestamp(3) with time zone", "timestamp(6) with time zone", true},
		{"timestamp without time zone", "timestamp(3) without time zone", false},
		{"timestamp without time zone", "timestamp with time zone", false},
		{"time(2) without time zone", "time(4) without time zone", true},
		{"bit varying(8)", "bit varying(16)", true},
		{"bit varying(8)", "bit varying", true},
		{"bit(8)", "bit varying(8)", true},
		{"bit varying(16)", "bit varying(8)", false},
		{"integer[]", "bigint[]", true},
		{"character varying(20)[]", "text[]", true},
		{"integer[]", "bigint", false},
		{"integer", "integer[]", false},
		{"mood", "text", false},
		{"boolean", "integer", false},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, widening(c.from, c.to), "%s → %s", c.from, c.to)
	}
}

func TestParseType(t *testing.T) {
	assert.Equal(t, pgType{base: "numeric", mods: []int{10, 2}, dims: 1}, parseType("numeric(10,2)[]"))
	assert.Equal(t, pgType{base: "timestamp with time zone", mods: []int{3}}, parseType("timestamp(3) with time zone"))
	assert.Equal(t, pgType{base: "text"}, parseType("text"))
	assert.Equal(t, pgType{base: `"My(1)Type"`}, parseType(`"My(1)Type"`))
}
