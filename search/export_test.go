package search

// For the external tests: the typo rules' pieces.
var (
	TypoVariants = typoVariants
	TypoDistance = typoDistance
	AllowedTypos = allowedTypos
)
