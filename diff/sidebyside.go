package diff

// Row is one row of a side-by-side view: the old line on the left, the new
// one on the right. An unchanged line appears on both sides. Left is nil
// for a row that only inserts, Right is nil for a row that only deletes.
type Row struct {
	Left, Right *Line
}

// SideBySide arranges lines in rows. In each run of changed lines, the n-th
// deletion shares a row with the n-th insertion, and the longer side gets
// rows of its own. The rows point into lines.
func SideBySide(lines []Line) []Row {
	rows := make([]Row, 0, len(lines))
	var deleted, inserted []*Line
	flush := func() {
		for k := range max(len(deleted), len(inserted)) {
			var row Row
			if k < len(deleted) {
				row.Left = deleted[k]
			}
			if k < len(inserted) {
				row.Right = inserted[k]
			}
			rows = append(rows, row)
		}
		deleted, inserted = deleted[:0], inserted[:0]
	}

	for i := range lines {
		l := &lines[i]
		switch l.Op {
		case Delete:
			deleted = append(deleted, l)
		case Insert:
			inserted = append(inserted, l)
		default:
			flush()
			rows = append(rows, Row{Left: l, Right: l})
		}
	}
	flush()
	return rows
}
