package tenants

import "regexp"

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$`)

// reservedSlugs are names a store cannot take: they are, or may become, the
// platform's own hosts.
var reservedSlugs = map[string]bool{
	"www": true, "api": true, "admin": true, "dashboard": true, "static": true, "mail": true,
	"app": true, "assets": true, "auth": true, "billing": true, "blog": true, "cdn": true,
	"checkout": true, "docs": true, "ftp": true, "help": true, "imap": true, "internal": true,
	"login": true, "media": true, "pop": true, "shop": true, "smtp": true, "status": true,
	"store": true, "support": true, "webhooks": true, "claro": true,
}

// SlugProblem says what is wrong with a proposed store slug, or "" when it is
// fine: lowercase letters, digits and hyphens, 3-40 characters, not starting or
// ending with a hyphen, not reserved.
func SlugProblem(slug string) string {
	switch {
	case len(slug) < 3 || len(slug) > 40:
		return "Use 3 to 40 characters."
	case !slugPattern.MatchString(slug):
		return "Use lowercase letters, digits and hyphens, starting and ending with a letter or digit."
	case reservedSlugs[slug]:
		return "That name is reserved. Choose another."
	}
	return ""
}
