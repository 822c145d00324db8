package search

// For the external tests: the typo rules' pieces.
var (
	TypoVariants = typoVariants
	TypoDistance = typoDistance
	AllowedTypos = allowedTypos
)

// WalkEverything makes every query that may walk the popularity index walk
// it, a store's, a category's or a tag's query too, until the test ends.
func WalkEverything(t interface{ Cleanup(func()) }) {
	was := walkFactor
	walkFactor, walkAnyScope = 0, true
	t.Cleanup(func() { walkFactor, walkAnyScope = was, false })
}
