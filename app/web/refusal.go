package web

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// Refusal is an answer written for the person who made the request: a status
// and a sentence they can act on. It is the only error whose text the error
// handler shows, so which text may reach a user is decided by its type, where
// it is made, and never by what some lower layer happened to put in an error.
type Refusal struct {
	Status  int
	Message string
}

// Refuse returns a refusal with its status and the sentence to show.
func Refuse(status int, msg string) error { return &Refusal{Status: status, Message: msg} }

// BadRequest is a 400 refusal.
func BadRequest(msg string) error { return Refuse(fiber.StatusBadRequest, msg) }

// Error is for logs; the page shows Message.
func (r *Refusal) Error() string { return "refused " + strconv.Itoa(r.Status) + ": " + r.Message }

// AsRefusal reports the refusal err holds, if any.
func AsRefusal(err error) (*Refusal, bool) {
	var r *Refusal
	ok := errors.As(err, &r)
	return r, ok
}
