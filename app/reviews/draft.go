package reviews

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
)

//lint:file-ignore ST1005 these errors carry the sentence shown to the buyer verbatim, capitalised and punctuated

// The draft helper's refusals, with the sentence the buyer sees. Nothing is
// ever written on either: a draft only fills in the buyer's form.
var (
	// ErrDraftUnavailable: the model could not be reached in time, was
	// overloaded, or refused the call.
	ErrDraftUnavailable = errors.New("The draft helper is not available right now. Write your review yourself, or try again in a minute.")
	// ErrDraftUnusable: the model answered, but not with a draft that passes
	// our checks (shape, bounds, plain text).
	ErrDraftUnusable = errors.New("The draft helper's suggestion could not be used. Write your review yourself, or try again.")
)

// DraftTool is the one tool the model must call; its input is the draft.
const DraftTool = "propose_review"

// Bounds of the buyer's prompt and of a drafted review.
const (
	MaxWords     = 300
	MaxDraftBody = 2000
)

// DraftOptions configure the draft helper's Anthropic client.
type DraftOptions struct {
	APIKey string
	// BaseURL is where Messages API calls go ("" for Anthropic's own); tests
	// point it at a local server.
	BaseURL string
	// Model defaults to a small fast one.
	Model string
	// Timeout bounds the whole call, retries included (default 20 s).
	Timeout time.Duration
	// MaxRetries is how often the SDK retries an overloaded or failed call.
	MaxRetries int
	// HTTPClient, when set, sends the requests.
	HTTPClient *http.Client
}

// Drafter asks the Messages API for a review draft from a buyer's few words.
type Drafter struct {
	client  anthropic.Client
	model   anthropic.Model
	timeout time.Duration
}

// NewDrafter builds the client from o alone: nothing is read from the
// environment, so the configuration is the app's.
func NewDrafter(o DraftOptions) *Drafter {
	opts := []option.RequestOption{
		option.WithoutEnvironmentDefaults(),
		option.WithAPIKey(o.APIKey),
		option.WithMaxRetries(max(o.MaxRetries, 0)),
		option.WithoutOpenTelemetry(),
	}
	if o.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(o.BaseURL))
	}
	if o.HTTPClient != nil {
		opts = append(opts, option.WithHTTPClient(o.HTTPClient))
	}
	d := &Drafter{client: anthropic.NewClient(opts...), model: anthropic.Model(o.Model), timeout: o.Timeout}
	if d.model == "" {
		d.model = anthropic.ModelClaudeHaiku4_5
	}
	if d.timeout <= 0 {
		d.timeout = 20 * time.Second
	}
	return d
}

// CheckWords validates the buyer's prompt: a few words of plain text.
func CheckWords(words string) (string, error) {
	words = strings.TrimSpace(words)
	if utf8.RuneCountInString(words) < 3 {
		return words, &FormError{Field: "words", Msg: "Write a few words about the product first, such as “clear, but too short”."}
	}
	return words, checkText("words", "Your notes", words, 3, MaxWords)
}

const draftSystem = `You help a buyer write a short, honest product review in their own voice.
Use only what the buyer's notes say; do not invent facts. Plain text only: no HTML, no Markdown, no links.
Call the ` + DraftTool + ` tool exactly once with a rating from 1 to 5, a short title and a body of at most a few sentences.`

// Draft returns a form filled in from the model's tool call, for the buyer
// to edit and submit or discard. Every failure is ErrDraftUnavailable or
// ErrDraftUnusable.
func (d *Drafter) Draft(ctx context.Context, productTitle, words string) (Form, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	msg, err := d.client.Messages.New(ctx, anthropic.MessageNewParams{
		Model:     d.model,
		MaxTokens: 800,
		System:    []anthropic.TextBlockParam{{Text: draftSystem}},
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(
			"Product: " + productTitle + "\nMy notes: " + words))},
		Tools: []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{
			Name:        DraftTool,
			Description: anthropic.String("Propose the review draft shown to the buyer for editing."),
			InputSchema: draftSchema(),
		}}},
		ToolChoice: anthropic.ToolChoiceUnionParam{OfTool: &anthropic.ToolChoiceToolParam{
			Name: DraftTool, DisableParallelToolUse: anthropic.Bool(true),
		}},
	})
	if err != nil {
		// An error status (429, 5xx, 529 overloaded, after the SDK's
		// retries), a timeout or a broken connection: no draft now. Anything
		// else is an answer that did not decode.
		var apiErr *anthropic.Error
		var netErr net.Error
		if errors.As(err, &apiErr) || errors.As(err, &netErr) ||
			errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return Form{}, errors.Join(ErrDraftUnavailable, err)
		}
		return Form{}, errors.Join(ErrDraftUnusable, err)
	}
	var input []byte
	uses := 0
	for _, block := range msg.Content {
		if block.Type == "tool_use" {
			uses++
			tu := block.AsToolUse()
			if tu.Name != DraftTool {
				return Form{}, ErrDraftUnusable
			}
			input = tu.Input
		}
	}
	if uses != 1 {
		return Form{}, ErrDraftUnusable
	}
	f, err := ParseDraftInput(input)
	if err != nil {
		return Form{}, errors.Join(ErrDraftUnusable, err)
	}
	return f, nil
}

// draftSchema is the tool's input schema: {rating: integer 1..5, title, body}
// and nothing else.
func draftSchema() anthropic.ToolInputSchemaParam {
	return anthropic.ToolInputSchemaParam{
		Properties: map[string]any{
			"rating": map[string]any{"type": "integer", "minimum": 1, "maximum": 5, "description": "Stars, 1 (poor) to 5 (excellent)."},
			"title":  map[string]any{"type": "string", "maxLength": MaxTitle, "description": "A short headline, plain text."},
			"body":   map[string]any{"type": "string", "minLength": 1, "maxLength": MaxDraftBody, "description": "The review, plain text."},
		},
		Required:    []string{"rating", "title", "body"},
		ExtraFields: map[string]any{"additionalProperties": false},
	}
}
