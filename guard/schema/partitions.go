package schema

import "fmt"

// partitionRow is a row of partitions.sql.
type partitionRow struct {
	TableOID             uint32   `db:"table_oid"`
	Key                  string   `db:"key"`
	PartitionSchemas     []string `db:"partition_schemas"`
	PartitionNames       []string `db:"partition_names"`
	PartitionBounds      []string `db:"partition_bounds"`
	PartitionConstraints []string `db:"partition_constraints"`
}

// readPartitions sets the partition key and partitions of the partitioned
// tables read.
func readPartitions(prs []*partitionRow, s *Schema, tabs tableIndex) error {
	for _, pr := range prs {
		e, ok := tabs[pr.TableOID]
		if !ok || e.index < 0 {
			continue // a table left out
		}
		t := &s.Tables[e.index]
		if len(pr.PartitionSchemas) != len(pr.PartitionNames) || len(pr.PartitionNames) != len(pr.PartitionBounds) ||
			len(pr.PartitionNames) != len(pr.PartitionConstraints) {
			return fmt.Errorf("table %s: partition arrays of unequal length", t.QualifiedName())
		}
		t.PartitionKey = pr.Key
		for i := range pr.PartitionNames {
			t.Partitions = append(t.Partitions, Partition{Schema: pr.PartitionSchemas[i], Name: pr.PartitionNames[i], Bound: pr.PartitionBounds[i],
				Constraints: pr.PartitionConstraints[i]})
		}
	}
	return nil
}
