package bot

import (
	"errors"
	"testing"
)

var durationAccepted = []struct {
	in   string
	want int64
}{
	{"2h", 120},
	{"2 h", 120},
	{"2H", 120},
	{"30m", 30},
	{"45min", 45},
	{"45 mins", 45},
	{"45 minutes", 45},
	{"30mn", 30},
	{"1h30", 90},
	{"1h30m", 90},
	{"1h30min", 90},
	{"1h 30", 90},
	{"1 h 30", 90},
	{"1h 30 min", 90},
	{"1 heure 30", 90},
	{"1 hour 30 minutes", 90},
	{"1.5h", 90},
	{"1,5h", 90},
	{"1,5 heures", 90},
	{"0.25h", 15},
	{"90m", 90},
	{"2 heures", 120},
	{"2 heure", 120},
	{"1 hour", 60},
	{"3 hours", 180},
	{"2hrs", 120},
	{"2 hr", 120},
	{"1h05", 65},
	{"0h45", 45},
	{"1h00", 60},
	{"1.55h", 93},
	{"02h", 120},
	{"  2h\t", 120},
	{"\u00a02h\u00a0", 120},
	{"2\u00a0h", 120},
	{"2\u202fh", 120},
	{"1\u202fh\u202f30", 90},
	{"2 HEURES", 120},
	{"1H30MIN", 90},
	{"1 Hour 30 Minutes", 90},
	{"1h5", 65},
	{"1h59", 119},
	{"1 minute", 1},
	{"1m", 1},
	{"1000h", MaxDurationMinutes},
	{"60000m", MaxDurationMinutes},
	{"0.5 hour", 30},
	{"2.0m", 2},
	{"1.50h", 90},
	{"1.5000000000000000000000h", 90},
	{"0001h", 60},
	{"0,1h", 6},
	{"0.05h", 3},
	{"999h59", 59999},
	{"1 hrs 1 mins", 61},
}

var durationRefused = []struct {
	in   string
	code DurationErrorCode
}{
	{"", DurationEmpty},
	{"   ", DurationEmpty},
	{"\u00a0\u202f\t\n", DurationEmpty},
	{"2", DurationMalformed},
	{"90", DurationMalformed},
	{"abc", DurationMalformed},
	{"h", DurationMalformed},
	{"2x", DurationMalformed},
	{"2hh", DurationMalformed},
	{"1h30h", DurationMalformed},
	{"1h75", DurationMalformed},
	{"1h60", DurationMalformed},
	{"1h005", DurationMalformed},
	{"1..5h", DurationMalformed},
	{"1,5,5h", DurationMalformed},
	{"2 h h", DurationMalformed},
	{"1m30", DurationMalformed},
	{"1.5h30", DurationMalformed},
	{"1.2345h", DurationMalformed},
	{"1.51h", DurationMalformed},
	{"1.5m", DurationMalformed},
	{"+2h", DurationMalformed},
	{"2h-", DurationMalformed},
	{"0x10h", DurationMalformed},
	{"1e3h", DurationMalformed},
	{"NaN h", DurationMalformed},
	{"inf h", DurationMalformed},
	{"-abc", DurationMalformed},
	{"--2h", DurationMalformed},
	{".5h", DurationMalformed},
	{"5.h", DurationMalformed},
	{"2 days", DurationMalformed},
	{"2\u212a", DurationMalformed}, // Kelvin sign must not pass for a letter
	{"\u0662h", DurationMalformed}, // Arabic-Indic two: only ASCII digits
	{"1h30m extra", DurationMalformed},
	{"0h", DurationZero},
	{"0m", DurationZero},
	{"0 min", DurationZero},
	{"0,0h", DurationZero},
	{"0h00", DurationZero},
	{"-0h", DurationZero},
	{"-2h", DurationNegative},
	{"- 2h", DurationNegative},
	{"\u22122h", DurationNegative},
	{"-1h30", DurationNegative},
	{"1001h", DurationTooLarge},
	{"60001m", DurationTooLarge},
	{"1000h01", DurationTooLarge},
	{"999h60m", DurationMalformed},
	{"1000.5h", DurationTooLarge},
	{"99999999999999999999h", DurationTooLarge},
	{"99999999999999999999999999999999999999m", DurationTooLarge},
}

func TestParseDurationAccepts(t *testing.T) {
	for _, c := range durationAccepted {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseDuration(c.in)
			if err != nil {
				t.Fatalf("ParseDuration(%q) error: %v", c.in, err)
			}
			if got != c.want {
				t.Fatalf("ParseDuration(%q) = %d, want %d", c.in, got, c.want)
			}
		})
	}
}

func TestParseDurationRefuses(t *testing.T) {
	for _, c := range durationRefused {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseDuration(c.in)
			var de *DurationError
			if !errors.As(err, &de) {
				t.Fatalf("ParseDuration(%q) = %d, %v; want *DurationError", c.in, got, err)
			}
			if de.Code != c.code {
				t.Fatalf("ParseDuration(%q) code = %v, want %v", c.in, de.Code, c.code)
			}
			if de.Input != c.in {
				t.Fatalf("Input = %q, want %q", de.Input, c.in)
			}
			if got != 0 {
				t.Fatalf("ParseDuration(%q) returned %d along with an error", c.in, got)
			}
		})
	}
}

func TestDurationErrorMessage(t *testing.T) {
	_, err := ParseDuration("abc")
	if got, want := err.Error(), `duration "abc": malformed`; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
}

func TestFormatMinutes(t *testing.T) {
	cases := []struct {
		in   int64
		want string
	}{
		{0, "0h"},
		{1, "1min"},
		{45, "45min"},
		{59, "59min"},
		{60, "1h"},
		{65, "1h05"},
		{90, "1h30"},
		{120, "2h"},
		{600, "10h"},
		{619, "10h19"},
		{MaxDurationMinutes, "1000h"},
		{-45, "-45min"},
		{-90, "-1h30"},
		{-120, "-2h"},
		{-9223372036854775808, "-153722867280912930h08"},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			if got := FormatMinutes(c.in); got != c.want {
				t.Fatalf("FormatMinutes(%d) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestDurationRoundTrip(t *testing.T) {
	for m := int64(1); m <= MaxDurationMinutes; m += 7 {
		s := FormatMinutes(m)
		got, err := ParseDuration(s)
		if err != nil || got != m {
			t.Fatalf("ParseDuration(FormatMinutes(%d) = %q) = %d, %v", m, s, got, err)
		}
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, c := range durationAccepted {
		f.Add(c.in)
	}
	for _, c := range durationRefused {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseDuration(s)
		if err != nil {
			var de *DurationError
			if !errors.As(err, &de) || de.Code == 0 {
				t.Fatalf("ParseDuration(%q) error %#v is not a coded *DurationError", s, err)
			}
			return
		}
		if got < 1 || got > MaxDurationMinutes {
			t.Fatalf("ParseDuration(%q) = %d, out of range", s, got)
		}
		back, err := ParseDuration(FormatMinutes(got))
		if err != nil || back != got {
			t.Fatalf("ParseDuration(%q) = %d but its formatted form %q gives %d, %v", s, got, FormatMinutes(got), back, err)
		}
	})
}
