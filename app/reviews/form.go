package reviews

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Form is the review form as the buyer filled it in (or as an AI draft
// filled it in for them to edit). Rating stays the raw field so an invalid
// value is shown back as typed.
type Form struct {
	Rating string
	Title  string
	Body   string
	// Draft marks a form filled in by the draft helper, not yet submitted.
	Draft bool
}

// FormError is a form the buyer must correct: which field, and why.
type FormError struct {
	Field string
	Msg   string
}

func (e *FormError) Error() string { return e.Msg }

// RatingValue is the rating as a number, 0 when it is not one.
func (f Form) RatingValue() int {
	n, err := strconv.Atoi(strings.TrimSpace(f.Rating))
	if err != nil {
		return 0
	}
	return n
}

// Normalize trims the text fields and makes line breaks uniform.
func (f *Form) Normalize() {
	f.Rating = strings.TrimSpace(f.Rating)
	f.Title = strings.TrimSpace(f.Title)
	f.Body = strings.TrimSpace(strings.ReplaceAll(f.Body, "\r\n", "\n"))
}

// Validate checks the form: a rating of 1 to 5, an optional short title and
// a plain-text body. HTML is refused rather than stored (the page escapes
// everything anyway).
func (f *Form) Validate() error {
	f.Normalize()
	if n := f.RatingValue(); n < 1 || n > 5 || strconv.Itoa(n) != f.Rating {
		return &FormError{Field: "rating", Msg: "Choose a rating from 1 to 5 stars."}
	}
	if err := checkText("title", "The title", f.Title, 0, MaxTitle); err != nil {
		return err
	}
	return checkText("body", "Your review", f.Body, 1, MaxBody)
}

// checkText bounds a plain-text field by characters and refuses markup and
// control characters.
func checkText(field, name, s string, min, max int) error {
	n := utf8.RuneCountInString(s)
	switch {
	case !utf8.ValidString(s):
		return &FormError{Field: field, Msg: name + " contains characters we cannot read."}
	case n < min:
		return &FormError{Field: field, Msg: name + " is empty. Write a few words."}
	case n > max:
		return &FormError{Field: field, Msg: name + " is too long: at most " + strconv.Itoa(max) + " characters."}
	case HasMarkup(s):
		return &FormError{Field: field, Msg: name + " contains HTML. Write plain text only."}
	case hasControl(s):
		return &FormError{Field: field, Msg: name + " contains invisible control characters. Remove them and try again."}
	}
	return nil
}

// htmlLike matches an HTML tag, comment, doctype or processing instruction,
// and character references such as &lt; or &#60;.
var htmlLike = regexp.MustCompile(`(?i)</?[a-z!?]|&(#[0-9]+|#x[0-9a-f]+|[a-z][a-z0-9]*);`)

// HasMarkup reports whether s holds HTML; "<3" and "a < b" are plain text.
func HasMarkup(s string) bool { return htmlLike.MatchString(s) }

func hasControl(s string) bool {
	for _, r := range s {
		if r != '\n' && r != '\t' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Cf, r) && r != '\u200d') {
			return true
		}
	}
	return false
}

// ResponseForm is the creator's public response to one review.
type ResponseForm struct {
	Body string
}

// Validate checks the response is plain text within bounds.
func (f *ResponseForm) Validate() error {
	f.Body = strings.TrimSpace(strings.ReplaceAll(f.Body, "\r\n", "\n"))
	return checkText("response", "The response", f.Body, 1, MaxResponse)
}
