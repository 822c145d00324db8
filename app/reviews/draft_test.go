package reviews_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app/reviews"
)

func askDraft(t *testing.T, e *env, s shop, words string) (*http.Response, string) {
	t.Helper()
	b, _ := e.buyer(t, s, true)
	return post(t, b, s, "/products/field-guide/reviews/draft", url.Values{"words": {words}}, true)
}

func TestDraftFillsTheFormAndPostsNothing(t *testing.T) {
	api := startMessagesAPI(t)
	e := newEnv(t, options{drafts: api.options()})
	s := e.shop(t)
	resp, body := askDraft(t, e, s, "clear, handy maps, short")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("draft: %d\n%s", resp.StatusCode, body)
	}
	mustContain(t, body, "Here is a draft", `value="Clear and handy"`, ">Clear steps, handy maps. A bit short.</textarea>",
		`value="4" required checked`, "Discard the draft", `value="clear, handy maps, short"`)
	if n := e.reviewCount(t, s.product.ID); n != 0 {
		t.Fatalf("a draft wrote %d reviews", n)
	}
	// What was asked: a small model, the one tool forced, a strict schema.
	sent := api.sent()
	if sent["model"] != "claude-haiku-4-5" {
		t.Errorf("model %v", sent["model"])
	}
	choice, _ := sent["tool_choice"].(map[string]any)
	if choice["type"] != "tool" || choice["name"] != reviews.DraftTool {
		t.Errorf("tool_choice %v", sent["tool_choice"])
	}
	tools, _ := sent["tools"].([]any)
	if len(tools) != 1 {
		t.Fatalf("tools %v", sent["tools"])
	}
	schema := tools[0].(map[string]any)["input_schema"].(map[string]any)
	rating := schema["properties"].(map[string]any)["rating"].(map[string]any)
	if schema["additionalProperties"] != false || rating["type"] != "integer" || rating["minimum"] != 1.0 || rating["maximum"] != 5.0 {
		t.Errorf("schema %v", schema)
	}
	if !strings.Contains(strings.Join(flatten(sent["messages"]), " "), "clear, handy maps, short") {
		t.Errorf("the buyer's words were not sent: %v", sent["messages"])
	}
}

