package diff

import (
	"fmt"
	"strings"

	"github.com/schemaguard/guard/guard/schema"
)

// partitions reports the changes of a table's partitioning: its key, and
// its partitions matched by name, then by bound (a partition renamed is no
// change: the code reads and writes the parent). standalone says whether a
// table of a name exists in the after schema outside the partitions (nil:
// not known), which tells a partition detached from one dropped.
func (d *differ) partitions(before, after *schema.Table, standalone func(schema, name string) bool) {
	if before.PartitionKey == "" && after.PartitionKey == "" {
		return
	}
	q := after.QualifiedName()
	switch {
	case before.PartitionKey == after.PartitionKey:
	case before.PartitionKey == "":
		d.add(Change{Kind: TablePartitioned, Impact: Risky, Table: q, Object: q,
			Message: fmt.Sprintf("table %s is now partitioned (%s)", quoteName(q), after.PartitionKey),
			Hint:    "writes of rows no partition accepts fail: add a DEFAULT partition, or partitions for every value the old code writes"})
		return // its partitions come with it
	case after.PartitionKey == "":
		d.add(Change{Kind: TableUnpartitioned, Impact: Safe, Table: q, Object: q,
			Message: fmt.Sprintf("table %s is no longer partitioned (was %s)", quoteName(q), before.PartitionKey)})
		return
	default:
		d.add(Change{Kind: TablePartitioned, Impact: Risky, Table: q, Object: q,
			Message: fmt.Sprintf("table %s is now partitioned by %s (was %s)", quoteName(q), after.PartitionKey, before.PartitionKey),
			Hint:    "writes of rows no partition accepts fail: add a DEFAULT partition, or partitions for every value the old code writes"})
		return
	}
	type key struct{ schema, name string }
	afterByName := make(map[key]*schema.Partition, len(after.Partitions))
	for i := range after.Partitions {
		p := &after.Partitions[i]
		afterByName[key{p.Schema, p.Name}] = p
	}
	matched := make(map[*schema.Partition]bool, len(after.Partitions))
	var gone []*schema.Partition
	for i := range before.Partitions {
		b := &before.Partitions[i]
		a := afterByName[key{b.Schema, b.Name}]
		if a == nil {
			gone = append(gone, b)
			continue
		}
		matched[a] = true
		d.partitionConstraints(q, b, a)
		if a.Bound != b.Bound {
			d.add(Change{Kind: PartitionBoundChanged, Impact: Risky, Table: q, Object: sub(q, b.Name),
				Message: fmt.Sprintf("partition %s of %s is now %s (was %s)", quoteName(b.QualifiedName()), quoteName(q), a.Bound, b.Bound),
				Hint:    "writes of rows no partition accepts now fail; make sure another partition (or a DEFAULT one) takes what the old code writes"})
		}
	}
	// A partition renamed keeps its bound.
	byBound := make(map[string]*schema.Partition)
	for i := range after.Partitions {
		if p := &after.Partitions[i]; !matched[p] {
			byBound[p.Bound] = p
		}
	}
	for _, b := range gone {
		if a := byBound[b.Bound]; a != nil && !matched[a] {
			matched[a] = true
			d.partitionConstraints(q, b, a)
			continue
		}
		pq := b.QualifiedName()
		if standalone != nil && standalone(b.Schema, b.Name) {
			d.add(Change{Kind: PartitionDetached, Impact: Risky, Table: q, Object: sub(q, b.Name),
				Message: fmt.Sprintf("partition %s was detached from %s: its rows are no longer read through it", quoteName(pq), quoteName(q)),
				Hint:    "writes of rows in its bound (" + b.Bound + ") now fail unless a DEFAULT partition takes them; detach only partitions the old code no longer writes"})
			continue
		}
		d.add(Change{Kind: PartitionRemoved, Impact: Breaking, Table: q, Object: sub(q, b.Name),
			Message: fmt.Sprintf("partition %s of %s was dropped: its rows are gone", quoteName(pq), quoteName(q)),
			Hint:    "DETACH PARTITION … CONCURRENTLY first and drop the table in a later release, once nothing reads or writes its rows"})
	}
	for i := range after.Partitions {
		if a := &after.Partitions[i]; !matched[a] {
			d.add(Change{Kind: PartitionAttached, Impact: Safe, Table: q, Object: sub(q, a.Name),
				Message: fmt.Sprintf("partition %s was attached to %s (%s)", quoteName(a.QualifiedName()), quoteName(q), a.Bound)})
		}
	}
}

// partitionConstraints reports a partition's own constraints (not its
// parent's) changed: risky when one was added or changed (writes routed to
// the partition may now fail), safe when some were only removed.
func (d *differ) partitionConstraints(table string, b, a *schema.Partition) {
	if b.Constraints == a.Constraints {
		return
	}
	had := map[string]bool{}
	for _, c := range strings.Split(b.Constraints, "; ") {
		had[c] = true
	}
	impact := Safe
	for _, c := range strings.Split(a.Constraints, "; ") {
		if c != "" && !had[c] {
			impact = Risky
		}
	}
	c := Change{Kind: PartitionConstraintsChanged, Impact: impact, Table: table, Object: sub(table, a.Name),
		Message: fmt.Sprintf("partition %s of %s changed its own constraints from %s to %s", quoteName(a.QualifiedName()), quoteName(table), orNone(b.Constraints), orNone(a.Constraints))}
	if impact == Risky {
		c.Hint = "writes the parent routes to this partition may now fail: add the constraint NOT VALID, and VALIDATE it once no code writes rows that fail it"
	}
	d.add(c)
}
