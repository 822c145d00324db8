package reviews_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/claro-market/claro/app/reviews"
)

// messagesAPI is a local server that answers POST /v1/messages in the
// Messages API's shape, with whatever the test sets, and keeps what it was
// sent.
type messagesAPI struct {
	*httptest.Server
	calls atomic.Int64
	mu    sync.Mutex
	reply http.HandlerFunc
	last  map[string]any
}

func startMessagesAPI(t *testing.T) *messagesAPI {
	t.Helper()
	api := &messagesAPI{}
	api.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/messages" {
			http.NotFound(w, r)
			return
		}
		api.calls.Add(1)
		var sent map[string]any
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &sent)
		api.mu.Lock()
		api.last = sent
		reply := api.reply
		api.mu.Unlock()
		reply(w, r)
	}))
	t.Cleanup(api.Close)
	api.answer(toolUse(reviews.DraftTool, `{"rating": 4, "title": "Clear and handy", "body": "Clear steps, handy maps. A bit short."}`))
	return api
}

// answer sets the reply to every following call.
func (api *messagesAPI) answer(h http.HandlerFunc) {
	api.mu.Lock()
	defer api.mu.Unlock()
	api.reply = h
}

// sent is the JSON body of the last call.
func (api *messagesAPI) sent() map[string]any {
	api.mu.Lock()
	defer api.mu.Unlock()
	return api.last
}

// options for a drafter talking to this server; one retry, short timeout.
func (api *messagesAPI) options() *reviews.DraftOptions {
	return &reviews.DraftOptions{APIKey: "sk-ant-test", BaseURL: api.URL, MaxRetries: 1, Timeout: 2 * time.Second}
}

// message answers 200 with a message whose content blocks are given as JSON.
func message(content string) http.HandlerFunc {
	return raw(http.StatusOK, `{"id":"msg_01","type":"message","role":"assistant","model":"claude-haiku-4-5",
		"content":`+content+`,"stop_reason":"tool_use","stop_sequence":null,
		"usage":{"input_tokens":42,"output_tokens":17}}`)
}

// toolUse answers with one tool_use block of the named tool and input.
func toolUse(name, input string) http.HandlerFunc {
	return message(`[{"type":"tool_use","id":"toolu_01","name":"` + name + `","input":` + input + `}]`)
}

// raw answers status with body as JSON.
func raw(status int, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// hang never answers; the client's timeout ends the call.
func hang(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
