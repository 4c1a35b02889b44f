package bot

import (
	"bytes"
	"image/color"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/entraide/entraide/ledger"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The newsletter's chart: hours per week over the last chartWeeks weeks,
// stacked by category, drawn with gonum.org/v1/plot as a PNG.

const (
	chartWidthPx  = 800
	chartHeightPx = 400
	chartDPI      = 96
)

// chartPalette colours the series in order (Okabe–Ito, told apart by
// colour-blind readers too, and a wine red for an eighth).
func chartPalette() []color.RGBA {
	return []color.RGBA{
		{0xE6, 0x9F, 0x00, 0xFF}, // orange
		{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
		{0x00, 0x9E, 0x73, 0xFF}, // bluish green
		{0xF0, 0xE4, 0x42, 0xFF}, // yellow
		{0x00, 0x72, 0xB2, 0xFF}, // blue
		{0xD5, 0x5E, 0x00, 0xFF}, // vermilion
		{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
		{0x88, 0x22, 0x55, 0xFF}, // wine
	}
}

// ChartData is what the chart plots.
type ChartData struct {
	Title  string
	YLabel string
	Weeks  []time.Time // the start of each week, in the community's zone
	Labels []string    // under each week
	Series []ChartSeries
}

// ChartSeries is one category's net minutes per week; a category without
// any time in the weeks shown has no series.
type ChartSeries struct {
	Category string // its ID, "" for exchanges without a category
	Name     string // in the community's language
	Minutes  []int64
	Color    color.RGBA
}

// Hours is the series' value in week w as drawn: hours, never below zero
// (a week whose corrections outweigh its gifts draws nothing).
func (s ChartSeries) Hours(w int) float64 {
	if s.Minutes[w] <= 0 {
		return 0
	}
	return float64(s.Minutes[w]) / 60
}

// chartData turns the weekly totals into series, in the order of the
// community's categories, then any other category, then none.
func (b *Bot) chartData(com *Community, wk ledger.WeeklyTotals) ChartData {
	tr := b.catalog.In(com.Language)
	d := ChartData{Title: tr.S(msgNewsletterChartTitle, map[string]any{"Weeks": chartWeeks}), YLabel: tr.S(msgNewsletterChartHours, nil)}
	for w := 0; w+1 < len(wk.Starts); w++ {
		start := wk.Starts[w].In(com.Location)
		d.Weeks = append(d.Weeks, start)
		label := start.Format(tr.S(msgNewsletterWeekLayout, nil))
		if w+2 == len(wk.Starts) {
			label = tr.S(msgNewsletterWeekPartial, map[string]any{"Week": label}) // now's week, so far
		}
		d.Labels = append(d.Labels, label)
	}
	done := map[string]bool{}
	palette := chartPalette()
	addSeries := func(id, name string) {
		ms, ok := wk.Minutes[id]
		if !ok || done[id] {
			return
		}
		done[id] = true
		some := false
		for _, m := range ms {
			some = some || m > 0
		}
		if !some {
			return
		}
		d.Series = append(d.Series, ChartSeries{Category: id, Name: name, Minutes: ms, Color: palette[len(d.Series)%len(palette)]})
	}
	for _, c := range com.Categories {
		addSeries(c.ID, c.Name(tr.Lang()))
	}
	var others []string
	for id := range wk.Minutes {
		if !done[id] && id != "" {
			others = append(others, id)
		}
	}
	sort.Strings(others)
	for _, id := range others {
		addSeries(id, id)
	}
	addSeries("", tr.S(msgNewsletterNoCategory, nil))
	return d
}

// chartLegendWidth is the band at the right of the chart that holds the
// legend, outside the bars.
const chartLegendWidth = 150 // points

// drawChart draws the stacked bars as a PNG: sans-serif text, the legend
// beside the bars rather than over them, whole hours on the vertical axis.
func drawChart(d ChartData) ([]byte, error) {
	p := plot.New()
	for _, style := range []*font.Font{&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font,
		&p.X.Tick.Label.Font, &p.Y.Tick.Label.Font} {
		style.Variant = "Sans"
	}
	p.Title.Text = d.Title
	p.Y.Label.Text = d.YLabel
	p.Y.Min = 0
	top := 1.0
	for w := range d.Weeks {
		sum := 0.0
		for _, s := range d.Series {
			sum += s.Hours(w)
		}
		top = max(top, sum)
	}
	step := hourStep(top)
	p.Y.Max = math.Ceil(top/step) * step
	p.Y.Tick.Marker = plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		var ticks []plot.Tick
		for v := 0.0; v <= hi+step/2; v += step {
			ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
		}
		return ticks
	})
	p.X.Min, p.X.Max = -0.5, float64(len(d.Weeks))-0.5
	plotWidth := float64(chartWidthPx)*72/chartDPI - chartLegendWidth
	width := vg.Points(plotWidth / float64(max(len(d.Weeks), 1)) * 0.6)
	var below *plotter.BarChart
	// The legend lists the series top down, as they are stacked.
	var legend []struct {
		name  string
		thumb plot.Thumbnailer
	}
	for _, s := range d.Series {
		values := make(plotter.Values, len(d.Weeks))
		for w := range values {
			values[w] = s.Hours(w)
		}
		bars, err := plotter.NewBarChart(values, width)
		if err != nil {
			return nil, err
		}
		bars.Color = s.Color
		bars.LineStyle.Width = 0
		if below != nil {
			bars.StackOn(below)
		}
		p.Add(bars)
		legend = append(legend, struct {
			name  string
			thumb plot.Thumbnailer
		}{s.Name, bars})
		below = bars
	}
	// The legend is drawn beside the plot, not by it, so it never covers
	// a bar.
	key := plot.NewLegend()
	key.TextStyle.Font.Variant = "Sans"
	key.Top, key.Left = true, true
	for i := len(legend) - 1; i >= 0; i-- {
		key.Add(legend[i].name, legend[i].thumb)
	}
	if len(d.Labels) > 0 {
		p.NominalX(d.Labels...)
	}
	canvas := vgimg.NewWith(vgimg.UseWH(vg.Points(chartWidthPx*72/chartDPI), vg.Points(chartHeightPx*72/chartDPI)), vgimg.UseDPI(chartDPI))
	dc := draw.New(canvas)
	p.Draw(draw.Crop(dc, 0, -chartLegendWidth, 0, 0))
	lc := draw.Crop(dc, vg.Length(plotWidth)+8, 0, 0, -24) // below the title's line
	key.Draw(lc)
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: canvas}).WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// hourStep is the distance between the vertical axis's ticks: whole hours
// (1, 2, 5, 10, 20…), about five ticks up to top.
func hourStep(top float64) float64 {
	for _, step := range []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000} {
		if top/step <= 6 {
			return step
		}
	}
	return math.Pow(10, math.Ceil(math.Log10(top/6)))
}
