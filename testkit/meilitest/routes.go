package meilitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// serve routes the endpoints the backend calls; any other is a 404, so a new
// call in the backend fails loudly here until it is replayed too.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	kind, ok := s.auth(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, r.Method+" "+r.URL.Path+" "+kind)
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	isSearch := r.Method == http.MethodPost && len(parts) == 3 && parts[0] == "indexes" && parts[2] == "search"
	if kind == "search" && !isSearch {
		writeErr(w, http.StatusForbidden, "invalid_api_key", "The provided API key is invalid.")
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/keys":
		s.keys(w, kind)
	case r.Method == http.MethodGet && len(parts) == 2 && parts[0] == "tasks":
		uid, err := strconv.Atoi(parts[1])
		if err != nil || uid < 0 || uid >= len(s.tasks) {
			writeErr(w, http.StatusNotFound, "task_not_found", "Task `%s` not found.", parts[1])
			return
		}
		writeJSON(w, http.StatusOK, s.tasks[uid])
	case r.Method == http.MethodPost && r.URL.Path == "/indexes":
		var body struct{ UID, PrimaryKey string }
		if json.NewDecoder(r.Body).Decode(&body) != nil || body.UID == "" {
			writeErr(w, http.StatusBadRequest, "bad_request", "Invalid index creation request.")
			return
		}
		s.enqueue(w, body.UID, "indexCreation", func() *apiError {
			if s.indexes[body.UID] != nil {
				return &apiError{Message: fmt.Sprintf("Index `%s` already exists.", body.UID), Code: "index_already_exists"}
			}
			s.indexes[body.UID] = newIndex(body.UID, body.PrimaryKey)
			return nil
		})
	case r.Method == http.MethodPost && r.URL.Path == "/swap-indexes":
		s.swap(w, r)
	case len(parts) >= 2 && parts[0] == "indexes":
		s.indexRoute(w, r, parts[1], strings.Join(parts[2:], "/"))
	default:
		writeErr(w, http.StatusNotFound, "not_found", "Not replayed: %s %s", r.Method, r.URL.Path)
	}
}

func newIndex(uid, pk string) *index {
	return &index{uid: uid, primaryKey: pk, settings: map[string]json.RawMessage{}, docs: map[string]map[string]any{}, created: time.Now().UTC()}
}

func (s *Server) keys(w http.ResponseWriter, kind string) {
	if kind != "master" && kind != "admin" {
		writeErr(w, http.StatusForbidden, "invalid_api_key", "The provided API key is invalid.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"offset": 0, "limit": 100, "total": 2, "results": []map[string]any{
		{"name": "Default Search API Key", "uid": "7a5c1f86-0e8b-4d55-9b3b-1c1c1c1c1c1c", "key": SearchKey, "actions": []string{"search"}, "indexes": []string{"*"}, "expiresAt": nil},
		{"name": "Default Admin API Key", "uid": "9d2f4e1a-3b7c-4f5e-8a6d-2d2d2d2d2d2d", "key": AdminKey, "actions": []string{"*"}, "indexes": []string{"*"}, "expiresAt": nil},
	}})
}

func (s *Server) swap(w http.ResponseWriter, r *http.Request) {
	var body []struct{ Indexes []string }
	if json.NewDecoder(r.Body).Decode(&body) != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", "Invalid swap request.")
		return
	}
	s.enqueue(w, "", "indexSwap", func() *apiError {
		for _, p := range body { // all or nothing
			if len(p.Indexes) != 2 || s.indexes[p.Indexes[0]] == nil || s.indexes[p.Indexes[1]] == nil {
				return &apiError{Message: "Indexes not found.", Code: "index_not_found"}
			}
		}
		for _, p := range body {
			a, b := s.indexes[p.Indexes[0]], s.indexes[p.Indexes[1]]
			a.uid, b.uid = b.uid, a.uid
			s.indexes[p.Indexes[0]], s.indexes[p.Indexes[1]] = b, a
		}
		return nil
	})
}

