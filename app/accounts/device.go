package accounts

import (
	"strings"
	"unicode/utf8"
)

// uaBrowsers and uaSystems name what a user agent says it is, first match
// wins: browsers that carry another's token (Edge and Opera say Chrome,
// Chrome says Safari) come before the one they imitate.
var (
	uaBrowsers = []struct{ token, name string }{
		{"Edg", "Edge"}, {"OPR/", "Opera"}, {"Opera", "Opera"}, {"SamsungBrowser/", "Samsung Internet"},
		{"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"}, {"CriOS/", "Chrome"}, {"Chromium/", "Chromium"},
		{"Chrome/", "Chrome"}, {"Version/", "Safari"},
	}
	uaSystems = []struct{ token, name string }{
		{"iPad", "iPadOS"}, {"iPhone", "iOS"}, {"iPod", "iOS"}, {"Android", "Android"}, {"CrOS", "ChromeOS"},
		{"Windows", "Windows"}, {"Macintosh", "macOS"}, {"Mac OS X", "macOS"}, {"Linux", "Linux"},
	}
)

// DeviceName is a short readable summary of a user agent, such as "Firefox
// on Windows". A user agent that names no known browser or system is shown
// by its first word (such as "curl/8.5.0"), cut to 40 characters; an empty
// one is "Unknown device".
func DeviceName(ua string) string {
	browser, system := "", ""
	for _, b := range uaBrowsers {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	if browser == "Safari" && !strings.Contains(ua, "Safari/") {
		browser = ""
	}
	for _, s := range uaSystems {
		if strings.Contains(ua, s.token) {
			system = s.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return "A browser on " + system
	}
	word, _, _ := strings.Cut(strings.TrimSpace(ua), " ")
	if word == "" || !utf8.ValidString(word) {
		return "Unknown device"
	}
	if utf8.RuneCountInString(word) > 40 {
		word = string([]rune(word)[:40]) + "…"
	}
	return word
}
