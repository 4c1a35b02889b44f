package bot

import (
	"encoding/csv"
	"io"
	"strconv"
)

// CSVWriter writes CSV that a spreadsheet opens as text: a cell a
// spreadsheet would run as a formula (one starting with =, +, -, @, a tab
// or a carriage return) is written with a leading apostrophe, as OWASP
// advises. A note "=HYPERLINK(…)" typed in a chat thus reaches a
// treasurer's spreadsheet as the words typed, not as a link.
type CSVWriter struct {
	w   *csv.Writer
	row []string
}

// NewCSVWriter writes to w.
func NewCSVWriter(w io.Writer) *CSVWriter { return &CSVWriter{w: csv.NewWriter(w)} }

// Write writes one record, each cell neutralised.
func (c *CSVWriter) Write(record []string) error {
	c.row = c.row[:0]
	for _, cell := range record {
		c.row = append(c.row, CSVCell(cell))
	}
	return c.w.Write(c.row)
}

// Flush writes what is buffered and reports any write error.
func (c *CSVWriter) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

// CSVCell is cell as CSVWriter writes it. Numbers are left as they are
// (a negative balance is a number, not a formula).
func CSVCell(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if _, err := strconv.ParseFloat(cell, 64); err == nil && cell[0] != '\t' && cell[0] != '\r' {
			return cell
		}
		return "'" + cell
	}
	return cell
}
