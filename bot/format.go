package bot

// signed shows a balance with its sign: "+2h", "0h", "-1h30".
func signed(m int64) string {
	if m > 0 {
		return "+" + FormatMinutes(m)
	}
	return FormatMinutes(m)
}
