package reviews

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// ParseDraftInput checks a draft tool call's input as strictly as the schema
// we sent promised, because a model's output is untrusted input: exactly the
// keys rating, title and body, each once, nothing after the object; rating a
// JSON integer 1 to 5 (not "5", not 4.5); title and body JSON strings within
// their bounds, plain text without HTML, Markdown links or control characters.
// It returns the form to show the buyer, marked as a draft.
func ParseDraftInput(raw []byte) (Form, error) {
	fields, err := strictObject(raw)
	if err != nil {
		return Form{}, err
	}
	for _, k := range []string{"rating", "title", "body"} {
		if _, ok := fields[k]; !ok {
			return Form{}, fmt.Errorf("draft: missing %q", k)
		}
	}
	rating := string(fields["rating"])
	if !ratingLiteral.MatchString(rating) {
		return Form{}, fmt.Errorf("draft: rating %s is not an integer from 1 to 5", rating)
	}
	var title, body string
	if err := jsonString(fields["title"], &title); err != nil {
		return Form{}, fmt.Errorf("draft: title: %w", err)
	}
	if err := jsonString(fields["body"], &body); err != nil {
		return Form{}, fmt.Errorf("draft: body: %w", err)
	}
	f := Form{Rating: rating, Title: title, Body: body, Draft: true}
	f.Normalize()
	if err := checkText("title", "The title", f.Title, 0, MaxTitle); err != nil {
		return Form{}, err
	}
	if err := checkText("body", "The body", f.Body, 1, MaxDraftBody); err != nil {
		return Form{}, err
	}
	if modelMarkup.MatchString(f.Title) || modelMarkup.MatchString(f.Body) {
		return Form{}, errors.New("draft: markup in the text")
	}
	return f, nil
}

// ratingLiteral is the exact JSON text of an allowed rating.
var ratingLiteral = regexp.MustCompile(`^[1-5]$`)

// modelMarkup is what a plain-text draft never needs: angle brackets,
// Markdown links, images and code fences, script URLs.
var modelMarkup = regexp.MustCompile("(?i)[<>]|\\]\\(|```|javascript:|data:text")

// strictObject decodes one JSON object into its raw values, refusing
// duplicate keys, keys outside the draft's three, and trailing data.
func strictObject(raw []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("draft: input is not a JSON object")
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("draft: %w", err)
		}
		key, _ := tok.(string)
		switch key {
		case "rating", "title", "body":
		default:
			return nil, fmt.Errorf("draft: unexpected field %q", key)
		}
		if _, dup := fields[key]; dup {
			return nil, fmt.Errorf("draft: field %q twice", key)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("draft: %w", err)
		}
		fields[key] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, fmt.Errorf("draft: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("draft: data after the object")
	}
	return fields, nil
}

// jsonString decodes a raw value that must be a JSON string.
func jsonString(raw json.RawMessage, s *string) error {
	if !strings.HasPrefix(strings.TrimSpace(string(raw)), `"`) {
		return errors.New("not a string")
	}
	return json.Unmarshal(raw, s)
}
