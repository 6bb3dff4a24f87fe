package sqlite

import (
	"fmt"
	"strings"

	"github.com/skmkiosk/skm/survey"
)

// TallyColumns selects a survey.Tally from rows with one column per element:
// the count, then per element its sum and the count of each answer 1–4.
var TallyColumns = tallyColumns()

func tallyColumns() string {
	cols := []string{"COUNT(*)"}
	for _, e := range survey.Elements {
		cols = append(cols, fmt.Sprintf("COALESCE(SUM(%s), 0)", e))
		for v := 1; v <= 4; v++ {
			cols = append(cols, fmt.Sprintf("COALESCE(SUM(%s = %d), 0)", e, v))
		}
	}
	return strings.Join(cols, ", ")
}

// ScanTally reads a row selected with TallyColumns.
func ScanTally(sc interface{ Scan(...any) error }) (survey.Tally, error) {
	var t survey.Tally
	dest := []any{&t.N}
	for i := range survey.Elements {
		dest = append(dest, &t.Sum[i])
		for v := range 4 {
			dest = append(dest, &t.Dist[i][v])
		}
	}
	err := sc.Scan(dest...)
	return t, err
}
