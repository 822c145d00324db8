package seed

// DemoStoreSlugs are the demo's stores, for the tests that check its numbers
// over its own rows only.
func DemoStoreSlugs() []string {
	out := make([]string, len(demoStores))
	for i, s := range demoStores {
		out[i] = s.Slug
	}
	return out
}

// DemoOwnerEmail is the owner's login of the demo store slug.
func DemoOwnerEmail(slug string) string {
	for _, s := range demoStores {
		if s.Slug == slug {
			return s.OwnerEmail
		}
	}
	return ""
}
