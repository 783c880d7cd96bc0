package web

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Geometry of a timeline chart, in SVG user units. The SVG scales to the
// width of the page, so these only fix the proportions and the text size.
const (
	chartWidth  = 640
	chartHeight = 200
	chartLeft   = 72
	chartRight  = 16
	chartTop    = 14
	chartBottom = 34
)

// chart is one series of the timeline drawn as an SVG line.
type chart struct {
	ID     string
	Title  string
	Desc   string
	Width  int
	Height int
	Points string
	Dots   []chartDot
	YTicks []chartTick
	XTicks []chartTick
	// Left, Right, Top and Bottom are the edges of the plot area.
	Left, Right, Top, Bottom int
}

type chartDot struct {
	X, Y  float64
	Label string
}

type chartTick struct {
	X, Y  float64
	Label string
	// Anchor is the SVG text-anchor of the label: start, middle or end.
	Anchor string
}

// chartPoint is one value of a series at one time.
type chartPoint struct {
	When  time.Time
	Value int
}

// timelineCharts draws the addresses, rules and missing collections of the
// snapshots that have a manifest. entries are newest first.
func timelineCharts(entries []timelineEntry) []chart {
	var addresses, rules, missing []chartPoint
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if !e.HasManifest {
			continue
		}
		addresses = append(addresses, chartPoint{e.Commit.When, e.Addresses})
		rules = append(rules, chartPoint{e.Commit.When, e.Rules})
		missing = append(missing, chartPoint{e.Commit.When, e.Missing})
	}
	if len(addresses) == 0 {
		return nil
	}
	return []chart{
		drawChart("graphe-adresses", "Adresses", addresses),
		drawChart("graphe-regles", "Règles de collecte", rules),
		drawChart("graphe-manquantes", "Collectes manquantes", missing),
	}
}

func drawChart(id, title string, points []chartPoint) chart {
	c := chart{
		ID: id, Title: title, Width: chartWidth, Height: chartHeight,
		Left: chartLeft, Right: chartWidth - chartRight,
		Top: chartTop, Bottom: chartHeight - chartBottom,
	}
	top := niceCeiling(maxValue(points))
	x := xScale(points, float64(c.Left), float64(c.Right))

	coords := make([]string, 0, len(points))
	for i, p := range points {
		px := x(i)
		py := float64(c.Bottom) - float64(p.Value)/float64(top)*float64(c.Bottom-c.Top)
		coords = append(coords, fmt.Sprintf("%.1f,%.1f", px, py))
		label := fmt.Sprintf("%s : %s", p.When.Format(time.DateOnly), frenchNumber(p.Value))
		c.Dots = append(c.Dots, chartDot{X: round1(px), Y: round1(py), Label: label})
	}
	c.Points = strings.Join(coords, " ")

	ticks := []int{0, top / 2, top}
	if top < 2 {
		ticks = []int{0, top}
	}
	for _, v := range ticks {
		py := float64(c.Bottom) - float64(v)/float64(top)*float64(c.Bottom-c.Top)
		c.YTicks = append(c.YTicks, chartTick{X: float64(c.Left - 6), Y: round1(py), Label: frenchNumber(v), Anchor: "end"})
	}
	c.XTicks = xTicks(points, x, float64(c.Bottom+22))

	first, last := points[0], points[len(points)-1]
	c.Desc = fmt.Sprintf("%s : %s le %s, %s le %s.", title,
		frenchNumber(first.Value), first.When.Format(time.DateOnly),
		frenchNumber(last.Value), last.When.Format(time.DateOnly))
	return c
}

// xScale places points by time between left and right, or evenly when they
// share one instant. A single point sits in the middle.
func xScale(points []chartPoint, left, right float64) func(i int) float64 {
	start, end := points[0].When, points[len(points)-1].When
	span := end.Sub(start).Seconds()
	return func(i int) float64 {
		switch {
		case len(points) == 1:
			return round1((left + right) / 2)
		case span <= 0:
			return round1(left + float64(i)/float64(len(points)-1)*(right-left))
		}
		return round1(left + points[i].When.Sub(start).Seconds()/span*(right-left))
	}
}

// xTicks labels the first and the last date, and the middle point when
// there are at least three. The first label starts at its point and the
// last one ends at it, so that neither overflows the chart.
func xTicks(points []chartPoint, x func(int) float64, y float64) []chartTick {
	indexes := []int{0}
	if len(points) >= 3 {
		indexes = append(indexes, len(points)/2)
	}
	if len(points) >= 2 {
		indexes = append(indexes, len(points)-1)
	}
	ticks := make([]chartTick, 0, len(indexes))
	for n, i := range indexes {
		anchor := "middle"
		switch {
		case n == 0 && len(indexes) > 1:
			anchor = "start"
		case n == len(indexes)-1 && len(indexes) > 1:
			anchor = "end"
		}
		ticks = append(ticks, chartTick{X: x(i), Y: y, Label: points[i].When.Format(time.DateOnly), Anchor: anchor})
	}
	return ticks
}

func maxValue(points []chartPoint) int {
	top := 0
	for _, p := range points {
		top = max(top, p.Value)
	}
	return top
}

// niceCeiling rounds n up to a round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5,
// 6 or 8 times a power of ten), at least 1, where the axis ends.
func niceCeiling(n int) int {
	if n <= 1 {
		return 1
	}
	scale := math.Pow(10, math.Floor(math.Log10(float64(n))))
	for _, step := range []float64{1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if v := math.Round(step * scale); v >= float64(n) {
			return int(v)
		}
	}
	return int(10 * scale)
}

func round1(v float64) float64 {
	return math.Round(v*10) / 10
}