func (s *Server) indexRoute(w http.ResponseWriter, r *http.Request, uid, rest string) {
	ix := s.indexes[uid]
	missing := func() *apiError {
		if s.indexes[uid] == nil {
			return &apiError{Message: fmt.Sprintf("Index `%s` not found.", uid), Code: "index_not_found"}
		}
		return nil
	}
	switch {
	case rest == "" && r.Method == http.MethodGet:
		if ix == nil {
			writeErr(w, http.StatusNotFound, "index_not_found", "Index `%s` not found.", uid)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"uid": uid, "primaryKey": ix.primaryKey, "createdAt": ix.created, "updatedAt": ix.created})
	case rest == "" && r.Method == http.MethodDelete:
		s.enqueue(w, uid, "indexDeletion", func() *apiError {
			if err := missing(); err != nil {
				return err
			}
			delete(s.indexes, uid)
			return nil
		})
	case rest == "settings" && r.Method == http.MethodPatch:
		var body map[string]json.RawMessage
		if json.NewDecoder(r.Body).Decode(&body) != nil {
			writeErr(w, http.StatusBadRequest, "bad_request", "Invalid settings.")
			return
		}
		if err := validateSettings(body); err != nil {
			writeJSON(w, http.StatusBadRequest, err)
			return
		}
		s.enqueue(w, uid, "settingsUpdate", func() *apiError {
			if s.indexes[uid] == nil { // Meilisearch creates the index
				s.indexes[uid] = newIndex(uid, "")
			}
			for k, v := range body {
				s.indexes[uid].settings[k] = v
			}
			return nil
		})
	case rest == "documents" && r.Method == http.MethodPost:
		var docs []map[string]any
		if json.NewDecoder(r.Body).Decode(&docs) != nil {
			writeErr(w, http.StatusBadRequest, "malformed_payload", "The documents payload is not a JSON array.")
			return
		}
		pk := r.URL.Query().Get("primaryKey")
		s.enqueue(w, uid, "documentAdditionOrUpdate", func() *apiError { return s.addDocuments(uid, pk, docs) })
	case rest == "documents/delete-batch" && r.Method == http.MethodPost:
		var ids []any
		if json.NewDecoder(r.Body).Decode(&ids) != nil {
			writeErr(w, http.StatusBadRequest, "bad_request", "Invalid ids.")
			return
		}
		s.enqueue(w, uid, "documentDeletion", func() *apiError {
			if err := missing(); err != nil {
				return err
			}
			for _, id := range ids {
				delete(s.indexes[uid].docs, fmt.Sprint(id))
			}
			return nil
		})
	case rest == "search" && r.Method == http.MethodPost:
		if ix == nil {
			writeErr(w, http.StatusNotFound, "index_not_found", "Index `%s` not found.", uid)
			return
		}
		s.search(w, r, ix)
	default:
		writeErr(w, http.StatusNotFound, "not_found", "Not replayed: %s %s", r.Method, r.URL.Path)
	}
}

func (s *Server) addDocuments(uid, pk string, docs []map[string]any) *apiError {
	ix := s.indexes[uid]
	if ix == nil { // Meilisearch creates the index on first documents
		ix = newIndex(uid, pk)
		s.indexes[uid] = ix
	}
	if ix.primaryKey == "" {
		ix.primaryKey = pk
	}
	for _, d := range docs {
		id, ok := d[ix.primaryKey]
		if !ok {
			return &apiError{Message: "Document doesn't have a primary key.", Code: "missing_document_id"}
		}
		key := fmt.Sprint(id)
		if _, exists := ix.docs[key]; !exists {
			ix.order = append(ix.order, key)
		}
		ix.docs[key] = d
	}
	return nil
}

// validateSettings refuses what Meilisearch refuses synchronously.
func validateSettings(body map[string]json.RawMessage) *apiError {
	var rules []string
	if raw, ok := body["rankingRules"]; ok && json.Unmarshal(raw, &rules) == nil {
		for _, r := range rules {
			switch {
			case r == "words", r == "typo", r == "proximity", r == "attribute", r == "sort", r == "exactness":
			case strings.HasSuffix(r, ":asc"), strings.HasSuffix(r, ":desc"):
			default:
				return &apiError{Message: fmt.Sprintf("`%s` ranking rule is invalid.", r), Code: "invalid_settings_ranking_rules", Type: "invalid_request"}
			}
		}
	}
	return nil
}
