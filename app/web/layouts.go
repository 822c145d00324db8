package web

import (
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"strings"

	"github.com/gofiber/template/html/v2"
)

// layoutSlot is where a layout puts the page it wraps.
const layoutSlot = "{{embed}}"

// Layouts renders pages inside their layout without the html engine's own
// {{embed}}, for two reasons the engine cannot be configured out of (written
// here because no option of gofiber/template does it):
//   - the engine's embed function returns the page's error as a value, which
//     the layout then prints: a page that fails half-way would go out as a 200
//     carrying the template error's text, and the error exit would never see
//     it;
//   - it takes the engine's write lock for every render inside a layout, so
//     every full page rendered at once waits on one mutex.
//
// At Load, each layout is split once at its {{embed}} into a head and a tail
// template in the same set (they share the functions and partials); Render
// then runs head, page and tail in turn, and the first error stops it. Fiber
// renders into a buffer of its own and sends nothing when Render fails, so the
// error exit answers instead.
type Layouts struct {
	*html.Engine
	fsys    fs.FS
	names   []string
	head    map[string]*template.Template
	tail    map[string]*template.Template
	pageExt string
}

// NewLayouts wraps e, whose templates are read from fsys with extension ext,
// and splits the named layouts. It loads e.
func NewLayouts(e *html.Engine, fsys fs.FS, ext string, layouts ...string) (*Layouts, error) {
	l := &Layouts{Engine: e, fsys: fsys, names: layouts, pageExt: ext}
	return l, l.Load()
}

// Load parses every template and splits the layouts, once: like the
// engine's own Load, a second call (Fiber's, at start) does nothing.
func (l *Layouts) Load() error {
	if l.head != nil {
		return nil
	}
	if err := l.Engine.Load(); err != nil {
		return err
	}
	l.head, l.tail = map[string]*template.Template{}, map[string]*template.Template{}
	for _, name := range l.names {
		src, err := fs.ReadFile(l.fsys, name+l.pageExt)
		if err != nil {
			return fmt.Errorf("web: layout %s: %w", name, err)
		}
		head, tail, ok := strings.Cut(string(src), layoutSlot)
		if !ok || strings.Contains(tail, layoutSlot) {
			return fmt.Errorf("web: layout %s must hold %s exactly once", name, layoutSlot)
		}
		if l.head[name], err = l.Engine.Templates.New(name + "#head").Parse(head); err != nil {
			return fmt.Errorf("web: layout %s: %w", name, err)
		}
		if l.tail[name], err = l.Engine.Templates.New(name + "#tail").Parse(tail); err != nil {
			return fmt.Errorf("web: layout %s: %w", name, err)
		}
	}
	return nil
}

// Render writes the template name with binding, inside layout when one is
// named. It fails, rather than printing the error, when any part fails.
func (l *Layouts) Render(out io.Writer, name string, binding any, layout ...string) error {
	if len(layout) == 0 || layout[0] == "" {
		return l.Engine.Render(out, name, binding)
	}
	head, ok := l.head[layout[0]]
	if !ok {
		return fmt.Errorf("web: layout %s was not split at Load", layout[0])
	}
	if err := head.Execute(out, binding); err != nil {
		return err
	}
	if err := l.Engine.Render(out, name, binding); err != nil {
		return err
	}
	return l.tail[layout[0]].Execute(out, binding)
}