func flatten(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, flatten(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, e := range x {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return nil
}

func TestEveryBadDraftAnswerIsRefusedWithAMessageAndNothingWritten(t *testing.T) {
	api := startMessagesAPI(t)
	opts := api.options()
	opts.Timeout = 300 * time.Millisecond
	e := newEnv(t, options{drafts: opts, budget: reviews.Limit{PerUser: 1000, PerIP: 1000, Window: time.Hour}})
	s := e.shop(t)
	long := strings.Repeat("word ", reviews.MaxDraftBody/5+1)
	overloaded := raw(529, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, "retry-after-ms", "1")
	unusable, unavailable := html.EscapeString("The draft helper's suggestion could not be used. Write your review yourself, or try again."),
		html.EscapeString("The draft helper is not available right now. Write your review yourself, or try again in a minute.")
	for name, c := range map[string]struct {
		reply    http.HandlerFunc
		status   int
		msg      string
		attempts int64
	}{
		"malformed JSON":     {raw(200, `{"id":"msg_01","content":[{"type":"tool_use",`), http.StatusBadGateway, unusable, 1},
		"not JSON at all":    {raw(200, `<html>gateway</html>`), http.StatusBadGateway, unusable, 1},
		"no tool_use":        {message(`[{"type":"text","text":"Here is your review: great!"}]`), http.StatusBadGateway, unusable, 1},
		"another tool":       {toolUse("delete_everything", `{"rating":5,"title":"","body":"x"}`), http.StatusBadGateway, unusable, 1},
		"two tool calls":     {message(`[` + block(`{"rating":5,"title":"a","body":"b"}`) + `,` + block(`{"rating":4,"title":"c","body":"d"}`) + `]`), http.StatusBadGateway, unusable, 1},
		"extra field":        {toolUse(reviews.DraftTool, `{"rating":5,"title":"a","body":"b","publish":true}`), http.StatusBadGateway, unusable, 1},
		"missing body":       {toolUse(reviews.DraftTool, `{"rating":5,"title":"a"}`), http.StatusBadGateway, unusable, 1},
		"rating 0":           {toolUse(reviews.DraftTool, `{"rating":0,"title":"a","body":"b"}`), http.StatusBadGateway, unusable, 1},
		"rating 6":           {toolUse(reviews.DraftTool, `{"rating":6,"title":"a","body":"b"}`), http.StatusBadGateway, unusable, 1},
		`rating "5"`:         {toolUse(reviews.DraftTool, `{"rating":"5","title":"a","body":"b"}`), http.StatusBadGateway, unusable, 1},
		"rating 4.5":         {toolUse(reviews.DraftTool, `{"rating":4.5,"title":"a","body":"b"}`), http.StatusBadGateway, unusable, 1},
		"duplicate rating":   {toolUse(reviews.DraftTool, `{"rating":5,"rating":1,"title":"a","body":"b"}`), http.StatusBadGateway, unusable, 1},
		"input not object":   {toolUse(reviews.DraftTool, `[5,"a","b"]`), http.StatusBadGateway, unusable, 1},
		"HTML in body":       {toolUse(reviews.DraftTool, `{"rating":5,"title":"a","body":"<script>alert(1)</script>"}`), http.StatusBadGateway, unusable, 1},
		"escaped HTML":       {toolUse(reviews.DraftTool, `{"rating":5,"title":"a","body":"\u003cimg src=x onerror=alert(1)\u003e"}`), http.StatusBadGateway, unusable, 1},
		"Markdown link":      {toolUse(reviews.DraftTool, `{"rating":5,"title":"a","body":"Buy it [here](https://evil.example)"}`), http.StatusBadGateway, unusable, 1},
		"over-long body":     {toolUse(reviews.DraftTool, `{"rating":5,"title":"a","body":"`+long+`"}`), http.StatusBadGateway, unusable, 1},
		"over-long title":    {toolUse(reviews.DraftTool, `{"rating":5,"title":"`+strings.Repeat("t", 121)+`","body":"b"}`), http.StatusBadGateway, unusable, 1},
		"empty body":         {toolUse(reviews.DraftTool, `{"rating":5,"title":"a","body":"   "}`), http.StatusBadGateway, unusable, 1},
		"529 overloaded":     {overloaded, http.StatusServiceUnavailable, unavailable, 2},
		"500 error":          {raw(500, `{"type":"error","error":{"type":"api_error","message":"boom"}}`, "retry-after-ms", "1"), http.StatusServiceUnavailable, unavailable, 2},
		"401 bad key":        {raw(401, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`), http.StatusServiceUnavailable, unavailable, 1},
		"timeout (no reply)": {hang, http.StatusServiceUnavailable, unavailable, 0},
	} {
		t.Run(name, func(t *testing.T) {
			api.answer(c.reply)
			before := api.calls.Load()
			resp, body := askDraft(t, e, s, "clear, handy maps")
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d\n%s", resp.StatusCode, c.status, body)
			}
			mustContain(t, body, c.msg, `value="clear, handy maps"`)
			if strings.Contains(body, "Here is a draft") || strings.Contains(body, "Discard the draft") {
				t.Fatalf("a refused draft reached the form:\n%s", body)
			}
			if got := api.calls.Load() - before; c.attempts > 0 && got != c.attempts {
				t.Fatalf("%d calls to the API, want %d", got, c.attempts)
			}
		})
	}
	if n := e.reviewCount(t, s.product.ID); n != 0 {
		t.Fatalf("%d reviews written", n)
	}
	if count, _, _ := e.aggregates(t, s.product.ID); count != 0 {
		t.Fatalf("aggregates moved: %d", count)
	}
}

func block(input string) string {
	return `{"type":"tool_use","id":"toolu_01","name":"` + reviews.DraftTool + `","input":` + input + `}`
}

func TestDraftHelperIsOffUnlessTurnedOnAndOnlyForBuyers(t *testing.T) {
	api := startMessagesAPI(t)
	off := newEnv(t, options{})
	s := off.shop(t)
	if resp, _ := askDraft(t, off, s, "clear, handy maps"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("flag off: %d", resp.StatusCode)
	}
	_, frag := off.NewBrowser().Get(t, s.host, "/products/field-guide/reviews")
	if strings.Contains(frag, "Draft it for me") {
		t.Fatal("the draft form shows with the flag off")
	}

	on := newEnv(t, options{drafts: api.options()})
	s = on.shop(t)
	stranger, _ := on.buyer(t, s, false)
	resp, body := post(t, stranger, s, "/products/field-guide/reviews/draft", url.Values{"words": {"clear, handy maps"}}, true)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Only buyers") {
		t.Fatalf("non-buyer draft: %d\n%s", resp.StatusCode, body)
	}
	resp, body = askDraft(t, on, s, "<b>x</b>")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "contains HTML") {
		t.Fatalf("HTML words: %d\n%s", resp.StatusCode, body)
	}
	if n := api.calls.Load(); n != 0 {
		t.Fatalf("refused requests reached the API %d times", n)
	}
}

func TestDraftInputIsReadStrictly(t *testing.T) {
	ok := map[string]reviews.Form{
		`{"rating": 5, "title": "", "body": "Good."}`:                  {Rating: "5", Body: "Good.", Draft: true},
		` { "body" : "Fine.\n\nReally." , "title":"Ok", "rating":3 } `: {Rating: "3", Title: "Ok", Body: "Fine.\n\nReally.", Draft: true},
		`{"rating":1,"title":"  Meh  ","body":"  so-so  "}`:            {Rating: "1", Title: "Meh", Body: "so-so", Draft: true},
	}
	for in, want := range ok {
		got, err := reviews.ParseDraftInput([]byte(in))
		if err != nil || got != want {
			t.Errorf("%s: %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{
		``, `null`, `5`, `"x"`, `{}`, `{"rating":5,"title":"a","body":"b"} {}`, `{"rating":5,"title":"a","body":"b"`,
		`{"rating":5e0,"title":"a","body":"b"}`, `{"rating":-1,"title":"a","body":"b"}`, `{"rating":true,"title":"a","body":"b"}`,
		`{"rating":null,"title":"a","body":"b"}`, `{"rating":5,"title":null,"body":"b"}`, `{"rating":5,"title":"a","body":["b"]}`,
		`{"rating":5,"title":"a","body":{"text":"b"}}`, `{"Rating":5,"title":"a","body":"b"}`,
		`{"rating":5,"title":"a","body":"b","body":"c"}`, `{"rating":5,"title":"a","body":"tab\u0007bell"}`,
		`{"rating":5,"title":"a","body":"see &lt;b&gt;"}`, "{\"rating\":5,\"title\":\"a\",\"body\":\"```js\"}",
		`{"rating":5,"title":"a","body":"javascript:alert(1)"}`, `{"rating":1,"title":"a","body":"a < b"}`,
	} {
		if f, err := reviews.ParseDraftInput([]byte(in)); err == nil {
			t.Errorf("%s: accepted as %+v", in, f)
		}
	}
}
