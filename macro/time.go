package macro

import (
	"strconv"
	"time"
)

// TimeString is the text of the reply to the TIME command, for SMTP and
// POP3 alike: day name, comma, day of the month with its ordinal suffix,
// three-letter month, four-digit year, 24-hour time with seconds and the
// offset from UTC, as in "Monday, 23rd Jun 2014 12:47:18 +0100". The format
// is MailQ's; TIME is not a standard command.
func TimeString(t time.Time) string {
	return dateTime(t, "-0700")
}

// dateTime formats "Monday, 30th Jun 2014 13:32:12" and the offset in the
// given layout ("-0700" or "-07:00").
func dateTime(t time.Time, offset string) string {
	return t.Weekday().String() + ", " + ordinal(t.Day()) + " " + t.Format("Jan 2006 15:04:05 "+offset)
}

// fullDate formats "Monday, 30th June 2014".
func fullDate(t time.Time) string {
	return t.Weekday().String() + ", " + ordinal(t.Day()) + " " + t.Format("January 2006")
}

// ordinal renders a day of the month as 1st, 2nd, 3rd, 4th, 11th, 12th,
// 13th, 21st, 22nd, 23rd, 31st.
func ordinal(d int) string {
	suffix := "th"
	switch {
	case d%100 >= 11 && d%100 <= 13:
	case d%10 == 1:
		suffix = "st"
	case d%10 == 2:
		suffix = "nd"
	case d%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(d) + suffix
}
