// Command benchsum reads `go test -bench` output on standard input and
// prints, for every benchmark and unit, the median, minimum and maximum over
// the repeated runs (-count), one line each.
//
// Usage:
//
//	go test -run '^$' -bench . -count 5 ./bench/ | go run ./bench/cmd/benchsum
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// series holds the values of one benchmark in one unit, in input order.
type series struct {
	name, unit string
	values     []float64
}

func main() {
	all, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchsum:", err)
		os.Exit(1)
	}
	write(os.Stdout, all)
}

// parse collects the values of every benchmark line of r, keyed by name
// and unit in order of first appearance.
func parse(r io.Reader) ([]*series, error) {
	var order []*series
	byKey := map[string]*series{}

	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				break
			}
			key := fields[0] + " " + fields[i+1]
			s := byKey[key]
			if s == nil {
				s = &series{name: fields[0], unit: fields[i+1]}
				byKey[key] = s
				order = append(order, s)
			}
			s.values = append(s.values, v)
		}
	}
	return order, sc.Err()
}

// write prints one line per series: name, unit, median, min, max and count.
func write(w io.Writer, all []*series) {
	fmt.Fprintf(w, "%-50s %-20s %14s %14s %14s %3s\n", "benchmark", "unit", "median", "min", "max", "n")
	for _, s := range all {
		v := slices.Clone(s.values)
		slices.Sort(v)
		fmt.Fprintf(w, "%-50s %-20s %14.4g %14.4g %14.4g %3d\n", s.name, s.unit, med(v), v[0], v[len(v)-1], len(v))
	}
}

// med returns the median of sorted values.
func med(v []float64) float64 {
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
