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

// DemoCovers are the demo products' covers, as the seed draws them.
func DemoCovers() map[string][]byte {
	names := map[string]demoStore{}
	for _, s := range demoStores {
		names[s.Slug] = s
	}
	out := map[string][]byte{}
	for i, p := range demoProducts {
		s := names[p.Store]
		out[p.Store+"/"+p.Slug] = CoverSVG(p.Title, s.Name, s.Accent, int64(i+1))
	}
	return out
}
