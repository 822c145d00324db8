// Package meilitest is a test server that replays Meilisearch's HTTP protocol
// for exactly the calls Claro's Meilisearch backend makes, recorded from
// Meilisearch's API reference: indexes, settings, documents, search, keys,
// swap-indexes and tasks. Writes answer 202 with an enqueued task that a
// single FIFO processor later marks succeeded or failed, as Meilisearch does,
// so a client that does not wait for its tasks sees stale data here too.
// Searching supports the filter, sort, facet, typo and ranking behaviour the
// contract suite relies on; it is not a search engine.
package meilitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Keys the server accepts: the master key, an admin key (everything but key
// management) and the default search key (search only).
const (
	MasterKey = "meilitest-master-key"
	AdminKey  = "meilitest-admin-key"
	SearchKey = "meilitest-search-key"
)

// Server is one fake Meilisearch.
type Server struct {
	*httptest.Server

	mu      sync.Mutex
	indexes map[string]*index
	tasks   []*task
	queue   chan *task
	fail    map[string]string // task type -> error code for the next such task
	calls   []string
}

type index struct {
	uid, primaryKey string
	settings        map[string]json.RawMessage
	docs            map[string]map[string]any
	order           []string // insertion order: Meilisearch's last tie-break
	created         time.Time
}

type task struct {
	UID        int64          `json:"uid"`
	IndexUID   string         `json:"indexUid"`
	Status     string         `json:"status"`
	Type       string         `json:"type"`
	Error      *apiError      `json:"error"`
	EnqueuedAt time.Time      `json:"enqueuedAt"`
	FinishedAt *time.Time     `json:"finishedAt"`
	Details    map[string]any `json:"details"`
	apply      func() *apiError
}

type apiError struct {
	Message string `json:"message"`
	Code    string `json:"code"`
	Type    string `json:"type"`
	Link    string `json:"link"`
}

// New starts a server; Close it when done.
func New() *Server {
	s := &Server{indexes: map[string]*index{}, queue: make(chan *task, 1024), fail: map[string]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	go s.process()
	return s
}

// Close stops the server and its task processor.
func (s *Server) Close() {
	s.Server.Close()
	close(s.queue)
}

// FailNext makes the next task of taskType (e.g. "settingsUpdate") fail with
// code, as Meilisearch fails a task: 202 first, "failed" later.
func (s *Server) FailNext(taskType, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[taskType] = code
}

// Calls lists "METHOD /path key-kind" for every request so far.
func (s *Server) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

// Settings returns an index's settings as last applied.
func (s *Server) Settings(uid string) map[string]json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ix := s.indexes[uid]; ix != nil {
		return ix.settings
	}
	return nil
}

// DocumentCount is how many documents index uid holds.
func (s *Server) DocumentCount(uid string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ix := s.indexes[uid]; ix != nil {
		return len(ix.docs)
	}
	return -1
}

// process runs tasks one at a time, in order.
func (s *Server) process() {
	for t := range s.queue {
		s.mu.Lock()
		t.Status = "processing"
		err := t.apply()
		if code, ok := s.fail[t.Type]; ok && err == nil {
			delete(s.fail, t.Type)
			err = &apiError{Message: "injected failure", Code: code, Type: "invalid_request"}
		}
		now := time.Now().UTC()
		t.FinishedAt = &now
		if err != nil {
			t.Status, t.Error = "failed", err
		} else {
			t.Status = "succeeded"
		}
		s.mu.Unlock()
	}
}

// enqueue records a task (under s.mu) whose apply runs later, alone.
func (s *Server) enqueue(w http.ResponseWriter, uid, typ string, apply func() *apiError) {
	t := &task{UID: int64(len(s.tasks)), IndexUID: uid, Status: "enqueued", Type: typ, EnqueuedAt: time.Now().UTC(), apply: apply}
	if _, failing := s.fail[t.Type]; failing {
		// Meilisearch applies nothing of a failed task.
		t.apply = func() *apiError { return nil }
	}
	s.tasks = append(s.tasks, t)
	s.queue <- t
	writeJSON(w, http.StatusAccepted, map[string]any{"taskUid": t.UID, "indexUid": uid, "status": "enqueued", "type": typ, "enqueuedAt": t.EnqueuedAt})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, code, format string, args ...any) {
	writeJSON(w, status, apiError{Message: fmt.Sprintf(format, args...), Code: code, Type: "invalid_request",
		Link: "https://docs.meilisearch.com/errors#" + code})
}

// auth answers which key kind made the request, or writes the error.
func (s *Server) auth(w http.ResponseWriter, r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		writeErr(w, http.StatusUnauthorized, "missing_authorization_header", "The Authorization header is missing.")
		return "", false
	}
	switch strings.TrimPrefix(h, "Bearer ") {
	case MasterKey:
		return "master", true
	case AdminKey:
		return "admin", true
	case SearchKey:
		return "search", true
	}
	writeErr(w, http.StatusForbidden, "invalid_api_key", "The provided API key is invalid.")
	return "", false
}
